//! Where a store keeps its data.

use std::path::PathBuf;

/// Which database an instance uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreConfig {
    /// An embedded SQLite file.
    Sqlite(SqliteConfig),
    /// A PostgreSQL server.
    Postgres(PostgresConfig),
}

/// An embedded SQLite database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteConfig {
    /// The database file; created if missing, but its directory must exist.
    pub path: PathBuf,
    /// Connections in the pool (readers run concurrently; writers take turns).
    pub max_connections: u32,
}

/// A PostgreSQL database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresConfig {
    /// Connection URL, e.g. `postgres://haven@db.internal/haven`.
    pub url: String,
    /// Schema holding Haven's tables (created if missing); `None` uses the server's default
    /// search path. Lets several instances share one database.
    pub schema: Option<String>,
    /// Connections in the pool.
    pub max_connections: u32,
}

/// Default pool size.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 8;

impl StoreConfig {
    /// A SQLite store at `path` with default settings.
    pub fn sqlite(path: impl Into<PathBuf>) -> Self {
        Self::Sqlite(SqliteConfig { path: path.into(), max_connections: DEFAULT_MAX_CONNECTIONS })
    }

    /// A PostgreSQL store at `url` with default settings.
    pub fn postgres(url: impl Into<String>, schema: Option<String>) -> Self {
        Self::Postgres(PostgresConfig { url: url.into(), schema, max_connections: DEFAULT_MAX_CONNECTIONS })
    }
}
