//! Things: the transactional write path (current row, version history, operation log and
//! record counters together) and queries.

use async_trait::async_trait;
use haven_domain::ids::{RecordId, ThingId};
use haven_domain::operation::RecordOperation;
use haven_domain::thing::{Thing, ThingKey, ThingQuery, ThingState};
use sqlx::{Database, Encode, QueryBuilder, Type};
use uuid::Uuid;

use crate::db::{SqlStore, in_write_transaction, on_db};
use crate::error::StoreError;
use crate::events::enqueue_notifications;
use crate::rows::{OperationRow, ThingRow, micros, to_i64, wall_micros};
use crate::{StoreResult, ThingChange, ThingStore};

/// Every column of a thing row after its id, in the order [`bind_thing`] binds them.
pub(crate) const THING_FIELDS: &str = "record_id, version_stamp, version_number, type_id, state, flags, eff_date, \
     created_at, created_app, created_person, created_avenue, \
     updated_at, updated_app, updated_person, updated_avenue, updated_action, \
     client_thing_id, data_xml, common, blobs, size_bytes, updated_end_date";

pub(crate) const THING_PLACEHOLDERS: &str =
    "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23";

/// Binds a thing version's 23 columns (id first, then [`THING_FIELDS`]) to a query.
macro_rules! bind_thing {
    ($query:expr, $thing:expr, $version_number:expr, $size:expr) => {{
        let thing: &Thing = $thing;
        $query
            .bind(thing.key.id.as_uuid())
            .bind(thing.record_id.as_uuid())
            .bind(thing.key.version.as_uuid())
            .bind($version_number)
            .bind(thing.type_id.as_uuid())
            .bind(thing.state.as_str())
            .bind(i64::from(thing.flags.0))
            .bind(wall_micros(thing.eff_date))
            .bind(micros(thing.created.timestamp))
            .bind(thing.created.application_id.map(|id| id.as_uuid()))
            .bind(thing.created.person_id.map(|id| id.as_uuid()))
            .bind(thing.created.access_avenue.as_str())
            .bind(micros(thing.updated.timestamp))
            .bind(thing.updated.application_id.map(|id| id.as_uuid()))
            .bind(thing.updated.person_id.map(|id| id.as_uuid()))
            .bind(thing.updated.access_avenue.as_str())
            .bind(thing.updated.action.as_str())
            .bind(thing.common.client_thing_id.clone())
            .bind(thing.data_xml.as_str())
            .bind(to_json(&thing.common)?)
            .bind(to_json(&thing.blobs)?)
            .bind($size)
            .bind(thing.updated_end_date.map(wall_micros))
    }};
}
pub(crate) use bind_thing;

/// Size a version counts against the quota: deleted versions count nothing.
pub(crate) fn counted_size(thing: &Thing) -> Result<i64, StoreError> {
    match thing.state {
        ThingState::Active => to_i64(thing.size_bytes()),
        ThingState::Deleted => Ok(0),
    }
}

fn select_things() -> String {
    format!("SELECT id, {THING_FIELDS} FROM things")
}

fn select_versions() -> String {
    format!("SELECT thing_id AS id, {THING_FIELDS} FROM thing_versions")
}

/// Adds `column IN (values...)` to a query being built.
fn push_in<DB, T>(builder: &mut QueryBuilder<DB>, column: &str, values: impl IntoIterator<Item = T>)
where
    DB: Database,
    T: for<'a> Encode<'a, DB> + Type<DB>,
{
    builder.push(" AND ").push(column).push(" IN (");
    let mut separated = builder.separated(", ");
    for value in values {
        separated.push_bind(value);
    }
    separated.push_unseparated(")");
}

