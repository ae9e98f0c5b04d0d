//! Redeeming a Patient Connect request (`/connect`): the code, the clinic's question, then the
//! record and the clinic application's offline access, granted as the application registered
//! it (required rules always, optional ones as the person ticks them; never anything the form
//! names that the registration does not). The authorization and the validation the clinic
//! polls for are stored in one transaction by `validate_connect_request`.

use std::collections::BTreeSet;
use std::net::SocketAddr;

use askama::Template;
use axum::Extension;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::StatusCode;
use axum::http::header::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use haven_domain::application::Application;
use haven_domain::auth_rules::{AuthRule, RuleSet};
use haven_domain::authorization::AppAuthorization;
use haven_domain::connect::{ConnectRequest, ConnectRequestStatus, ConnectValidation, IdentityCode, normalized_answer};
use haven_domain::person::Person;
use haven_domain::record::{Record, RecordMember};
use haven_store::StoreError;
use serde::Deserialize;

use super::memory::{ANSWERED_STEP_LIFETIME, Answered, AnsweredItem};
use super::{
    AnswerForm, CodeForm, CodeQuery, Flow, Held, Notice, RecordChoice, answer_start, chosen_record, count_failure,
    custodian_records, question_page, record_choices, submitted_code, wrong_answer_page,
};
use crate::consent::describe_rule;
use crate::error::{ShellError, render};
use crate::visit::Visit;
use crate::{Chrome, ShellState, password};

/// `GET /connect`.
pub(crate) async fn entry(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    Query(query): Query<CodeQuery>,
) -> Result<Response, ShellError> {
    super::entry(&state, &visit, Flow::Connect, &query).await
}

/// `POST /connect`: the code; its question, or why it cannot be used.
pub(crate) async fn submit_code(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response, ShellError> {
    let (code, held) = match submitted_code(&state, &visit, Flow::Connect, connection, &headers, &form).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    match held {
        Held::Request(request) => ask(&state, &visit, &code, &request, None),
        Held::Package(_) => Notice::other_flow(Flow::Connect, &code).page(&state, &visit),
        Held::Elsewhere(_) | Held::Unknown => Notice::unknown(Flow::Connect).page(&state, &visit),
    }
}

/// The question of a request that accepts answers, or the page saying why it does not.
fn ask(
    state: &ShellState,
    visit: &Visit,
    code: &IdentityCode,
    request: &ConnectRequest,
    error: Option<String>,
) -> Result<Response, ShellError> {
    match request.status_at(state.clock.now()) {
        ConnectRequestStatus::Pending | ConnectRequestStatus::Validated => {
            question_page(state, visit, Flow::Connect, code, &request.question, error)
        }
        ConnectRequestStatus::Locked => Notice::locked().page(state, visit),
        ConnectRequestStatus::Expired => Notice::expired().page(state, visit),
    }
}

/// `POST /connect/answer`: a wrong answer counts toward the code's lock and the client's
/// limit; the right one leads to the record and the clinic's access.
pub(crate) async fn answer(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<AnswerForm>,
) -> Result<Response, ShellError> {
    let (person, client, code) = match answer_start(&state, &visit, Flow::Connect, connection, &headers, &form)? {
        Ok(started) => started,
        Err(page) => return Ok(page),
    };
    let now = state.clock.now();
    // A code sent straight to this form is looked up, and counted, as on the code form, so
    // this form cannot tell anyone more about codes than that one.
    let Some(request) = state.store.connect_request_by_code(code.hash()).await? else {
        count_failure(&state, client);
        return Notice::unknown(Flow::Connect).page(&state, &visit);
    };
    if !request.accepts_answers_at(now) {
        return ask(&state, &visit, &code, &request, None);
    }
    if form.answer.is_empty() {
        return ask(&state, &visit, &code, &request, Some("Enter the answer to the question.".to_owned()));
    }
    let correct = password::verify(normalized_answer(&form.answer), Some(request.answer_hash.clone())).await?;
    if !correct {
        let failed = state.store.record_wrong_connect_answer(request.id).await?;
        tracing::info!(request = %request.id, "wrong answer to a connect request");
        return wrong_answer_page(&state, &visit, Flow::Connect, client, &code, &request.question, failed);
    }
    let Some(application) = clinic_application(&state, &request).await? else {
        return Notice::application_unavailable().page(&state, &visit);
    };
    let answered = Answered {
        person_id: person.id,
        expires_at: now + ANSWERED_STEP_LIFETIME,
        item: AnsweredItem::Request { request_id: request.id, code_hash: code.hash() },
    };
    state.connect.remember(visit.session.token_hash, answered, now);
    tracing::info!(request = %request.id, person = %person.id, "connect request answered");
    let records = custodian_records(&state, person, false).await?;
    let form = AuthorizeChoices { record: None, optional: None };
    authorize_page(&state, &visit, &request, &application, &records, &form, None)
}

/// The clinic's application, if it can be authorized here: registered, live in this instance,
/// and asking for offline access (the way a clinic uses Patient Connect).
async fn clinic_application(state: &ShellState, request: &ConnectRequest) -> Result<Option<Application>, ShellError> {
    let application = state.store.application(request.application_id).await?;
    Ok(application.filter(|application| {
        application.supports_instance(&state.instance_id) && !application.offline_rules.is_empty()
    }))
}

// ---------------------------------------------------------------------------- authorize

/// One rule as the page shows it.
#[derive(Debug)]
struct RuleView {
    name: String,
    reason: String,
    access: Vec<String>,
    checked: bool,
}

#[derive(Template)]
#[template(path = "connect_authorize.html")]
struct AuthorizePage {
    chrome: Chrome,
    friendly_name: String,
    application_name: String,
    application_description: String,
    required: Vec<RuleView>,
    optional: Vec<RuleView>,
    records: Vec<RecordChoice>,
    problem: Option<String>,
}

/// What the person chose, to show again.
struct AuthorizeChoices<'a> {
    record: Option<&'a str>,
    /// The optional rules ticked; `None` ticks them all (the first showing).
    optional: Option<&'a BTreeSet<String>>,
}

