//! Outgoing mail: the [`Mailer`] trait that the Shell and the `haven` binary send through, its
//! two implementations, and plain notification messages.
//!
//! A message travels as an [`OutgoingMail`]: the SMTP envelope and the finished RFC 5322 bytes,
//! which are sent as they are, so a pre-built S/MIME Direct message arrives byte for byte.
//! [`SmtpRelay`] hands mail to an SMTP relay (TLS or STARTTLS; plain SMTP only to a loopback
//! host); [`MailFolder`] writes each message to a folder as an `.eml` file, for development.
//! [`notification`] builds the plain-text messages (invitations, arrival notices). No error of
//! this crate carries message content or a full address.

mod error;
mod folder;
mod notification;
mod relay;

use async_trait::async_trait;
use lettre::Address;
use lettre::address::Envelope;

pub use error::{AddressRole, MailError, RelayFailure};
pub use folder::MailFolder;
pub use notification::notification;
pub use relay::{DEFAULT_RELAY_TIMEOUT, RelaySecurity, RelaySettings, SmtpRelay};

/// A message ready to send: the SMTP envelope and the raw RFC 5322 bytes.
///
/// The envelope is what the relay acts on; the headers inside `raw` are not read. An empty
/// `envelope_from` is the null reverse path (`MAIL FROM:<>`), as for delivery notices.
#[derive(Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    /// The envelope sender (`MAIL FROM`), a bare address such as `noreply@example.org`.
    pub envelope_from: String,
    /// The envelope recipients (`RCPT TO`), bare addresses; at least one.
    pub recipients: Vec<String>,
    /// The message as it goes on the wire (before dot-stuffing), with CRLF line ends.
    pub raw: Vec<u8>,
}

impl std::fmt::Debug for OutgoingMail {
    /// Shows the size and the recipients' count, never an address or the content.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("OutgoingMail")
            .field("recipients", &self.recipients.len())
            .field("bytes", &self.raw.len())
            .finish_non_exhaustive()
    }
}

/// Something that takes outgoing mail: an SMTP relay, or a folder in development.
#[async_trait]
pub trait Mailer: Send + Sync + std::fmt::Debug {
    /// Sends `mail`, returning once the relay (or the folder) has taken responsibility for it.
    /// A failure leaves nothing half sent that a retry would duplicate, except where the relay
    /// took some recipients and refused others.
    async fn send(&self, mail: OutgoingMail) -> Result<(), MailError>;
}

/// The envelope of `mail`, checked: valid addresses (which cannot hold a line break or angle
/// brackets) and at least one recipient.
fn checked_envelope(mail: &OutgoingMail) -> Result<Envelope, MailError> {
    let from = if mail.envelope_from.is_empty() {
        None
    } else {
        Some(parse_address(&mail.envelope_from, AddressRole::EnvelopeSender)?)
    };
    let recipients = mail
        .recipients
        .iter()
        .map(|recipient| parse_address(recipient, AddressRole::EnvelopeRecipient))
        .collect::<Result<Vec<_>, _>>()?;
    if recipients.is_empty() {
        return Err(MailError::NoRecipients);
    }
    Envelope::new(from, recipients).map_err(|_| MailError::NoRecipients)
}

fn parse_address(text: &str, role: AddressRole) -> Result<Address, MailError> {
    if text.contains(['\r', '\n']) {
        return Err(MailError::InvalidAddress(role));
    }
    text.parse::<Address>().map_err(|_| MailError::InvalidAddress(role))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(from: &str, recipients: &[&str]) -> OutgoingMail {
        OutgoingMail {
            envelope_from: from.to_owned(),
            recipients: recipients.iter().map(|&recipient| recipient.to_owned()).collect(),
            raw: b"Subject: x\r\n\r\nbody\r\n".to_vec(),
        }
    }

    #[test]
    fn an_envelope_needs_a_recipient() {
        assert!(matches!(checked_envelope(&mail("a@example.org", &[])), Err(MailError::NoRecipients)));
    }

    #[test]
    fn an_empty_sender_is_the_null_reverse_path() {
        let envelope = checked_envelope(&mail("", &["b@example.org"])).unwrap();
        assert!(envelope.from().is_none());
        assert_eq!(envelope.to().len(), 1);
    }

    #[test]
    fn envelope_addresses_with_line_breaks_or_brackets_are_refused() {
        for bad in ["b@example.org\r\nRCPT TO:<c@example.org>", "<b@example.org>", "b example.org", "b@"] {
            assert!(matches!(
                checked_envelope(&mail("a@example.org", &[bad])),
                Err(MailError::InvalidAddress(AddressRole::EnvelopeRecipient))
            ));
        }
        assert!(matches!(
            checked_envelope(&mail("a@example.org\n", &["b@example.org"])),
            Err(MailError::InvalidAddress(AddressRole::EnvelopeSender))
        ));
    }

    #[test]
    fn debug_shows_no_address_or_content() {
        let shown = format!("{:?}", mail("a@example.org", &["b@example.org"]));
        assert!(!shown.contains("example.org") && !shown.contains("body"), "{shown}");
    }
}