/// Builds the SELECT for [`ThingStore::query_things`]; the same text runs on both engines.
fn build_query<DB>(record_id: RecordId, query: &ThingQuery) -> QueryBuilder<DB>
where
    DB: Database,
    <DB as Database>::Arguments: Default,
    Uuid: for<'a> Encode<'a, DB> + Type<DB>,
    i64: for<'a> Encode<'a, DB> + Type<DB>,
    String: for<'a> Encode<'a, DB> + Type<DB>,
{
    let mut builder = QueryBuilder::new(select_things());
    builder.push(" WHERE record_id = ").push_bind(record_id.as_uuid());
    if !query.thing_ids.is_empty() {
        push_in(&mut builder, "id", query.thing_ids.iter().map(ThingId::as_uuid));
    }
    if !query.client_thing_ids.is_empty() {
        push_in(&mut builder, "client_thing_id", query.client_thing_ids.iter().cloned());
    }
    if !query.type_ids.is_empty() {
        push_in(&mut builder, "type_id", query.type_ids.iter().map(|id| id.as_uuid()));
    }
    if !query.states.is_empty() {
        push_in(&mut builder, "state", query.states.iter().map(|state| state.as_str().to_owned()));
    }
    let ranges = [
        ("eff_date >= ", query.eff_date_min.map(wall_micros)),
        ("eff_date <= ", query.eff_date_max.map(wall_micros)),
        ("created_at >= ", query.created_min.map(micros)),
        ("created_at <= ", query.created_max.map(micros)),
        ("updated_at >= ", query.updated_min.map(micros)),
        ("updated_at <= ", query.updated_max.map(micros)),
    ];
    for (condition, bound) in ranges {
        if let Some(bound) = bound {
            builder.push(" AND ").push(condition).push_bind(bound);
        }
    }
    // A thing without an end date never ends: it is after every minimum and before no maximum.
    if let Some(minimum) = query.updated_end_date_min {
        builder
            .push(" AND (updated_end_date IS NULL OR updated_end_date >= ")
            .push_bind(wall_micros(minimum))
            .push(")");
    }
    if let Some(maximum) = query.updated_end_date_max {
        builder.push(" AND updated_end_date <= ").push_bind(wall_micros(maximum));
    }
    let authors = [
        ("created_app = ", query.created_by_application.map(|id| id.as_uuid())),
        ("created_person = ", query.created_by_person.map(|id| id.as_uuid())),
        ("updated_app = ", query.updated_by_application.map(|id| id.as_uuid())),
        ("updated_person = ", query.updated_by_person.map(|id| id.as_uuid())),
    ];
    for (condition, author) in authors {
        if let Some(author) = author {
            builder.push(" AND ").push(condition).push_bind(author);
        }
    }
    if query.exclude_flags.0 != 0 {
        builder.push(" AND (flags & ").push_bind(i64::from(query.exclude_flags.0)).push(") = 0");
    }
    builder.push(" ORDER BY eff_date DESC, updated_at DESC, id");
    if let Some(limit) = query.limit {
        builder.push(" LIMIT ").push_bind(i64::from(limit));
    }
    builder
}

