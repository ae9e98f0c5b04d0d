//! The message center: the inbox, a message with its attachments (opening it marks it read),
//! and an attachment's download.
//!
//! An attachment is always downloaded as `application/octet-stream` with
//! `Content-Disposition: attachment`, whatever type the sender gave it, so that a provider's
//! HTML or SVG file is saved, never shown (and so never run) on the Shell's origin.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use haven_domain::direct::{DirectAttachment, DirectDocumentKind, DirectMessage};

use super::{enabled, filing_records, message_path, open_attachment, open_message, size_text};
use crate::connect::{RecordChoice, record_choices};
use crate::error::{ShellError, render};
use crate::records::{moment_text, sign_in_first};
use crate::visit::Visit;
use crate::{Chrome, ShellState};

/// A message as the inbox lists it.
#[derive(Debug)]
struct InboxRow {
    path: String,
    from: String,
    subject: String,
    received: String,
    unread: bool,
    attachments: u64,
}

#[derive(Template)]
#[template(path = "messages.html")]
struct InboxPage {
    chrome: Chrome,
    address: Option<String>,
    rows: Vec<InboxRow>,
}

/// `GET /messages`: the person's messages, newest first.
pub(crate) async fn inbox(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
) -> Result<Response, ShellError> {
    let direct = enabled(&state)?;
    let Some(person) = &visit.person else { return Ok(sign_in_first("/messages")) };
    let address = state.store.direct_address_of_person(person.id).await?.map(|name| name.address_in(&direct.domain));
    let rows = state
        .store
        .direct_messages_of_person(person.id)
        .await?
        .into_iter()
        .map(|summary| InboxRow {
            path: message_path(summary.id),
            from: summary.from,
            subject: if summary.subject.trim().is_empty() { "(no subject)".to_owned() } else { summary.subject },
            received: moment_text(summary.received_at),
            unread: summary.read_at.is_none(),
            attachments: summary.attachment_count,
        })
        .collect();
    Ok(render(&InboxPage { chrome: visit.chrome(&state), address, rows })?.into_response())
}

/// An attachment as a message's page shows it.
#[derive(Debug)]
pub(crate) struct AttachmentView {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) kind: &'static str,
    pub(crate) size: String,
    pub(crate) download_path: String,
    pub(crate) file_path: String,
    /// Whether it is a clinical document whose entries can be reviewed.
    pub(crate) clinical: bool,
    /// Where it was added, as (record page, record name), once added.
    pub(crate) added_to: Option<(String, String)>,
    /// The review of its entries, for a CDA-family document added but not yet reviewed.
    pub(crate) review_path: Option<String>,
}

/// What a document kind is called on the page.
pub(crate) fn kind_text(kind: DirectDocumentKind) -> &'static str {
    match kind {
        DirectDocumentKind::Ccda => "Clinical summary (C-CDA)",
        DirectDocumentKind::Ccd => "Continuity of Care Document (CCD)",
        DirectDocumentKind::Cda => "Clinical document (CDA)",
        DirectDocumentKind::Ccr => "Continuity of Care Record (CCR)",
        DirectDocumentKind::Other => "File",
    }
}

/// The name an attachment is shown and saved under.
pub(crate) fn attachment_name(attachment: &DirectAttachment, position: usize) -> String {
    attachment
        .file_name
        .as_deref()
        .map(safe_file_name)
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| format!("attachment-{position}"))
}

/// A file name without path separators, control characters or quotes, at most 120
/// characters, so it is safe in a header and on the person's disk.
fn safe_file_name(name: &str) -> String {
    let name = name.rsplit(['/', '\\']).next().unwrap_or_default();
    name.chars()
        .filter(|character| !character.is_control() && !matches!(character, '"' | ';'))
        .take(120)
        .collect::<String>()
        .trim()
        .trim_start_matches('.')
        .to_owned()
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    chrome: Chrome,
    message: DirectMessage,
    received: String,
    reply_path: String,
    attachments: Vec<AttachmentView>,
    records: Vec<RecordChoice>,
    notice: Option<&'static str>,
}

