//! Picking up a message held for someone's e-mail address (sent to `newuser@`): the invited
//! person follows the link from the invitation, signs in (or creates an account), then answers
//! the sender's question, or, when the sender gave none, types the e-mail address the
//! invitation went to. A right answer releases the message into their message center, once.
//!
//! Three wrong answers lock the message for good
//! ([`haven_domain::direct::MAX_HELD_ANSWER_ATTEMPTS`], counted in the store), and wrong
//! answers and unknown codes count towards the same per-client limit as identity codes
//! ([`crate::MAX_CODE_FAILURES`] in [`crate::CODE_FAILURE_WINDOW`]). Answers are compared
//! with the domain's normalisation (capitals do not matter, spaces do) against a slow hash.

use std::net::SocketAddr;

use askama::Template;
use axum::Extension;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use haven_domain::connect::normalized_answer;
use haven_domain::direct::{HeldDirectMessage, HeldStatus, MAX_HELD_ANSWER_ATTEMPTS};
use haven_domain::person::EmailAddress;
use haven_domain::session::TokenHash;
use serde::Deserialize;

use super::{enabled, message_path};
use crate::connect::{Client, Notice, client};
use crate::error::{ShellError, render};
use crate::password;
use crate::records::{see_other, sign_in_first};
use crate::visit::Visit;
use crate::{Chrome, ShellState};

/// The longest invitation code looked up (ours are 64 hex digits).
const MAX_CODE_CHARS: usize = 64;

/// The invitation link's query.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct HeldQuery {
    code: String,
}

/// The answer form (no `Debug`: the answer must not reach a log).
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct HeldAnswerForm {
    csrf: String,
    code: String,
    answer: String,
}

#[derive(Template)]
#[template(path = "held_pickup.html")]
struct HeldPage<'a> {
    chrome: Chrome,
    sender: &'a str,
    code: &'a str,
    label: String,
    hint: &'static str,
    error: Option<String>,
    error_count: usize,
}

fn this_page(code: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(code.as_bytes()).collect();
    format!("/direct/held?code={encoded}")
}

/// The question page of a waiting message.
fn question_page(
    state: &ShellState,
    visit: &Visit,
    held: &HeldDirectMessage,
    code: &str,
    error: Option<String>,
) -> Result<Response, ShellError> {
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let (label, hint) = match &held.question {
        Some(question) => (question.clone(), "The sender chose this question. Capitals do not matter, but spaces do."),
        None => {
            ("The e-mail address this invitation was sent to".to_owned(), "The address at which you received the link.")
        }
    };
    let page = HeldPage {
        chrome: visit.chrome(state),
        sender: &held.from,
        code,
        label,
        hint,
        error_count: usize::from(error.is_some()),
        error,
    };
    Ok((status, render(&page)?).into_response())
}

fn unknown() -> Notice {
    Notice::new(
        StatusCode::NOT_FOUND,
        "This link is not known",
        vec!["Haven does not know this invitation. Check that you opened the whole link from the e-mail.".to_owned()],
    )
}

/// The page for a message that cannot be picked up, if it cannot.
fn unavailable(held: &HeldDirectMessage, state: &ShellState, visit: &Visit) -> Option<Notice> {
    let now = state.clock.now();
    match held.status_at(now) {
        HeldStatus::Waiting => None,
        HeldStatus::Released => {
            let mine = visit
                .person
                .as_ref()
                .is_some_and(|person| held.released.is_some_and(|release| release.person_id == person.id));
            let notice = Notice::new(
                StatusCode::GONE,
                "This message was collected",
                vec![
                    "The message this invitation was for has already been collected, and can be collected only once."
                        .to_owned(),
                ],
            );
            Some(if mine { notice.link(message_path(held.id), "Read the message") } else { notice })
        }
        HeldStatus::Expired => Some(Notice::new(
            StatusCode::GONE,
            "This invitation has expired",
            vec![
                "A message waits 30 days to be collected, and this one waited longer. Ask the sender to send it again."
                    .to_owned(),
            ],
        )),
        HeldStatus::Locked => Some(Notice::new(
            StatusCode::GONE,
            "This message can no longer be collected",
            vec![format!(
                "The answer was wrong {MAX_HELD_ANSWER_ATTEMPTS} times, so the message is locked to keep it safe. Ask \
                 the sender to send it again."
            )],
        )),
    }
}

