//! Direct messaging's message center: the Direct address each person chooses, the messages
//! delivered to it with their attachments, and the messages held for someone without an
//! account (the `newuser@` flow). S/MIME and MIME are `haven-direct`'s; this module only
//! names what is kept and decides when a held message may still be picked up.
//!
//! A person's full Direct address is [`DirectAddressName`]`@`domain, the domain coming from
//! the instance's configuration, so only the local part is stored.

use std::fmt;

use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::ids::{PersonId, RecordId, ThingId};
use crate::person::EmailAddress;
use crate::session::TokenHash;

/// The longest local part RFC 5321 allows, in characters (all ASCII here).
pub const MAX_DIRECT_NAME_CHARS: usize = 64;

/// How long a held message waits to be picked up: 30 days from its arrival. After it the
/// invitation is refused and the message is deleted.
pub const HELD_DIRECT_MESSAGE_LIFETIME: Duration = Duration::days(30);

/// Wrong answers (or wrong e-mail addresses) allowed when picking up a held message: the third
/// locks it for good, as for a Patient Connect code.
pub const MAX_HELD_ANSWER_ATTEMPTS: u32 = crate::connect::MAX_ANSWER_ATTEMPTS;

/// The local part of the address that holds messages for people whose Direct address the
/// sender does not know (`newuser@` the Direct domain); see [`NewUserSubject`].
pub const NEWUSER_LOCAL_PART: &str = "newuser";

/// The largest message, as received and before decryption, that Haven means to accept: 25 MiB,
/// the common limit of mail relays. It is for the listener to announce and enforce (SMTP
/// `SIZE`); the store does not check it.
pub const MAX_DIRECT_MESSAGE_BYTES: usize = 25 * 1024 * 1024;

/// A person's chosen Direct local part, such as `ana.lopez`.
///
/// Invariants: a dot-atom (RFC 5322 `atext` characters in runs separated by single dots, no
/// leading or trailing dot), 1 to [`MAX_DIRECT_NAME_CHARS`] characters, lower-cased, so two
/// spellings of one name compare equal. It is unique in the instance.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DirectAddressName(String);

/// Why a text is not a usable Direct local part. Errors name the rule broken, never echo the
/// input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DirectAddressNameError {
    /// Nothing was given.
    #[error("the Direct address name is empty")]
    Empty,
    /// More than [`MAX_DIRECT_NAME_CHARS`] characters.
    #[error("the Direct address name is longer than {MAX_DIRECT_NAME_CHARS} characters")]
    TooLong,
    /// A character outside letters, digits, dots and ``!#$%&'*+-/=?^_`{|}~``.
    #[error("the Direct address name may hold only letters, digits, dots and !#$%&'*+-/=?^_`{{|}}~")]
    InvalidCharacter,
    /// A dot first, last or twice in a row.
    #[error("the Direct address name may not start or end with a dot, or hold two dots in a row")]
    MisplacedDot,
}

impl DirectAddressName {
    /// Parses a local part exactly as given (no trimming), lower-casing it.
    pub fn parse(text: &str) -> Result<Self, DirectAddressNameError> {
        if text.is_empty() {
            return Err(DirectAddressNameError::Empty);
        }
        if text.len() > MAX_DIRECT_NAME_CHARS {
            return Err(DirectAddressNameError::TooLong);
        }
        if !text.chars().all(|character| character == '.' || is_atext(character)) {
            return Err(DirectAddressNameError::InvalidCharacter);
        }
        if text.starts_with('.') || text.ends_with('.') || text.contains("..") {
            return Err(DirectAddressNameError::MisplacedDot);
        }
        Ok(Self(text.to_ascii_lowercase()))
    }

    /// The local part, lower-cased.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The full address in the instance's Direct `domain` (lower-cased too).
    pub fn address_in(&self, domain: &str) -> String {
        format!("{}@{}", self.0, domain.to_ascii_lowercase())
    }
}

