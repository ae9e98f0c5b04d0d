//! Connect packages (DOPU): things a clinic drops off, encrypted with a key derived from the
//! answer to a secret question, which a person picks up once into a record. The server never
//! sees the answer: it keeps the encryption parameters and the ciphertext, and the Shell
//! decrypts with the answer the person types, at pickup.

use std::fmt;

use time::OffsetDateTime;
use uuid::Uuid;

use super::{MAX_ANSWER_ATTEMPTS, PENDING_LIFETIME};
use crate::ids::{ApplicationId, RecordId};
use crate::session::TokenHash;

/// A connect package's id (the store's key; never shown to anyone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectPackageId(Uuid);

impl ConnectPackageId {
    /// Wraps a generated UUID.
    pub const fn from_uuid(uuid: Uuid) -> Self {
        Self(uuid)
    }

    /// The UUID.
    pub const fn as_uuid(self) -> Uuid {
        self.0
    }
}

impl fmt::Display for ConnectPackageId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(formatter)
    }
}

/// A connect package as stored. AllocatePackageId creates it empty (`contents` is `None`) so
/// the clinic can hand out the code before a long upload; CreateConnectPackage fills it once.
/// Packages are immutable after that.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectPackage {
    /// Its id.
    pub id: ConnectPackageId,
    /// The clinic's application that created it (the things' source at pickup).
    pub application_id: ApplicationId,
    /// Hash of the identity code.
    pub code_hash: TokenHash,
    /// When the code was issued (allocation or creation); the four weeks run from here.
    pub created_at: OffsetDateTime,
    /// What the clinic dropped off; `None` while only allocated.
    pub contents: Option<PackageContents>,
    /// Wrong answers so far.
    pub failed_attempts: u32,
    /// The pickup, once it happened.
    pub picked_up: Option<Pickup>,
}

/// What CreateConnectPackage stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageContents {
    /// Shown to the person once they answered.
    pub friendly_name: String,
    /// The secret question.
    pub question: String,
    /// The clinic's identifier for the patient (several packages may share one).
    pub external_id: String,
    /// The password-protected package's data-xml: the algorithm and its parameters.
    pub parameters_xml: String,
    /// The encrypted things.
    pub ciphertext: Vec<u8>,
    /// When the clinic filled the package.
    pub created_at: OffsetDateTime,
}

/// A package's single pickup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pickup {
    /// The record the things went into.
    pub record_id: RecordId,
    /// When.
    pub picked_up_at: OffsetDateTime,
}

/// Where a package stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageStatus {
    /// Its code was allocated; the clinic has not uploaded it yet.
    Allocated,
    /// Waiting for the person.
    Pending,
    /// Picked up (once, for good).
    PickedUp,
    /// Three wrong answers: unusable for good.
    Locked,
    /// Four weeks passed without a pickup.
    Expired,
}

impl ConnectPackage {
    /// When an unpicked package stops being available.
    pub fn expires_at(&self) -> OffsetDateTime {
        self.created_at + PENDING_LIFETIME
    }

    /// Its status at `now`. A pickup is final; then expiry, then a lock.
    pub fn status_at(&self, now: OffsetDateTime) -> PackageStatus {
        if self.picked_up.is_some() {
            PackageStatus::PickedUp
        } else if now >= self.expires_at() {
            PackageStatus::Expired
        } else if self.failed_attempts >= MAX_ANSWER_ATTEMPTS {
            PackageStatus::Locked
        } else if self.contents.is_none() {
            PackageStatus::Allocated
        } else {
            PackageStatus::Pending
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;
    use time::macros::datetime;
    use uuid::uuid;

    const CREATED: OffsetDateTime = datetime!(2026-11-01 9:00 UTC);

    fn package() -> ConnectPackage {
        ConnectPackage {
            id: ConnectPackageId::from_uuid(uuid!("d0000000-0000-0000-0000-000000000001")),
            application_id: ApplicationId::from_uuid(uuid!("a0000000-0000-0000-0000-000000000001")),
            code_hash: TokenHash::of_token("JKYZ-QNMN-VHRX-ZGNR-GZNH"),
            created_at: CREATED,
            contents: Some(PackageContents {
                friendly_name: "Ann".to_owned(),
                question: "First pet?".to_owned(),
                external_id: "patient-1".to_owned(),
                parameters_xml: "<password-protected-package/>".to_owned(),
                ciphertext: vec![1, 2, 3],
                created_at: CREATED,
            }),
            failed_attempts: 0,
            picked_up: None,
        }
    }

    #[test]
    fn a_package_waits_four_weeks() {
        let package = package();
        assert_eq!(package.status_at(CREATED + Duration::days(27)), PackageStatus::Pending);
        assert_eq!(package.status_at(CREATED + Duration::weeks(4)), PackageStatus::Expired);
    }

    #[test]
    fn allocated_packages_have_no_contents_yet() {
        let mut package = package();
        package.contents = None;
        assert_eq!(package.status_at(CREATED), PackageStatus::Allocated);
    }

    #[test]
    fn a_pickup_is_final_and_wrong_answers_lock() {
        let mut package = package();
        package.failed_attempts = 3;
        assert_eq!(package.status_at(CREATED), PackageStatus::Locked);
        package.failed_attempts = 0;
        package.picked_up = Some(Pickup {
            record_id: RecordId::from_uuid(uuid!("e0000000-0000-0000-0000-000000000001")),
            picked_up_at: CREATED,
        });
        assert_eq!(package.status_at(CREATED + Duration::weeks(10)), PackageStatus::PickedUp);
    }
}
