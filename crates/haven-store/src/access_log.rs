//! The record's access history (`record_accesses`): one row per read or write of a record,
//! kept apart from the things so that logging a read never touches the things' tables or
//! their transactions. The thing types touched are a JSON array of ids.

use async_trait::async_trait;
use haven_domain::access_log::{AccessKind, RecordAccess, RecordAccessId};
use haven_domain::ids::{ApplicationId, PersonId, RecordId, ThingTypeId};
use haven_domain::thing::AccessAvenue;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreResult;
use crate::db::{SqlStore, on_db};
use crate::error::StoreError;
use crate::rows::{from_json, instant, micros, to_json};

/// The record's access history: who read or changed which of its things, and when.
/// Entries are written once and never changed; only retention removes them.
#[async_trait]
pub trait AccessLogStore: Send + Sync {
    /// Adds an entry. Fails with [`StoreError::RecordNotFound`] if its record does not exist.
    async fn log_record_access(&self, access: &RecordAccess) -> StoreResult<()>;
    /// A page of the record's entries from before `before` (all of them when `None`), newest
    /// first: `limit` of them, plus any more at the very instant of the last one, so that
    /// asking again with `before` set to the last one's `at` continues without skipping or
    /// repeating an entry. A page holding fewer than `limit` is the last.
    async fn record_accesses(
        &self,
        record_id: RecordId,
        before: Option<OffsetDateTime>,
        limit: u32,
    ) -> StoreResult<Vec<RecordAccess>>;
    /// Deletes every record's entries from before `cutoff` (retention); returns how many.
    async fn delete_record_accesses_before(&self, cutoff: OffsetDateTime) -> StoreResult<u64>;
}

/// A row of `record_accesses`, in [`COLUMNS`] order.
#[derive(sqlx::FromRow)]
struct AccessRow {
    id: Uuid,
    record_id: Uuid,
    accessed_at: i64,
    person_id: Option<Uuid>,
    application_id: Option<Uuid>,
    avenue: String,
    kind: String,
    operation: String,
    type_ids: String,
    thing_count: i64,
}

const COLUMNS: &str =
    "id, record_id, accessed_at, person_id, application_id, avenue, kind, operation, type_ids, thing_count";

impl TryFrom<AccessRow> for RecordAccess {
    type Error = StoreError;
    fn try_from(row: AccessRow) -> Result<Self, StoreError> {
        let type_ids: Vec<ThingTypeId> = from_json(&row.type_ids)?;
        Ok(RecordAccess {
            id: RecordAccessId::from_uuid(row.id),
            record_id: RecordId::from_uuid(row.record_id),
            at: instant(row.accessed_at)?,
            person_id: row.person_id.map(PersonId::from_uuid),
            application_id: row.application_id.map(ApplicationId::from_uuid),
            avenue: avenue(&row.avenue)?,
            kind: AccessKind::parse(&row.kind)
                .ok_or_else(|| StoreError::corrupt(format!("access kind {:?}", row.kind)))?,
            operation: row.operation,
            type_ids,
            thing_count: u32::try_from(row.thing_count)
                .map_err(|_| StoreError::corrupt(format!("thing count {}", row.thing_count)))?,
        })
    }
}

/// The access avenue stored as its wire name.
pub(crate) fn avenue(text: &str) -> Result<AccessAvenue, StoreError> {
    match text {
        "Online" => Ok(AccessAvenue::Online),
        "Offline" => Ok(AccessAvenue::Offline),
        other => Err(StoreError::corrupt(format!("access avenue {other:?}"))),
    }
}

#[async_trait]
impl AccessLogStore for SqlStore {
    async fn log_record_access(&self, access: &RecordAccess) -> StoreResult<()> {
        let type_ids = to_json(&access.type_ids)?;
        on_db!(&self.db, |pool| {
            sqlx::query(
                "INSERT INTO record_accesses (id, record_id, accessed_at, person_id, application_id, avenue, kind, \
                 operation, type_ids, thing_count) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(access.id.as_uuid())
            .bind(access.record_id.as_uuid())
            .bind(micros(access.at))
            .bind(access.person_id.map(|id| id.as_uuid()))
            .bind(access.application_id.map(|id| id.as_uuid()))
            .bind(access.avenue.as_str())
            .bind(access.kind.as_str())
            .bind(access.operation.as_str())
            .bind(type_ids.as_str())
            .bind(i64::from(access.thing_count))
            .execute(pool)
            .await
            .map(|_| ())
        })
        .map_err(|error| match error {
            sqlx::Error::Database(database_error) if database_error.is_foreign_key_violation() => {
                StoreError::RecordNotFound(access.record_id)
            }
            other => StoreError::Database(other),
        })
    }

    async fn record_accesses(
        &self,
        record_id: RecordId,
        before: Option<OffsetDateTime>,
        limit: u32,
    ) -> StoreResult<Vec<RecordAccess>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let before = before.map_or(i64::MAX, micros);
        let page: Vec<AccessRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM record_accesses WHERE record_id = $1 AND accessed_at < $2 \
                 ORDER BY accessed_at DESC, id DESC LIMIT $3"
            )))
            .bind(record_id.as_uuid())
            .bind(before)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await
        })?;
        // A full page may end inside a run of entries at one instant: take the whole run, so
        // that the next page, before that instant, misses none of it.
        let last_instant = match page.last() {
            Some(last) if page.len() == limit as usize => last.accessed_at,
            _ => return page.into_iter().map(RecordAccess::try_from).collect(),
        };
        let run: Vec<AccessRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM record_accesses WHERE record_id = $1 AND accessed_at = $2 ORDER BY id DESC"
            )))
            .bind(record_id.as_uuid())
            .bind(last_instant)
            .fetch_all(pool)
            .await
        })?;
        page.into_iter().filter(|row| row.accessed_at != last_instant).chain(run).map(RecordAccess::try_from).collect()
    }

    async fn delete_record_accesses_before(&self, cutoff: OffsetDateTime) -> StoreResult<u64> {
        let result = on_db!(&self.db, |pool| {
            sqlx::query("DELETE FROM record_accesses WHERE accessed_at < $1")
                .bind(micros(cutoff))
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(result)
    }
}
