//! Patient Connect and drop-off/pick-up (DOPU) in the Shell (protocol notes, sections 13 and
//! 14): a clinic gives a person an identity code; signed in, the person enters it, answers the
//! clinic's secret question, and chooses a record. For a connect request (`/connect`,
//! `request.rs`) they then authorize the clinic's application for offline access on that
//! record; for a package (`/pickup`, `pickup.rs`) its things are written into the record, once.
//! Applications send people here with `redirect.aspx?target=CONNECT` or `PICKUP` and
//! `targetqs=packageid%3d<code>`.
//!
//! What both flows share lives here:
//!
//! - A code is valid only in the instance that holds it. A code unknown here is looked up in
//!   the other instances by its hash (`ShellState::locate_code`); if one holds it, the page
//!   names that instance and how to use the code there, and nothing else about it.
//! - Three wrong answers lock a code (the domain's [`MAX_ANSWER_ATTEMPTS`]); across codes, one
//!   client may fail [`MAX_CODE_FAILURES`] times (unknown codes and wrong answers) per
//!   [`CODE_FAILURE_WINDOW`], and is then refused before any lookup.
//! - A correct answer is remembered on the server for the session (`memory.rs`), never in the
//!   form, so the record choice cannot be reached without it.
//! - Answers, decrypted things and codes never reach the logs; ids do.

mod contents;
mod locate;
mod memory;
mod pickup;
mod request;

use std::net::SocketAddr;

use askama::Template;
use axum::Extension;
use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use haven_domain::connect::{IdentityCode, MAX_ANSWER_ATTEMPTS};
use haven_domain::person::Person;
use haven_domain::record::{Record, RecordMember, RecordState, Relationship};
use haven_domain::topology::Instance;
use serde::Deserialize;

pub(crate) use memory::ConnectMemory;
pub use memory::{ANSWERED_STEP_LIFETIME, CODE_FAILURE_WINDOW, MAX_CODE_FAILURES};

use crate::error::{ShellError, render};
use crate::records::sign_in_first;
use crate::redirect::records_of;
use crate::visit::Visit;
use crate::{Chrome, ShellState};
use locate::Held;
pub(crate) use memory::Client;

/// The Patient Connect and DOPU pages.
pub(crate) fn routes() -> Router<ShellState> {
    Router::new()
        .route("/connect", get(request::entry).post(request::submit_code))
        .route("/connect/answer", post(request::answer))
        .route("/connect/authorize", post(request::authorize))
        .route("/pickup", get(pickup::entry).post(pickup::submit_code))
        .route("/pickup/answer", post(pickup::answer))
        .route("/pickup/collect", post(pickup::collect))
}

/// Which of the two flows a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    /// Redeeming a Patient Connect request.
    Connect,
    /// Picking up a DOPU package.
    Pickup,
}

impl Flow {
    /// The flow's first page.
    fn path(self) -> &'static str {
        match self {
            Self::Connect => "/connect",
            Self::Pickup => "/pickup",
        }
    }

    /// The first page with `code` filled in: trimmed and cut to 40 characters, so a long value
    /// cannot bloat the address.
    pub(crate) fn entry_path(self, code: Option<&str>) -> String {
        match code.map(str::trim).filter(|code| !code.is_empty()) {
            Some(code) => {
                let code: String = code.chars().take(40).collect();
                let encoded: String = url::form_urlencoded::byte_serialize(code.as_bytes()).collect();
                format!("{}?code={encoded}", self.path())
            }
            None => self.path().to_owned(),
        }
    }

    fn title(self) -> &'static str {
        match self {
            Self::Connect => "Connect your record to a clinic",
            Self::Pickup => "Collect health information from a clinic",
        }
    }

    fn intro(self) -> &'static str {
        match self {
            Self::Connect => {
                "Your clinic gave you a code so that its system can use your health record. Enter the code, then \
                 answer the question the clinic chose. You decide which record the clinic may use."
            }
            Self::Pickup => {
                "Your clinic sent you health information and gave you a code to collect it. Enter the code, then \
                 answer the question the clinic chose. You decide which record the information goes into."
            }
        }
    }
}

/// The flows' forms that send only a code.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct CodeForm {
    csrf: String,
    code: String,
}

/// The flows' answer forms (no `Debug`: the answer must not reach a log).
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct AnswerForm {
    csrf: String,
    code: String,
    answer: String,
}

/// The query of a flow's first page.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct CodeQuery {
    code: String,
}

/// Who is making an attempt, for the failure limit.
pub(crate) fn client(visit: &Visit, connection: Option<Extension<ConnectInfo<SocketAddr>>>) -> Client {
    match connection {
        Some(Extension(ConnectInfo(address))) => Client::Address(address.ip()),
        None => Client::Session(visit.session.token_hash),
    }
}

