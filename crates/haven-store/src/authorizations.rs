//! Authorizations of applications, stored as documents.

use async_trait::async_trait;
use haven_domain::authorization::AppAuthorization;
use haven_domain::ids::{ApplicationId, PersonId, RecordId};

use crate::db::{SqlStore, on_db};
use crate::rows::{authorization_from_document, to_json};
use crate::{AuthorizationStore, StoreResult};

/// Stores (or replaces) `$authorization`, whose JSON is `$document`, through `$executor` (a
/// pool, or `&mut *tx` inside a transaction); an unknown person, record or application is
/// [`StoreError::MissingReference`]. Evaluates to `StoreResult<()>`.
macro_rules! upsert_authorization {
    ($executor:expr, $authorization:expr, $document:expr) => {{
        let authorization: &haven_domain::authorization::AppAuthorization = $authorization;
        sqlx::query(
            "INSERT INTO app_authorizations (person_id, record_id, application_id, document, granted_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (person_id, record_id, application_id) \
             DO UPDATE SET document = excluded.document, granted_at = excluded.granted_at",
        )
        .bind(authorization.person_id.as_uuid())
        .bind(authorization.record_id.as_uuid())
        .bind(authorization.application_id.as_uuid())
        .bind($document)
        .bind($crate::rows::micros(authorization.granted_at))
        .execute($executor)
        .await
        .map(|_| ())
        .map_err(|error| match error {
            sqlx::Error::Database(database_error) if database_error.is_foreign_key_violation() => {
                $crate::error::StoreError::MissingReference(format!(
                    "person {}, record {} or application {} does not exist",
                    authorization.person_id, authorization.record_id, authorization.application_id
                ))
            }
            other => $crate::error::StoreError::from(other),
        })
    }};
}
pub(crate) use upsert_authorization;

#[async_trait]
impl AuthorizationStore for SqlStore {
    async fn put_authorization(&self, authorization: &AppAuthorization) -> StoreResult<()> {
        let document = to_json(authorization)?;
        on_db!(&self.db, |pool| upsert_authorization!(pool, authorization, &document))
    }

    async fn authorization(
        &self,
        person_id: PersonId,
        record_id: RecordId,
        application_id: ApplicationId,
    ) -> StoreResult<Option<AppAuthorization>> {
        let document: Option<String> = on_db!(&self.db, |pool| {
            sqlx::query_scalar(
                "SELECT document FROM app_authorizations WHERE person_id = $1 AND record_id = $2 AND application_id = $3",
            )
            .bind(person_id.as_uuid())
            .bind(record_id.as_uuid())
            .bind(application_id.as_uuid())
            .fetch_optional(pool)
            .await
        })?;
        document.as_deref().map(authorization_from_document).transpose()
    }

    async fn authorizations_for_application(
        &self,
        application_id: ApplicationId,
    ) -> StoreResult<Vec<AppAuthorization>> {
        let documents: Vec<String> = on_db!(&self.db, |pool| {
            sqlx::query_scalar(
                "SELECT document FROM app_authorizations WHERE application_id = $1 ORDER BY granted_at, person_id, record_id",
            )
            .bind(application_id.as_uuid())
            .fetch_all(pool)
            .await
        })?;
        documents.iter().map(|document| authorization_from_document(document)).collect()
    }

    async fn authorizations_of_person(
        &self,
        person_id: PersonId,
        application_id: ApplicationId,
    ) -> StoreResult<Vec<AppAuthorization>> {
        let documents: Vec<String> = on_db!(&self.db, |pool| {
            sqlx::query_scalar(
                "SELECT document FROM app_authorizations WHERE person_id = $1 AND application_id = $2 \
                 ORDER BY granted_at, record_id",
            )
            .bind(person_id.as_uuid())
            .bind(application_id.as_uuid())
            .fetch_all(pool)
            .await
        })?;
        documents.iter().map(|document| authorization_from_document(document)).collect()
    }

    async fn authorizations_for_record(&self, record_id: RecordId) -> StoreResult<Vec<AppAuthorization>> {
        let documents: Vec<String> = on_db!(&self.db, |pool| {
            sqlx::query_scalar(
                "SELECT document FROM app_authorizations WHERE record_id = $1 ORDER BY granted_at, person_id, application_id",
            )
            .bind(record_id.as_uuid())
            .fetch_all(pool)
            .await
        })?;
        documents.iter().map(|document| authorization_from_document(document)).collect()
    }
}
