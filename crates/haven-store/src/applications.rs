//! Applications, stored as documents.

use async_trait::async_trait;
use haven_domain::application::Application;
use haven_domain::ids::ApplicationId;

use crate::db::{SqlStore, on_db};
use crate::rows::{application_from_document, micros, to_json};
use crate::{ApplicationStore, StoreResult};

#[async_trait]
impl ApplicationStore for SqlStore {
    async fn put_application(&self, application: &Application) -> StoreResult<()> {
        let document = to_json(application)?;
        on_db!(&self.db, |pool| {
            sqlx::query(
                "INSERT INTO applications (id, master_id, document, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (id) DO UPDATE SET master_id = excluded.master_id, document = excluded.document",
            )
            .bind(application.id.as_uuid())
            .bind(application.master_id.map(|id| id.as_uuid()))
            .bind(&document)
            .bind(micros(application.created_at))
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    async fn application(&self, id: ApplicationId) -> StoreResult<Option<Application>> {
        let document: Option<String> = on_db!(&self.db, |pool| {
            sqlx::query_scalar("SELECT document FROM applications WHERE id = $1")
                .bind(id.as_uuid())
                .fetch_optional(pool)
                .await
        })?;
        document.as_deref().map(application_from_document).transpose()
    }

    async fn applications(&self) -> StoreResult<Vec<Application>> {
        let documents: Vec<String> = on_db!(&self.db, |pool| {
            sqlx::query_scalar("SELECT document FROM applications ORDER BY created_at, id").fetch_all(pool).await
        })?;
        documents.iter().map(|document| application_from_document(document)).collect()
    }
}