impl fmt::Display for DirectAddressName {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// RFC 5322 `atext`: ASCII letters, digits and the listed symbols.
fn is_atext(character: char) -> bool {
    character.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(character)
}

/// Declares an id newtype over a generated UUID (the store's key, never parsed from a
/// request). `sharing.rs` uses it too.
macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps a generated UUID.
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The UUID.
            pub const fn as_uuid(self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(formatter)
            }
        }
    };
}
pub(crate) use uuid_id;

uuid_id!(
    /// A Direct message's id. A held message keeps its id when it is released to a person.
    DirectMessageId
);
uuid_id!(
    /// An attachment's id, unique across messages.
    DirectAttachmentId
);

/// What kind of document an attachment is, which decides the thing type it becomes in a
/// record. It mirrors `haven-direct`'s classification (by root element and templateId, with
/// `application/cda+xml` asking for CDA).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DirectDocumentKind {
    /// A Consolidated CDA document.
    Ccda,
    /// An HL7 CCD release 1 document (HITSP C32).
    Ccd,
    /// Any other HL7 CDA `ClinicalDocument`.
    Cda,
    /// An ASTM Continuity of Care Record.
    Ccr,
    /// Not a clinical document: it becomes a File.
    Other,
}

impl DirectDocumentKind {
    /// Every kind, for exhaustive tests and forms.
    pub const ALL: [Self; 5] = [Self::Ccda, Self::Ccd, Self::Cda, Self::Ccr, Self::Other];

    /// The stored name (`"ccda"`, `"ccd"`, `"cda"`, `"ccr"`, `"other"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ccda => "ccda",
            Self::Ccd => "ccd",
            Self::Cda => "cda",
            Self::Ccr => "ccr",
            Self::Other => "other",
        }
    }

    /// The kind [`Self::as_str`] names, if any.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// Whether the attachment is a clinical document whose entries can be reconciled into
    /// discrete things.
    pub const fn is_clinical(self) -> bool {
        !matches!(self, Self::Other)
    }
}

/// One attachment of a Direct message, as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectAttachment {
    /// Its id.
    pub id: DirectAttachmentId,
    /// The file name the sender gave, if any.
    pub file_name: Option<String>,
    /// The MIME content type the sender gave (lower-cased, without parameters).
    pub content_type: String,
    /// What it was classified as on arrival.
    pub document_kind: DirectDocumentKind,
    /// The decoded bytes.
    pub content: Vec<u8>,
    /// The length of `content`, kept apart so a listing can show it without reading the
    /// content.
    pub size_bytes: u64,
    /// The record and the thing it was added to, once the person added it to a record.
    pub added_to_record: Option<(RecordId, ThingId)>,
    /// When the person added the entries of this clinical document to the record, after
    /// reviewing them: once only, so that the same entries are not added twice.
    pub reviewed_at: Option<OffsetDateTime>,
}

/// A Direct message in a person's message center.
///
/// Invariants: the message arrived with a valid signature from a trusted sender (the
/// listener stores nothing else); `read_at` is the first time the person opened it and does
/// not move afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectMessage {
    /// Its id.
    pub id: DirectMessageId,
    /// The addressee.
    pub person_id: PersonId,
    /// The sender's Direct address, as received.
    pub from: String,
    /// The recipients the message named, as received.
    pub to: Vec<String>,
    /// The subject (empty when there was none).
    pub subject: String,
    /// The plain-text body (empty when there was none).
    pub text: String,
    /// When the listener accepted it.
    pub received_at: OffsetDateTime,
    /// When the person first read it.
    pub read_at: Option<OffsetDateTime>,
    /// Its attachments, in the order of the message.
    pub attachments: Vec<DirectAttachment>,
}

