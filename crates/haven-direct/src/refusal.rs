//! Why an inbound message is refused, and the SMTP reply each refusal gets.

use std::fmt;

use thiserror::Error;

/// What was wrong with an inbound message. The listener refuses it at SMTP time with
/// [`Refusal::smtp_reply`] and stores nothing. No variant carries message content, so a refusal
/// can be logged and sent back as it is.
///
/// Enhanced status codes are from RFC 3463; all are permanent (5.x.x): resending the same
/// bytes cannot succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum Refusal {
    /// The message is not S/MIME enveloped data: plain mail, signed-only mail, or another
    /// `smime-type`. Direct requires encryption. `554 5.7.1` (delivery not authorized, message
    /// refused): a policy refusal, not a defect of the message.
    #[error("not an S/MIME encrypted message")]
    NotEncrypted,
    /// The message claims to be S/MIME but its CMS structure cannot be read (bad base64, bad
    /// DER, or a CMS type other than enveloped data). `554 5.6.0` (other media error).
    #[error("the S/MIME structure cannot be read")]
    MalformedSmime,
    /// The enveloped data is not encrypted to the domain's certificate (another key), or its
    /// key or content cannot be decrypted. `554 5.7.5` (cryptographic failure).
    #[error("the message cannot be decrypted with this domain's key")]
    CannotDecrypt,
    /// The decrypted content is not S/MIME signed data (neither `multipart/signed` nor opaque
    /// `signed-data`). Direct requires a signature. `554 5.7.1` (delivery not authorized).
    #[error("the decrypted content is not signed")]
    NotSigned,
    /// A signature does not match the signed content, or the signer's certificate is missing
    /// from the message. `554 5.7.7` (message integrity failure).
    #[error("the signature does not verify")]
    BadSignature,
    /// The signature is intact but the signer's certificate does not chain to a configured
    /// trust anchor (or the chain is expired or unfit for S/MIME signing). `550 5.7.1`
    /// (delivery not authorized: this sender may not send here).
    #[error("the signer is not under a trusted anchor")]
    UntrustedSender,
    /// The signature and its chain are good, but the signer's certificate is bound neither to
    /// the From address nor to its domain: one trusted sender may not write as another.
    /// `550 5.7.1` (delivery not authorized).
    #[error("the signer's certificate does not match the From address")]
    SenderMismatch,
    /// The MIME structure inside or around the S/MIME layers is broken (a multipart with no
    /// boundary or no closing delimiter, bad transfer encoding, no parsable header section, a
    /// missing or invalid From). `554 5.6.0` (other media error). `detail` is a fixed text
    /// naming the rule broken.
    #[error("malformed MIME: {detail}")]
    MalformedMime { detail: &'static str },
    /// A message to the `newuser@` address whose subject line is not
    /// `Email[;Question;Answer][;RealSubject]`, so nobody can be invited to pick it up.
    /// `554 5.6.0`; the reply names the expected form (never the subject sent).
    #[error("the newuser subject line does not name an e-mail address and an optional question and answer")]
    NewUserSubject,
}

/// An SMTP reply: the basic code, the RFC 3463 enhanced status code and a fixed text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmtpReply {
    /// The RFC 5321 reply code, such as 554.
    pub code: u16,
    /// The RFC 3463 enhanced status code, such as `5.7.1`.
    pub enhanced: &'static str,
    /// Human-readable text without message content.
    pub text: &'static str,
}

impl fmt::Display for SmtpReply {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{} {} {}", self.code, self.enhanced, self.text)
    }
}

impl Refusal {
    /// The reply the SMTP listener sends after DATA for this refusal.
    pub fn smtp_reply(&self) -> SmtpReply {
        let (code, enhanced, text) = match self {
            Refusal::NotEncrypted => (554, "5.7.1", "Direct messages must be S/MIME encrypted"),
            Refusal::MalformedSmime => (554, "5.6.0", "Malformed S/MIME structure"),
            Refusal::CannotDecrypt => (554, "5.7.5", "Message cannot be decrypted with this domain's certificate"),
            Refusal::NotSigned => (554, "5.7.1", "Direct messages must be S/MIME signed"),
            Refusal::BadSignature => (554, "5.7.7", "Message signature does not verify"),
            Refusal::UntrustedSender => (550, "5.7.1", "Signer is not trusted by this domain"),
            Refusal::SenderMismatch => (550, "5.7.1", "Signer certificate does not match the From address"),
            Refusal::MalformedMime { .. } => (554, "5.6.0", "Malformed MIME message"),
            Refusal::NewUserSubject => {
                (554, "5.6.0", "For newuser@ the subject must be Email[;Question;Answer][;Subject]")
            }
        };
        SmtpReply { code, enhanced, text }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_is_permanent_and_has_a_documented_reply() {
        let refusals = [
            Refusal::NotEncrypted,
            Refusal::MalformedSmime,
            Refusal::CannotDecrypt,
            Refusal::NotSigned,
            Refusal::BadSignature,
            Refusal::UntrustedSender,
            Refusal::SenderMismatch,
            Refusal::MalformedMime { detail: "multipart without boundary" },
            Refusal::NewUserSubject,
        ];
        for refusal in refusals {
            let reply = refusal.smtp_reply();
            assert!((550..=554).contains(&reply.code), "{refusal:?}");
            assert!(reply.enhanced.starts_with("5."), "{refusal:?}");
        }
        assert_eq!(Refusal::BadSignature.smtp_reply().to_string(), "554 5.7.7 Message signature does not verify");
        assert_eq!(Refusal::UntrustedSender.smtp_reply().enhanced, "5.7.1");
    }
}
