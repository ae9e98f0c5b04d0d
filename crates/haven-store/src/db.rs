//! The engine-independent store: one pool of either engine, and the macros that run the
//! same SQL on whichever it is.

use sqlx::{PgPool, SqlitePool};

use crate::config::StoreConfig;
use crate::error::StoreError;
use crate::{postgres, sqlite};

/// The connection pool of one engine.
#[derive(Debug, Clone)]
pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Haven's store on SQLite or PostgreSQL. Cheap to clone (it holds a pool).
#[derive(Debug, Clone)]
pub struct SqlStore {
    pub(crate) db: Db,
    /// Wakes this process's notification delivery worker.
    pub(crate) outbox: crate::events::OutboxSignal,
}

/// Runs `$body` with `$pool` bound to the engine's pool. The body is compiled once per
/// engine, so the same SQL text and Rust types serve both.
macro_rules! on_db {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_db;

/// Runs `$body` inside a write transaction bound to `$tx`, committing if the body returns
/// `Ok`. On SQLite the transaction starts with `BEGIN IMMEDIATE`, taking the write lock at
/// once (a deferred transaction that reads and then writes can fail with SQLITE_BUSY when
/// another writer got in between). `$lock` is `" FOR UPDATE"` on PostgreSQL and empty on
/// SQLite, for row locks the body takes.
macro_rules! in_write_transaction {
    ($db:expr, |$tx:ident, $lock:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite(pool) => {
                let mut $tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let $lock = "";
                let result = $body;
                if result.is_ok() {
                    $tx.commit().await?;
                }
                result
            }
            $crate::db::Db::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                let $lock = " FOR UPDATE";
                let result = $body;
                if result.is_ok() {
                    $tx.commit().await?;
                }
                result
            }
        }
    };
}
pub(crate) use in_write_transaction;

impl SqlStore {
    /// Connects (creating the SQLite file or the PostgreSQL schema if needed) and brings
    /// the schema up to date.
    pub async fn open(config: &StoreConfig) -> Result<Self, StoreError> {
        let db = match config {
            StoreConfig::Sqlite(sqlite_config) => Db::Sqlite(sqlite::open(sqlite_config).await?),
            StoreConfig::Postgres(postgres_config) => Db::Postgres(postgres::open(postgres_config).await?),
        };
        Ok(Self { db, outbox: crate::events::OutboxSignal::default() })
    }

    /// Which engine this store runs on: `"sqlite"` or `"postgres"`.
    pub fn engine(&self) -> &'static str {
        match self.db {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// Closes every connection; pending operations finish first.
    pub async fn close(&self) {
        on_db!(&self.db, |pool| pool.close().await);
    }

    /// Reverts every migration (used by the test that proves each down-migration undoes
    /// its up-migration).
    pub async fn revert_all_migrations(&self) -> Result<(), StoreError> {
        match &self.db {
            Db::Sqlite(pool) => sqlite::MIGRATOR.undo(pool, 0).await?,
            Db::Postgres(pool) => postgres::MIGRATOR.undo(pool, 0).await?,
        }
        Ok(())
    }

    /// Applies every migration not yet applied.
    pub async fn apply_migrations(&self) -> Result<(), StoreError> {
        match &self.db {
            Db::Sqlite(pool) => sqlite::MIGRATOR.run(pool).await?,
            Db::Postgres(pool) => postgres::MIGRATOR.run(pool).await?,
        }
        Ok(())
    }

    /// The names and column lists of Haven's tables, sorted, for schema comparisons in
    /// tests (`table(column, column, ...)`).
    pub async fn schema_summary(&self) -> Result<Vec<String>, StoreError> {
        match &self.db {
            Db::Sqlite(pool) => sqlite::schema_summary(pool).await,
            Db::Postgres(pool) => postgres::schema_summary(pool).await,
        }
    }

    /// Every row of every one of Haven's tables (migrations' bookkeeping too) as
    /// `(table, text)`, the text holding each column's value (blobs as hex), for tests that
    /// prove what a database does not hold, such as data-residency checks. Reads everything:
    /// for tests only.
    pub async fn every_row_as_text(&self) -> Result<Vec<(String, String)>, StoreError> {
        match &self.db {
            Db::Sqlite(pool) => sqlite::every_row_as_text(pool).await,
            Db::Postgres(pool) => postgres::every_row_as_text(pool).await,
        }
    }
}
