//! Connect requests (Patient Connect): a clinic's invitation to authorize its application on
//! a record, redeemed in the Shell with an identity code and a secret answer.

use std::fmt;

use time::OffsetDateTime;
use uuid::Uuid;

use super::{MAX_ANSWER_ATTEMPTS, PENDING_LIFETIME, VALIDATED_RETENTION};
use crate::ids::{ApplicationId, PersonId, RecordId};
use crate::session::TokenHash;

/// A connect request's id (the store's key; never shown to anyone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectRequestId(Uuid);

impl ConnectRequestId {
    /// Wraps a generated UUID.
    pub const fn from_uuid(uuid: Uuid) -> Self {
        Self(uuid)
    }

    /// The UUID.
    pub const fn as_uuid(self) -> Uuid {
        self.0
    }
}

impl fmt::Display for ConnectRequestId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(formatter)
    }
}

/// A connect request as stored.
///
/// Invariants: the code and the answer are kept only as hashes (`code_hash`, and
/// `answer_hash`, a PHC string of a slow password hash of [`super::normalized_answer`]);
/// `external_id` is unique among the application's live requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectRequest {
    /// Its id.
    pub id: ConnectRequestId,
    /// The clinic's application that created it.
    pub application_id: ApplicationId,
    /// Hash of the identity code.
    pub code_hash: TokenHash,
    /// Shown to the person once they answered, to tell requests apart.
    pub friendly_name: String,
    /// The secret question.
    pub question: String,
    /// PHC string of the normalized answer's hash.
    pub answer_hash: String,
    /// The clinic's identifier for the patient.
    pub external_id: String,
    /// When the clinic created it.
    pub created_at: OffsetDateTime,
    /// Wrong answers since the last right one.
    pub failed_attempts: u32,
    /// When a person last answered and authorized the application with it.
    pub last_validated_at: Option<OffsetDateTime>,
}

/// Where a connect request stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectRequestStatus {
    /// Waiting for the person.
    Pending,
    /// Validated at least once; it can be used again (another record, a re-authorization)
    /// until it is deleted or its retention ends.
    Validated,
    /// Three wrong answers: unusable for good.
    Locked,
    /// Its time is over: four weeks unpicked, or 90 days since its last validation.
    Expired,
}

impl ConnectRequest {
    /// When it stops existing for anyone: [`PENDING_LIFETIME`] after creation while never
    /// validated, [`VALIDATED_RETENTION`] after the last validation otherwise.
    pub fn expires_at(&self) -> OffsetDateTime {
        match self.last_validated_at {
            Some(validated_at) => validated_at + VALIDATED_RETENTION,
            None => self.created_at + PENDING_LIFETIME,
        }
    }

    /// Its status at `now`. Expiry wins over a lock, a lock over the rest.
    pub fn status_at(&self, now: OffsetDateTime) -> ConnectRequestStatus {
        if now >= self.expires_at() {
            ConnectRequestStatus::Expired
        } else if self.failed_attempts >= MAX_ANSWER_ATTEMPTS {
            ConnectRequestStatus::Locked
        } else if self.last_validated_at.is_some() {
            ConnectRequestStatus::Validated
        } else {
            ConnectRequestStatus::Pending
        }
    }

    /// Whether a person may still try to answer at `now`.
    pub fn accepts_answers_at(&self, now: OffsetDateTime) -> bool {
        matches!(self.status_at(now), ConnectRequestStatus::Pending | ConnectRequestStatus::Validated)
    }
}

/// One redemption of a connect request: the person and record the application may now use.
/// GetAuthorizedConnectRequests lists these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectValidation {
    /// The request redeemed.
    pub request_id: ConnectRequestId,
    /// The application authorized.
    pub application_id: ApplicationId,
    /// The request's external id when it was redeemed.
    pub external_id: String,
    /// Who redeemed it.
    pub person_id: PersonId,
    /// The record they chose.
    pub record_id: RecordId,
    /// When.
    pub validated_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;
    use time::macros::datetime;
    use uuid::uuid;

    const CREATED: OffsetDateTime = datetime!(2026-11-01 9:00 UTC);

    fn request() -> ConnectRequest {
        ConnectRequest {
            id: ConnectRequestId::from_uuid(uuid!("c0000000-0000-0000-0000-000000000001")),
            application_id: ApplicationId::from_uuid(uuid!("a0000000-0000-0000-0000-000000000001")),
            code_hash: TokenHash::of_token("JKYZ-QNMN-VHRX-ZGNR-GZNH"),
            friendly_name: "Ann".to_owned(),
            question: "First pet?".to_owned(),
            answer_hash: "$argon2id$...".to_owned(),
            external_id: "patient-1".to_owned(),
            created_at: CREATED,
            failed_attempts: 0,
            last_validated_at: None,
        }
    }

    #[test]
    fn pending_requests_expire_after_four_weeks() {
        let request = request();
        assert_eq!(request.status_at(CREATED + Duration::days(27)), ConnectRequestStatus::Pending);
        assert_eq!(request.status_at(CREATED + Duration::weeks(4)), ConnectRequestStatus::Expired);
        assert!(!request.accepts_answers_at(CREATED + Duration::weeks(4)));
    }

    #[test]
    fn three_wrong_answers_lock_it() {
        let mut request = request();
        request.failed_attempts = 2;
        assert!(request.accepts_answers_at(CREATED));
        request.failed_attempts = 3;
        assert_eq!(request.status_at(CREATED), ConnectRequestStatus::Locked);
        assert!(!request.accepts_answers_at(CREATED));
    }

    #[test]
    fn each_validation_restarts_the_retention() {
        let mut request = request();
        let validated_at = CREATED + Duration::days(20);
        request.last_validated_at = Some(validated_at);
        assert_eq!(request.status_at(CREATED + Duration::days(60)), ConnectRequestStatus::Validated);
        assert!(request.accepts_answers_at(CREATED + Duration::days(60)));
        assert_eq!(request.expires_at(), validated_at + Duration::days(90));
        assert_eq!(request.status_at(validated_at + Duration::days(90)), ConnectRequestStatus::Expired);
    }
}
