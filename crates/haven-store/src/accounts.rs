//! Shell accounts: opening an account (person, own record, custodianship and password in one
//! transaction), password credentials with their lockout counters, and browser sessions.

use async_trait::async_trait;
use haven_domain::credential::Credential;
use haven_domain::ids::PersonId;
use haven_domain::person::Person;
use haven_domain::record::{Record, RecordMember};
use haven_domain::session::TokenHash;
use haven_domain::web_session::WebSession;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{SqlStore, in_write_transaction, on_db};
use crate::error::StoreError;
use crate::persons::{insert_person, is_unique_violation};
use crate::records::{insert_record, upsert_member};
use crate::rows::{instant, micros};
use crate::sessions::token_hash;
use crate::{AccountStore, StoreResult};

#[derive(sqlx::FromRow)]
struct CredentialRow {
    person_id: Uuid,
    password_hash: String,
    failed_attempts: i32,
    locked_until: Option<i64>,
    changed_at: i64,
}

impl TryFrom<CredentialRow> for Credential {
    type Error = StoreError;
    fn try_from(row: CredentialRow) -> Result<Self, StoreError> {
        Ok(Credential {
            person_id: PersonId::from_uuid(row.person_id),
            password_hash: row.password_hash,
            failed_attempts: u32::try_from(row.failed_attempts)
                .map_err(|_| StoreError::corrupt("a negative count of failed sign-ins"))?,
            locked_until: row.locked_until.map(instant).transpose()?,
            changed_at: instant(row.changed_at)?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct WebSessionRow {
    token_hash: Vec<u8>,
    person_id: Option<Uuid>,
    csrf_token: String,
    created_at: i64,
    expires_at: i64,
}

impl TryFrom<WebSessionRow> for WebSession {
    type Error = StoreError;
    fn try_from(row: WebSessionRow) -> Result<Self, StoreError> {
        Ok(WebSession {
            token_hash: token_hash(row.token_hash)?,
            person_id: row.person_id.map(PersonId::from_uuid),
            csrf_token: row.csrf_token,
            created_at: instant(row.created_at)?,
            expires_at: instant(row.expires_at)?,
        })
    }
}

const CREDENTIAL_COLUMNS: &str = "person_id, password_hash, failed_attempts, locked_until, changed_at";

/// The statement inserting or replacing `$credential`, bound.
macro_rules! upsert_credential {
    ($credential:expr) => {{
        let credential: &Credential = $credential;
        sqlx::query(
            "INSERT INTO credentials (person_id, password_hash, failed_attempts, locked_until, changed_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (person_id) DO UPDATE SET password_hash = excluded.password_hash, \
             failed_attempts = excluded.failed_attempts, locked_until = excluded.locked_until, \
             changed_at = excluded.changed_at",
        )
        .bind(credential.person_id.as_uuid())
        .bind(credential.password_hash.clone())
        .bind(i32::try_from(credential.failed_attempts).unwrap_or(i32::MAX))
        .bind(credential.locked_until.map(micros))
        .bind(micros(credential.changed_at))
    }};
}

#[async_trait]
impl AccountStore for SqlStore {
    async fn create_account(
        &self,
        person: &Person,
        record: &Record,
        custodian: &RecordMember,
        credential: &Credential,
    ) -> StoreResult<()> {
        in_write_transaction!(&self.db, |tx, _lock| {
            async {
                insert_person!(person).execute(&mut *tx).await.map_err(|error| {
                    if is_unique_violation(&error) { StoreError::DuplicateEmail } else { StoreError::Database(error) }
                })?;
                insert_record!(record).execute(&mut *tx).await?;
                upsert_member!(custodian).execute(&mut *tx).await?;
                upsert_credential!(credential).execute(&mut *tx).await?;
                Ok(())
            }
            .await
        })
    }

    async fn credential(&self, person_id: PersonId) -> StoreResult<Option<Credential>> {
        let row: Option<CredentialRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {CREDENTIAL_COLUMNS} FROM credentials WHERE person_id = $1"
            )))
            .bind(person_id.as_uuid())
            .fetch_optional(pool)
            .await
        })?;
        row.map(Credential::try_from).transpose()
    }

    async fn put_credential(&self, credential: &Credential) -> StoreResult<()> {
        let result = on_db!(&self.db, |pool| { upsert_credential!(credential).execute(pool).await.map(|_| ()) });
        result.map_err(|error| match error {
            sqlx::Error::Database(database_error) if database_error.is_foreign_key_violation() => {
                StoreError::PersonNotFound(credential.person_id)
            }
            other => StoreError::Database(other),
        })
    }

    async fn record_sign_in_failure(&self, person_id: PersonId, now: OffsetDateTime) -> StoreResult<Credential> {
        in_write_transaction!(&self.db, |tx, lock| {
            async {
                let row: Option<CredentialRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {CREDENTIAL_COLUMNS} FROM credentials WHERE person_id = $1{lock}"
                )))
                .bind(person_id.as_uuid())
                .fetch_optional(&mut *tx)
                .await?;
                let credential = Credential::try_from(row.ok_or(StoreError::PersonNotFound(person_id))?)?;
                let next = credential.after_failure(now);
                upsert_credential!(&next).execute(&mut *tx).await?;
                Ok(next)
            }
            .await
        })
    }

    async fn create_web_session(&self, session: &WebSession) -> StoreResult<()> {
        let result = on_db!(&self.db, |pool| {
            sqlx::query(
                "INSERT INTO web_sessions (token_hash, person_id, csrf_token, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(session.token_hash.0.to_vec())
            .bind(session.person_id.map(|id| id.as_uuid()))
            .bind(session.csrf_token.as_str())
            .bind(micros(session.created_at))
            .bind(micros(session.expires_at))
            .execute(pool)
            .await
            .map(|_| ())
        });
        result.map_err(|error| match (error, session.person_id) {
            (sqlx::Error::Database(database_error), Some(person_id)) if database_error.is_foreign_key_violation() => {
                StoreError::PersonNotFound(person_id)
            }
            (other, _) => StoreError::Database(other),
        })
    }

    async fn web_session(&self, token_hash: TokenHash) -> StoreResult<Option<WebSession>> {
        let row: Option<WebSessionRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(
                "SELECT token_hash, person_id, csrf_token, created_at, expires_at FROM web_sessions WHERE token_hash = $1",
            )
            .bind(token_hash.0.to_vec())
            .fetch_optional(pool)
            .await
        })?;
        row.map(WebSession::try_from).transpose()
    }

    async fn delete_web_session(&self, token_hash: TokenHash) -> StoreResult<()> {
        on_db!(&self.db, |pool| {
            sqlx::query("DELETE FROM web_sessions WHERE token_hash = $1")
                .bind(token_hash.0.to_vec())
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    async fn delete_web_sessions_of_person(&self, person_id: PersonId, except: Option<TokenHash>) -> StoreResult<u64> {
        let except = except.map(|hash| hash.0.to_vec()).unwrap_or_default();
        let deleted = on_db!(&self.db, |pool| {
            sqlx::query("DELETE FROM web_sessions WHERE person_id = $1 AND token_hash <> $2")
                .bind(person_id.as_uuid())
                .bind(except.as_slice())
                .execute(pool)
                .await
                .map(|result| result.rows_affected())
        })?;
        Ok(deleted)
    }

    async fn delete_expired_web_sessions(&self, now: OffsetDateTime) -> StoreResult<u64> {
        let deleted = on_db!(&self.db, |pool| {
            sqlx::query("DELETE FROM web_sessions WHERE expires_at <= $1")
                .bind(micros(now))
                .execute(pool)
                .await
                .map(|result| result.rows_affected())
        })?;
        Ok(deleted)
    }
}
