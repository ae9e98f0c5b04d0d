//! Replying to a provider: the person writes a text; Haven builds the message from the
//! person's Direct address, signs it with the domain key, encrypts it to the provider's
//! certificate (found by address, or by the provider's domain, under the trust anchors) and
//! hands it to the instance's mail relay. Nothing of the reply is stored: Haven keeps no
//! sent-mail folder yet.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use haven_direct::{DirectAddress, seal_outbound};
use haven_domain::direct::DirectMessage;
use haven_mail::{OutgoingMail, notification};
use serde::Deserialize;

use super::{enabled, message_path, open_message};
use crate::connect::Notice;
use crate::error::{ShellError, render};
use crate::records::{see_other, sign_in_first};
use crate::visit::Visit;
use crate::{Chrome, ShellState};

/// The longest reply accepted, in characters.
pub(crate) const MAX_REPLY_CHARS: usize = 20_000;

/// What the reply form sends.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct ReplyForm {
    csrf: String,
    text: String,
}

#[derive(Template)]
#[template(path = "message_reply.html")]
struct ReplyPage<'a> {
    chrome: Chrome,
    message: &'a DirectMessage,
    message_path: String,
    from: String,
    subject: String,
    text: &'a str,
    error: Option<String>,
    error_count: usize,
}

/// The reply's subject: the message's, with one `Re: `.
fn reply_subject(subject: &str) -> String {
    let subject = subject.trim();
    if subject.is_empty() {
        "Re: your message".to_owned()
    } else if subject.len() >= 3 && subject[..3].eq_ignore_ascii_case("re:") {
        subject.to_owned()
    } else {
        format!("Re: {subject}")
    }
}

/// The person's Direct address, or the page asking them to choose one.
async fn sender_address(state: &ShellState, visit: &Visit) -> Result<Result<String, Response>, ShellError> {
    let direct = enabled(state)?;
    let person = visit.person()?;
    match state.store.direct_address_of_person(person.id).await? {
        Some(name) => Ok(Ok(name.address_in(&direct.domain))),
        None => Ok(Err(Notice::new(
            StatusCode::CONFLICT,
            "Choose your Direct address first",
            vec!["A reply is sent from your Direct address, and you have none yet. Nothing was sent.".to_owned()],
        )
        .link("/account/direct-address", "Choose your Direct address")
        .page(state, visit)?)),
    }
}

fn page(
    state: &ShellState,
    visit: &Visit,
    message: &DirectMessage,
    from: String,
    text: &str,
    error: Option<String>,
) -> Result<Response, ShellError> {
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = ReplyPage {
        chrome: visit.chrome(state),
        message,
        message_path: message_path(message.id),
        from,
        subject: reply_subject(&message.subject),
        text,
        error_count: usize::from(error.is_some()),
        error,
    };
    Ok((status, render(&page)?).into_response())
}

/// `GET /messages/{id}/reply`: the reply form.
pub(crate) async fn form(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    Path(message_id): Path<String>,
) -> Result<Response, ShellError> {
    enabled(&state)?;
    let Some(person) = &visit.person else { return Ok(sign_in_first(&format!("/messages/{message_id}/reply"))) };
    let message = open_message(&state, person, &message_id).await?;
    let from = match sender_address(&state, &visit).await? {
        Ok(from) => from,
        Err(page) => return Ok(page),
    };
    page(&state, &visit, &message, from, "", None)
}

/// `POST /messages/{id}/reply`: seals and sends the reply.
pub(crate) async fn send(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    Path(message_id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<ReplyForm>,
) -> Result<Response, ShellError> {
    let direct = enabled(&state)?;
    visit.check_form(&headers, &form.csrf)?;
    let person = visit.person()?;
    let message = open_message(&state, person, &message_id).await?;
    let from = match sender_address(&state, &visit).await? {
        Ok(from) => from,
        Err(page) => return Ok(page),
    };
    let text = form.text.trim_end();
    if text.trim().is_empty() {
        return page(&state, &visit, &message, from, text, Some("Write your reply.".to_owned()));
    }
    if text.chars().count() > MAX_REPLY_CHARS {
        let error = format!("A reply can have at most {MAX_REPLY_CHARS} characters.");
        return page(&state, &visit, &message, from, text, Some(error));
    }
    let cannot_send = |paragraph: &str| {
        Notice::new(
            StatusCode::CONFLICT,
            "The reply cannot be sent",
            vec![paragraph.to_owned(), "Nothing was sent. Contact the provider another way.".to_owned()],
        )
        .link(message_path(message.id), "Back to the message")
    };
    let Some(mail) = &state.mail else {
        return cannot_send("This Haven instance is not set up to send mail.").page(&state, &visit);
    };
    let certificate = DirectAddress::parse(&message.from)
        .ok()
        .and_then(|recipient| direct.recipients.certificate_for(&recipient, &direct.anchors).map(ToOwned::to_owned));
    let Some(certificate) = certificate else {
        tracing::info!(message = %message.id, "no certificate to encrypt a reply to");
        return cannot_send(
            "Haven has no trusted certificate for the provider's Direct address, so it cannot encrypt a reply to them.",
        )
        .page(&state, &visit);
    };
    // Browsers send a textarea's line breaks as CRLF; any mix becomes CRLF, with no lone CR.
    let text = text.replace("\r\n", "\n").replace('\r', "\n").replace('\n', "\r\n");
    let plain = notification(&from, &message.from, &reply_subject(&message.subject), &text)
        .map_err(|error| ShellError::Internal(format!("building a reply failed: {error}")))?;
    let state_for_sealing = state.clone();
    let sealed = tokio::task::spawn_blocking(move || {
        let direct = enabled(&state_for_sealing)?;
        seal_outbound(&plain.raw, &direct.identity, &certificate)
            .map_err(|error| ShellError::Internal(format!("sealing a reply failed: {error}")))
    })
    .await
    .map_err(|error| ShellError::Internal(format!("the sealing task failed: {error}")))??;
    let outgoing = OutgoingMail { envelope_from: from, recipients: vec![message.from.clone()], raw: sealed };
    if let Err(error) = mail.mailer.send(outgoing).await {
        tracing::warn!(message = %message.id, %error, "a Direct reply could not be handed to the relay");
        return cannot_send("The mail relay did not take the reply. Try again later.").page(&state, &visit);
    }
    tracing::info!(person = %person.id, message = %message.id, "Direct reply sent");
    Ok(see_other(&format!("{}?sent=1", message_path(message.id))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_get_one_re() {
        assert_eq!(reply_subject("Your results"), "Re: Your results");
        assert_eq!(reply_subject("RE: Your results"), "RE: Your results");
        assert_eq!(reply_subject("  "), "Re: your message");
    }
}
