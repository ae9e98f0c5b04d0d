//! Rows as stored, and their conversion to and from domain types. Timestamps are stored as
//! microseconds since the Unix epoch (UTC) in BIGINT columns on both engines: they sort
//! and compare the same everywhere, which text timestamps on SQLite would not.

use haven_domain::application::Application;
use haven_domain::authorization::AppAuthorization;
use haven_domain::country::CountryCode;
use haven_domain::ids::{ApplicationId, PersonId, RecordId, ThingId, ThingTypeId, VersionStamp};
use haven_domain::operation::RecordOperation;
use haven_domain::person::{EmailAddress, Person};
use haven_domain::record::{Record, RecordMember, RecordState, Relationship};
use haven_domain::thing::{AccessAvenue, Audit, AuditAction, Thing, ThingFlags, ThingKey, ThingState};
use haven_domain::topology::InstanceId;
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};
use uuid::Uuid;

use crate::error::StoreError;

/// Microseconds since the epoch of an instant.
pub(crate) fn micros(instant: OffsetDateTime) -> i64 {
    let nanos = instant.unix_timestamp_nanos() / 1_000;
    i64::try_from(nanos).unwrap_or(if nanos < 0 { i64::MIN } else { i64::MAX })
}

/// The instant `value` microseconds after the epoch.
pub(crate) fn instant(value: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(value) * 1_000).map_err(StoreError::corrupt)
}

/// A wall-clock date-time stored as if it were UTC.
pub(crate) fn wall_micros(wall: PrimitiveDateTime) -> i64 {
    micros(wall.assume_utc())
}

/// The wall-clock date-time stored by [`wall_micros`].
pub(crate) fn wall(value: i64) -> Result<PrimitiveDateTime, StoreError> {
    let utc = instant(value)?.to_offset(UtcOffset::UTC);
    Ok(PrimitiveDateTime::new(utc.date(), utc.time()))
}

pub(crate) fn to_i64(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::corrupt(format!("{value} is too large to store")))
}

pub(crate) fn to_u64(value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::corrupt(format!("negative count {value}")))
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(StoreError::corrupt)
}

pub(crate) fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(StoreError::corrupt)
}

#[derive(sqlx::FromRow)]
pub(crate) struct PersonRow {
    id: Uuid,
    sign_in_email: String,
    given_name: String,
    family_name: String,
    birth_date: Date,
    country: String,
    instance_id: String,
    created_at: i64,
}

