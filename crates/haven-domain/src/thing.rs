//! Things: typed, versioned health items in a record. Every write creates a new version;
//! a delete is a version too (state Deleted); earlier versions are kept.

use serde::{Deserialize, Serialize};
use time::macros::datetime;
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::ids::{ApplicationId, BlobId, PersonId, RecordId, ThingId, ThingTypeId, VersionStamp};
use crate::thing_type::{self, ThingDataError};

/// The latest `updated-end-date` a thing keeps. HealthVault clears the end date when a writer
/// sends anything later (the .NET SDK sends `DateTime.MaxValue`, 9999-12-31T23:59:59.9999999).
pub const LATEST_UPDATED_END_DATE: PrimitiveDateTime = datetime!(9999-12-31 0:00);

/// Identifies one version of a thing (`thing-id@version-stamp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ThingKey {
    /// The thing.
    pub id: ThingId,
    /// The version.
    pub version: VersionStamp,
}

/// Whether a thing version is live or a deletion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ThingState {
    /// Current data.
    Active,
    /// Removed; kept as history.
    Deleted,
}

impl ThingState {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Deleted => "Deleted",
        }
    }
}

/// The `flags` bit field of a thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ThingFlags(pub u32);

impl ThingFlags {
    /// Personal: visible to the person in the Shell, never to applications.
    pub const PERSONAL: Self = Self(0x1);
    /// The thing was converted to an older version of its type for the reader.
    pub const DOWNVERSIONED: Self = Self(0x2);
    /// The thing was converted to a newer version of its type for the reader.
    pub const UPVERSIONED: Self = Self(0x4);
    /// Left out of the emergency profile.
    pub const HIDDEN_FROM_EPREP: Self = Self(0x8);
    /// Read-only ("immutable"): no later version may change it.
    pub const READ_ONLY: Self = Self(0x10);
    /// The flags an application may set on write; the others are the person's or the
    /// server's to set.
    pub const SETTABLE_BY_APPLICATIONS: Self = Self(0x10);

    /// Whether every bit of `other` is set.
    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
}

/// How the writer reached the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AccessAvenue {
    /// The person was present (a Shell session or an application's online call).
    Online,
    /// An application acting alone under an offline grant.
    Offline,
}

impl AccessAvenue {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "Online",
            Self::Offline => "Offline",
        }
    }
}

/// What a version did to its thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuditAction {
    /// First version.
    Created,
    /// A later version with new data.
    Updated,
    /// A deletion.
    Deleted,
}

impl AuditAction {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "Created",
            Self::Updated => "Updated",
            Self::Deleted => "Deleted",
        }
    }
}

/// Who wrote a version, how and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audit {
    /// When (UTC).
    pub timestamp: OffsetDateTime,
    /// The application that wrote it; `None` when the person wrote it in the Shell.
    pub application_id: Option<ApplicationId>,
    /// The person on whose behalf it was written (for offline writes, the person whose
    /// grant was used).
    pub person_id: Option<PersonId>,
    /// Online or offline.
    pub access_avenue: AccessAvenue,
    /// Created, updated or deleted.
    pub action: AuditAction,
}

/// A link from one thing to another (`common/related-thing`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelatedThing {
    /// The thing linked to.
    pub target: RelatedTarget,
    /// Free-text relationship, e.g. "treats".
    pub relationship_type: Option<String>,
}

/// How a related thing is identified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RelatedTarget {
    /// By Haven's id, optionally a specific version.
    Thing {
        /// The thing.
        id: ThingId,
        /// A specific version, or the current one.
        version: Option<VersionStamp>,
    },
    /// By the writer's own id.
    ClientThingId(String),
}

/// Data every thing type shares (`common` in the wire format).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommonData {
    /// Where the data came from, e.g. a device or clinic.
    pub source: Option<String>,
    /// A free-text note.
    pub note: Option<String>,
    /// Comma-separated tags.
    pub tags: Option<String>,
    /// The writer's own id for the thing, for matching without storing Haven's ids.
    pub client_thing_id: Option<String>,
    /// Links to other things.
    pub related_things: Vec<RelatedThing>,
    /// Application extensions, kept verbatim as XML fragments (`<extension ...>...</extension>`).
    pub extensions: Vec<String>,
}

/// A hash of blob content as HealthVault defines it (`SHA256Block`: SHA-256 over the
/// concatenated SHA-256 hashes of fixed-size blocks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobHash {
    /// The algorithm name, e.g. `SHA256Block`.
    pub algorithm: String,
    /// The block size in bytes (2 MiB for `SHA256Block`).
    pub block_size: u32,
    /// The hash, base64.
    pub value: String,
}

