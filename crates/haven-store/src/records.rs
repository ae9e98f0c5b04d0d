//! Records and their members.

use async_trait::async_trait;
use haven_domain::ids::{PersonId, RecordId};
use haven_domain::record::{Record, RecordMember};

use crate::db::{SqlStore, in_write_transaction, on_db};
use crate::error::StoreError;
use crate::rows::{MemberRow, RecordRow};
use crate::{RecordStore, StoreResult};

const RECORD_COLUMNS: &str =
    "id, display_name, state, max_size_bytes, size_bytes, location_country, created_at, latest_operation_sequence";
pub(crate) const MEMBER_COLUMNS: &str =
    "record_id, person_id, is_custodian, relationship, granted_at, expires_at, access";
pub(crate) const UPSERT_MEMBER: &str = "INSERT INTO record_members (record_id, person_id, is_custodian, relationship, granted_at, expires_at, access) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) \
     ON CONFLICT (record_id, person_id) DO UPDATE SET is_custodian = excluded.is_custodian, \
     relationship = excluded.relationship, granted_at = excluded.granted_at, expires_at = excluded.expires_at, \
     access = excluded.access";

/// The statement inserting `$record` (a `&Record`), bound, for any executor. A macro
/// because the query's type differs per engine.
macro_rules! insert_record {
    ($record:expr) => {{
        let record: &haven_domain::record::Record = $record;
        sqlx::query(
            "INSERT INTO records (id, display_name, state, max_size_bytes, size_bytes, location_country, created_at, latest_operation_sequence) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(record.id.as_uuid())
        .bind(record.display_name.clone())
        .bind(record.state.as_str())
        .bind($crate::rows::to_i64(record.max_size_bytes)?)
        .bind($crate::rows::to_i64(record.size_bytes)?)
        .bind(record.location_country.map(|country| country.as_str().to_owned()))
        .bind($crate::rows::micros(record.created_at))
        .bind($crate::rows::to_i64(record.latest_operation_sequence)?)
    }};
}
pub(crate) use insert_record;

/// The statement inserting or updating `$member` (a `&RecordMember`), bound: by default
/// [`UPSERT_MEMBER`], or `$sql`, which binds the same seven parameters first. Its access
/// rules are stored as JSON (`?` on failure).
macro_rules! upsert_member {
    ($member:expr) => {
        $crate::records::upsert_member!($member, $crate::records::UPSERT_MEMBER)
    };
    ($member:expr, $sql:expr) => {{
        let member: &haven_domain::record::RecordMember = $member;
        sqlx::query($sql)
            .bind(member.record_id.as_uuid())
            .bind(member.person_id.as_uuid())
            .bind(member.is_custodian)
            .bind(member.relationship.0)
            .bind($crate::rows::micros(member.granted_at))
            .bind(member.expires_at.map($crate::rows::micros))
            .bind(member.access.as_ref().map($crate::rows::to_json).transpose()?)
    }};
}
pub(crate) use upsert_member;

pub(crate) fn is_foreign_key_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(database_error) if database_error.is_foreign_key_violation())
}

#[async_trait]
impl RecordStore for SqlStore {
    async fn create_record(&self, record: &Record, first_member: &RecordMember) -> StoreResult<()> {
        let result: Result<(), StoreError> = in_write_transaction!(&self.db, |tx, _lock| {
            async {
                insert_record!(record).execute(&mut *tx).await?;
                upsert_member!(first_member).execute(&mut *tx).await.map_err(|error| match error {
                    error if is_foreign_key_violation(&error) => StoreError::PersonNotFound(first_member.person_id),
                    error => StoreError::Database(error),
                })?;
                Ok(())
            }
            .await
        });
        result
    }

    async fn record(&self, id: RecordId) -> StoreResult<Option<Record>> {
        let row: Option<RecordRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {RECORD_COLUMNS} FROM records WHERE id = $1")))
                .bind(id.as_uuid())
                .fetch_optional(pool)
                .await
        })?;
        row.map(Record::try_from).transpose()
    }

    async fn put_record_member(&self, member: &RecordMember) -> StoreResult<()> {
        let result = on_db!(&self.db, |pool| { upsert_member!(member).execute(pool).await.map(|_| ()) });
        match result {
            Err(error) if is_foreign_key_violation(&error) => Err(StoreError::MissingReference(format!(
                "record {} or person {} does not exist",
                member.record_id, member.person_id
            ))),
            other => other.map_err(StoreError::from),
        }
    }

    async fn record_members(&self, record_id: RecordId) -> StoreResult<Vec<RecordMember>> {
        let rows: Vec<MemberRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {MEMBER_COLUMNS} FROM record_members WHERE record_id = $1 ORDER BY granted_at, person_id"
            )))
            .bind(record_id.as_uuid())
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter().map(RecordMember::try_from).collect()
    }

    async fn record_member(&self, record_id: RecordId, person_id: PersonId) -> StoreResult<Option<RecordMember>> {
        let row: Option<MemberRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {MEMBER_COLUMNS} FROM record_members WHERE record_id = $1 AND person_id = $2"
            )))
            .bind(record_id.as_uuid())
            .bind(person_id.as_uuid())
            .fetch_optional(pool)
            .await
        })?;
        row.map(RecordMember::try_from).transpose()
    }

    async fn records_for_person(&self, person_id: PersonId) -> StoreResult<Vec<(Record, RecordMember)>> {
        let members: Vec<MemberRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {MEMBER_COLUMNS} FROM record_members WHERE person_id = $1 ORDER BY granted_at, record_id"
            )))
            .bind(person_id.as_uuid())
            .fetch_all(pool)
            .await
        })?;
        let mut records = Vec::with_capacity(members.len());
        for member in members {
            let member = RecordMember::try_from(member)?;
            let record = self
                .record(member.record_id)
                .await?
                .ok_or_else(|| StoreError::corrupt(format!("membership of missing record {}", member.record_id)))?;
            records.push((record, member));
        }
        Ok(records)
    }
}
