//! The SMTP listener's mailbox: delivering verified Direct messages into people's message
//! centers, and holding those sent to `newuser@` for the e-mail address their subject names.
//!
//! Choices where the documentation is silent:
//! - A `newuser@` message whose subject line names no e-mail address is refused (`554 5.6.0`)
//!   before anything is stored for any of its recipients.
//! - The person is told of a new message by e-mail with a link, and nothing of the message:
//!   neither its sender nor its subject, which may say something about their health. Failing
//!   to send that notification does not undo the delivery (the message is in the center; a
//!   warning is logged).
//! - The invitation for a held message must go out, or the sender is asked to retry (`451`):
//!   a held message nobody is told about would be lost. The one held before the failure stays
//!   unreachable (nobody has its code) until its 30 days are over and the sweep deletes it.

use async_trait::async_trait;
use haven_direct::smtp::{DeliveryError, Mailbox};
use haven_direct::{DirectAddress, DocumentKind, InboundMessage, Refusal, classify};
use haven_domain::connect::normalized_answer;
use haven_domain::direct::{
    DirectAddressName, DirectAttachment, DirectAttachmentId, DirectDocumentKind, DirectMessage, DirectMessageId,
    HELD_DIRECT_MESSAGE_LIFETIME, HeldDirectMessage, NEWUSER_LOCAL_PART, NewUserSubject,
};
use haven_domain::ids::PersonId;
use haven_domain::session::TokenHash;
use haven_mail::notification;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{MailSettings, message_path};
use crate::ShellState;
use crate::error::ShellError;
use crate::password;
use crate::tokens::new_token;

/// The people of this instance's Direct domain and their message centers, for
/// `haven_direct::smtp::serve`.
#[derive(Debug, Clone)]
pub struct MessageCenter {
    state: ShellState,
    mail: MailSettings,
}

impl MessageCenter {
    /// The message center of the Shell `state`, telling people by e-mail through `mail`.
    pub fn new(state: ShellState, mail: MailSettings) -> Self {
        Self { state, mail }
    }

    /// Delivers the message into `person_id`'s message center, then tells them by e-mail.
    async fn deliver_to_person(
        &self,
        message: &InboundMessage,
        person_id: PersonId,
        now: OffsetDateTime,
    ) -> Result<(), DeliveryError> {
        let id = DirectMessageId::from_uuid(Uuid::new_v4());
        let delivered = DirectMessage {
            id,
            person_id,
            from: message.from.to_string(),
            to: message.to.iter().map(ToString::to_string).collect(),
            subject: message.subject.clone().unwrap_or_default(),
            text: message.text.clone().unwrap_or_default(),
            received_at: now,
            read_at: None,
            attachments: attachments_of(message),
        };
        self.state.store.deliver_direct_message(&delivered).await.map_err(DeliveryError::new)?;
        tracing::info!(person = %person_id, message = %id, "Direct message delivered");
        if let Err(error) = self.notify(person_id, id).await {
            tracing::warn!(person = %person_id, message = %id, %error, "the new-message e-mail was not sent");
        }
        Ok(())
    }

    /// The e-mail telling a person that a message arrived: a link, nothing of its content.
    async fn notify(&self, person_id: PersonId, id: DirectMessageId) -> Result<(), ShellError> {
        let person = self.state.store.person(person_id).await?.ok_or(ShellError::NotFound)?;
        let link = self.state.shell_link(message_path(id).trim_start_matches('/'));
        let text = format!(
            "Hello {name},\r\n\r\nA health care provider sent you a secure message. It is waiting in your message \
             center at Haven {instance}:\r\n\r\n{link}\r\n\r\nSign in to read it. For your privacy this e-mail says \
             nothing about what the message holds.\r\n",
            name = person.given_name,
            instance = self.state.instance_name(),
        );
        let mail = notification(&self.mail.from, person.sign_in_email.as_str(), "You have a new secure message", &text)
            .map_err(|error| ShellError::Internal(format!("building a notification failed: {error}")))?;
        self.mail
            .mailer
            .send(mail)
            .await
            .map_err(|error| ShellError::Internal(format!("sending a notification failed: {error}")))
    }