/// The query of a message's page.
#[derive(Debug, serde::Deserialize, Default)]
#[serde(default)]
pub(crate) struct MessageQuery {
    added: Option<String>,
    sent: Option<String>,
}

/// `GET /messages/{id}`: the message, marked read, with its attachments and where each can go.
pub(crate) async fn message(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    Path(message_id): Path<String>,
    axum::extract::Query(query): axum::extract::Query<MessageQuery>,
) -> Result<Response, ShellError> {
    enabled(&state)?;
    let Some(person) = &visit.person else { return Ok(sign_in_first(&format!("/messages/{message_id}"))) };
    let message = open_message(&state, person, &message_id).await?;
    if message.read_at.is_none() {
        state.store.mark_direct_message_read(person.id, message.id, state.clock.now()).await?;
    }
    let records = filing_records(&state, person).await?;
    let all_records = crate::redirect::records_of(&state, person).await?;
    let path = message_path(message.id);
    let attachments = message
        .attachments
        .iter()
        .enumerate()
        .map(|(index, attachment)| AttachmentView {
            id: attachment.id.to_string(),
            name: attachment_name(attachment, index + 1),
            kind: kind_text(attachment.document_kind),
            size: size_text(attachment.size_bytes),
            download_path: format!("{path}/attachments/{}", attachment.id),
            file_path: format!("{path}/attachments/{}/file", attachment.id),
            clinical: attachment.document_kind.is_clinical(),
            review_path: (attachment.added_to_record.is_some()
                && attachment.reviewed_at.is_none()
                && attachment.document_kind != DirectDocumentKind::Ccr
                && attachment.document_kind.is_clinical())
            .then(|| format!("{path}/attachments/{}/review", attachment.id)),
            added_to: attachment.added_to_record.and_then(|(record_id, thing_id)| {
                all_records
                    .iter()
                    .find(|(record, _)| record.id == record_id)
                    .map(|(record, _)| (format!("/records/{record_id}/things/{thing_id}"), record.display_name.clone()))
            }),
        })
        .collect();
    let notice = if query.added.is_some() {
        Some("The attachment was added to the record.")
    } else {
        query.sent.is_some().then_some("Your reply was sent, signed and encrypted.")
    };
    let page = MessagePage {
        chrome: visit.chrome(&state),
        received: moment_text(message.received_at),
        reply_path: format!("{path}/reply"),
        message,
        attachments,
        records: record_choices(&records, None),
        notice,
    };
    Ok(render(&page)?.into_response())
}

/// `GET /messages/{id}/attachments/{attachment}`: the attachment's bytes, to save.
pub(crate) async fn download(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    Path((message_id, attachment_id)): Path<(String, String)>,
) -> Result<Response, ShellError> {
    enabled(&state)?;
    let Some(person) = &visit.person else { return Ok(sign_in_first(&format!("/messages/{message_id}"))) };
    let (mut message, position) = open_attachment(&state, person, &message_id, &attachment_id).await?;
    let attachment = message.attachments.swap_remove(position);
    let name = attachment_name(&attachment, position + 1);
    let ascii: String = name.chars().map(|character| if character.is_ascii() { character } else { '_' }).collect();
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", encoded.replace('+', "%20"));
    tracing::info!(person = %person.id, message = %message.id, attachment = %attachment.id, "attachment downloaded");
    Ok((
        [(header::CONTENT_TYPE, "application/octet-stream".to_owned()), (header::CONTENT_DISPOSITION, disposition)],
        attachment.content,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_made_safe() {
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_file_name("C:\\temp\\summary \"v2\".xml"), "summary v2.xml");
        assert_eq!(safe_file_name(".hidden"), "hidden");
        assert_eq!(safe_file_name("a\r\nb.txt"), "ab.txt");
        assert_eq!(safe_file_name(&"x".repeat(300)).len(), 120);
    }
}
