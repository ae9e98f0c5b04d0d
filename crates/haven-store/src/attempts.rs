//! Attempt counts: wrong answers to Patient Connect and DOPU questions, wrong e-mail addresses
//! or answers for held Direct messages, wrong sharing codes, and notification deliveries. Each
//! is stored as a BIGINT `failed_attempts` (or `attempts`) column.

use uuid::Uuid;

use crate::StoreResult;
use crate::db::{SqlStore, on_db};
use crate::error::StoreError;

/// Counts one wrong answer on the row of `table` whose `key` column is `id` (connect requests,
/// packages, held Direct messages) with one atomic update; returns the count after it, or 0 if
/// the row is gone.
pub(crate) async fn count_wrong_answer(
    store: &SqlStore,
    table: &'static str,
    key: &'static str,
    id: Uuid,
) -> StoreResult<u32> {
    let count: Option<i64> = on_db!(&store.db, |pool| {
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "UPDATE {table} SET failed_attempts = failed_attempts + 1 WHERE {key} = $1 RETURNING failed_attempts"
        )))
        .bind(id)
        .fetch_optional(pool)
        .await
    })?;
    count.map_or(Ok(0), attempts)
}

/// An attempt count as read from a row.
pub(crate) fn attempts(value: i64) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| StoreError::corrupt(format!("attempt count {value}")))
}
