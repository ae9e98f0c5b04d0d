//! SQLite: connection set-up and migrations. One file per instance, in WAL mode, with
//! foreign keys enforced and `synchronous = FULL` so a committed write survives a power
//! loss (health data is not to be lost for a few milliseconds of speed).

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

use crate::config::SqliteConfig;
use crate::error::StoreError;

pub(crate) static MIGRATOR: Migrator = sqlx::migrate!("migrations/sqlite");

/// How long a writer waits for another writer's lock before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) async fn open(config: &SqliteConfig) -> Result<SqlitePool, StoreError> {
    let directory = match config.path.parent() {
        Some(parent) if parent.as_os_str().is_empty() => std::path::Path::new("."),
        Some(parent) => parent,
        None => std::path::Path::new("."),
    };
    if !directory.is_dir() {
        return Err(StoreError::MissingDirectory(directory.to_path_buf()));
    }
    let options = SqliteConnectOptions::from_str("sqlite:")?
        .filename(&config.path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT);
    let pool = SqlitePoolOptions::new()
        .max_connections(config.max_connections.max(1))
        // A ping before every checkout doubles the round trips of short calls; a broken
        // connection shows as the call's own error instead, and the pool replaces it.
        .test_before_acquire(false)
        .connect_with(options)
        .await?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

pub(crate) async fn every_row_as_text(pool: &SqlitePool) -> Result<Vec<(String, String)>, StoreError> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(pool)
    .await?;
    let mut rows = Vec::new();
    for table in tables {
        let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info($1) ORDER BY cid")
            .bind(&table)
            .fetch_all(pool)
            .await?;
        // quote() writes every value as SQL text: strings quoted, blobs as X'hex'. Table and
        // column names come from the schema itself, quoted as identifiers.
        let identifier = |name: &str| format!("\"{}\"", name.replace('"', "\"\""));
        let values: Vec<String> = columns.iter().map(|column| format!("quote({})", identifier(column))).collect();
        let query = format!("SELECT {} FROM {}", values.join(" || ' | ' || "), identifier(&table));
        let texts: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(query)).fetch_all(pool).await?;
        rows.extend(texts.into_iter().map(|text| (table.clone(), text)));
    }
    Ok(rows)
}

pub(crate) async fn schema_summary(pool: &SqlitePool) -> Result<Vec<String>, StoreError> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(pool)
    .await?;
    let mut summary = Vec::with_capacity(tables.len());
    for table in tables {
        let columns = sqlx::query("SELECT name FROM pragma_table_info($1) ORDER BY cid")
            .bind(&table)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|row| row.try_get::<String, _>("name"))
            .collect::<Result<Vec<_>, _>>()?;
        summary.push(format!("{table}({})", columns.join(", ")));
    }
    Ok(summary)
}