    /// Holds the message for the person `subject` names and mails them the invitation.
    async fn hold(
        &self,
        message: &InboundMessage,
        subject: &NewUserSubject,
        now: OffsetDateTime,
    ) -> Result<(), DeliveryError> {
        let code = new_token().map_err(DeliveryError::new)?;
        let (question, answer_hash) = match &subject.challenge {
            Some((question, answer)) => {
                let hash = password::hash(normalized_answer(answer)).await.map_err(DeliveryError::new)?;
                (Some(question.clone()), Some(hash))
            }
            None => (None, None),
        };
        let id = DirectMessageId::from_uuid(Uuid::new_v4());
        let held = HeldDirectMessage {
            id,
            invited_email: subject.email.clone(),
            invitation_hash: TokenHash::of_token(&code),
            question,
            answer_hash,
            held_at: now,
            expires_at: HeldDirectMessage::expiry_for(now),
            failed_attempts: 0,
            released: None,
            from: message.from.to_string(),
            to: message.to.iter().map(ToString::to_string).collect(),
            subject: subject.subject.clone(),
            text: message.text.clone().unwrap_or_default(),
            attachments: attachments_of(message),
        };
        self.state.store.hold_direct_message(&held).await.map_err(DeliveryError::new)?;
        tracing::info!(message = %id, "Direct message held for an invited address");
        let link = self.state.shell_link(&format!("direct/held?code={code}"));
        let how = if held.question.is_some() {
            "You will be asked the question your provider chose."
        } else {
            "You will be asked for the e-mail address this invitation was sent to."
        };
        let text = format!(
            "Hello,\r\n\r\nA health care provider ({sender}) sent you a secure message through Haven {instance}. To \
             read it, open this link, then sign in, or create an account if you have none:\r\n\r\n{link}\r\n\r\n{how} \
             The message waits for {days} days.\r\n\r\nIf you did not expect this, you can ignore this e-mail.\r\n",
            sender = message.from,
            instance = self.state.instance_name(),
            days = HELD_DIRECT_MESSAGE_LIFETIME.whole_days(),
        );
        let mail =
            notification(&self.mail.from, subject.email.as_str(), "A secure health message is waiting for you", &text)
                .map_err(DeliveryError::new)?;
        self.mail.mailer.send(mail).await.map_err(DeliveryError::new)?;
        Ok(())
    }
}

/// A received message's attachments with fresh ids, each classified.
fn attachments_of(message: &InboundMessage) -> Vec<DirectAttachment> {
    message
        .attachments
        .iter()
        .map(|attachment| DirectAttachment {
            id: DirectAttachmentId::from_uuid(Uuid::new_v4()),
            file_name: attachment.file_name.clone(),
            content_type: attachment.content_type.clone(),
            document_kind: document_kind(classify(attachment)),
            size_bytes: attachment.content.len() as u64,
            content: attachment.content.clone(),
            added_to_record: None,
            reviewed_at: None,
        })
        .collect()
}

/// The domain's name for haven-direct's classification.
fn document_kind(kind: DocumentKind) -> DirectDocumentKind {
    match kind {
        DocumentKind::Ccda => DirectDocumentKind::Ccda,
        DocumentKind::Ccd => DirectDocumentKind::Ccd,
        DocumentKind::Cda => DirectDocumentKind::Cda,
        DocumentKind::Ccr => DirectDocumentKind::Ccr,
        DocumentKind::Other => DirectDocumentKind::Other,
    }
}

fn is_newuser(recipient: &DirectAddress) -> bool {
    recipient.local_part() == NEWUSER_LOCAL_PART
}

#[async_trait]
impl Mailbox for MessageCenter {
    async fn accepts(&self, recipient: &DirectAddress) -> Result<bool, DeliveryError> {
        if is_newuser(recipient) {
            return Ok(true);
        }
        let Ok(name) = DirectAddressName::parse(recipient.local_part()) else { return Ok(false) };
        let person = self.state.store.person_by_direct_address(&name).await.map_err(DeliveryError::new)?;
        Ok(person.is_some())
    }

    async fn deliver(&self, message: InboundMessage, recipients: Vec<DirectAddress>) -> Result<(), DeliveryError> {
        // The subject is checked before anything is stored for anyone.
        let newuser_subject = if recipients.iter().any(is_newuser) {
            let subject = message.subject.as_deref().unwrap_or_default();
            Some(NewUserSubject::parse(subject).map_err(|_| DeliveryError::refused(Refusal::NewUserSubject))?)
        } else {
            None
        };
        let now = self.state.clock.now();
        for recipient in &recipients {
            if let (true, Some(subject)) = (is_newuser(recipient), &newuser_subject) {
                self.hold(&message, subject, now).await?;
                continue;
            }
            let Ok(name) = DirectAddressName::parse(recipient.local_part()) else { continue };
            match self.state.store.person_by_direct_address(&name).await.map_err(DeliveryError::new)? {
                Some(person_id) => self.deliver_to_person(&message, person_id, now).await?,
                // The address was given up between RCPT and the end of DATA.
                None => tracing::warn!("a Direct recipient accepted at RCPT no longer exists; not delivered to it"),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_classification_has_its_stored_kind() {
        let pairs = [
            (DocumentKind::Ccda, "ccda"),
            (DocumentKind::Ccd, "ccd"),
            (DocumentKind::Cda, "cda"),
            (DocumentKind::Ccr, "ccr"),
            (DocumentKind::Other, "other"),
        ];
        for (kind, name) in pairs {
            assert_eq!(document_kind(kind).as_str(), name);
        }
    }
}