// ---------------------------------------------------------------------------- pages

#[derive(Template)]
#[template(path = "code_entry.html")]
struct CodeEntryPage {
    chrome: Chrome,
    title: &'static str,
    intro: &'static str,
    action: &'static str,
    code: String,
    error: Option<String>,
    error_count: usize,
}

/// The code form of `flow`, with `code` filled in and its error, if any.
fn entry_page(
    state: &ShellState,
    visit: &Visit,
    flow: Flow,
    code: &str,
    error: Option<String>,
) -> Result<Response, ShellError> {
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = CodeEntryPage {
        chrome: visit.chrome(state),
        title: flow.title(),
        intro: flow.intro(),
        action: flow.path(),
        code: code.chars().take(40).collect(),
        error_count: usize::from(error.is_some()),
        error,
    };
    Ok((status, render(&page)?).into_response())
}

/// `GET /connect` and `GET /pickup`: the code form, `code` filled in, for a signed-in person.
async fn entry(state: &ShellState, visit: &Visit, flow: Flow, query: &CodeQuery) -> Result<Response, ShellError> {
    if visit.person.is_none() {
        return Ok(sign_in_first(&flow.entry_path(Some(&query.code))));
    }
    entry_page(state, visit, flow, query.code.trim(), None)
}

#[derive(Template)]
#[template(path = "code_question.html")]
struct QuestionPage<'a> {
    chrome: Chrome,
    title: &'static str,
    action: String,
    code: &'a str,
    question: &'a str,
    error: Option<String>,
    error_count: usize,
}

/// The question of the item with `code`, and the answer field with its error.
fn question_page(
    state: &ShellState,
    visit: &Visit,
    flow: Flow,
    code: &IdentityCode,
    question: &str,
    error: Option<String>,
) -> Result<Response, ShellError> {
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = QuestionPage {
        chrome: visit.chrome(state),
        title: flow.title(),
        action: format!("{}/answer", flow.path()),
        code: code.as_str(),
        question,
        error_count: usize::from(error.is_some()),
        error,
    };
    Ok((status, render(&page)?).into_response())
}

/// The message after a wrong answer that did not lock the code.
fn wrong_answer_message(failed_attempts: u32) -> String {
    let left = MAX_ANSWER_ATTEMPTS.saturating_sub(failed_attempts);
    let tries = if left == 1 { "1 more try".to_owned() } else { format!("{left} more tries") };
    format!(
        "That is not the answer the clinic gave. Capitals do not matter, but spaces do. You have {tries}; after \
         that the code is locked."
    )
}

#[derive(Template)]
#[template(path = "code_notice.html")]
struct NoticePage<'a> {
    chrome: Chrome,
    notice: &'a Notice,
}

/// A page that ends a flow, or says why it cannot go on: what happened and what to do.
#[derive(Debug, Clone)]
pub(crate) struct Notice {
    status: StatusCode,
    title: String,
    paragraphs: Vec<String>,
    /// Links as (address, text).
    links: Vec<(String, String)>,
}

impl Notice {
    pub(crate) fn new(status: StatusCode, title: impl Into<String>, paragraphs: Vec<String>) -> Self {
        Self { status, title: title.into(), paragraphs, links: Vec::new() }
    }

    pub(crate) fn link(mut self, address: impl Into<String>, text: impl Into<String>) -> Self {
        self.links.push((address.into(), text.into()));
        self
    }

    pub(crate) fn page(&self, state: &ShellState, visit: &Visit) -> Result<Response, ShellError> {
        Ok((self.status, render(&NoticePage { chrome: visit.chrome(state), notice: self })?).into_response())
    }

