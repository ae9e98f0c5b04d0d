//! The Shell redirect interface: `GET /redirect.aspx?target=...&targetqs=...`, how
//! applications send people to the Shell (HealthVault's `redirect.aspx`). The request is
//! checked before anything else (a known target; a registered application live in this
//! instance; no return address other than the registered one), so a bad link ends on a
//! page that says what is wrong and never redirects. Then signed-out people are sent to
//! sign in (CREATEACCOUNT: to sign up) and come back to the same address; consent targets go
//! on in [`crate::consent`] (CREATEAPPLICATION, a SODA device's connection, after the checks
//! in `create_application.rs`); CONNECT and PICKUP go on to the Patient Connect and DOPU pages
//! of [`crate::connect`], with the code (`packageid`) filled in; the others are handled here.
//! The way back to the application is in `returning.rs`.

mod create_application;
mod problem;
mod request;
mod returning;

use askama::Template;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use haven_domain::application::Application;
use haven_domain::person::Person;
use haven_domain::record::{Record, RecordMember, RecordState, Relationship};
use haven_domain::session::TokenHash;
use haven_store::StoreError;
use serde::Deserialize;

pub(crate) use create_application::PendingCreation;
pub(crate) use problem::{RedirectFailure, RedirectProblem};
pub(crate) use request::{ShellRequest, Target};
pub(crate) use returning::{Destination, Return, destination, go_back, see_other};

use crate::accounts::sign_in_then;
use crate::error::{ShellError, render};
use crate::visit::{Visit, cleared_cookie};
use crate::{Chrome, ShellState};

/// The redirect interface's routes, the consent decision, and the pages they lead to.
pub(crate) fn routes() -> Router<ShellState> {
    Router::new()
        .route("/redirect.aspx", get(redirect))
        .route("/consent", post(crate::consent::decide))
        .route(returning::COMPLETE_PATH, get(complete))
        .route("/help", get(help))
        .route("/help/{topic}", get(help_topic))
}

/// `GET /redirect.aspx`.
async fn redirect(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    match answer(&state, &visit, uri.query().unwrap_or_default()).await {
        Ok(response) => response,
        Err(failure) => failure.into_page(&state, &visit),
    }
}

async fn answer(state: &ShellState, visit: &Visit, raw_query: &str) -> Result<Response, RedirectFailure> {
    let request = ShellRequest::parse(raw_query)?;
    let application = match request.application_id()? {
        Some(application_id) => Some(registered_application(state, application_id).await?),
        None => None,
    };
    let here = format!("/redirect.aspx?{}", request.to_query(request.record_created));
    match request.target {
        Target::CreateApplication => {
            let master = application.ok_or(RedirectProblem::MissingApplication)?;
            let creation = PendingCreation::check(state, &request, master).await?;
            let destination = destination(&creation.child, &request)?;
            let Some(person) = &visit.person else { return Ok(see_other(&sign_in_then(&here))) };
            let subject = crate::consent::Subject::soda_instance(creation);
            crate::consent::authorize(state, visit, person, &request, &subject, &destination).await
        }
        Target::Auth | Target::AppAuth | Target::CreateAccount | Target::CreateRecord => {
            let application = application.ok_or(RedirectProblem::MissingApplication)?;
            let destination = destination(&application, &request)?;
            let Some(person) = &visit.person else {
                let next =
                    if request.target == Target::CreateAccount { sign_up_then(&here) } else { sign_in_then(&here) };
                return Ok(see_other(&next));
            };
            if request.target == Target::CreateRecord && !request.record_created {
                let back = format!("/redirect.aspx?{}", request.to_query(true));
                return Ok(see_other(&format!("/records/new?next={}", encode(&back))));
            }
            let subject = crate::consent::Subject::web(application);
            crate::consent::authorize(state, visit, person, &request, &subject, &destination).await
        }
        Target::AppSignOut => {
            let application = application.ok_or(RedirectProblem::MissingApplication)?;
            let destination = destination(&application, &request)?;
            sign_out(state, visit, &application, &request, &destination).await
        }
        Target::AppRedirect => {
            let application = application.ok_or(RedirectProblem::MissingApplication)?;
            app_redirect(state, visit, &application, &request).await
        }
        Target::Help => Ok(see_other(match request.params.get("topicid").map(str::trim) {
            Some(topic) if topic.eq_ignore_ascii_case("PrivacyPolicy") => "/help/privacy-policy",
            Some(topic) if topic.eq_ignore_ascii_case("ServiceAgreement") => "/help/service-agreement",
            _ => "/help",
        })),
        Target::Connect | Target::Pickup => {
            let flow = if request.target == Target::Connect {
                crate::connect::Flow::Connect
            } else {
                crate::connect::Flow::Pickup
            };
            let page = flow.entry_path(request.identity_code());
            // The pages need a signed-in person; sign-in (or a bounce to the person's own
            // instance) comes back to the page with the code.
            Ok(see_other(&if visit.person.is_some() { page } else { sign_in_then(&page) }))
        }
        Target::ShareRecord => {
            let application = application.ok_or(RedirectProblem::MissingApplication)?;
            let destination = destination(&application, &request)?;
            let Some(person) = &visit.person else { return Ok(see_other(&sign_in_then(&here))) };
            let back =
                |target: &str| go_back(state, visit, &application, &request, &destination, Return::target(target));
            if request.shared {
                return Ok(back("ShareRecordSuccess")?);
            }
            let wanted =
                request.external_record_id().map_err(|text| RedirectProblem::BadParameter("extrecordid", text))?;
            let records = records_of(state, person).await?;
            let now = state.clock.now();
            let chosen = match wanted {
                Some(record_id) => records.iter().find(|(record, _)| record.id == record_id),
                None => records.iter().find(|(_, member)| member.relationship == Relationship::SELF),
            };
            Ok(match chosen {
                None => back("AppAuthInvalidRecord")?,
                Some((_, member)) if !member.is_custodian || !member.is_active_at(now) => back("ShareRecordFailed")?,
                Some((record, _)) => {
                    let next = format!("/redirect.aspx?{}", request.shared_query());
                    see_other(&format!("/records/{}/sharing?next={}", record.id, encode(&next)))
                }
            })
        }
        Target::ManageAccount => Ok(see_other("/account")),
        Target::RecordList => Ok(see_other("/records")),
        Target::ViewItems => {
            let Some(person) = &visit.person else { return Ok(see_other(&sign_in_then(&here))) };
            let wanted =
                request.external_record_id().map_err(|text| RedirectProblem::BadParameter("extrecordid", text))?;
            let records = records_of(state, person).await?;
            Ok(match wanted.filter(|record_id| records.iter().any(|(record, _)| record.id == *record_id)) {
                Some(record_id) => see_other(&format!("/records/{record_id}")),
                None => see_other("/records"),
            })
        }
    }
}