fn authorize_page(
    state: &ShellState,
    visit: &Visit,
    request: &ConnectRequest,
    application: &Application,
    records: &[(Record, RecordMember)],
    choices: &AuthorizeChoices<'_>,
    problem: Option<String>,
) -> Result<Response, ShellError> {
    let view = |rule: &AuthRule| RuleView {
        name: rule.name.clone(),
        reason: rule.reason.clone(),
        access: describe_rule(rule),
        checked: !rule.is_optional || choices.optional.is_none_or(|ticked| ticked.contains(&rule.name)),
    };
    let rules = &application.offline_rules;
    let status = if problem.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = AuthorizePage {
        chrome: visit.chrome(state),
        friendly_name: request.friendly_name.clone(),
        application_name: application.name.clone(),
        application_description: application.description.clone(),
        required: rules.required().map(view).collect(),
        optional: rules.rules.iter().filter(|rule| rule.is_optional).map(view).collect(),
        records: record_choices(records, choices.record),
        problem,
    };
    Ok((status, render(&page)?).into_response())
}

/// What the authorization form sends.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct AuthorizeForm {
    csrf: String,
    decision: String,
    record: String,
    offline: Vec<String>,
}

#[derive(Template)]
#[template(path = "connect_done.html")]
struct DonePage {
    chrome: Chrome,
    application_name: String,
    record_name: String,
    record_id: String,
}