    /// Too many failures from this client.
    pub(crate) fn rate_limited() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many tries",
            vec![format!(
                "Too many codes or answers that did not work have come from your network or browser. To keep \
                 everyone's codes safe, wait {} minutes, then try again.",
                CODE_FAILURE_WINDOW.whole_minutes()
            )],
        )
    }

    /// A code no instance knows (or one that did not answer).
    fn unknown(flow: Flow) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "This code is not known",
            vec![
                "Haven does not know the code you entered. Check that you typed it exactly as the clinic gave it to \
                 you: 20 letters, such as JKYZ-QNMN-VHRX-ZGNR-GZNH."
                    .to_owned(),
                "If it still does not work, contact the clinic that gave it to you.".to_owned(),
            ],
        )
        .link(flow.path(), "Enter the code again")
    }

    /// A code locked by three wrong answers.
    fn locked() -> Self {
        Self::new(
            StatusCode::GONE,
            "This code can no longer be used",
            vec![
                format!(
                    "The answer to the clinic's question was wrong {MAX_ANSWER_ATTEMPTS} times, so the code is \
                     locked to keep your information safe. Nothing was shared or added to your records."
                ),
                "Contact the clinic that gave you the code and ask for a new one.".to_owned(),
            ],
        )
    }

    /// A code whose four weeks are over.
    fn expired() -> Self {
        Self::new(
            StatusCode::GONE,
            "This code has expired",
            vec![
                "A code can be used for four weeks after the clinic creates it, and this one is older. Nothing was \
                 shared or added to your records."
                    .to_owned(),
                "Contact the clinic that gave you the code and ask for a new one.".to_owned(),
            ],
        )
    }

    /// A code held by another instance.
    fn elsewhere(state: &ShellState, flow: Flow, there: &Instance, code: &IdentityCode) -> Self {
        let here = state.instance_name();
        let next = flow.entry_path(Some(code.as_str()));
        let encoded: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
        Self::new(
            StatusCode::CONFLICT,
            format!("This code belongs to Haven {}", there.name),
            vec![
                format!(
                    "A code can be used only in the Haven instance where the clinic created it. This one was \
                     created at Haven {}, and you are signed in at Haven {here}. Nothing was shared or added to \
                     your records.",
                    there.name
                ),
                format!(
                    "To use it, go to Haven {} at {} and sign in there with an account kept by Haven {}. If you \
                     have none, create one there: choose the country you live in, and if Haven {} serves it, \
                     your account is opened there. Then enter the code again.",
                    there.name, there.shell_url, there.name, there.name
                ),
            ],
        )
        .link(format!("{}signin?next={encoded}", there.shell_url), format!("Go to Haven {}", there.name))
    }

    /// A code of the other flow.
    fn other_flow(flow: Flow, code: &IdentityCode) -> Self {
        let (title, text, other) = match flow {
            Flow::Connect => (
                "This code is for collecting information",
                "The clinic sent you health information with this code, rather than asking to use your record.",
                Flow::Pickup,
            ),
            Flow::Pickup => (
                "This code is for connecting your record",
                "The clinic asks with this code to use your record, rather than sending you information.",
                Flow::Connect,
            ),
        };
        Self::new(StatusCode::OK, title, vec![text.to_owned()])
            .link(other.entry_path(Some(code.as_str())), "Go on with this code")
    }

    /// The answer was not remembered (expired, or another browser session).
    fn answer_again(flow: Flow) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "Please enter the code again",
            vec![format!(
                "Haven keeps your answer for {} minutes, and that time has passed (or you signed in again). Nothing \
                 was shared or added to your records. Enter the code and answer the question again.",
                ANSWERED_STEP_LIFETIME.whole_minutes()
            )],
        )
        .link(flow.path(), "Enter the code again")
    }

    /// An item gone since the person found it (the clinic deleted it, or it expired and was
    /// swept away).
    fn withdrawn() -> Self {
        Self::new(
            StatusCode::GONE,
            "This code can no longer be used",
            vec![
                "The clinic has withdrawn this code, or its time is over. Nothing was shared or added to your \
                 records."
                    .to_owned(),
                "Contact the clinic that gave you the code if you still need it.".to_owned(),
            ],
        )
    }

    /// The clinic's application cannot take part here.
    fn application_unavailable() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "The clinic's application is not available",
            vec![
                "The clinic's application that created this code is not set up to use records here at the moment. \
                 Nothing was shared or added to your records."
                    .to_owned(),
                "Contact the clinic that gave you the code.".to_owned(),
            ],
        )
    }

    /// A form that does not match what the page offered.
    fn bad_form(flow: Flow) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "This form could not be used",
            vec![
                "The form sent does not match the page Haven showed. Nothing was shared or added to your records. \
                  Start again."
                    .to_owned(),
            ],
        )
        .link(flow.path(), "Start again")
    }
}

/// Refuses a client past its failures, then finds the code here or elsewhere (an unknown code
/// counts as a failure); a malformed code goes back to the form. Returns the code and what holds it, or
/// the page to show instead.
async fn look_up<'s>(
    state: &'s ShellState,
    visit: &Visit,
    flow: Flow,
    client: Client,
    typed: &str,
) -> Result<Result<(IdentityCode, Held<'s>), Response>, ShellError> {
    let now = state.clock.now();
    if state.connect.is_limited(client, now) {
        tracing::warn!(?client, "identity code attempts limited");
        return Ok(Err(Notice::rate_limited().page(state, visit)?));
    }
    let Ok(code) = IdentityCode::parse(typed) else {
        let error = "Enter the code as the clinic gave it: 20 letters, such as JKYZ-QNMN-VHRX-ZGNR-GZNH.".to_owned();
        return Ok(Err(entry_page(state, visit, flow, typed, Some(error))?));
    };
    let held = locate::locate(state, &code).await?;
    match &held {
        Held::Unknown => {
            state.connect.count_failure(client, now);
            Ok(Err(Notice::unknown(flow).page(state, visit)?))
        }
        Held::Elsewhere(there) => {
            tracing::info!(holder = %there.id, "an identity code entered here is held by another instance");
            Ok(Err(Notice::elsewhere(state, flow, there, &code).page(state, visit)?))
        }
        Held::Request(_) | Held::Package(_) => Ok(Ok((code, held))),
    }
}