/// A blob (file content) attached to a thing version. The bytes are stored separately
/// under `blob_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobRef {
    /// The blob's name within the thing; the empty string names the default blob.
    pub name: String,
    /// MIME type.
    pub content_type: String,
    /// Size in bytes.
    pub content_length: u64,
    /// Hash of the content, when known.
    pub hash: Option<BlobHash>,
    /// Where the bytes are stored.
    pub blob_id: BlobId,
}

impl BlobRef {
    /// A complete blob stored under `blob_id`, with its [`crate::blob::sha256_block`] `hash`.
    pub fn with_sha256_block(name: &str, content_type: &str, length: u64, hash: &[u8], blob_id: BlobId) -> Self {
        use base64::Engine;
        Self {
            name: name.to_owned(),
            content_type: content_type.to_owned(),
            content_length: length,
            hash: Some(BlobHash {
                algorithm: crate::blob::BLOB_HASH_ALGORITHM.to_owned(),
                block_size: crate::blob::BLOB_CHUNK_BYTES,
                value: base64::engine::general_purpose::STANDARD.encode(hash),
            }),
            blob_id,
        }
    }
}

/// One version of a thing.
///
/// Invariants: `data_xml` is valid for `type_id` (it was checked by [`Thing::create`] or
/// [`Thing::revise`]); `eff_date` was derived from the data or the created date; `created`
/// is the audit of the first version and is the same on every version; `updated_end_date`, when
/// set, is at or before [`LATEST_UPDATED_END_DATE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thing {
    /// Thing id and this version's stamp.
    pub key: ThingKey,
    /// The record that holds it.
    pub record_id: RecordId,
    /// Its type.
    pub type_id: ThingTypeId,
    /// Active or Deleted.
    pub state: ThingState,
    /// Flags.
    pub flags: ThingFlags,
    /// When the measurement or event happened, in the wall-clock time written in the data;
    /// the created date for types without a date. Results are ordered by it, newest first.
    pub eff_date: PrimitiveDateTime,
    /// When the thing stops being relevant (`updated-end-date`), in wall-clock time like
    /// `eff_date`; `None` when it has no end, which counts as later than every date.
    pub updated_end_date: Option<PrimitiveDateTime>,
    /// The first version's audit.
    pub created: Audit,
    /// This version's audit.
    pub updated: Audit,
    /// The type-specific data: the type's root element, e.g. `<weight>...</weight>`.
    pub data_xml: String,
    /// Data common to all types.
    pub common: CommonData,
    /// Attached blobs.
    pub blobs: Vec<BlobRef>,
}

/// What a writer submits for a new thing or a new version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThingDraft {
    /// The type.
    pub type_id: ThingTypeId,
    /// Requested flags; only [`ThingFlags::SETTABLE_BY_APPLICATIONS`] bits are kept for
    /// application writes.
    pub flags: ThingFlags,
    /// The type's root element.
    pub data_xml: String,
    /// Common data.
    pub common: CommonData,
    /// Blobs.
    pub blobs: Vec<BlobRef>,
    /// `updated-end-date` as the writer sent it, in wall-clock time. `None` keeps the current
    /// end date (a new thing gets none); a date after [`LATEST_UPDATED_END_DATE`] clears it.
    pub updated_end_date: Option<PrimitiveDateTime>,
}

/// Why a write was refused before reaching the store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThingError {
    /// No thing type has this id.
    #[error("thing type {0} is not known")]
    UnknownType(ThingTypeId),
    /// The data does not fit the type.
    #[error("invalid {type_name} data: {error}")]
    InvalidData {
        /// The type's name.
        type_name: &'static str,
        /// What is wrong.
        error: ThingDataError,
    },
    /// An update tried to change a thing's type.
    #[error("a thing's type cannot change (it is {existing}, the update says {requested})")]
    TypeChanged {
        /// The stored type.
        existing: ThingTypeId,
        /// The type in the update.
        requested: ThingTypeId,
    },
    /// The thing is read-only.
    #[error("thing {0} is read-only and cannot be changed")]
    ReadOnly(ThingId),
    /// The thing is deleted.
    #[error("thing {0} is deleted")]
    Deleted(ThingId),
}

