//! Picking up a DOPU package (`/pickup`): the code, the clinic's question, whose answer opens
//! the package (the server never had it: a wrong answer simply does not decrypt), what the
//! package holds, then the record the things go into. The store marks the package picked up
//! and writes the blobs and things in one transaction, at most once.

use std::net::SocketAddr;

use askama::Template;
use axum::Extension;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::StatusCode;
use axum::http::header::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use haven_domain::connect::{ConnectPackage, IdentityCode, PackageStatus};
use haven_package::{PackageError, PackageParameters};
use haven_store::StoreError;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::contents::{BuildError, ContentProblem, build_pickup, read_things, summary};
use super::memory::{ANSWERED_STEP_LIFETIME, Answered, AnsweredItem};
use super::{
    AnswerForm, CodeForm, CodeQuery, Flow, Held, Notice, RecordChoice, answer_start, chosen_record, count_failure,
    custodian_records, question_page, record_choices, submitted_code, wrong_answer_page,
};
use crate::error::{ShellError, render};
use crate::visit::Visit;
use crate::{Chrome, ShellState};

/// `GET /pickup`.
pub(crate) async fn entry(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    Query(query): Query<CodeQuery>,
) -> Result<Response, ShellError> {
    super::entry(&state, &visit, Flow::Pickup, &query).await
}

/// `POST /pickup`: the code; its question, or why it cannot be used.
pub(crate) async fn submit_code(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response, ShellError> {
    let (code, held) = match submitted_code(&state, &visit, Flow::Pickup, connection, &headers, &form).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    match held {
        Held::Package(package) => ask(&state, &visit, &code, &package, None),
        Held::Request(_) => Notice::other_flow(Flow::Pickup, &code).page(&state, &visit),
        Held::Elsewhere(_) | Held::Unknown => Notice::unknown(Flow::Pickup).page(&state, &visit),
    }
}

/// The question of a package waiting for its pickup, or the page saying why it is not.
fn ask(
    state: &ShellState,
    visit: &Visit,
    code: &IdentityCode,
    package: &ConnectPackage,
    error: Option<String>,
) -> Result<Response, ShellError> {
    match (package.status_at(state.clock.now()), &package.contents) {
        (PackageStatus::Pending, Some(contents)) => {
            question_page(state, visit, Flow::Pickup, code, &contents.question, error)
        }
        (PackageStatus::Allocated | PackageStatus::Pending, _) => not_ready().page(state, visit),
        (PackageStatus::PickedUp, _) => picked_up().page(state, visit),
        (PackageStatus::Locked, _) => Notice::locked().page(state, visit),
        (PackageStatus::Expired, _) => Notice::expired().page(state, visit),
    }
}

/// `POST /pickup/answer`: the answer opens the package or counts as wrong; an opened package's
/// things are checked and listed, and the person chooses the record.
pub(crate) async fn answer(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<AnswerForm>,
) -> Result<Response, ShellError> {
    let (person, client, code) = match answer_start(&state, &visit, Flow::Pickup, connection, &headers, &form)? {
        Ok(started) => started,
        Err(page) => return Ok(page),
    };
    let now = state.clock.now();
    // A code sent straight to this form is looked up, and counted, as on the code form, so
    // this form cannot tell anyone more about codes than that one.
    let Some(package) = state.store.connect_package_by_code(code.hash()).await? else {
        count_failure(&state, client);
        return Notice::unknown(Flow::Pickup).page(&state, &visit);
    };
    let (PackageStatus::Pending, Some(contents)) = (package.status_at(now), &package.contents) else {
        return ask(&state, &visit, &code, &package, None);
    };
    if form.answer.is_empty() {
        return ask(&state, &visit, &code, &package, Some("Enter the answer to the question.".to_owned()));
    }
    let parameters = match PackageParameters::from_data_xml(&contents.parameters_xml) {
        Ok(parameters) => parameters,
        Err(error) => {
            tracing::warn!(package = %package.id, %error, "a package's encryption parameters cannot be read");
            return damaged(None).page(&state, &visit);
        }
    };
    let answer = Zeroizing::new(form.answer);
    let ciphertext = contents.ciphertext.clone();
    // Key derivation is deliberately slow (up to a million PBKDF2 rounds, maybe twice).
    let opened = tokio::task::spawn_blocking(move || haven_package::open(&parameters, &answer, &ciphertext))
        .await
        .map_err(|error| ShellError::Internal(format!("the package opening task failed: {error}")))?;
    let opened = match opened {
        Ok(opened) => opened,
        Err(PackageError::WrongAnswer) => {
            let failed = state.store.record_wrong_package_answer(package.id).await?;
            tracing::info!(package = %package.id, "wrong answer to a package");
            return wrong_answer_page(&state, &visit, Flow::Pickup, client, &code, &contents.question, failed);
        }
        Err(PackageError::EmptyAnswer) => {
            return ask(&state, &visit, &code, &package, Some("Enter the answer to the question.".to_owned()));
        }
        Err(error) => {
            tracing::warn!(package = %package.id, %error, "a package cannot be opened");
            return damaged(None).page(&state, &visit);
        }
    };
    let things = match read_things(&opened.things_xml) {
        Ok(things) => things,
        Err(problem) => {
            tracing::warn!(package = %package.id, "a package's contents were refused");
            return damaged(Some(problem)).page(&state, &visit);
        }
    };
    let items = summary(&things);
    let answered = Answered {
        person_id: person.id,
        expires_at: now + ANSWERED_STEP_LIFETIME,
        item: AnsweredItem::Package {
            package_id: package.id,
            code_hash: code.hash(),
            key: opened.key,
            things_xml: Zeroizing::new(opened.things_xml),
        },
    };
    state.connect.remember(visit.session.token_hash, answered, now);
    tracing::info!(package = %package.id, person = %person.id, "package opened");
    let records = custodian_records(&state, person, true).await?;
    let view = ContentsView { package: &package, items, records: &records, chosen: None };
    contents_page(&state, &visit, &view, None).await
}

#[derive(Template)]
#[template(path = "pickup_contents.html")]
struct ContentsPage {
    chrome: Chrome,
    friendly_name: String,
    clinic_name: String,
    items: Vec<(String, usize)>,
    total: usize,
    records: Vec<RecordChoice>,
    problem: Option<String>,
}

/// What the contents page shows.
struct ContentsView<'a> {
    package: &'a ConnectPackage,
    items: Vec<(String, usize)>,
    records: &'a [(haven_domain::record::Record, haven_domain::record::RecordMember)],
    chosen: Option<&'a str>,
}

