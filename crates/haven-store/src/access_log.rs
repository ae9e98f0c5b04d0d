//! The record's access history (`record_accesses`): one row per read or write of a record,
//! kept apart from the things so that logging a read never touches the things' tables or
//! their transactions. The thing types touched are a JSON array of ids.

use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use haven_domain::access_log::{AccessKind, RecordAccess, RecordAccessId};
use haven_domain::ids::{ApplicationId, PersonId, RecordId, ThingTypeId};
use haven_domain::thing::AccessAvenue;
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::db::{SqlStore, in_write_transaction, on_db};
use crate::error::StoreError;
use crate::rows::{from_json, instant, micros, to_json};
use crate::{Store, StoreResult};

/// The record's access history: who read or changed which of its things, and when.
/// Entries are written once and never changed; only retention removes them.
#[async_trait]
pub trait AccessLogStore: Send + Sync {
    /// Adds an entry. Fails with [`StoreError::RecordNotFound`] if its record does not exist.
    async fn log_record_access(&self, access: &RecordAccess) -> StoreResult<()>;
    /// Adds entries in one transaction: all of them, or none (then it fails as
    /// [`AccessLogStore::log_record_access`] would for the first bad one).
    async fn log_record_accesses(&self, accesses: &[RecordAccess]) -> StoreResult<()>;
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
        self.log_record_accesses(std::slice::from_ref(access)).await
    }

    async fn log_record_accesses(&self, accesses: &[RecordAccess]) -> StoreResult<()> {
        if accesses.is_empty() {
            return Ok(());
        }
        let rows =
            accesses.iter().map(|access| Ok((access, to_json(&access.type_ids)?))).collect::<StoreResult<Vec<_>>>()?;
        in_write_transaction!(&self.db, |tx, _lock| {
            async {
                for (access, type_ids) in &rows {
                    sqlx::query(
                        "INSERT INTO record_accesses (id, record_id, accessed_at, person_id, application_id, avenue, \
                         kind, operation, type_ids, thing_count) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
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
                    .execute(&mut *tx)
                    .await
                    .map_err(|error| match error {
                        sqlx::Error::Database(database_error) if database_error.is_foreign_key_violation() => {
                            StoreError::RecordNotFound(access.record_id)
                        }
                        other => StoreError::Database(other),
                    })?;
                }
                Ok(())
            }
            .await
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

/// How many entries wait for the [`AccessLogWriter`] before callers wait for room. Callers
/// never drop an entry: a full queue only slows them down (back-pressure).
pub const ACCESS_LOG_QUEUE: usize = 4096;

/// The most entries the [`AccessLogWriter`] writes in one transaction.
pub const ACCESS_LOG_BATCH: usize = 256;

/// What the writer's task is asked to do.
#[derive(Debug)]
enum WriterCommand {
    Log(Box<RecordAccess>),
    Flush(oneshot::Sender<()>),
}

/// Writes access-history entries off the request path. Logging a read would otherwise add a
/// write transaction (on SQLite, one fsync under the single writer lock) to every GetThings
/// and every page view; instead callers hand the entry over and answer at once, and one task
/// per writer writes whatever has queued up in batches of up to [`ACCESS_LOG_BATCH`], one
/// transaction each. A batch that fails is retried entry by entry, so one bad entry (a record
/// deleted meanwhile) costs only itself; failures are logged with ids only.
///
/// Entries still queued when the process stops are lost unless [`AccessLogWriter::flush`] is
/// awaited first (`haven serve` does, after its servers stop). The task starts with the first
/// entry, on the caller's Tokio runtime, and ends when every clone of the writer is dropped.
#[derive(Clone)]
pub struct AccessLogWriter {
    store: Arc<dyn Store>,
    sender: Arc<OnceLock<mpsc::Sender<WriterCommand>>>,
}

impl std::fmt::Debug for AccessLogWriter {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("AccessLogWriter").field("started", &self.sender.get().is_some()).finish()
    }
}

impl AccessLogWriter {
    /// A writer into `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store, sender: Arc::default() }
    }

    fn sender(&self) -> &mpsc::Sender<WriterCommand> {
        self.sender.get_or_init(|| {
            let (sender, receiver) = mpsc::channel(ACCESS_LOG_QUEUE);
            tokio::spawn(write_batches(self.store.clone(), receiver));
            sender
        })
    }

    /// Queues `entry`; waits only while the queue is full.
    pub async fn log(&self, entry: RecordAccess) {
        if self.sender().send(WriterCommand::Log(Box::new(entry))).await.is_err() {
            tracing::error!("the access history writer has stopped; an entry was not written");
        }
    }

    /// Returns once every entry queued before the call has been written (or has failed).
    pub async fn flush(&self) {
        let Some(sender) = self.sender.get() else { return };
        let (done, written) = oneshot::channel();
        if sender.send(WriterCommand::Flush(done)).await.is_ok() {
            let _ = written.await;
        }
    }
}

/// The writer's task: takes what has queued, writes it, and acknowledges a flush once the
/// entries queued before it are written.
async fn write_batches(store: Arc<dyn Store>, mut receiver: mpsc::Receiver<WriterCommand>) {
    let mut batch: Vec<RecordAccess> = Vec::with_capacity(ACCESS_LOG_BATCH);
    while let Some(first) = receiver.recv().await {
        let mut next = Some(first);
        while let Some(command) = next.take() {
            match command {
                WriterCommand::Log(entry) => batch.push(*entry),
                WriterCommand::Flush(done) => {
                    write_batch(store.as_ref(), &mut batch).await;
                    let _ = done.send(());
                }
            }
            if batch.len() >= ACCESS_LOG_BATCH {
                write_batch(store.as_ref(), &mut batch).await;
            }
            next = receiver.try_recv().ok();
        }
        write_batch(store.as_ref(), &mut batch).await;
    }
}

/// Writes and empties `batch`: in one transaction, or entry by entry if that fails.
async fn write_batch(store: &dyn Store, batch: &mut Vec<RecordAccess>) {
    if batch.is_empty() || store.log_record_accesses(batch).await.is_ok() {
        batch.clear();
        return;
    }
    for entry in batch.drain(..) {
        if let Err(error) = store.log_record_access(&entry).await {
            tracing::warn!(
                access = %entry.id,
                record = %entry.record_id,
                application = ?entry.application_id,
                person = ?entry.person_id,
                operation = %entry.operation,
                %error,
                "a record's access history entry could not be written"
            );
        }
    }
}