/// A message as an inbox lists it: no body and no attachment contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectMessageSummary {
    /// Its id.
    pub id: DirectMessageId,
    /// The sender's Direct address.
    pub from: String,
    /// The subject.
    pub subject: String,
    /// When it arrived.
    pub received_at: OffsetDateTime,
    /// When the person first read it.
    pub read_at: Option<OffsetDateTime>,
    /// How many attachments it has.
    pub attachment_count: u64,
}

/// A message sent to `newuser@` for someone who may have no account: held until the invited
/// person picks it up (after confirming the e-mail address, or answering the sender's
/// question), then released once into their message center under its own id.
///
/// Invariants: the invitation code is kept only as a hash; the answer only as a PHC string of
/// a slow hash of [`crate::connect::normalized_answer`]; `question` and `answer_hash` are both
/// present or both absent; a release happens at most once, before `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldDirectMessage {
    /// The message's id (kept when it is released).
    pub id: DirectMessageId,
    /// The contact address named in the subject line, where the invitation goes.
    pub invited_email: EmailAddress,
    /// Hash of the invitation code the mailed link carries.
    pub invitation_hash: TokenHash,
    /// The sender's secret question, if the subject line had one.
    pub question: Option<String>,
    /// PHC string of the normalized answer's hash, with `question`.
    pub answer_hash: Option<String>,
    /// When the listener accepted and held the message.
    pub held_at: OffsetDateTime,
    /// When an unreleased message stops being available: [`HELD_DIRECT_MESSAGE_LIFETIME`]
    /// after `held_at`.
    pub expires_at: OffsetDateTime,
    /// Wrong answers (or wrong e-mail addresses) given so far; at
    /// [`MAX_HELD_ANSWER_ATTEMPTS`] the message is locked.
    pub failed_attempts: u32,
    /// Who picked it up and when, once released.
    pub released: Option<HeldRelease>,
    /// The sender's address, as received.
    pub from: String,
    /// The recipients the message named.
    pub to: Vec<String>,
    /// The real subject (the part of the subject line after the invitation fields).
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The attachments, in the order of the message.
    pub attachments: Vec<DirectAttachment>,
}

/// The single release of a held message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldRelease {
    /// The person whose message center received it.
    pub person_id: PersonId,
    /// When.
    pub released_at: OffsetDateTime,
}

/// Where a held message stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldStatus {
    /// Waiting for the invited person.
    Waiting,
    /// Picked up (once, for good).
    Released,
    /// Its lifetime passed without a pickup.
    Expired,
    /// Too many wrong answers: it can no longer be picked up.
    Locked,
}

impl HeldDirectMessage {
    /// When a message held at `held_at` expires.
    pub fn expiry_for(held_at: OffsetDateTime) -> OffsetDateTime {
        held_at + HELD_DIRECT_MESSAGE_LIFETIME
    }

    /// Its status at `now`: a release is final, then the lock, then expiry.
    pub fn status_at(&self, now: OffsetDateTime) -> HeldStatus {
        if self.released.is_some() {
            HeldStatus::Released
        } else if self.failed_attempts >= MAX_HELD_ANSWER_ATTEMPTS {
            HeldStatus::Locked
        } else if now >= self.expires_at {
            HeldStatus::Expired
        } else {
            HeldStatus::Waiting
        }
    }

    /// The message as it appears in `person_id`'s message center once released: unread, and
    /// received when it was held.
    pub fn message_for(&self, person_id: PersonId) -> DirectMessage {
        DirectMessage {
            id: self.id,
            person_id,
            from: self.from.clone(),
            to: self.to.clone(),
            subject: self.subject.clone(),
            text: self.text.clone(),
            received_at: self.held_at,
            read_at: None,
            attachments: self.attachments.clone(),
        }
    }
}