async fn contents_page(
    state: &ShellState,
    visit: &Visit,
    view: &ContentsView<'_>,
    problem: Option<String>,
) -> Result<Response, ShellError> {
    let status = if problem.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = ContentsPage {
        chrome: visit.chrome(state),
        friendly_name: view
            .package
            .contents
            .as_ref()
            .map(|contents| contents.friendly_name.clone())
            .unwrap_or_default(),
        clinic_name: clinic_name(state, view.package).await?,
        total: view.items.iter().map(|(_, count)| count).sum(),
        items: view.items.clone(),
        records: record_choices(view.records, view.chosen),
        problem,
    };
    Ok((status, render(&page)?).into_response())
}

/// The name of the clinic's application, as the person knows it from consent screens.
async fn clinic_name(state: &ShellState, package: &ConnectPackage) -> Result<String, ShellError> {
    let application = state.store.application(package.application_id).await?;
    Ok(application.map_or_else(|| "the clinic".to_owned(), |application| application.name))
}

/// What the collect form sends.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct CollectForm {
    csrf: String,
    record: String,
}

#[derive(Template)]
#[template(path = "pickup_done.html")]
struct DonePage {
    chrome: Chrome,
    clinic_name: String,
    count: usize,
    record_name: String,
    record_id: String,
}