impl Thing {
    /// The first version of a new thing: validates the data for its type and derives the
    /// effective date; the draft's updated-end-date is kept unless it is one that clears.
    /// `key` carries the new thing id and version stamp the caller generated.
    pub fn create(record_id: RecordId, key: ThingKey, draft: ThingDraft, audit: Audit) -> Result<Self, ThingError> {
        let created = Audit { action: AuditAction::Created, ..audit };
        let eff_date = effective_date(&draft, created.timestamp)?;
        Ok(Self {
            key,
            record_id,
            type_id: draft.type_id,
            state: ThingState::Active,
            flags: draft.flags,
            eff_date,
            updated_end_date: updated_end_date(draft.updated_end_date, None),
            created,
            updated: created,
            data_xml: draft.data_xml,
            common: draft.common,
            blobs: draft.blobs,
        })
    }

    /// The next version of this thing with new data. The type cannot change, and
    /// read-only or deleted things cannot be revised. The updated-end-date stays as it was
    /// unless the draft sends one (which sets or clears it).
    pub fn revise(&self, new_version: VersionStamp, draft: ThingDraft, audit: Audit) -> Result<Self, ThingError> {
        if draft.type_id != self.type_id {
            return Err(ThingError::TypeChanged { existing: self.type_id, requested: draft.type_id });
        }
        self.check_writable()?;
        let updated = Audit { action: AuditAction::Updated, ..audit };
        let eff_date = effective_date(&draft, self.created.timestamp)?;
        Ok(Self {
            key: ThingKey { id: self.key.id, version: new_version },
            record_id: self.record_id,
            type_id: self.type_id,
            state: ThingState::Active,
            flags: draft.flags,
            eff_date,
            updated_end_date: updated_end_date(draft.updated_end_date, self.updated_end_date),
            created: self.created,
            updated,
            data_xml: draft.data_xml,
            common: draft.common,
            blobs: draft.blobs,
        })
    }

    /// The deletion version of this thing: same data, state Deleted.
    pub fn delete(&self, new_version: VersionStamp, audit: Audit) -> Result<Self, ThingError> {
        self.check_writable()?;
        Ok(Self {
            key: ThingKey { id: self.key.id, version: new_version },
            state: ThingState::Deleted,
            updated: Audit { action: AuditAction::Deleted, ..audit },
            ..self.clone()
        })
    }

    fn check_writable(&self) -> Result<(), ThingError> {
        if self.state == ThingState::Deleted {
            return Err(ThingError::Deleted(self.key.id));
        }
        if self.flags.contains(ThingFlags::READ_ONLY) {
            return Err(ThingError::ReadOnly(self.key.id));
        }
        Ok(())
    }

    /// Bytes this version counts against the record's quota.
    pub fn size_bytes(&self) -> u64 {
        let common = [&self.common.source, &self.common.note, &self.common.tags, &self.common.client_thing_id]
            .into_iter()
            .flatten()
            .map(String::len)
            .sum::<usize>()
            + self.common.extensions.iter().map(String::len).sum::<usize>();
        let blobs: u64 = self.blobs.iter().map(|blob| blob.content_length).sum();
        (self.data_xml.len() + common) as u64 + blobs
    }
}

/// The end date a version keeps: `current` when the writer sent none, none when it sent a date
/// after [`LATEST_UPDATED_END_DATE`], else the date sent.
fn updated_end_date(
    submitted: Option<PrimitiveDateTime>,
    current: Option<PrimitiveDateTime>,
) -> Option<PrimitiveDateTime> {
    match submitted {
        None => current,
        Some(date) => (date <= LATEST_UPDATED_END_DATE).then_some(date),
    }
}

fn effective_date(draft: &ThingDraft, created_at: OffsetDateTime) -> Result<PrimitiveDateTime, ThingError> {
    let thing_type = thing_type::by_id(draft.type_id).ok_or(ThingError::UnknownType(draft.type_id))?;
    let validated = thing_type
        .validate(&draft.data_xml)
        .map_err(|error| ThingError::InvalidData { type_name: thing_type.name, error })?;
    let created_utc = created_at.to_offset(time::UtcOffset::UTC);
    Ok(validated.effective_date.unwrap_or_else(|| PrimitiveDateTime::new(created_utc.date(), created_utc.time())))
}