/// The subject line of a message sent to `newuser@`:
/// `Email[;Question;Answer][;RealSubject]`. The e-mail address is where the invitation goes;
/// the question and answer, both or neither, are what the person must answer at pickup (without
/// them, the person confirms the e-mail address instead); the rest is the message's real
/// subject.
///
/// Choices where the documentation is silent: fields are trimmed; two fields are the address
/// and a subject, three are the address, question and answer, and from four on everything after
/// the answer is the subject (which may itself hold semicolons); a question or answer of more
/// than [`MAX_CONNECT_TEXT_CHARS`](crate::connect::MAX_CONNECT_TEXT_CHARS) characters is
/// refused, as for Patient Connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUserSubject {
    /// The person's contact address.
    pub email: EmailAddress,
    /// The sender's question and its answer, if given.
    pub challenge: Option<(String, String)>,
    /// The real subject (empty when none was given).
    pub subject: String,
}

/// Why a `newuser@` subject line cannot be used. The message is refused; errors never echo
/// the subject, which may hold the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NewUserSubjectError {
    /// The first field is not an e-mail address.
    #[error("the subject must start with the person's e-mail address")]
    Email,
    /// The question or the answer is empty or too long.
    #[error("the question and the answer must both be given, each of 1 to 255 characters")]
    Challenge,
}