impl TryFrom<PersonRow> for Person {
    type Error = StoreError;
    fn try_from(row: PersonRow) -> Result<Self, StoreError> {
        Ok(Person {
            id: PersonId::from_uuid(row.id),
            sign_in_email: EmailAddress::parse(&row.sign_in_email).map_err(StoreError::corrupt)?,
            given_name: row.given_name,
            family_name: row.family_name,
            birth_date: row.birth_date,
            country: CountryCode::parse(&row.country).map_err(StoreError::corrupt)?,
            instance_id: InstanceId::parse(&row.instance_id).map_err(StoreError::corrupt)?,
            created_at: instant(row.created_at)?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct RecordRow {
    id: Uuid,
    display_name: String,
    state: String,
    max_size_bytes: i64,
    size_bytes: i64,
    location_country: Option<String>,
    created_at: i64,
    latest_operation_sequence: i64,
}

impl TryFrom<RecordRow> for Record {
    type Error = StoreError;
    fn try_from(row: RecordRow) -> Result<Self, StoreError> {
        Ok(Record {
            id: RecordId::from_uuid(row.id),
            display_name: row.display_name,
            state: RecordState::parse(&row.state)
                .ok_or_else(|| StoreError::corrupt(format!("record state {:?}", row.state)))?,
            max_size_bytes: to_u64(row.max_size_bytes)?,
            size_bytes: to_u64(row.size_bytes)?,
            location_country: row
                .location_country
                .as_deref()
                .map(CountryCode::parse)
                .transpose()
                .map_err(StoreError::corrupt)?,
            created_at: instant(row.created_at)?,
            latest_operation_sequence: to_u64(row.latest_operation_sequence)?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MemberRow {
    record_id: Uuid,
    person_id: Uuid,
    is_custodian: bool,
    relationship: i32,
    granted_at: i64,
    expires_at: Option<i64>,
    access: Option<String>,
}

impl TryFrom<MemberRow> for RecordMember {
    type Error = StoreError;
    fn try_from(row: MemberRow) -> Result<Self, StoreError> {
        Ok(RecordMember {
            record_id: RecordId::from_uuid(row.record_id),
            person_id: PersonId::from_uuid(row.person_id),
            is_custodian: row.is_custodian,
            relationship: Relationship(row.relationship),
            granted_at: instant(row.granted_at)?,
            expires_at: row.expires_at.map(instant).transpose()?,
            access: row.access.as_deref().map(from_json).transpose()?,
        })
    }
}

/// A row of `things` or `thing_versions` (selected as `id, <fields>`); extra columns such as
/// `version_number` and `size_bytes` are the store's own bookkeeping.
#[derive(sqlx::FromRow)]
pub(crate) struct ThingRow {
    pub(crate) id: Uuid,
    record_id: Uuid,
    pub(crate) version_stamp: Uuid,
    type_id: Uuid,
    pub(crate) state: String,
    flags: i64,
    eff_date: i64,
    created_at: i64,
    created_app: Option<Uuid>,
    created_person: Option<Uuid>,
    created_avenue: String,
    updated_at: i64,
    updated_app: Option<Uuid>,
    updated_person: Option<Uuid>,
    updated_avenue: String,
    updated_action: String,
    client_thing_id: Option<String>,
    data_xml: String,
    common: String,
    blobs: String,
    updated_end_date: Option<i64>,
}

fn avenue(text: &str) -> Result<AccessAvenue, StoreError> {
    match text {
        "Online" => Ok(AccessAvenue::Online),
        "Offline" => Ok(AccessAvenue::Offline),
        other => Err(StoreError::corrupt(format!("access avenue {other:?}"))),
    }
}

pub(crate) fn audit_action(text: &str) -> Result<AuditAction, StoreError> {
    match text {
        "Created" => Ok(AuditAction::Created),
        "Updated" => Ok(AuditAction::Updated),
        "Deleted" => Ok(AuditAction::Deleted),
        other => Err(StoreError::corrupt(format!("audit action {other:?}"))),
    }
}

pub(crate) fn thing_state(text: &str) -> Result<ThingState, StoreError> {
    match text {
        "Active" => Ok(ThingState::Active),
        "Deleted" => Ok(ThingState::Deleted),
        other => Err(StoreError::corrupt(format!("thing state {other:?}"))),
    }
}

impl TryFrom<ThingRow> for Thing {
    type Error = StoreError;
    fn try_from(row: ThingRow) -> Result<Self, StoreError> {
        let mut common: haven_domain::thing::CommonData = from_json(&row.common)?;
        // The column is the source of truth for the client thing id (it is indexed).
        common.client_thing_id = row.client_thing_id;
        Ok(Thing {
            key: ThingKey { id: ThingId::from_uuid(row.id), version: VersionStamp::from_uuid(row.version_stamp) },
            record_id: RecordId::from_uuid(row.record_id),
            type_id: ThingTypeId::from_uuid(row.type_id),
            state: thing_state(&row.state)?,
            flags: ThingFlags(u32::try_from(row.flags).map_err(StoreError::corrupt)?),
            eff_date: wall(row.eff_date)?,
            updated_end_date: row.updated_end_date.map(wall).transpose()?,
            created: Audit {
                timestamp: instant(row.created_at)?,
                application_id: row.created_app.map(ApplicationId::from_uuid),
                person_id: row.created_person.map(PersonId::from_uuid),
                access_avenue: avenue(&row.created_avenue)?,
                action: AuditAction::Created,
            },
            updated: Audit {
                timestamp: instant(row.updated_at)?,
                application_id: row.updated_app.map(ApplicationId::from_uuid),
                person_id: row.updated_person.map(PersonId::from_uuid),
                access_avenue: avenue(&row.updated_avenue)?,
                action: audit_action(&row.updated_action)?,
            },
            data_xml: row.data_xml,
            common,
            blobs: from_json(&row.blobs)?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct OperationRow {
    record_id: Uuid,
    sequence: i64,
    thing_id: Uuid,
    version_stamp: Uuid,
    type_id: Uuid,
    eff_date: i64,
    action: String,
    occurred_at: i64,
}

impl TryFrom<OperationRow> for RecordOperation {
    type Error = StoreError;
    fn try_from(row: OperationRow) -> Result<Self, StoreError> {
        Ok(RecordOperation {
            record_id: RecordId::from_uuid(row.record_id),
            sequence: to_u64(row.sequence)?,
            thing_key: ThingKey {
                id: ThingId::from_uuid(row.thing_id),
                version: VersionStamp::from_uuid(row.version_stamp),
            },
            type_id: ThingTypeId::from_uuid(row.type_id),
            eff_date: wall(row.eff_date)?,
            action: audit_action(&row.action)?,
            timestamp: instant(row.occurred_at)?,
        })
    }
}

pub(crate) fn application_from_document(document: &str) -> Result<Application, StoreError> {
    from_json(document)
}

pub(crate) fn authorization_from_document(document: &str) -> Result<AppAuthorization, StoreError> {
    from_json(document)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn timestamps_round_trip_to_the_microsecond() {
        let moment = datetime!(2026-11-21 13:45:10.123456 UTC);
        assert_eq!(instant(micros(moment)).unwrap(), moment);
        let offset = datetime!(2026-11-21 13:45:10.123456 +02:00);
        assert_eq!(instant(micros(offset)).unwrap(), offset);
        let wall_time = datetime!(1990-01-01 01:00:00);
        assert_eq!(wall(wall_micros(wall_time)).unwrap(), wall_time);
    }
}