/// Which things a query selects. Empty lists mean "any"; all conditions are ANDed; values
/// within one list are ORed. Results are ordered by effective date, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThingQuery {
    /// Only these things.
    pub thing_ids: Vec<ThingId>,
    /// Only things with one of these client thing ids.
    pub client_thing_ids: Vec<String>,
    /// Only these types.
    pub type_ids: Vec<ThingTypeId>,
    /// Only these states; by default only Active.
    pub states: Vec<ThingState>,
    /// Effective date at or after.
    pub eff_date_min: Option<PrimitiveDateTime>,
    /// Effective date at or before.
    pub eff_date_max: Option<PrimitiveDateTime>,
    /// Updated-end-date at or after; things without an end date match (they never end).
    pub updated_end_date_min: Option<PrimitiveDateTime>,
    /// Updated-end-date at or before; things without an end date do not match.
    pub updated_end_date_max: Option<PrimitiveDateTime>,
    /// First version created at or after.
    pub created_min: Option<OffsetDateTime>,
    /// First version created at or before.
    pub created_max: Option<OffsetDateTime>,
    /// Last changed at or after ("updated since").
    pub updated_min: Option<OffsetDateTime>,
    /// Last changed at or before.
    pub updated_max: Option<OffsetDateTime>,
    /// Created by this application.
    pub created_by_application: Option<ApplicationId>,
    /// Created on behalf of this person.
    pub created_by_person: Option<PersonId>,
    /// Last changed by this application.
    pub updated_by_application: Option<ApplicationId>,
    /// Last changed on behalf of this person.
    pub updated_by_person: Option<PersonId>,
    /// Leave out things with any of these flags (applications never see Personal things).
    pub exclude_flags: ThingFlags,
    /// At most this many results.
    pub limit: Option<u32>,
}