/// Inside a write transaction (`$tx`, with `$lock` from `in_write_transaction!`): writes
/// `changes` to `record_id`: the current rows, the version history, the operation log, the
/// record's size and sequence, and the event notifications the changes produce. Evaluates to
/// `StoreResult<(Vec<ThingKey>, u64)>`, the keys in order and the notifications queued (the
/// caller signals the outbox after committing). `write_things` and a package pickup share it.
macro_rules! write_changes {
    ($tx:ident, $lock:ident, $record_id:expr, $changes:expr) => {{
        use $crate::things::write_path::*;
        let record_id: RecordId = $record_id;
        let changes: &[ThingChange] = $changes;
        let lock: &str = $lock;
        let insert_current = format!("INSERT INTO things (id, {THING_FIELDS}) VALUES ({THING_PLACEHOLDERS})");
        let update_current = format!(
            "UPDATE things SET ({THING_FIELDS}) = ($2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) WHERE id = $1"
        );
        let insert_version =
            format!("INSERT INTO thing_versions (thing_id, {THING_FIELDS}) VALUES ({THING_PLACEHOLDERS})");
        let insert_operation = "INSERT INTO record_operations (record_id, sequence, thing_id, version_stamp, type_id, eff_date, action, occurred_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        async {
            let record: Option<(String, i64, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT state, size_bytes, max_size_bytes, latest_operation_sequence FROM records WHERE id = $1{lock}"
            )))
            .bind(record_id.as_uuid())
            .fetch_optional(&mut *$tx)
            .await?;
            let (state, size_before, quota, mut sequence) = record.ok_or(StoreError::RecordNotFound(record_id))?;
            match RecordState::parse(&state) {
                Some(RecordState::Active) => {}
                Some(other) => return Err(StoreError::RecordNotWritable { record_id, state: other.as_str() }),
                None => return Err(StoreError::corrupt(format!("record state {state:?}"))),
            }
            let mut size = size_before;
            let mut keys = Vec::with_capacity(changes.len());
            for change in changes {
                let (thing, version_number) = match change {
                    ThingChange::Create(thing) => {
                        if thing.record_id != record_id {
                            return Err(StoreError::MissingReference(format!(
                                "thing {} is for record {}, not {record_id}",
                                thing.key.id, thing.record_id
                            )));
                        }
                        let thing_size = counted_size(thing)?;
                        bind_thing!(sqlx::query(sqlx::AssertSqlSafe(insert_current.as_str())), thing, 1_i64, thing_size)
                            .execute(&mut *$tx)
                            .await
                            .map_err(|error| {
                                if is_unique_violation(&error) {
                                    StoreError::DuplicateThing(thing.key.id)
                                } else {
                                    StoreError::Database(error)
                                }
                            })?;
                        size += thing_size;
                        (thing, 1_i64)
                    }
                    ThingChange::Revise { previous, thing } => {
                        let current: Option<(Uuid, i64, i64)> = sqlx::query_as(
                            "SELECT version_stamp, version_number, size_bytes FROM things WHERE id = $1 AND record_id = $2",
                        )
                        .bind(thing.key.id.as_uuid())
                        .bind(record_id.as_uuid())
                        .fetch_optional(&mut *$tx)
                        .await?;
                        let (current_stamp, current_number, current_size) =
                            current.ok_or(StoreError::ThingNotFound(thing.key.id))?;
                        if thing.record_id != record_id {
                            return Err(StoreError::ThingNotFound(thing.key.id));
                        }
                        if current_stamp != previous.as_uuid() {
                            return Err(StoreError::VersionStampMismatch {
                                thing_id: thing.key.id,
                                current: VersionStamp::from_uuid(current_stamp),
                                given: *previous,
                            });
                        }
                        let thing_size = counted_size(thing)?;
                        let version_number = current_number + 1;
                        bind_thing!(sqlx::query(sqlx::AssertSqlSafe(update_current.as_str())), thing, version_number, thing_size)
                            .execute(&mut *$tx)
                            .await?;
                        size += thing_size - current_size;
                        (thing, version_number)
                    }
                };
                let thing_size = counted_size(thing)?;
                bind_thing!(sqlx::query(sqlx::AssertSqlSafe(insert_version.as_str())), thing, version_number, thing_size)
                    .execute(&mut *$tx)
                    .await?;
                sequence += 1;
                sqlx::query(insert_operation)
                    .bind(record_id.as_uuid())
                    .bind(sequence)
                    .bind(thing.key.id.as_uuid())
                    .bind(thing.key.version.as_uuid())
                    .bind(thing.type_id.as_uuid())
                    .bind(wall_micros(thing.eff_date))
                    .bind(thing.updated.action.as_str())
                    .bind(micros(thing.updated.timestamp))
                    .execute(&mut *$tx)
                    .await?;
                keys.push(thing.key);
            }
            // Only growth is refused: a record over quota can still shrink.
            if size > quota && size > size_before {
                return Err(StoreError::QuotaExceeded { record_id, quota: to_u64(quota)?, needed: to_u64(size)? });
            }
            sqlx::query("UPDATE records SET size_bytes = $1, latest_operation_sequence = $2 WHERE id = $3")
                .bind(size)
                .bind(sequence)
                .bind(record_id.as_uuid())
                .execute(&mut *$tx)
                .await?;
            // The notifications this change produces commit (or not) with it.
            let changed: Vec<ChangedThing> = changes
                .iter()
                .map(|change| {
                    let thing = change.thing();
                    ChangedThing { thing_id: thing.key.id, type_id: thing.type_id }
                })
                .collect();
            let occurred_at = changes.last().map_or(OffsetDateTime::UNIX_EPOCH, |change| change.thing().updated.timestamp);
            let queued = enqueue_notifications!($tx, record_id, &changed, occurred_at);
            Ok((keys, queued))
        }
        .await
    }};
}
pub(crate) use write_changes;