/// The application registered under `application_id`, if it is live in this instance.
pub(crate) async fn registered_application(
    state: &ShellState,
    application_id: haven_domain::ids::ApplicationId,
) -> Result<Application, RedirectFailure> {
    let application = state
        .store
        .application(application_id)
        .await?
        .ok_or_else(|| RedirectProblem::UnknownApplication(application_id.to_string()))?;
    if !application.supports_instance(&state.instance_id) {
        let instance_name = state.instance_name();
        return Err(RedirectProblem::NotLiveHere(application.name, instance_name).into());
    }
    Ok(application)
}

/// The records a person can use now, in the store's order: those they are an active
/// member of that are not deleted or suspended.
pub(crate) async fn records_of(state: &ShellState, person: &Person) -> Result<Vec<(Record, RecordMember)>, StoreError> {
    let now = state.clock.now();
    let mut records = state.store.records_for_person(person.id).await?;
    records.retain(|(record, member)| {
        member.is_active_at(now) && matches!(record.state, RecordState::Active | RecordState::ReadOnly)
    });
    Ok(records)
}

/// The sign-up page's address that comes back to `here` afterwards.
fn sign_up_then(here: &str) -> String {
    format!("/signup?next={}", encode(here))
}

/// `text` URL-encoded for a query value.
fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// APPSIGNOUT: revokes the application's user token (`credtoken`) if it is one this
/// application holds, ends the person's Shell session ("signs the user out of
/// HealthVault"), and returns `SignOut`. A GET can do this, as HealthVault's could; the
/// worst a hostile link can do is sign someone out.
async fn sign_out(
    state: &ShellState,
    visit: &Visit,
    application: &Application,
    request: &ShellRequest,
    destination: &Destination,
) -> Result<Response, RedirectFailure> {
    let now = state.clock.now();
    if let Some(credtoken) = request.params.get("credtoken") {
        let token_hash = TokenHash::of_token(credtoken);
        let belongs =
            state.store.user_token(token_hash).await?.is_some_and(|token| token.application_id == application.id);
        if belongs && state.store.revoke_user_token(token_hash, now).await? {
            tracing::info!(application = %application.id, "user token revoked at APPSIGNOUT");
        }
    }
    let signed_in = visit.person.is_some();
    if signed_in {
        state.store.delete_web_session(visit.session.token_hash).await?;
    }
    let mut response = go_back(state, visit, application, request, destination, Return::target("SignOut"))?;
    if signed_in {
        response.headers_mut().append(SET_COOKIE, cleared_cookie(state));
    }
    Ok(response)
}

