//! [`notification`]: a plain-text message from one address to another, such as an invitation or
//! a notice that a Direct message arrived, built with lettre's message builder.

use lettre::Message;
use lettre::message::Mailbox;
use lettre::message::header::{ContentType, MIME_VERSION_1_0};

use crate::{AddressRole, MailError, OutgoingMail};

/// A UTF-8 `text/plain` message from `from` to `to` (each a bare address or
/// `Name <address>`), with `Date` (now), `Message-ID` (random, in the sender's domain),
/// `From`, `To`, `Subject` and `MIME-Version`; its envelope is the two bare addresses.
///
/// Refuses a line break in `from`, `to` or `subject` (it would start a header of its own); a
/// non-ASCII subject or name is encoded (RFC 2047), and the text's line ends become CRLF.
pub fn notification(from: &str, to: &str, subject: &str, text: &str) -> Result<OutgoingMail, MailError> {
    for (header, value) in [("From", from), ("To", to), ("Subject", subject)] {
        if value.contains(['\r', '\n']) {
            return Err(MailError::LineBreakInHeader(header));
        }
    }
    let sender: Mailbox = from.parse().map_err(|_| MailError::InvalidAddress(AddressRole::From))?;
    let recipient: Mailbox = to.parse().map_err(|_| MailError::InvalidAddress(AddressRole::To))?;
    let random = getrandom::u64().map_err(|error| MailError::Randomness(error.to_string()))?;
    let more_random = getrandom::u64().map_err(|error| MailError::Randomness(error.to_string()))?;
    let message_id = format!("<{random:016x}{more_random:016x}@{}>", sender.email.domain());
    let envelope_from = sender.email.to_string();
    let envelope_to = recipient.email.to_string();
    let message = Message::builder()
        .from(sender)
        .to(recipient)
        .subject(subject)
        .message_id(Some(message_id))
        .date_now()
        .header(MIME_VERSION_1_0)
        .header(ContentType::TEXT_PLAIN)
        .body(text.to_owned())
        .map_err(|error| MailError::Build(error.to_string()))?;
    Ok(OutgoingMail { envelope_from, recipients: vec![envelope_to], raw: message.formatted() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_in_headers_are_refused() {
        let cases = [
            ("a@example.org\r\nBcc: c@example.org", "b@example.org", "Hello", "From"),
            ("a@example.org", "b@example.org\nBcc: c@example.org", "Hello", "To"),
            ("a@example.org", "b@example.org", "Hello\r\nBcc: c@example.org", "Subject"),
            ("a@example.org", "b@example.org", "Hello\rX: y", "Subject"),
        ];
        for (from, to, subject, header) in cases {
            assert!(matches!(
                notification(from, to, subject, "text"),
                Err(MailError::LineBreakInHeader(refused)) if refused == header
            ));
        }
    }

    #[test]
    fn bad_addresses_are_refused_by_role() {
        assert!(matches!(
            notification("not an address", "b@example.org", "s", "t"),
            Err(MailError::InvalidAddress(AddressRole::From))
        ));
        assert!(matches!(
            notification("a@example.org", "b@", "s", "t"),
            Err(MailError::InvalidAddress(AddressRole::To))
        ));
    }

    #[test]
    fn the_envelope_is_the_bare_addresses() {
        let mail = notification("Haven <noreply@haven.example>", "Pat <pat@example.org>", "Hi", "Hello").unwrap();
        assert_eq!(mail.envelope_from, "noreply@haven.example");
        assert_eq!(mail.recipients, ["pat@example.org"]);
        let text = String::from_utf8(mail.raw).unwrap();
        assert!(text.contains("Message-ID: <") && text.contains("@haven.example>\r\n"), "{text}");
    }
}