impl Default for ThingQuery {
    fn default() -> Self {
        Self {
            thing_ids: Vec::new(),
            client_thing_ids: Vec::new(),
            type_ids: Vec::new(),
            states: vec![ThingState::Active],
            eff_date_min: None,
            eff_date_max: None,
            updated_end_date_min: None,
            updated_end_date_max: None,
            created_min: None,
            created_max: None,
            updated_min: None,
            updated_max: None,
            created_by_application: None,
            created_by_person: None,
            updated_by_application: None,
            updated_by_person: None,
            exclude_flags: ThingFlags::default(),
            limit: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::thing_type::WEIGHT;
    use time::macros::datetime;
    use uuid::uuid;

    fn audit(timestamp: OffsetDateTime) -> Audit {
        Audit {
            timestamp,
            application_id: None,
            person_id: Some(PersonId::from_uuid(uuid!("00000000-0000-0000-0000-000000000001"))),
            access_avenue: AccessAvenue::Online,
            action: AuditAction::Created,
        }
    }

    fn weight(kg: &str, day: u8) -> ThingDraft {
        ThingDraft {
            type_id: WEIGHT,
            flags: ThingFlags::default(),
            data_xml: format!(
                "<weight><when><date><y>2026</y><m>3</m><d>{day}</d></date><time><h>7</h><m>30</m></time></when><value><kg>{kg}</kg></value></weight>"
            ),
            common: CommonData::default(),
            blobs: Vec::new(),
            updated_end_date: None,
        }
    }

    fn key(version: u128) -> ThingKey {
        ThingKey {
            id: ThingId::from_uuid(uuid!("10000000-0000-0000-0000-000000000000")),
            version: VersionStamp::from_uuid(uuid::Uuid::from_u128(version)),
        }
    }

    fn record() -> RecordId {
        RecordId::from_uuid(uuid!("20000000-0000-0000-0000-000000000000"))
    }

    #[test]
    fn create_takes_the_effective_date_from_the_data() {
        let thing = Thing::create(record(), key(1), weight("72.5", 4), audit(datetime!(2026-03-05 10:00 UTC))).unwrap();
        assert_eq!(thing.eff_date, datetime!(2026-03-04 7:30));
        assert_eq!(thing.state, ThingState::Active);
        assert_eq!(thing.created, thing.updated);
    }

    #[test]
    fn revise_keeps_the_created_audit_and_refuses_type_changes() {
        let first = Thing::create(record(), key(1), weight("72.5", 4), audit(datetime!(2026-03-05 10:00 UTC))).unwrap();
        let second = first.revise(key(2).version, weight("71.0", 6), audit(datetime!(2026-03-07 10:00 UTC))).unwrap();
        assert_eq!(second.key.id, first.key.id);
        assert_ne!(second.key.version, first.key.version);
        assert_eq!(second.created, first.created);
        assert_eq!(second.updated.action, AuditAction::Updated);
        assert_eq!(second.eff_date, datetime!(2026-03-06 7:30));

        let mut other_type = weight("70", 1);
        other_type.type_id = crate::thing_type::HEIGHT;
        assert!(matches!(
            first.revise(key(3).version, other_type, audit(datetime!(2026-03-08 0:00 UTC))),
            Err(ThingError::TypeChanged { .. })
        ));
    }

    #[test]
    fn delete_makes_a_deleted_version_and_read_only_things_stay() {
        let first = Thing::create(record(), key(1), weight("72.5", 4), audit(datetime!(2026-03-05 10:00 UTC))).unwrap();
        let deleted = first.delete(key(2).version, audit(datetime!(2026-03-06 10:00 UTC))).unwrap();
        assert_eq!(deleted.state, ThingState::Deleted);
        assert_eq!(deleted.data_xml, first.data_xml);
        assert!(matches!(
            deleted.delete(key(3).version, audit(datetime!(2026-03-07 0:00 UTC))),
            Err(ThingError::Deleted(_))
        ));

        let mut read_only = weight("72.5", 4);
        read_only.flags = ThingFlags::READ_ONLY;
        let locked = Thing::create(record(), key(4), read_only, audit(datetime!(2026-03-05 10:00 UTC))).unwrap();
        assert!(matches!(
            locked.revise(key(5).version, weight("1", 1), audit(datetime!(2026-03-06 0:00 UTC))),
            Err(ThingError::ReadOnly(_))
        ));
    }

    #[test]
    fn invalid_data_and_unknown_types_are_refused() {
        let mut bad = weight("72.5", 4);
        bad.data_xml = "<height/>".to_owned();
        assert!(matches!(
            Thing::create(record(), key(1), bad, audit(datetime!(2026-03-05 10:00 UTC))),
            Err(ThingError::InvalidData { .. })
        ));
        let mut unknown = weight("72.5", 4);
        unknown.type_id = ThingTypeId::from_uuid(uuid!("99999999-0000-0000-0000-000000000000"));
        assert!(matches!(
            Thing::create(record(), key(1), unknown, audit(datetime!(2026-03-05 10:00 UTC))),
            Err(ThingError::UnknownType(_))
        ));
    }

    #[test]
    fn types_without_a_date_use_the_created_date_in_utc() {
        let draft = ThingDraft {
            type_id: crate::thing_type::FILE,
            flags: ThingFlags::default(),
            data_xml: "<file><name>scan.pdf</name><size>1024</size></file>".to_owned(),
            common: CommonData::default(),
            blobs: Vec::new(),
            updated_end_date: None,
        };
        let thing = Thing::create(record(), key(1), draft, audit(datetime!(2026-03-05 10:00 +02:00))).unwrap();
        assert_eq!(thing.eff_date, datetime!(2026-03-05 8:00));
    }

    #[test]
    fn updated_end_date_is_kept_across_revisions_until_set_or_cleared() {
        let ending = |kg, day, end| ThingDraft { updated_end_date: end, ..weight(kg, day) };
        let first = Thing::create(
            record(),
            key(1),
            ending("72.5", 4, Some(datetime!(2026-06-30 0:00))),
            audit(datetime!(2026-03-05 10:00 UTC)),
        )
        .unwrap();
        assert_eq!(first.updated_end_date, Some(datetime!(2026-06-30 0:00)));

        // Sent nothing: the end date stays.
        let kept = first.revise(key(2).version, weight("72.0", 5), audit(datetime!(2026-03-06 10:00 UTC))).unwrap();
        assert_eq!(kept.updated_end_date, Some(datetime!(2026-06-30 0:00)));

        // Sent a date: it replaces the end date; the latest date kept is 9999-12-31T00:00.
        let moved = kept
            .revise(
                key(3).version,
                ending("71.5", 6, Some(LATEST_UPDATED_END_DATE)),
                audit(datetime!(2026-03-07 0:00 UTC)),
            )
            .unwrap();
        assert_eq!(moved.updated_end_date, Some(LATEST_UPDATED_END_DATE));

        // Sent a later date (the .NET SDK's DateTime.MaxValue): the end date is cleared.
        let cleared = moved
            .revise(
                key(4).version,
                ending("71.0", 7, Some(datetime!(9999-12-31 23:59:59.999_999_9))),
                audit(datetime!(2026-03-08 0:00 UTC)),
            )
            .unwrap();
        assert_eq!(cleared.updated_end_date, None);
        let deleted = moved.delete(key(5).version, audit(datetime!(2026-03-09 0:00 UTC))).unwrap();
        assert_eq!(deleted.updated_end_date, moved.updated_end_date, "a deletion keeps the data");

        let never_set = Thing::create(
            record(),
            key(6),
            ending("70", 8, Some(datetime!(9999-12-31 0:00:01))),
            audit(datetime!(2026-03-05 10:00 UTC)),
        )
        .unwrap();
        assert_eq!(never_set.updated_end_date, None);
    }
}