/// APPREDIRECT: on to the destination application (`appid`) with the `target` and
/// `targetqs` given inside `targetqs`. The referring application (`refappid`), when named,
/// must be registered too.
async fn app_redirect(
    state: &ShellState,
    visit: &Visit,
    application: &Application,
    request: &ShellRequest,
) -> Result<Response, RedirectFailure> {
    if let Some(referrer) = request.params.get("refappid") {
        let referrer_id = haven_domain::ids::ApplicationId::parse(referrer.trim())
            .map_err(|_| RedirectProblem::BadParameter("refappid", referrer.chars().take(60).collect()))?;
        registered_application(state, referrer_id).await?;
    }
    let Destination::ActionUrl(action_url) = destination(application, request)? else {
        return Err(RedirectProblem::NoActionUrl(application.name.clone()).into());
    };
    let target = request.params.get("target").ok_or(RedirectProblem::MissingTarget)?.to_owned();
    let extra =
        request.params.get("targetqs").map(|targetqs| vec![("targetqs", targetqs.to_owned())]).unwrap_or_default();
    let outcome = Return { target, extra, ..Return::default() };
    Ok(go_back(state, visit, application, request, &Destination::ActionUrl(action_url), outcome)?)
}

// ---------------------------------------------------------------------------- pages

/// What `/application/complete` shows. Its parameters stay in the address, where mobile and
/// desktop SDKs read them: `target`, `instanceid`, `appid` (for CREATEAPPLICATION, the new
/// instance's id) and `actionqs`.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct CompleteQuery {
    target: String,
    appid: String,
}

#[derive(Template)]
#[template(path = "redirect_complete.html")]
struct CompletePage {
    chrome: Chrome,
    outcome: CompleteOutcome,
    application_name: String,
    target: String,
}

/// How the task the application asked for ended, as the completion page words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CompleteOutcome {
    /// `AppAuthSuccess`.
    Authorized,
    /// `AppAuthReject`.
    Refused,
    /// Any other target.
    Other,
}

/// `GET /application/complete`: where applications without an action URL end. Mobile and
/// desktop SDKs watch for this address and read `target`, `instanceid` and `appid` from it;
/// the page tells the person to close the window and go back to the application, named when
/// `appid` is a registered application.
async fn complete(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    Query(query): Query<CompleteQuery>,
) -> Result<Response, ShellError> {
    let outcome = if query.target.eq_ignore_ascii_case("AppAuthSuccess") {
        CompleteOutcome::Authorized
    } else if query.target.eq_ignore_ascii_case("AppAuthReject") {
        CompleteOutcome::Refused
    } else {
        CompleteOutcome::Other
    };
    let application = match haven_domain::ids::ApplicationId::parse(query.appid.trim()) {
        Ok(application_id) => state.store.application(application_id).await?,
        Err(_) => None,
    };
    let application_name = application.map_or_else(|| "the application".to_owned(), |application| application.name);
    let page = CompletePage {
        chrome: visit.chrome(&state),
        outcome,
        application_name,
        target: query.target.chars().take(60).collect(),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "redirect_help.html")]
struct HelpPage {
    chrome: Chrome,
    topic: HelpTopic,
}

/// The help pages the HELP target reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HelpTopic {
    /// General help.
    Help,
    /// `topicid=PrivacyPolicy`.
    PrivacyPolicy,
    /// `topicid=ServiceAgreement`.
    ServiceAgreement,
}

/// `GET /help`.
async fn help(State(state): State<ShellState>, Extension(visit): Extension<Visit>) -> Result<Response, ShellError> {
    Ok(render(&HelpPage { chrome: visit.chrome(&state), topic: HelpTopic::Help })?.into_response())
}

/// `GET /help/privacy-policy` and `/help/service-agreement`.
async fn help_topic(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    Path(topic): Path<String>,
) -> Result<Response, ShellError> {
    let topic = match topic.as_str() {
        "privacy-policy" => HelpTopic::PrivacyPolicy,
        "service-agreement" => HelpTopic::ServiceAgreement,
        _ => return Err(ShellError::NotFound),
    };
    Ok(render(&HelpPage { chrome: visit.chrome(&state), topic })?.into_response())
}