impl NewUserSubject {
    /// Reads a subject line (the decoded `Subject:` text).
    pub fn parse(line: &str) -> Result<Self, NewUserSubjectError> {
        // The subject after the answer is kept whole, semicolons and all.
        let fields: Vec<&str> = line.splitn(4, ';').map(str::trim).collect();
        let email = EmailAddress::parse(fields[0]).map_err(|_| NewUserSubjectError::Email)?;
        let (challenge, subject) = match fields.len() {
            1 => (None, String::new()),
            2 => (None, fields[1].to_owned()),
            _ => {
                let (question, answer) = (fields[1], fields[2]);
                let usable =
                    |text: &str| !text.is_empty() && text.chars().count() <= crate::connect::MAX_CONNECT_TEXT_CHARS;
                if !usable(question) || !usable(answer) {
                    return Err(NewUserSubjectError::Challenge);
                }
                (Some((question.to_owned(), answer.to_owned())), fields.get(3).copied().unwrap_or_default().to_owned())
            }
        };
        Ok(Self { email, challenge, subject })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use uuid::uuid;

    const HELD: OffsetDateTime = datetime!(2026-11-01 9:00 UTC);

    #[test]
    fn names_are_dot_atoms_lower_cased() {
        assert_eq!(DirectAddressName::parse("Ana.Lopez").unwrap().as_str(), "ana.lopez");
        assert_eq!(DirectAddressName::parse("o'neil+hv").unwrap().as_str(), "o'neil+hv");
        assert_eq!(DirectAddressName::parse(""), Err(DirectAddressNameError::Empty));
        assert_eq!(DirectAddressName::parse("ana lopez"), Err(DirectAddressNameError::InvalidCharacter));
        assert_eq!(DirectAddressName::parse("ana@x"), Err(DirectAddressNameError::InvalidCharacter));
        assert_eq!(DirectAddressName::parse("anä"), Err(DirectAddressNameError::InvalidCharacter));
        assert_eq!(DirectAddressName::parse(".ana"), Err(DirectAddressNameError::MisplacedDot));
        assert_eq!(DirectAddressName::parse("ana."), Err(DirectAddressNameError::MisplacedDot));
        assert_eq!(DirectAddressName::parse("a..na"), Err(DirectAddressNameError::MisplacedDot));
        assert!(DirectAddressName::parse(&"a".repeat(MAX_DIRECT_NAME_CHARS)).is_ok());
        assert_eq!(
            DirectAddressName::parse(&"a".repeat(MAX_DIRECT_NAME_CHARS + 1)),
            Err(DirectAddressNameError::TooLong)
        );
    }

    #[test]
    fn the_full_address_takes_the_configured_domain() {
        let name = DirectAddressName::parse("ana").unwrap();
        assert_eq!(name.address_in("Direct.Example.org"), "ana@direct.example.org");
    }

    #[test]
    fn document_kinds_round_trip_their_names() {
        for kind in DirectDocumentKind::ALL {
            assert_eq!(DirectDocumentKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(DirectDocumentKind::parse("pdf"), None);
        assert!(DirectDocumentKind::Ccda.is_clinical());
        assert!(!DirectDocumentKind::Other.is_clinical());
    }

    fn held() -> HeldDirectMessage {
        HeldDirectMessage {
            id: DirectMessageId::from_uuid(uuid!("d1000000-0000-0000-0000-000000000001")),
            invited_email: EmailAddress::parse("ana@example.org").unwrap(),
            invitation_hash: TokenHash::of_token("invitation"),
            question: None,
            answer_hash: None,
            held_at: HELD,
            expires_at: HeldDirectMessage::expiry_for(HELD),
            failed_attempts: 0,
            released: None,
            from: "dr.who@direct.clinic.example".to_owned(),
            to: vec!["newuser@direct.haven.example".to_owned()],
            subject: "Your results".to_owned(),
            text: "See attached.".to_owned(),
            attachments: Vec::new(),
        }
    }

    #[test]
    fn held_messages_wait_thirty_days_and_release_once() {
        let mut message = held();
        assert_eq!(message.status_at(HELD + Duration::days(29)), HeldStatus::Waiting);
        assert_eq!(message.status_at(HELD + Duration::days(30)), HeldStatus::Expired);
        let person_id = PersonId::from_uuid(uuid!("e1000000-0000-0000-0000-000000000001"));
        message.released = Some(HeldRelease { person_id, released_at: HELD });
        assert_eq!(message.status_at(HELD + Duration::days(60)), HeldStatus::Released);
        let delivered = message.message_for(person_id);
        assert_eq!((delivered.id, delivered.person_id, delivered.read_at), (message.id, person_id, None));
    }

    #[test]
    fn three_wrong_answers_lock_a_held_message() {
        let mut message = held();
        message.failed_attempts = MAX_HELD_ANSWER_ATTEMPTS - 1;
        assert_eq!(message.status_at(HELD), HeldStatus::Waiting);
        message.failed_attempts = MAX_HELD_ANSWER_ATTEMPTS;
        assert_eq!(message.status_at(HELD), HeldStatus::Locked);
    }

    #[test]
    fn newuser_subjects_name_the_address_the_challenge_and_the_subject() {
        let plain = NewUserSubject::parse("Ana@Example.org").unwrap();
        assert_eq!((plain.email.as_str(), plain.challenge, plain.subject.as_str()), ("ana@example.org", None, ""));
        let with_subject = NewUserSubject::parse("ana@example.org; Your results").unwrap();
        assert_eq!((with_subject.challenge, with_subject.subject.as_str()), (None, "Your results"));
        let documented = NewUserSubject::parse(
            "user@direct.healthvault.com;What is your mother's maiden name;McKinney;You have a new message",
        )
        .unwrap();
        assert_eq!(documented.challenge, Some(("What is your mother's maiden name".to_owned(), "McKinney".to_owned())));
        assert_eq!(documented.subject, "You have a new message");
        let challenge_only = NewUserSubject::parse("ana@example.org;Pet's name?;Rex").unwrap();
        assert_eq!((challenge_only.challenge.is_some(), challenge_only.subject.as_str()), (true, ""));
        let semicolons = NewUserSubject::parse("ana@example.org;Q;A;Results; part 2").unwrap();
        assert_eq!(semicolons.subject, "Results; part 2");
        assert_eq!(NewUserSubject::parse("Your results"), Err(NewUserSubjectError::Email));
        assert_eq!(NewUserSubject::parse("ana@example.org;;A;S"), Err(NewUserSubjectError::Challenge));
        assert_eq!(
            NewUserSubject::parse(&format!("ana@example.org;Q;{};S", "a".repeat(256))),
            Err(NewUserSubjectError::Challenge)
        );
    }
}