/// What [`write_changes`] names, for its callers in other modules.
pub(crate) mod write_path {
    pub(crate) use super::{THING_FIELDS, THING_PLACEHOLDERS, bind_thing, counted_size};
    pub(crate) use crate::ThingChange;
    pub(crate) use crate::error::StoreError;
    pub(crate) use crate::events::enqueue_notifications;
    pub(crate) use crate::persons::is_unique_violation;
    pub(crate) use crate::rows::{micros, to_json, to_u64, wall_micros};
    pub(crate) use haven_domain::eventing::ChangedThing;
    pub(crate) use haven_domain::ids::{RecordId, VersionStamp};
    pub(crate) use haven_domain::record::RecordState;
    pub(crate) use haven_domain::thing::Thing;
    pub(crate) use time::OffsetDateTime;
    pub(crate) use uuid::Uuid;
}

#[async_trait]
impl ThingStore for SqlStore {
    async fn write_things(&self, record_id: RecordId, changes: &[ThingChange]) -> StoreResult<Vec<ThingKey>> {
        in_write_transaction!(&self.db, |tx, lock| write_changes!(tx, lock, record_id, changes)).map(
            |(keys, queued)| {
                if queued > 0 {
                    self.signal_outbox();
                }
                keys
            },
        )
    }

    async fn thing(&self, record_id: RecordId, thing_id: ThingId) -> StoreResult<Option<Thing>> {
        let sql = format!("{} WHERE id = $1 AND record_id = $2", select_things());
        let row: Option<ThingRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(thing_id.as_uuid())
                .bind(record_id.as_uuid())
                .fetch_optional(pool)
                .await
        })?;
        row.map(Thing::try_from).transpose()
    }

    async fn thing_versions(&self, record_id: RecordId, keys: &[ThingKey]) -> StoreResult<Vec<Thing>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<ThingRow> = on_db!(&self.db, |pool| {
            let mut builder = QueryBuilder::new(select_versions());
            builder.push(" WHERE record_id = ").push_bind(record_id.as_uuid());
            push_in(&mut builder, "version_stamp", keys.iter().map(|key| key.version.as_uuid()));
            builder.build_query_as().fetch_all(pool).await
        })?;
        let mut things: Vec<Thing> = rows.into_iter().map(Thing::try_from).collect::<Result<_, _>>()?;
        // A stamp given with the wrong thing id does not match.
        things.retain(|thing| keys.contains(&thing.key));
        things.sort_by_key(|thing| keys.iter().position(|key| key == &thing.key));
        Ok(things)
    }

    async fn thing_history(&self, record_id: RecordId, thing_id: ThingId) -> StoreResult<Vec<Thing>> {
        let sql = format!("{} WHERE thing_id = $1 AND record_id = $2 ORDER BY version_number DESC", select_versions());
        let rows: Vec<ThingRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(thing_id.as_uuid())
                .bind(record_id.as_uuid())
                .fetch_all(pool)
                .await
        })?;
        rows.into_iter().map(Thing::try_from).collect()
    }

    async fn query_things(&self, record_id: RecordId, query: &ThingQuery) -> StoreResult<Vec<Thing>> {
        let rows: Vec<ThingRow> =
            on_db!(&self.db, |pool| { build_query(record_id, query).build_query_as().fetch_all(pool).await })?;
        rows.into_iter().map(Thing::try_from).collect()
    }

    async fn record_operations(
        &self,
        record_id: RecordId,
        after: u64,
        limit: u32,
    ) -> StoreResult<Vec<RecordOperation>> {
        let rows: Vec<OperationRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(
                "SELECT record_id, sequence, thing_id, version_stamp, type_id, eff_date, action, occurred_at \
                 FROM record_operations WHERE record_id = $1 AND sequence > $2 ORDER BY sequence LIMIT $3",
            )
            .bind(record_id.as_uuid())
            .bind(to_i64(after)?)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter().map(RecordOperation::try_from).collect()
    }
}