/// Counts a failed lookup or a wrong answer against `client`.
fn count_failure(state: &ShellState, client: Client) {
    state.connect.count_failure(client, state.clock.now());
}

/// What both flows' code forms do first: check the form against the session, require a
/// signed-in person, and [`look_up`] the code for the client.
async fn submitted_code<'s>(
    state: &'s ShellState,
    visit: &Visit,
    flow: Flow,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: &HeaderMap,
    form: &CodeForm,
) -> Result<Result<(IdentityCode, Held<'s>), Response>, ShellError> {
    visit.check_form(headers, &form.csrf)?;
    visit.person()?;
    let client = client(visit, connection);
    look_up(state, visit, flow, client, &form.code).await
}

/// What both flows' answer forms do first: check the form against the session, require a
/// signed-in person, refuse a client past its failures, and read the code (a malformed one
/// means the form was not Haven's). The page to show instead comes back as `Err`.
fn answer_start<'v>(
    state: &ShellState,
    visit: &'v Visit,
    flow: Flow,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: &HeaderMap,
    form: &AnswerForm,
) -> Result<Result<(&'v Person, Client, IdentityCode), Response>, ShellError> {
    visit.check_form(headers, &form.csrf)?;
    let person = visit.person()?;
    let client = client(visit, connection);
    if state.connect.is_limited(client, state.clock.now()) {
        tracing::warn!(?client, "identity code attempts limited");
        return Ok(Err(Notice::rate_limited().page(state, visit)?));
    }
    match IdentityCode::parse(&form.code) {
        Ok(code) => Ok(Ok((person, client, code))),
        Err(_) => Ok(Err(Notice::bad_form(flow).page(state, visit)?)),
    }
}

/// After a wrong answer, the code's `failed` count already stored: counts the client's
/// failure, and shows the lock at [`MAX_ANSWER_ATTEMPTS`] or the question again.
fn wrong_answer_page(
    state: &ShellState,
    visit: &Visit,
    flow: Flow,
    client: Client,
    code: &IdentityCode,
    question: &str,
    failed: u32,
) -> Result<Response, ShellError> {
    count_failure(state, client);
    if failed >= MAX_ANSWER_ATTEMPTS {
        tracing::warn!(?flow, "identity code locked after wrong answers");
        return Notice::locked().page(state, visit);
    }
    tracing::info!(?flow, failed, "wrong answer to an identity code's question");
    question_page(state, visit, flow, code, question, Some(wrong_answer_message(failed)))
}

/// A record in a flow's picker.
#[derive(Debug)]
pub(crate) struct RecordChoice {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) relationship: &'static str,
    pub(crate) checked: bool,
}

/// The records `person` may choose: those they are custodian of (and, when `writable`, that
/// are not read-only), in the store's order.
pub(crate) async fn custodian_records(
    state: &ShellState,
    person: &Person,
    writable: bool,
) -> Result<Vec<(Record, RecordMember)>, ShellError> {
    let mut records = records_of(state, person).await?;
    records.retain(|(record, member)| member.is_custodian && (!writable || record.state == RecordState::Active));
    Ok(records)
}

/// The picker's entries, `chosen` (or else the person's own record, or the only one) checked.
pub(crate) fn record_choices(records: &[(Record, RecordMember)], chosen: Option<&str>) -> Vec<RecordChoice> {
    let default = match chosen {
        Some(chosen) => Some(chosen.to_owned()),
        None => records
            .iter()
            .find(|(_, member)| member.relationship == Relationship::SELF)
            .or_else(|| records.first())
            .map(|(record, _)| record.id.to_string()),
    };
    records
        .iter()
        .map(|(record, member)| RecordChoice {
            id: record.id.to_string(),
            name: record.display_name.clone(),
            relationship: if member.relationship == Relationship::SELF { "you" } else { member.relationship.name() },
            checked: default.as_deref() == Some(record.id.to_string().as_str()),
        })
        .collect()
}

/// The chosen record among `records`: `Ok(None)` when none was chosen, `Err` when the choice is
/// not one of them.
pub(crate) fn chosen_record<'r>(
    records: &'r [(Record, RecordMember)],
    chosen: &str,
) -> Result<Option<&'r (Record, RecordMember)>, ()> {
    if chosen.trim().is_empty() {
        return Ok(None);
    }
    let record_id = haven_domain::ids::RecordId::parse(chosen.trim()).map_err(|_| ())?;
    records.iter().find(|(record, _)| record.id == record_id).map(Some).ok_or(())
}