/// `POST /pickup/collect`: writes the package answered in this session into the chosen record.
pub(crate) async fn collect(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    headers: HeaderMap,
    Form(form): Form<CollectForm>,
) -> Result<Response, ShellError> {
    visit.check_form(&headers, &form.csrf)?;
    let person = visit.person()?;
    let now = state.clock.now();
    let session = visit.session.token_hash;
    let answered = state.connect.answered(session, now).filter(|answered| answered.person_id == person.id);
    let Some(Answered { item: AnsweredItem::Package { package_id, code_hash, key, things_xml }, .. }) = answered else {
        return Notice::answer_again(Flow::Pickup).page(&state, &visit);
    };
    let package = state.store.connect_package_by_code(code_hash).await?.filter(|package| package.id == package_id);
    let Some(package) = package else {
        state.connect.forget(session);
        return Notice::withdrawn().page(&state, &visit);
    };
    if let Some(refusal) = unavailable(&package, now) {
        state.connect.forget(session);
        return refusal.page(&state, &visit);
    }
    let things = match read_things(&things_xml) {
        Ok(things) => things,
        Err(problem) => {
            state.connect.forget(session);
            return damaged(Some(problem)).page(&state, &visit);
        }
    };
    let items = summary(&things);
    let records = custodian_records(&state, person, true).await?;
    let Ok(chosen) = chosen_record(&records, &form.record) else {
        return Notice::bad_form(Flow::Pickup).page(&state, &visit);
    };
    let Some((record, _)) = chosen else {
        let view = ContentsView { package: &package, items, records: &records, chosen: None };
        return contents_page(&state, &visit, &view, Some("Choose the record to add the information to.".to_owned()))
            .await;
    };
    let pickup = match build_pickup(&state, &package, &key, things, record.id, person.id, now).await {
        Ok(pickup) => pickup,
        Err(BuildError::Contents(problem)) => {
            tracing::warn!(package = %package.id, "a package's contents were refused");
            state.connect.forget(session);
            return damaged(Some(problem)).page(&state, &visit);
        }
        Err(BuildError::Shell(error)) => return Err(error),
    };
    let record_problem = match state.store.pick_up_connect_package(package.id, &pickup).await {
        Ok(_) => None,
        Err(StoreError::ConnectItemUnavailable) => {
            state.connect.forget(session);
            let now_status = state.store.connect_package_by_code(code_hash).await?;
            let refusal = now_status.and_then(|package| unavailable(&package, now)).unwrap_or_else(Notice::withdrawn);
            return refusal.page(&state, &visit);
        }
        Err(StoreError::RecordNotWritable { .. } | StoreError::RecordNotFound(_)) => {
            Some("This record cannot be changed at the moment. Choose another record.")
        }
        Err(StoreError::QuotaExceeded { .. }) => {
            Some("This record has no room left for the information. Choose another record.")
        }
        Err(error) => return Err(error.into()),
    };
    if let Some(problem) = record_problem {
        let view = ContentsView { package: &package, items, records: &records, chosen: Some(&form.record) };
        return contents_page(&state, &visit, &view, Some(problem.to_owned())).await;
    }
    state.connect.forget(session);
    tracing::info!(
        package = %package.id, person = %person.id, record = %record.id, things = pickup.changes.len(),
        "package picked up"
    );
    let types = pickup.changes.iter().map(|change| change.thing().type_id);
    crate::records::log_person_access(
        &state,
        record.id,
        person.id,
        haven_domain::access_log::AccessKind::Write,
        "package collected",
        types,
        pickup.changes.len(),
    )
    .await;
    let page = DonePage {
        chrome: visit.chrome(&state),
        clinic_name: clinic_name(&state, &package).await?,
        count: pickup.changes.len(),
        record_name: record.display_name.clone(),
        record_id: record.id.to_string(),
    };
    Ok(render(&page)?.into_response())
}

/// Why a package cannot be picked up at `now`, if it cannot.
fn unavailable(package: &ConnectPackage, now: time::OffsetDateTime) -> Option<Notice> {
    match package.status_at(now) {
        PackageStatus::Pending => None,
        PackageStatus::Allocated => Some(not_ready()),
        PackageStatus::PickedUp => Some(picked_up()),
        PackageStatus::Locked => Some(Notice::locked()),
        PackageStatus::Expired => Some(Notice::expired()),
    }
}

/// A package collected already.
fn picked_up() -> Notice {
    Notice::new(
        StatusCode::GONE,
        "This package was already collected",
        vec![
            "A package can be collected only once, and this one has been. Nothing more was added to any record."
                .to_owned(),
            "If you did not collect it, or it went into the wrong record, contact the clinic and ask them to send it \
             again."
                .to_owned(),
        ],
    )
    .link("/records", "Go to your records")
}

/// A code whose package the clinic has not sent yet.
fn not_ready() -> Notice {
    Notice::new(
        StatusCode::CONFLICT,
        "This package is not ready yet",
        vec![
            "The clinic reserved this code but has not finished sending the package. Nothing was added to your \
             records."
                .to_owned(),
            "Try again later, or contact the clinic.".to_owned(),
        ],
    )
}

/// A package whose contents cannot be written, with the reason when it is about the things.
fn damaged(problem: Option<ContentProblem>) -> Notice {
    let mut paragraphs = vec![
        "The package the clinic sent is damaged or in a form Haven does not accept, so nothing was added to your \
         records."
            .to_owned(),
    ];
    if let Some(ContentProblem(detail)) = problem {
        paragraphs.push(detail);
    }
    paragraphs.push("Contact the clinic and ask them to send it again.".to_owned());
    Notice::new(StatusCode::UNPROCESSABLE_ENTITY, "This package cannot be collected", paragraphs)
}