/// `POST /connect/authorize`: the person's decision, for the request they answered in this
/// session.
pub(crate) async fn authorize(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    headers: HeaderMap,
    Form(form): Form<AuthorizeForm>,
) -> Result<Response, ShellError> {
    visit.check_form(&headers, &form.csrf)?;
    let person = visit.person()?;
    let now = state.clock.now();
    let session = visit.session.token_hash;
    let answered = state.connect.answered(session, now).filter(|answered| answered.person_id == person.id);
    let Some(Answered { item: AnsweredItem::Request { request_id, code_hash }, .. }) = answered else {
        return Notice::answer_again(Flow::Connect).page(&state, &visit);
    };
    let request = state.store.connect_request_by_code(code_hash).await?.filter(|request| request.id == request_id);
    let Some(request) = request else {
        state.connect.forget(session);
        return Notice::withdrawn().page(&state, &visit);
    };
    let refusal = match request.status_at(now) {
        ConnectRequestStatus::Pending | ConnectRequestStatus::Validated => None,
        ConnectRequestStatus::Locked => Some(Notice::locked()),
        ConnectRequestStatus::Expired => Some(Notice::expired()),
    };
    if let Some(refusal) = refusal {
        state.connect.forget(session);
        return refusal.page(&state, &visit);
    }
    let Some(application) = clinic_application(&state, &request).await? else {
        state.connect.forget(session);
        return Notice::application_unavailable().page(&state, &visit);
    };
    match form.decision.as_str() {
        "reject" => {
            state.connect.forget(session);
            tracing::info!(request = %request.id, person = %person.id, "connect request declined");
            return declined(&application).page(&state, &visit);
        }
        "accept" => {}
        _ => return Notice::bad_form(Flow::Connect).page(&state, &visit),
    }
    let mut optional = BTreeSet::new();
    for name in &form.offline {
        match application.offline_rules.rule(name) {
            Some(rule) if rule.is_optional => optional.insert(name.clone()),
            _ => return Notice::bad_form(Flow::Connect).page(&state, &visit),
        };
    }
    let records = custodian_records(&state, person, false).await?;
    let Ok(chosen) = chosen_record(&records, &form.record) else {
        return Notice::bad_form(Flow::Connect).page(&state, &visit);
    };
    let Some((record, _)) = chosen else {
        let choices = AuthorizeChoices { record: None, optional: Some(&optional) };
        let problem = Some("Choose the record the clinic may use.".to_owned());
        return authorize_page(&state, &visit, &request, &application, &records, &choices, problem);
    };
    let authorization = grant(&state, person, record, &application, &optional).await?;
    let validation = ConnectValidation {
        request_id: request.id,
        application_id: application.id,
        external_id: request.external_id.clone(),
        person_id: person.id,
        record_id: record.id,
        validated_at: now,
    };
    match state.store.validate_connect_request(&validation, &authorization).await {
        Ok(()) => {}
        Err(StoreError::ConnectItemUnavailable) => {
            state.connect.forget(session);
            return Notice::withdrawn().page(&state, &visit);
        }
        Err(error) => return Err(error.into()),
    }
    state.connect.forget(session);
    tracing::info!(
        request = %request.id, person = %person.id, record = %record.id, application = %application.id,
        "connect request redeemed"
    );
    let page = DonePage {
        chrome: visit.chrome(&state),
        application_name: application.name.clone(),
        record_name: record.display_name.clone(),
        record_id: record.id.to_string(),
    };
    Ok(render(&page)?.into_response())
}

/// The authorization Patient Connect grants: the application's registered offline rules
/// (required ones, and the optional ones ticked), from the server's copy of the application.
/// An online grant the person gave the application on the record before is kept.
async fn grant(
    state: &ShellState,
    person: &Person,
    record: &Record,
    application: &Application,
    optional: &BTreeSet<String>,
) -> Result<AppAuthorization, ShellError> {
    let now = state.clock.now();
    let rules: Vec<AuthRule> = application
        .offline_rules
        .rules
        .iter()
        .filter(|rule| !rule.is_optional || optional.contains(&rule.name))
        .cloned()
        .collect();
    let online = state
        .store
        .authorizations_of_person(person.id, application.id)
        .await?
        .into_iter()
        .find(|authorization| authorization.record_id == record.id && authorization.is_active_at(now))
        .and_then(|authorization| authorization.online);
    Ok(AppAuthorization {
        person_id: person.id,
        record_id: record.id,
        application_id: application.id,
        online,
        offline: Some(RuleSet { rules }),
        granted_at: now,
        expires_at: None,
        revoked_at: None,
    })
}

/// The page after the person declined.
fn declined(application: &Application) -> Notice {
    Notice::new(
        StatusCode::OK,
        format!("You did not connect {}", application.name),
        vec![
            "Nothing was shared: the clinic cannot use your records.".to_owned(),
            "If you change your mind, enter the code again while it is still valid.".to_owned(),
        ],
    )
    .link("/records", "Go to your records")
}
