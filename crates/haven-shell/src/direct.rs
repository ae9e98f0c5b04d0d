//! Direct messaging in the Shell (issue 9; protocol notes, section 16): the message center
//! where S/MIME mail from providers lands, and what a person does with it.
//!
//! - `delivery.rs`: [`MessageCenter`], the SMTP listener's mailbox: a message to a person's
//!   Direct address goes to their message center and they are told by e-mail; a message to
//!   `newuser@` is held for the e-mail address its subject names, which is invited to pick it
//!   up.
//! - `address.rs`: choosing one's Direct address (`/account/direct-address`).
//! - `inbox.rs`: the inbox (`/messages`), reading a message, downloading an attachment.
//! - `filing.rs`: adding an attachment to a record: a File thing, or a clinical document
//!   stored as its document type and then reviewed, its problems, medications, allergies,
//!   results and immunizations added as things only as the person chooses.
//! - `reply.rs`: replying to the provider, signed with the domain key and encrypted to the
//!   provider's certificate, through the instance's mail relay.
//! - `held.rs`: picking up a held message with the invitation's link, after answering the
//!   sender's question or confirming the invited e-mail address.
//!
//! Only the addressee sees a message: every page looks messages up by the signed-in person,
//! so anyone else's message id is "no such page". Message content, answers and addresses'
//! local parts never reach the logs; ids do.

mod address;
mod delivery;
mod filing;
mod held;
mod inbox;
mod reply;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use haven_direct::{DomainIdentity, RecipientCertificates, TrustAnchors};
use haven_domain::direct::{DirectMessage, DirectMessageId};
use haven_domain::person::Person;
use haven_mail::Mailer;

pub use delivery::MessageCenter;

use crate::ShellState;
use crate::error::ShellError;

/// An instance's Direct domain, from its configuration.
#[derive(Debug)]
pub struct DirectSettings {
    /// The Direct domain, lower-cased, such as `direct.haven.example`.
    pub domain: String,
    /// The domain's certificate and key: senders encrypt to it, replies are signed with it.
    pub identity: Arc<DomainIdentity>,
    /// The anchors a sender must chain to, and a recipient's certificate too.
    pub anchors: Arc<TrustAnchors>,
    /// Where the certificates of providers that replies are encrypted to are found.
    pub recipients: Arc<RecipientCertificates>,
}

/// How an instance sends e-mail (invitations, notifications, Direct replies).
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// The relay, or a development mail folder.
    pub mailer: Arc<dyn Mailer>,
    /// The address notification and invitation e-mails come from.
    pub from: String,
}

/// The message center's routes; they answer "no such page" when the instance has no Direct
/// domain.
pub(crate) fn routes() -> Router<ShellState> {
    Router::new()
        .route("/account/direct-address", get(address::form).post(address::choose))
        .route("/messages", get(inbox::inbox))
        .route("/messages/{message_id}", get(inbox::message))
        .route("/messages/{message_id}/attachments/{attachment_id}", get(inbox::download))
        .route("/messages/{message_id}/attachments/{attachment_id}/file", post(filing::file))
        .route(
            "/messages/{message_id}/attachments/{attachment_id}/review",
            get(filing::review).post(filing::reconcile_chosen),
        )
        .route("/messages/{message_id}/reply", get(reply::form).post(reply::send))
        .route("/direct/held", get(held::entry).post(held::answer))
}

/// The instance's Direct settings, or "no such page" when Direct is not enabled here.
pub(crate) fn enabled(state: &ShellState) -> Result<&DirectSettings, ShellError> {
    state.direct.as_deref().ok_or(ShellError::NotFound)
}

/// One of `person`'s messages, by the id in a path; "no such page" for anything else.
pub(crate) async fn open_message(
    state: &ShellState,
    person: &Person,
    message_id_text: &str,
) -> Result<DirectMessage, ShellError> {
    let id = uuid::Uuid::parse_str(message_id_text).map_err(|_| ShellError::NotFound)?;
    state.store.direct_message(person.id, DirectMessageId::from_uuid(id)).await?.ok_or(ShellError::NotFound)
}

/// One of `person`'s messages and the position of one of its attachments, by the ids in a
/// path; "no such page" for anything else.
pub(crate) async fn open_attachment(
    state: &ShellState,
    person: &Person,
    message_id: &str,
    attachment_id: &str,
) -> Result<(DirectMessage, usize), ShellError> {
    let message = open_message(state, person, message_id).await?;
    let position = message
        .attachments
        .iter()
        .position(|attachment| attachment.id.to_string() == attachment_id)
        .ok_or(ShellError::NotFound)?;
    Ok((message, position))
}

/// The records `person` may file attachments into: those they may add Files to (custodians,
/// and people a record is shared with who may add Files), while the record is writable.
/// Whether a clinical document may go in as its document type, and which of its entries may
/// be added, is checked per type when it is filed and reviewed.
pub(crate) async fn filing_records(
    state: &ShellState,
    person: &Person,
) -> Result<Vec<(haven_domain::record::Record, haven_domain::record::RecordMember)>, ShellError> {
    let now = state.clock.now();
    let mut records = crate::redirect::records_of(state, person).await?;
    records.retain(|(record, member)| {
        member.is_active_at(now)
            && record.state == haven_domain::record::RecordState::Active
            && member.may(haven_domain::auth_rules::Permissions::CREATE, haven_domain::thing_type::FILE)
    });
    Ok(records)
}

/// The path of a message's page.
pub(crate) fn message_path(id: DirectMessageId) -> String {
    format!("/messages/{id}")
}

/// A size for people: "812 bytes", "14 KB", "2.3 MB".
pub(crate) fn size_text(bytes: u64) -> String {
    const KILO: f64 = 1000.0;
    // Sizes shown are approximate, so the float conversion's rounding is fine.
    #[allow(clippy::cast_precision_loss)]
    let value = bytes as f64;
    if bytes < 1000 {
        format!("{bytes} bytes")
    } else if value < KILO * KILO {
        format!("{:.0} KB", value / KILO)
    } else {
        format!("{:.1} MB", value / (KILO * KILO))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_words() {
        assert_eq!(size_text(812), "812 bytes");
        assert_eq!(size_text(14_200), "14 KB");
        assert_eq!(size_text(2_300_000), "2.3 MB");
    }
}
