//! The database engines the benchmarks run on: which ones a run measures, fresh stores on
//! them (a SQLite file in a temporary directory with the production settings, WAL and
//! `synchronous = FULL`, or a fresh PostgreSQL schema, dropped afterwards), and the facts
//! about the machine and the engines that reports print.

use anyhow::{Context, Result};
use haven_store::testing::{POSTGRES_URL_VARIABLE, drop_postgres_schema, fresh_postgres_schema};
use haven_store::{SqlStore, SqliteConfig, StoreConfig};
use sqlx::Connection;

/// A database engine the store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// Where fresh stores are made.
#[derive(Debug, Clone)]
pub enum Target {
    /// Files in temporary directories.
    Sqlite,
    /// Schemas on this server.
    Postgres {
        /// The server, with its credentials.
        url: String,
    },
}

impl Target {
    /// The engine's name in reports: `sqlite` or `postgres`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres { .. } => "postgres",
        }
    }

    /// The engine's version and settings, for the report; never the password.
    pub async fn describe(&self) -> String {
        match self {
            Self::Sqlite => {
                let version = sqlite_version().await.unwrap_or_else(|_| "version unknown".to_owned());
                format!("SQLite {version}, WAL, synchronous=FULL, files under {}", std::env::temp_dir().display())
            }
            Self::Postgres { url } => {
                let version = postgres_version(url).await.unwrap_or_else(|_| "version unknown".to_owned());
                format!("PostgreSQL {version} at {}, default server settings", server_address(url))
            }
        }
    }
}

/// The targets for the engines asked for, each once and in the order asked. PostgreSQL
/// without a server URL is skipped with a note saying so.
pub fn targets(engines: &[Engine], postgres_url: Option<&str>, notes: &mut Vec<String>) -> Vec<Target> {
    let mut targets: Vec<Target> = Vec::new();
    for engine in engines {
        let target = match (engine, postgres_url) {
            (Engine::Sqlite, _) => Target::Sqlite,
            (Engine::Postgres, Some(url)) => Target::Postgres { url: url.to_owned() },
            (Engine::Postgres, None) => {
                let note = format!(
                    "postgres: skipped, no server to measure (set {POSTGRES_URL_VARIABLE} or pass --postgres-url)"
                );
                if !notes.contains(&note) {
                    notes.push(note);
                }
                continue;
            }
        };
        if !targets.iter().any(|existing| existing.name() == target.name()) {
            targets.push(target);
        }
    }
    targets
}

/// An empty store made for one workload, and what to remove after it.
#[derive(Debug)]
pub struct FreshStore {
    /// The store, migrated and empty.
    pub store: SqlStore,
    leftover: Leftover,
}

#[derive(Debug)]
enum Leftover {
    Directory(tempfile::TempDir),
    Schema(StoreConfig),
}

impl FreshStore {
    /// A new, empty store on `target` with a pool of `max_connections`.
    pub async fn open(target: &Target, max_connections: u32) -> Result<Self> {
        match target {
            Target::Sqlite => {
                let directory = tempfile::tempdir().context("creating a temporary directory for SQLite")?;
                let config =
                    StoreConfig::Sqlite(SqliteConfig { path: directory.path().join("haven.db"), max_connections });
                let store = SqlStore::open(&config).await.context("opening a SQLite store")?;
                Ok(Self { store, leftover: Leftover::Directory(directory) })
            }
            Target::Postgres { url } => {
                let mut config = fresh_postgres_schema(url).await.context("connecting to PostgreSQL")?;
                if let StoreConfig::Postgres(postgres) = &mut config {
                    postgres.max_connections = max_connections;
                }
                match SqlStore::open(&config).await {
                    Ok(store) => Ok(Self { store, leftover: Leftover::Schema(config) }),
                    Err(error) => {
                        // Opening may have created the schema before failing.
                        let _ = drop_postgres_schema(&config).await;
                        Err(error).context("opening a PostgreSQL store")
                    }
                }
            }
        }
    }

    /// Closes the store and removes its file or schema.
    pub async fn discard(self) -> Result<()> {
        self.store.close().await;
        match self.leftover {
            Leftover::Directory(directory) => directory.close().context("removing the SQLite directory"),
            Leftover::Schema(config) => drop_postgres_schema(&config).await.context("dropping the PostgreSQL schema"),
        }
    }
}

/// CPU count and model, and the operating system.
pub fn machine_description(cpus: usize) -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|cpuinfo| {
        cpuinfo
            .lines()
            .find(|line| line.starts_with("model name"))
            .and_then(|line| line.split_once(':'))
            .map(|(_, model)| model.trim().to_owned())
    });
    let cpus = if cpus == 1 { "1 CPU".to_owned() } else { format!("{cpus} CPUs") };
    let model = model.map(|model| format!(" ({model})")).unwrap_or_default();
    format!("{cpus}{model}, {} {}", std::env::consts::OS, std::env::consts::ARCH)
}

/// The load averages over 1, 5 and 15 minutes when the run started, so a reader can tell
/// whether something else was using the CPUs.
pub fn load_description() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|loadavg| loadavg.split_whitespace().take(3).collect::<Vec<_>>().join(", "))
        .filter(|averages| !averages.is_empty())
        .map_or_else(
            || "unknown".to_owned(),
            |averages| format!("{averages} (1, 5 and 15 minute averages at the start)"),
        )
}

/// The SQLite library the store is linked with.
async fn sqlite_version() -> Result<String> {
    let mut connection = sqlx::SqliteConnection::connect("sqlite::memory:").await?;
    let version: String = sqlx::query_scalar("SELECT sqlite_version()").fetch_one(&mut connection).await?;
    connection.close().await?;
    Ok(version)
}

async fn postgres_version(url: &str) -> Result<String> {
    let mut connection = sqlx::PgConnection::connect(url).await?;
    let version: String = sqlx::query_scalar("SHOW server_version").fetch_one(&mut connection).await?;
    connection.close().await?;
    Ok(version)
}

/// `host:port/database` of a PostgreSQL URL, leaving out the user and password.
fn server_address(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) => {
            format!("{}:{}{}", parsed.host_str().unwrap_or("localhost"), parsed.port().unwrap_or(5432), parsed.path())
        }
        Err(_) => "the configured server".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_address_leaves_out_credentials() {
        assert_eq!(server_address("postgres://haven:secret@db.internal:5433/haven"), "db.internal:5433/haven");
        assert_eq!(server_address("postgres://postgres@127.0.0.1/test"), "127.0.0.1:5432/test");
    }

    #[test]
    fn targets_skip_postgres_without_a_server_and_repeat_nothing() {
        let mut notes = Vec::new();
        let engines = [Engine::Sqlite, Engine::Postgres, Engine::Sqlite];
        let names: Vec<_> = targets(&engines, None, &mut notes).iter().map(Target::name).collect();
        assert_eq!(names, ["sqlite"]);
        assert_eq!(notes.len(), 1);
        let names: Vec<_> =
            targets(&engines, Some("postgres://localhost/test"), &mut notes).iter().map(Target::name).collect();
        assert_eq!(names, ["sqlite", "postgres"]);
    }
}
