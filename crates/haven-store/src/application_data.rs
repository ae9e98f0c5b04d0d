//! Alternate ids and per-person application settings.

use async_trait::async_trait;
use haven_domain::alternate_id::{AlternateId, MAX_ALTERNATE_IDS_PER_RECORD};
use haven_domain::application::PersonApplicationSettings;
use haven_domain::ids::{ApplicationId, PersonId, RecordId};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{SqlStore, in_write_transaction, on_db};
use crate::error::StoreError;
use crate::persons::is_unique_violation;
use crate::rows::{instant, micros};
use crate::{ApplicationDataStore, StoreResult};

#[derive(sqlx::FromRow)]
struct SettingsRow {
    person_id: Uuid,
    application_id: Uuid,
    settings_xml: Option<String>,
    selected_record_id: Option<Uuid>,
    updated_at: i64,
}

fn missing_reference(error: sqlx::Error, what: impl FnOnce() -> String) -> StoreError {
    match error {
        sqlx::Error::Database(database_error) if database_error.is_foreign_key_violation() => {
            StoreError::MissingReference(what())
        }
        other => StoreError::Database(other),
    }
}

#[async_trait]
impl ApplicationDataStore for SqlStore {
    async fn associate_alternate_id(
        &self,
        application_id: ApplicationId,
        alternate_id: &AlternateId,
        person_id: PersonId,
        record_id: RecordId,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        in_write_transaction!(&self.db, |tx, _lock| {
            async {
                let existing: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM alternate_ids WHERE application_id = $1 AND person_id = $2 AND record_id = $3",
                )
                .bind(application_id.as_uuid())
                .bind(person_id.as_uuid())
                .bind(record_id.as_uuid())
                .fetch_one(&mut *tx)
                .await?;
                if usize::try_from(existing).unwrap_or(usize::MAX) >= MAX_ALTERNATE_IDS_PER_RECORD {
                    return Err(StoreError::AlternateIdLimit { limit: MAX_ALTERNATE_IDS_PER_RECORD });
                }
                sqlx::query(
                    "INSERT INTO alternate_ids (application_id, alternate_id, person_id, record_id, created_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(application_id.as_uuid())
                .bind(alternate_id.as_str())
                .bind(person_id.as_uuid())
                .bind(record_id.as_uuid())
                .bind(micros(now))
                .execute(&mut *tx)
                .await
                .map_err(|error| {
                    if is_unique_violation(&error) {
                        StoreError::DuplicateAlternateId
                    } else {
                        missing_reference(error, || {
                            format!("application {application_id}, person {person_id} or record {record_id} does not exist")
                        })
                    }
                })?;
                Ok(())
            }
            .await
        })
    }

    async fn disassociate_alternate_id(
        &self,
        application_id: ApplicationId,
        alternate_id: &AlternateId,
        person_id: PersonId,
        record_id: RecordId,
    ) -> StoreResult<bool> {
        let removed = on_db!(&self.db, |pool| {
            sqlx::query(
                "DELETE FROM alternate_ids WHERE application_id = $1 AND alternate_id = $2 AND person_id = $3 AND record_id = $4",
            )
            .bind(application_id.as_uuid())
            .bind(alternate_id.as_str())
            .bind(person_id.as_uuid())
            .bind(record_id.as_uuid())
            .execute(pool)
            .await
            .map(|result| result.rows_affected())
        })?;
        Ok(removed > 0)
    }

    async fn alternate_ids(
        &self,
        application_id: ApplicationId,
        person_id: PersonId,
        record_id: RecordId,
    ) -> StoreResult<Vec<AlternateId>> {
        let ids: Vec<String> = on_db!(&self.db, |pool| {
            sqlx::query_scalar(
                "SELECT alternate_id FROM alternate_ids WHERE application_id = $1 AND person_id = $2 AND record_id = $3 \
                 ORDER BY created_at, alternate_id",
            )
            .bind(application_id.as_uuid())
            .bind(person_id.as_uuid())
            .bind(record_id.as_uuid())
            .fetch_all(pool)
            .await
        })?;
        ids.iter().map(|id| AlternateId::parse(id).map_err(StoreError::corrupt)).collect()
    }

    async fn alternate_id_owner(
        &self,
        application_id: ApplicationId,
        alternate_id: &AlternateId,
    ) -> StoreResult<Option<(PersonId, RecordId)>> {
        let owner: Option<(Uuid, Uuid)> = on_db!(&self.db, |pool| {
            sqlx::query_as(
                "SELECT person_id, record_id FROM alternate_ids WHERE application_id = $1 AND alternate_id = $2",
            )
            .bind(application_id.as_uuid())
            .bind(alternate_id.as_str())
            .fetch_optional(pool)
            .await
        })?;
        Ok(owner.map(|(person_id, record_id)| (PersonId::from_uuid(person_id), RecordId::from_uuid(record_id))))
    }

    async fn application_settings(
        &self,
        person_id: PersonId,
        application_id: ApplicationId,
    ) -> StoreResult<Option<PersonApplicationSettings>> {
        let row: Option<SettingsRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(
                "SELECT person_id, application_id, settings_xml, selected_record_id, updated_at \
                 FROM application_settings WHERE person_id = $1 AND application_id = $2",
            )
            .bind(person_id.as_uuid())
            .bind(application_id.as_uuid())
            .fetch_optional(pool)
            .await
        })?;
        row.map(|row| {
            Ok(PersonApplicationSettings {
                person_id: PersonId::from_uuid(row.person_id),
                application_id: ApplicationId::from_uuid(row.application_id),
                settings_xml: row.settings_xml,
                selected_record_id: row.selected_record_id.map(RecordId::from_uuid),
                updated_at: instant(row.updated_at)?,
            })
        })
        .transpose()
    }

    async fn put_application_settings(&self, settings: &PersonApplicationSettings) -> StoreResult<()> {
        on_db!(&self.db, |pool| {
            sqlx::query(
                "INSERT INTO application_settings (person_id, application_id, settings_xml, selected_record_id, updated_at) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (person_id, application_id) DO UPDATE SET settings_xml = excluded.settings_xml, \
                 selected_record_id = excluded.selected_record_id, updated_at = excluded.updated_at",
            )
            .bind(settings.person_id.as_uuid())
            .bind(settings.application_id.as_uuid())
            .bind(settings.settings_xml.as_deref())
            .bind(settings.selected_record_id.map(|id| id.as_uuid()))
            .bind(micros(settings.updated_at))
            .execute(pool)
            .await
            .map(|_| ())
        })
        .map_err(|error| {
            missing_reference(error, || {
                format!("person {} or application {} does not exist", settings.person_id, settings.application_id)
            })
        })
    }
}
