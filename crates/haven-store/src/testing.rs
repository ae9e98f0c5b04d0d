//! Helpers for tests and benchmarks that need a throw-away database.

use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::{Connection, PgConnection};

use crate::config::StoreConfig;
use crate::error::StoreError;

/// Environment variable holding the URL of a PostgreSQL server tests may use.
pub const POSTGRES_URL_VARIABLE: &str = "HAVEN_TEST_POSTGRES_URL";

/// Prefix of the schemas [`fresh_postgres_schema`] creates.
pub const TEST_SCHEMA_PREFIX: &str = "haven_test_";

/// Test schemas older than this many seconds are dropped when a new one is made, so
/// crashed runs do not accumulate.
pub const STALE_TEST_SCHEMA_SECONDS: u64 = 24 * 60 * 60;

/// The PostgreSQL URL for tests, if configured. Under CI (`CI` set) a missing URL is an
/// error rather than a reason to skip.
pub fn postgres_url() -> Result<Option<String>, String> {
    match std::env::var(POSTGRES_URL_VARIABLE) {
        Ok(url) if !url.trim().is_empty() => Ok(Some(url)),
        _ if std::env::var_os("CI").is_some() => {
            Err(format!("{POSTGRES_URL_VARIABLE} must be set under CI so the PostgreSQL suite runs"))
        }
        _ => Ok(None),
    }
}

/// Creates a new, empty schema named `haven_test_<unix time>_<random>` on the server at
/// `url` and returns a store configuration that uses it, so runs never see each other's
/// data. Drops test schemas left behind by runs older than a day.
pub async fn fresh_postgres_schema(url: &str) -> Result<StoreConfig, StoreError> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|elapsed| elapsed.as_secs()).unwrap_or(0);
    let schema = format!("{TEST_SCHEMA_PREFIX}{now}_{}", uuid::Uuid::new_v4().simple());
    let mut connection = PgConnection::connect(url).await?;
    let existing: Vec<String> =
        sqlx::query_scalar("SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'haven\\_test\\_%'")
            .fetch_all(&mut connection)
            .await?;
    for old in existing {
        let created = old
            .strip_prefix(TEST_SCHEMA_PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|seconds| seconds.parse::<u64>().ok());
        if created.is_some_and(|created| created + STALE_TEST_SCHEMA_SECONDS < now)
            && crate::postgres::is_plain_identifier(&old)
        {
            // Another run may drop it at the same moment; that is fine.
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {old} CASCADE")))
                .execute(&mut connection)
                .await;
        }
    }
    connection.close().await?;
    Ok(StoreConfig::postgres(url, Some(schema)))
}

/// Drops a schema made by [`fresh_postgres_schema`].
pub async fn drop_postgres_schema(config: &StoreConfig) -> Result<(), StoreError> {
    if let StoreConfig::Postgres(postgres) = config
        && let Some(schema) = &postgres.schema
        && schema.starts_with(TEST_SCHEMA_PREFIX)
        && crate::postgres::is_plain_identifier(schema)
    {
        let mut connection = PgConnection::connect(&postgres.url).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {schema} CASCADE")))
            .execute(&mut connection)
            .await?;
        connection.close().await?;
    }
    Ok(())
}