async fn find(state: &ShellState, code: &str) -> Result<Option<HeldDirectMessage>, ShellError> {
    let code = code.trim();
    if code.is_empty() || code.len() > MAX_CODE_CHARS {
        return Ok(None);
    }
    Ok(state.store.held_direct_message_by_invitation(TokenHash::of_token(code)).await?)
}

/// `GET /direct/held?code=...`: the invitation's page, after sign-in.
pub(crate) async fn entry(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
    Query(query): Query<HeldQuery>,
) -> Result<Response, ShellError> {
    enabled(&state)?;
    let code: String = query.code.trim().chars().take(MAX_CODE_CHARS).collect();
    if visit.person.is_none() {
        return Ok(sign_in_first(&this_page(&code)));
    }
    let client = client(&visit, connection);
    let now = state.clock.now();
    if state.connect.is_limited(client, now) {
        return Notice::rate_limited().page(&state, &visit);
    }
    let Some(held) = find(&state, &code).await? else {
        state.connect.count_failure(client, now);
        return unknown().page(&state, &visit);
    };
    if let Some(notice) = unavailable(&held, &state, &visit) {
        return notice.page(&state, &visit);
    }
    question_page(&state, &visit, &held, &code, None)
}

/// Whether `answer` is right for `held`.
async fn is_right(held: &HeldDirectMessage, answer: &str) -> Result<bool, ShellError> {
    match &held.answer_hash {
        Some(hash) => password::verify(normalized_answer(answer), Some(hash.clone())).await,
        None => Ok(EmailAddress::parse(answer).is_ok_and(|typed| typed == held.invited_email)),
    }
}

/// `POST /direct/held`: checks the answer and releases the message to the person.
pub(crate) async fn answer(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<HeldAnswerForm>,
) -> Result<Response, ShellError> {
    enabled(&state)?;
    visit.check_form(&headers, &form.csrf)?;
    let person = visit.person()?;
    let client: Client = client(&visit, connection);
    let now = state.clock.now();
    if state.connect.is_limited(client, now) {
        return Notice::rate_limited().page(&state, &visit);
    }
    let code = form.code.trim();
    let Some(held) = find(&state, code).await? else {
        state.connect.count_failure(client, now);
        return unknown().page(&state, &visit);
    };
    if let Some(notice) = unavailable(&held, &state, &visit) {
        return notice.page(&state, &visit);
    }
    if form.answer.trim().is_empty() {
        return question_page(&state, &visit, &held, code, Some("Enter the answer.".to_owned()));
    }
    if !is_right(&held, &form.answer).await? {
        state.connect.count_failure(client, now);
        let failed = state.store.record_wrong_held_answer(held.id).await?;
        tracing::info!(message = %held.id, failed, "wrong answer for a held Direct message");
        let mut locked = held.clone();
        locked.failed_attempts = failed;
        if let Some(notice) = unavailable(&locked, &state, &visit) {
            return notice.page(&state, &visit);
        }
        let left = MAX_HELD_ANSWER_ATTEMPTS.saturating_sub(failed);
        let tries = if left == 1 { "1 more try".to_owned() } else { format!("{left} more tries") };
        let error = format!("That is not the right answer. You have {tries}; after that the message is locked.");
        return question_page(&state, &visit, &held, code, Some(error));
    }
    if !state.store.release_held_direct_message(held.id, person.id, now).await? {
        // Another pickup, the lock or the expiry came first.
        let current = find(&state, code).await?.unwrap_or(held);
        return unavailable(&current, &state, &visit).unwrap_or_else(unknown).page(&state, &visit);
    }
    tracing::info!(person = %person.id, message = %held.id, "held Direct message collected");
    Ok(see_other(&message_path(held.id)))
}
