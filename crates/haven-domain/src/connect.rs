//! Patient Connect and drop-off/pick-up (DOPU): how a clinic without a patient-facing site
//! reaches a person (protocol notes, sections 13 and 14). Both start with the clinic's
//! application creating something in one instance, named by an identity code the person
//! later enters in that instance's Shell with the answer to a secret question:
//!
//! - a **connect request** ([`ConnectRequest`]): once the person answers and authorizes the
//!   application on a record, the clinic learns the person and record ids by polling
//!   ([`ConnectValidation`]) and then reads and writes offline;
//! - a **connect package** ([`ConnectPackage`]): things encrypted with a key derived from the
//!   answer, which the person picks up once into a record of their choice.
//!
//! The limits are the documented ones: [`PENDING_LIFETIME`], [`VALIDATED_RETENTION`] and
//! [`MAX_ANSWER_ATTEMPTS`]. Codes and answers are kept only as hashes.

mod identity_code;
mod package;
mod request;

pub(crate) use identity_code::CodeSpelling;
pub use identity_code::{IDENTITY_CODE_LETTERS, IdentityCode, IdentityCodeError};
pub use package::{ConnectPackage, ConnectPackageId, PackageContents, PackageStatus, Pickup};
pub use request::{ConnectRequest, ConnectRequestId, ConnectRequestStatus, ConnectValidation};

use time::Duration;

/// How long a connect request or a package waits for the person: four weeks from its
/// creation, as HealthVault documented. After it the code is refused and the clinic issues a
/// new one.
pub const PENDING_LIFETIME: Duration = Duration::weeks(4);

/// How long a validated connect request is kept for the clinic to poll: 90 days from its last
/// validation (each validation restarts the window), then it is deleted.
pub const VALIDATED_RETENTION: Duration = Duration::days(90);

/// Wrong answers allowed for one code: the third wrong answer locks it for good.
pub const MAX_ANSWER_ATTEMPTS: u32 = 3;

/// The longest external id (the clinic's own patient identifier), question, friendly name or
/// answer accepted, in characters.
pub const MAX_CONNECT_TEXT_CHARS: usize = 255;

/// What makes a connect request's or package's text unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectTextError {
    /// The question is empty (HealthVault refuses an empty question).
    #[error("the secret question is empty")]
    EmptyQuestion,
    /// The answer is empty.
    #[error("the secret answer is empty")]
    EmptyAnswer,
    /// The external id is empty.
    #[error("the external id is empty")]
    EmptyExternalId,
    /// The friendly name is empty.
    #[error("the friendly name is empty")]
    EmptyFriendlyName,
    /// A text is longer than [`MAX_CONNECT_TEXT_CHARS`].
    #[error("the {field} is longer than {MAX_CONNECT_TEXT_CHARS} characters")]
    TooLong {
        /// Which text.
        field: &'static str,
    },
}

/// Checks the texts a clinic gives a connect request or package: none empty (after trimming),
/// none longer than [`MAX_CONNECT_TEXT_CHARS`]. The answer is optional because a package's
/// answer never reaches the server.
pub fn check_connect_texts(
    friendly_name: &str,
    question: &str,
    answer: Option<&str>,
    external_id: &str,
) -> Result<(), ConnectTextError> {
    let fields = [
        ("friendly name", Some(friendly_name), ConnectTextError::EmptyFriendlyName),
        ("secret question", Some(question), ConnectTextError::EmptyQuestion),
        ("secret answer", answer, ConnectTextError::EmptyAnswer),
        ("external id", Some(external_id), ConnectTextError::EmptyExternalId),
    ];
    for (field, text, empty) in fields {
        let Some(text) = text else { continue };
        if text.trim().is_empty() {
            return Err(empty);
        }
        if text.chars().count() > MAX_CONNECT_TEXT_CHARS {
            return Err(ConnectTextError::TooLong { field });
        }
    }
    Ok(())
}

/// The form of an answer that is hashed and compared: answers are case-insensitive but
/// whitespace-sensitive (HealthVault's rule), so the answer is lower-cased and nothing else.
pub fn normalized_answer(answer: &str) -> String {
    answer.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_must_be_present_and_bounded() {
        assert_eq!(check_connect_texts("Ann", "Pet?", Some("rex rex"), "p-1"), Ok(()));
        assert_eq!(check_connect_texts("Ann", "Pet?", None, "p-1"), Ok(()));
        assert_eq!(check_connect_texts("Ann", "  ", None, "p-1"), Err(ConnectTextError::EmptyQuestion));
        assert_eq!(check_connect_texts("Ann", "Pet?", Some(""), "p-1"), Err(ConnectTextError::EmptyAnswer));
        assert_eq!(check_connect_texts("", "Pet?", None, "p-1"), Err(ConnectTextError::EmptyFriendlyName));
        assert_eq!(check_connect_texts("Ann", "Pet?", None, ""), Err(ConnectTextError::EmptyExternalId));
        let long = "x".repeat(MAX_CONNECT_TEXT_CHARS + 1);
        assert_eq!(
            check_connect_texts("Ann", &long, None, "p-1"),
            Err(ConnectTextError::TooLong { field: "secret question" })
        );
    }

    #[test]
    fn answers_ignore_case_but_not_spaces() {
        assert_eq!(normalized_answer("Blue Sky"), "blue sky");
        assert_ne!(normalized_answer("Blue  Sky"), normalized_answer("blue sky"));
        assert_eq!(normalized_answer("ÉCOLE"), "école");
    }
}
