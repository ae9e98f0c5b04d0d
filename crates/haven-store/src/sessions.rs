//! Application sessions and user tokens, looked up by token hash.

use async_trait::async_trait;
use haven_domain::ids::{ApplicationId, PersonId, RecordId};
use haven_domain::session::{AppSession, HmacAlgorithm, TokenHash, UserToken};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{SqlStore, on_db};
use crate::error::StoreError;
use crate::rows::{instant, micros};
use crate::{SessionStore, StoreResult};

#[derive(sqlx::FromRow)]
struct SessionRow {
    token_hash: Vec<u8>,
    application_id: Uuid,
    shared_secret: Vec<u8>,
    algorithm: String,
    created_at: i64,
    expires_at: i64,
}

#[derive(sqlx::FromRow)]
struct UserTokenRow {
    token_hash: Vec<u8>,
    person_id: Uuid,
    application_id: Uuid,
    selected_record_id: Option<Uuid>,
    created_at: i64,
    expires_at: i64,
    revoked_at: Option<i64>,
}

pub(crate) fn token_hash(bytes: Vec<u8>) -> Result<TokenHash, StoreError> {
    let array: [u8; 32] = bytes.try_into().map_err(|_| StoreError::corrupt("a token hash is not 32 bytes"))?;
    Ok(TokenHash(array))
}

impl TryFrom<SessionRow> for AppSession {
    type Error = StoreError;
    fn try_from(row: SessionRow) -> Result<Self, StoreError> {
        Ok(AppSession {
            token_hash: token_hash(row.token_hash)?,
            application_id: ApplicationId::from_uuid(row.application_id),
            shared_secret: row.shared_secret,
            algorithm: HmacAlgorithm::parse(&row.algorithm)
                .ok_or_else(|| StoreError::corrupt(format!("HMAC algorithm {:?}", row.algorithm)))?,
            created_at: instant(row.created_at)?,
            expires_at: instant(row.expires_at)?,
        })
    }
}

impl TryFrom<UserTokenRow> for UserToken {
    type Error = StoreError;
    fn try_from(row: UserTokenRow) -> Result<Self, StoreError> {
        Ok(UserToken {
            token_hash: token_hash(row.token_hash)?,
            person_id: PersonId::from_uuid(row.person_id),
            application_id: ApplicationId::from_uuid(row.application_id),
            selected_record_id: row.selected_record_id.map(RecordId::from_uuid),
            created_at: instant(row.created_at)?,
            expires_at: instant(row.expires_at)?,
            revoked_at: row.revoked_at.map(instant).transpose()?,
        })
    }
}

fn missing_reference(error: sqlx::Error, what: String) -> StoreError {
    match error {
        sqlx::Error::Database(database_error) if database_error.is_foreign_key_violation() => {
            StoreError::MissingReference(what)
        }
        other => StoreError::Database(other),
    }
}

#[async_trait]
impl SessionStore for SqlStore {
    async fn create_app_session(&self, session: &AppSession) -> StoreResult<()> {
        on_db!(&self.db, |pool| {
            sqlx::query(
                "INSERT INTO app_sessions (token_hash, application_id, shared_secret, algorithm, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(session.token_hash.0.to_vec())
            .bind(session.application_id.as_uuid())
            .bind(session.shared_secret.as_slice())
            .bind(session.algorithm.as_str())
            .bind(micros(session.created_at))
            .bind(micros(session.expires_at))
            .execute(pool)
            .await
            .map(|_| ())
        })
        .map_err(|error| missing_reference(error, format!("application {} does not exist", session.application_id)))
    }

    async fn app_session(&self, token_hash: TokenHash) -> StoreResult<Option<AppSession>> {
        let row: Option<SessionRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(
                "SELECT token_hash, application_id, shared_secret, algorithm, created_at, expires_at \
                 FROM app_sessions WHERE token_hash = $1",
            )
            .bind(token_hash.0.to_vec())
            .fetch_optional(pool)
            .await
        })?;
        row.map(AppSession::try_from).transpose()
    }

    async fn delete_expired_app_sessions(&self, now: OffsetDateTime) -> StoreResult<u64> {
        let deleted = on_db!(&self.db, |pool| {
            sqlx::query("DELETE FROM app_sessions WHERE expires_at <= $1")
                .bind(micros(now))
                .execute(pool)
                .await
                .map(|result| result.rows_affected())
        })?;
        Ok(deleted)
    }

    async fn create_user_token(&self, token: &UserToken) -> StoreResult<()> {
        on_db!(&self.db, |pool| {
            sqlx::query(
                "INSERT INTO user_tokens (token_hash, person_id, application_id, selected_record_id, created_at, expires_at, revoked_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(token.token_hash.0.to_vec())
            .bind(token.person_id.as_uuid())
            .bind(token.application_id.as_uuid())
            .bind(token.selected_record_id.map(|id| id.as_uuid()))
            .bind(micros(token.created_at))
            .bind(micros(token.expires_at))
            .bind(token.revoked_at.map(micros))
            .execute(pool)
            .await
            .map(|_| ())
        })
        .map_err(|error| {
            missing_reference(
                error,
                format!("person {}, application {} or the selected record does not exist", token.person_id, token.application_id),
            )
        })
    }

    async fn user_token(&self, token_hash: TokenHash) -> StoreResult<Option<UserToken>> {
        let row: Option<UserTokenRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(
                "SELECT token_hash, person_id, application_id, selected_record_id, created_at, expires_at, revoked_at \
                 FROM user_tokens WHERE token_hash = $1",
            )
            .bind(token_hash.0.to_vec())
            .fetch_optional(pool)
            .await
        })?;
        row.map(UserToken::try_from).transpose()
    }

    async fn revoke_user_token(&self, token_hash: TokenHash, now: OffsetDateTime) -> StoreResult<bool> {
        let revoked = on_db!(&self.db, |pool| {
            sqlx::query("UPDATE user_tokens SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL")
                .bind(micros(now))
                .bind(token_hash.0.to_vec())
                .execute(pool)
                .await
                .map(|result| result.rows_affected())
        })?;
        Ok(revoked > 0)
    }
}
