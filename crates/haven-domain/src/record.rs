//! Health records and who may access them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::auth_rules::{Permissions, RuleSet};
use crate::country::CountryCode;
use crate::ids::{PersonId, RecordId, ThingTypeId};

/// Default size quota of a record: 4 GiB, as in HealthVault's samples.
pub const DEFAULT_RECORD_QUOTA_BYTES: u64 = 4 * 1024 * 1024 * 1024;

/// Whether a record can be read and written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RecordState {
    /// Normal use.
    Active,
    /// Readable, not writable.
    ReadOnly,
    /// Temporarily unavailable.
    Suspended,
    /// Deleted; nothing may read or write it.
    Deleted,
}

impl RecordState {
    /// The wire name (`Active`, `ReadOnly`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::ReadOnly => "ReadOnly",
            Self::Suspended => "Suspended",
            Self::Deleted => "Deleted",
        }
    }

    /// Reads the wire name.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Active, Self::ReadOnly, Self::Suspended, Self::Deleted].into_iter().find(|state| state.as_str() == text)
    }
}

/// A health record: a container of things about one person (the account holder, a child,
/// a parent...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Stable id within the instance.
    pub id: RecordId,
    /// Name shown in record pickers, usually the name of the person the record is about.
    pub display_name: String,
    /// Whether it can be read and written.
    pub state: RecordState,
    /// Quota; writes beyond it are refused (status 68).
    pub max_size_bytes: u64,
    /// Bytes of thing data currently held (current versions of active things).
    pub size_bytes: u64,
    /// Where the record's subject lives, if known.
    pub location_country: Option<CountryCode>,
    /// When the record was created.
    pub created_at: OffsetDateTime,
    /// Sequence number of the last change to the record's things; 0 before the first.
    /// Grows by exactly one per change (see the record operation log).
    pub latest_operation_sequence: u64,
}

/// How a person is related to the subject of a record: the HealthVault vocabulary
/// `wc.relationship-types` (1 = Self, 5 = Child, 8 = Parent, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Relationship(pub i32);

impl Relationship {
    /// The record is about the person themself.
    pub const SELF: Self = Self(1);
    /// Some other relationship.
    pub const OTHER: Self = Self(2);
    /// Spouse.
    pub const SPOUSE: Self = Self(3);
    /// The record is about the person's child.
    pub const CHILD: Self = Self(5);
    /// Guardian.
    pub const GUARDIAN: Self = Self(6);
    /// The record is about the person's patient.
    pub const PATIENT: Self = Self(7);
    /// The record is about the person's parent.
    pub const PARENT: Self = Self(8);

    /// The vocabulary's English display name.
    pub fn name(self) -> &'static str {
        match self.0 {
            1 => "Self",
            2 => "Other",
            3 => "Spouse",
            5 => "Child",
            6 => "Guardian",
            7 => "Patient",
            8 => "Parent",
            10 => "Relative",
            11 => "Domestic Partner",
            13 => "Pet",
            14 => "Son",
            15 => "Daughter",
            _ => "Other",
        }
    }
}

/// A person's access to a record. Custodians have full control (they can share, and the
/// last custodian cannot be removed); others have the access they were granted until it
/// expires.
///
/// Invariant: `access` limits only a non-custodian; a custodian's is ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordMember {
    /// The record.
    pub record_id: RecordId,
    /// The person who can access it.
    pub person_id: PersonId,
    /// Full control, including sharing.
    pub is_custodian: bool,
    /// How the person relates to the record's subject.
    pub relationship: Relationship,
    /// When the access was granted.
    pub granted_at: OffsetDateTime,
    /// When the access ends; `None` for never.
    pub expires_at: Option<OffsetDateTime>,
    /// What a non-custodian may do, per thing type (the rules of the sharing that made them a
    /// member); `None` means everything, as for custodians and a person's own records.
    #[serde(default)]
    pub access: Option<RuleSet>,
}

impl RecordMember {
    /// Whether the access is in force at `now`.
    pub fn is_active_at(&self, now: OffsetDateTime) -> bool {
        self.expires_at.is_none_or(|expires_at| now < expires_at)
    }

    /// Whether the person may do all of `wanted` to things of `type_id` themself (what
    /// [`crate::authorization::person_permissions`] gives). It does not look at expiry: the
    /// caller checks [`Self::is_active_at`] first.
    pub fn may(&self, wanted: Permissions, type_id: ThingTypeId) -> bool {
        crate::authorization::person_permissions(self, type_id).contains(wanted)
    }
}
