//! SODA children: the child application and its pending creation, written together, and
//! the creation found by the hash of its app-creation token (for the Shell) or by the child
//! (for CreateAuthenticatedSessionToken).

use async_trait::async_trait;
use haven_domain::application::Application;
use haven_domain::ids::ApplicationId;
use haven_domain::session::TokenHash;
use haven_domain::soda::SodaCreation;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{SqlStore, in_write_transaction, on_db};
use crate::error::StoreError;
use crate::rows::{instant, micros, to_json};
use crate::sessions::token_hash;
use crate::{SodaStore, StoreResult};

/// A row of `soda_creations`.
#[derive(sqlx::FromRow)]
struct SodaCreationRow {
    token_hash: Vec<u8>,
    application_id: Uuid,
    master_id: Uuid,
    created_at: i64,
    expires_at: i64,
    completed_at: Option<i64>,
}

impl TryFrom<SodaCreationRow> for SodaCreation {
    type Error = StoreError;
    fn try_from(row: SodaCreationRow) -> Result<Self, StoreError> {
        Ok(SodaCreation {
            token_hash: token_hash(row.token_hash)?,
            application_id: ApplicationId::from_uuid(row.application_id),
            master_id: ApplicationId::from_uuid(row.master_id),
            created_at: instant(row.created_at)?,
            expires_at: instant(row.expires_at)?,
            completed_at: row.completed_at.map(instant).transpose()?,
        })
    }
}

/// The columns of `soda_creations`, in [`SodaCreationRow`] order.
const CREATION_COLUMNS: &str = "token_hash, application_id, master_id, created_at, expires_at, completed_at";

#[async_trait]
impl SodaStore for SqlStore {
    async fn create_soda_child(&self, child: &Application, creation: &SodaCreation) -> StoreResult<()> {
        if creation.application_id != child.id || child.master_id != Some(creation.master_id) {
            return Err(StoreError::MissingReference(format!(
                "the creation is for application {} of master {}, not application {}",
                creation.application_id, creation.master_id, child.id
            )));
        }
        let document = to_json(child)?;
        let result: StoreResult<()> = in_write_transaction!(&self.db, |tx, _lock| {
            async {
                sqlx::query("INSERT INTO applications (id, master_id, document, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(child.id.as_uuid())
                    .bind(child.master_id.map(|id| id.as_uuid()))
                    .bind(&document)
                    .bind(micros(child.created_at))
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO soda_creations (token_hash, application_id, master_id, created_at, expires_at, completed_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(creation.token_hash.0.to_vec())
                .bind(creation.application_id.as_uuid())
                .bind(creation.master_id.as_uuid())
                .bind(micros(creation.created_at))
                .bind(micros(creation.expires_at))
                .bind(creation.completed_at.map(micros))
                .execute(&mut *tx)
                .await?;
                Ok(())
            }
            .await
        });
        result.map_err(|error| match error {
            StoreError::Database(sqlx::Error::Database(database_error))
                if database_error.is_foreign_key_violation() =>
            {
                StoreError::MissingReference(format!("master application {} does not exist", creation.master_id))
            }
            other => other,
        })
    }

    async fn soda_creation(&self, token_hash: TokenHash) -> StoreResult<Option<SodaCreation>> {
        let row: Option<SodaCreationRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {CREATION_COLUMNS} FROM soda_creations WHERE token_hash = $1"
            )))
            .bind(token_hash.0.to_vec())
            .fetch_optional(pool)
            .await
        })?;
        row.map(SodaCreation::try_from).transpose()
    }

    async fn soda_creation_of_application(&self, application_id: ApplicationId) -> StoreResult<Option<SodaCreation>> {
        let row: Option<SodaCreationRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {CREATION_COLUMNS} FROM soda_creations WHERE application_id = $1"
            )))
            .bind(application_id.as_uuid())
            .fetch_optional(pool)
            .await
        })?;
        row.map(SodaCreation::try_from).transpose()
    }

    async fn complete_soda_creation(
        &self,
        token_hash: TokenHash,
        now: OffsetDateTime,
    ) -> StoreResult<Option<SodaCreation>> {
        // One statement, so two people using the same token cannot both complete it.
        let row: Option<SodaCreationRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "UPDATE soda_creations SET completed_at = $1 \
                 WHERE token_hash = $2 AND completed_at IS NULL AND expires_at > $1 \
                 RETURNING {CREATION_COLUMNS}"
            )))
            .bind(micros(now))
            .bind(token_hash.0.to_vec())
            .fetch_optional(pool)
            .await
        })?;
        row.map(SodaCreation::try_from).transpose()
    }
}
