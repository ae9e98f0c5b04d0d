//! PostgreSQL: connection set-up (optionally inside a schema of its own) and migrations.

use std::str::FromStr;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool, Row};

use crate::config::PostgresConfig;
use crate::error::StoreError;

pub(crate) static MIGRATOR: Migrator = sqlx::migrate!("migrations/postgres");

/// Whether `name` is safe to splice into SQL as a schema name: a lower-case identifier.
pub(crate) fn is_plain_identifier(name: &str) -> bool {
    let mut characters = name.chars();
    characters.next().is_some_and(|first| first.is_ascii_lowercase() || first == '_')
        && characters.all(|character| character.is_ascii_lowercase() || character.is_ascii_digit() || character == '_')
        && name.len() <= 63
}

pub(crate) async fn open(config: &PostgresConfig) -> Result<PgPool, StoreError> {
    let mut options = PgConnectOptions::from_str(&config.url)?;
    if let Some(schema) = &config.schema {
        if !is_plain_identifier(schema) {
            return Err(StoreError::InvalidConfig(format!(
                "schema name {schema:?} must be a lower-case identifier (letters, digits, _)"
            )));
        }
        let mut connection = PgConnection::connect_with(&options).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA IF NOT EXISTS {schema}")))
            .execute(&mut connection)
            .await?;
        connection.close().await?;
        options = options.options([("search_path", schema.as_str())]);
    }
    let pool = PgPoolOptions::new()
        .max_connections(config.max_connections.max(1))
        // A ping before every checkout doubles the round trips of short calls; a broken
        // connection shows as the call's own error instead, and the pool replaces it.
        .test_before_acquire(false)
        .connect_with(options)
        .await?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

pub(crate) async fn every_row_as_text(pool: &PgPool) -> Result<Vec<(String, String)>, StoreError> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
    )
    .fetch_all(pool)
    .await?;
    let mut rows = Vec::new();
    for table in tables {
        // A row cast to text lists every column (bytea as \x hex); the name comes from the
        // schema itself, quoted as an identifier.
        let query = format!("SELECT row_t::text FROM \"{}\" AS row_t", table.replace('"', "\"\""));
        let texts: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(query)).fetch_all(pool).await?;
        rows.extend(texts.into_iter().map(|text| (table.clone(), text)));
    }
    Ok(rows)
}

pub(crate) async fn schema_summary(pool: &PgPool) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query(
        "SELECT table_name::text AS table_name, string_agg(column_name::text, ', ' ORDER BY ordinal_position) AS columns \
         FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations' \
         GROUP BY table_name ORDER BY table_name",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            let table: String = row.try_get("table_name")?;
            let columns: String = row.try_get("columns")?;
            Ok(format!("{table}({columns})"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::is_plain_identifier;

    #[test]
    fn only_plain_identifiers_are_schema_names() {
        assert!(is_plain_identifier("haven_us"));
        assert!(!is_plain_identifier("Haven"));
        assert!(!is_plain_identifier("x; DROP TABLE persons"));
        assert!(!is_plain_identifier(""));
    }
}
