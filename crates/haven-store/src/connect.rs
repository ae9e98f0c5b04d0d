//! Patient Connect requests (with their validations) and DOPU packages. Codes are found by
//! their hash; wrong answers are counted with one atomic update; a validation and a pickup
//! re-check the item's status under the write lock, so two people (or two tabs) cannot both
//! redeem what may be redeemed once.

use async_trait::async_trait;
use haven_domain::authorization::AppAuthorization;
use haven_domain::connect::{
    ConnectPackage, ConnectPackageId, ConnectRequest, ConnectRequestId, ConnectValidation, PackageContents,
    PackageStatus, Pickup,
};
use haven_domain::ids::{ApplicationId, BlobId, PersonId, RecordId};
use haven_domain::session::TokenHash;
use haven_domain::thing::ThingKey;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::attempts::{attempts, count_wrong_answer};
use crate::authorizations::upsert_authorization;
use crate::blobs::{ChunkTables, append_chunk, insert_complete_blob};
use crate::db::{SqlStore, in_write_transaction, on_db};
use crate::error::StoreError;
use crate::persons::is_unique_violation;
use crate::rows::{instant, micros, to_i64, to_json, to_u64};
use crate::sessions::token_hash;
use crate::things::write_changes;
use crate::{ConnectLookup, ConnectStore, PackageBlobUpload, PackagePickup, StoreResult};

/// A row of `connect_requests`, in [`REQUEST_COLUMNS`] order.
#[derive(sqlx::FromRow)]
struct RequestRow {
    id: Uuid,
    application_id: Uuid,
    code_hash: Vec<u8>,
    friendly_name: String,
    question: String,
    answer_hash: String,
    external_id: String,
    created_at: i64,
    failed_attempts: i64,
    last_validated_at: Option<i64>,
}

const REQUEST_COLUMNS: &str = "id, application_id, code_hash, friendly_name, question, answer_hash, external_id, \
     created_at, failed_attempts, last_validated_at";

impl TryFrom<RequestRow> for ConnectRequest {
    type Error = StoreError;
    fn try_from(row: RequestRow) -> Result<Self, StoreError> {
        Ok(ConnectRequest {
            id: ConnectRequestId::from_uuid(row.id),
            application_id: ApplicationId::from_uuid(row.application_id),
            code_hash: token_hash(row.code_hash)?,
            friendly_name: row.friendly_name,
            question: row.question,
            answer_hash: row.answer_hash,
            external_id: row.external_id,
            created_at: instant(row.created_at)?,
            failed_attempts: attempts(row.failed_attempts)?,
            last_validated_at: row.last_validated_at.map(instant).transpose()?,
        })
    }
}

/// A row of `connect_packages`, in [`PACKAGE_COLUMNS`] order.
#[derive(sqlx::FromRow)]
struct PackageRow {
    id: Uuid,
    application_id: Uuid,
    code_hash: Vec<u8>,
    created_at: i64,
    failed_attempts: i64,
    friendly_name: Option<String>,
    question: Option<String>,
    external_id: Option<String>,
    parameters_xml: Option<String>,
    ciphertext: Option<Vec<u8>>,
    filled_at: Option<i64>,
    picked_up_at: Option<i64>,
    picked_up_record_id: Option<Uuid>,
}

const PACKAGE_COLUMNS: &str = "id, application_id, code_hash, created_at, failed_attempts, friendly_name, question, \
     external_id, parameters_xml, ciphertext, filled_at, picked_up_at, picked_up_record_id";

impl TryFrom<PackageRow> for ConnectPackage {
    type Error = StoreError;
    fn try_from(row: PackageRow) -> Result<Self, StoreError> {
        let contents = match (row.friendly_name, row.question, row.external_id, row.parameters_xml, row.filled_at) {
            (Some(friendly_name), Some(question), Some(external_id), Some(parameters_xml), Some(filled_at)) => {
                Some(PackageContents {
                    friendly_name,
                    question,
                    external_id,
                    parameters_xml,
                    ciphertext: row.ciphertext.unwrap_or_default(),
                    created_at: instant(filled_at)?,
                })
            }
            (None, None, None, None, None) => None,
            _ => return Err(StoreError::corrupt(format!("connect package {} is partly filled", row.id))),
        };
        let picked_up = match (row.picked_up_at, row.picked_up_record_id) {
            (Some(picked_up_at), Some(record_id)) => {
                Some(Pickup { record_id: RecordId::from_uuid(record_id), picked_up_at: instant(picked_up_at)? })
            }
            (None, None) => None,
            _ => return Err(StoreError::corrupt(format!("connect package {} has half a pickup", row.id))),
        };
        Ok(ConnectPackage {
            id: ConnectPackageId::from_uuid(row.id),
            application_id: ApplicationId::from_uuid(row.application_id),
            code_hash: token_hash(row.code_hash)?,
            created_at: instant(row.created_at)?,
            contents,
            failed_attempts: attempts(row.failed_attempts)?,
            picked_up,
        })
    }
}

/// A row of `connect_package_blobs`, in [`PACKAGE_BLOB_COLUMNS`] order.
#[derive(sqlx::FromRow)]
struct PackageBlobRow {
    id: Uuid,
    application_id: Uuid,
    package_id: Option<Uuid>,
    complete: bool,
    length: i64,
    upload_expires_at: i64,
    created_at: i64,
}

const PACKAGE_BLOB_COLUMNS: &str = "id, application_id, package_id, complete, length, upload_expires_at, created_at";

impl TryFrom<PackageBlobRow> for PackageBlobUpload {
    type Error = StoreError;
    fn try_from(row: PackageBlobRow) -> Result<Self, StoreError> {
        Ok(PackageBlobUpload {
            id: BlobId::from_uuid(row.id),
            application_id: ApplicationId::from_uuid(row.application_id),
            package_id: row.package_id.map(ConnectPackageId::from_uuid),
            complete: row.complete,
            length: to_u64(row.length)?,
            upload_expires_at: instant(row.upload_expires_at)?,
            created_at: instant(row.created_at)?,
        })
    }
}

/// Inside a transaction: attaches each streamed blob (by upload token hash) to the package
/// `$package_id` (a UUID); each must be a complete upload of `$application_id` that no
/// package names yet, or the whole write fails with [`StoreError::UnknownPackageBlob`].
macro_rules! attach_blobs {
    ($tx:ident, $application_id:expr, $package_id:expr, $streamed_blobs:expr) => {
        for upload_token_hash in $streamed_blobs {
            let attached = sqlx::query(
                "UPDATE connect_package_blobs SET package_id = $1 \
                 WHERE upload_token_hash = $2 AND application_id = $3 AND complete = $4 AND package_id IS NULL",
            )
            .bind($package_id)
            .bind(upload_token_hash.0.to_vec())
            .bind($application_id.as_uuid())
            .bind(true)
            .execute(&mut *$tx)
            .await?
            .rows_affected();
            if attached != 1 {
                return Err(StoreError::UnknownPackageBlob);
            }
        }
    };
}

/// The SQL condition and the value a [`ConnectLookup`] selects by.
fn lookup_condition(lookup: ConnectLookup<'_>) -> (&'static str, LookupValue) {
    match lookup {
        ConnectLookup::Code(hash) => ("code_hash = $2", LookupValue::Bytes(hash.0.to_vec())),
        ConnectLookup::ExternalId(external_id) => ("external_id = $2", LookupValue::Text(external_id.to_owned())),
    }
}

/// The value bound as `$2` by [`lookup_condition`]'s condition.
enum LookupValue {
    Bytes(Vec<u8>),
    Text(String),
}

macro_rules! bind_lookup {
    ($query:expr, $value:expr) => {
        match $value {
            LookupValue::Bytes(bytes) => $query.bind(bytes.clone()),
            LookupValue::Text(text) => $query.bind(text.clone()),
        }
    };
}

#[async_trait]
impl ConnectStore for SqlStore {
    async fn create_connect_request(&self, request: &ConnectRequest, now: OffsetDateTime) -> StoreResult<()> {
        let result: StoreResult<()> = in_write_transaction!(&self.db, |tx, _lock| {
            async {
                // An expired request no longer holds its external id.
                sqlx::query(
                    "DELETE FROM connect_validations WHERE request_id IN \
                     (SELECT id FROM connect_requests WHERE application_id = $1 AND external_id = $2 AND expires_at <= $3)",
                )
                .bind(request.application_id.as_uuid())
                .bind(&request.external_id)
                .bind(micros(now))
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM connect_requests WHERE application_id = $1 AND external_id = $2 AND expires_at <= $3")
                    .bind(request.application_id.as_uuid())
                    .bind(&request.external_id)
                    .bind(micros(now))
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO connect_requests ({REQUEST_COLUMNS}, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                )))
                .bind(request.id.as_uuid())
                .bind(request.application_id.as_uuid())
                .bind(request.code_hash.0.to_vec())
                .bind(&request.friendly_name)
                .bind(&request.question)
                .bind(&request.answer_hash)
                .bind(&request.external_id)
                .bind(micros(request.created_at))
                .bind(i64::from(request.failed_attempts))
                .bind(request.last_validated_at.map(micros))
                .bind(micros(request.expires_at()))
                .execute(&mut *tx)
                .await
                .map_err(|error| {
                    if is_unique_violation(&error) {
                        StoreError::DuplicateConnectRequest
                    } else {
                        missing_application(error, request.application_id)
                    }
                })?;
                Ok(())
            }
            .await
        });
        result
    }

    async fn connect_request_by_code(&self, code_hash: TokenHash) -> StoreResult<Option<ConnectRequest>> {
        let row: Option<RequestRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {REQUEST_COLUMNS} FROM connect_requests WHERE code_hash = $1"
            )))
            .bind(code_hash.0.to_vec())
            .fetch_optional(pool)
            .await
        })?;
        row.map(ConnectRequest::try_from).transpose()
    }

    async fn record_wrong_connect_answer(&self, id: ConnectRequestId) -> StoreResult<u32> {
        count_wrong_answer(self, "connect_requests", "id", id.as_uuid()).await
    }

    async fn validate_connect_request(
        &self,
        validation: &ConnectValidation,
        authorization: &AppAuthorization,
    ) -> StoreResult<()> {
        let document = to_json(authorization)?;
        in_write_transaction!(&self.db, |tx, lock| {
            async {
                let row: Option<RequestRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {REQUEST_COLUMNS} FROM connect_requests WHERE id = $1{lock}"
                )))
                .bind(validation.request_id.as_uuid())
                .fetch_optional(&mut *tx)
                .await?;
                let mut request = row.map(ConnectRequest::try_from).transpose()?.ok_or(StoreError::ConnectItemUnavailable)?;
                if !request.accepts_answers_at(validation.validated_at) || request.application_id != validation.application_id
                {
                    return Err(StoreError::ConnectItemUnavailable);
                }
                upsert_authorization!(&mut *tx, authorization, &document)?;
                sqlx::query(
                    "INSERT INTO connect_validations (request_id, application_id, person_id, record_id, validated_at) \
                     VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (request_id, person_id, record_id) DO UPDATE SET validated_at = excluded.validated_at",
                )
                .bind(validation.request_id.as_uuid())
                .bind(validation.application_id.as_uuid())
                .bind(validation.person_id.as_uuid())
                .bind(validation.record_id.as_uuid())
                .bind(micros(validation.validated_at))
                .execute(&mut *tx)
                .await?;
                request.last_validated_at = Some(validation.validated_at);
                request.failed_attempts = 0;
                sqlx::query(
                    "UPDATE connect_requests SET last_validated_at = $1, expires_at = $2, failed_attempts = 0 WHERE id = $3",
                )
                .bind(micros(validation.validated_at))
                .bind(micros(request.expires_at()))
                .bind(request.id.as_uuid())
                .execute(&mut *tx)
                .await?;
                Ok(())
            }
            .await
        })
    }

    async fn connect_validations(
        &self,
        application_ids: &[ApplicationId],
        since: OffsetDateTime,
        now: OffsetDateTime,
    ) -> StoreResult<Vec<ConnectValidation>> {
        type ValidationRow = (Uuid, Uuid, String, Uuid, Uuid, i64);
        let mut validations = Vec::new();
        for application_id in application_ids {
            let rows: Vec<ValidationRow> = on_db!(&self.db, |pool| {
                sqlx::query_as(
                    "SELECT v.request_id, v.application_id, r.external_id, v.person_id, v.record_id, v.validated_at \
                     FROM connect_validations v JOIN connect_requests r ON r.id = v.request_id \
                     WHERE v.application_id = $1 AND v.validated_at >= $2 AND r.expires_at > $3",
                )
                .bind(application_id.as_uuid())
                .bind(micros(since))
                .bind(micros(now))
                .fetch_all(pool)
                .await
            })?;
            for (request_id, application_id, external_id, person_id, record_id, validated_at) in rows {
                validations.push(ConnectValidation {
                    request_id: ConnectRequestId::from_uuid(request_id),
                    application_id: ApplicationId::from_uuid(application_id),
                    external_id,
                    person_id: PersonId::from_uuid(person_id),
                    record_id: RecordId::from_uuid(record_id),
                    validated_at: instant(validated_at)?,
                });
            }
        }
        validations.sort_by_key(|validation| (validation.validated_at, validation.request_id));
        Ok(validations)
    }

    async fn delete_connect_request(
        &self,
        application_id: ApplicationId,
        lookup: ConnectLookup<'_>,
    ) -> StoreResult<bool> {
        let (condition, value) = lookup_condition(lookup);
        in_write_transaction!(&self.db, |tx, _lock| {
            async {
                bind_lookup!(
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DELETE FROM connect_validations WHERE request_id IN \
                         (SELECT id FROM connect_requests WHERE application_id = $1 AND {condition})"
                    )))
                    .bind(application_id.as_uuid()),
                    &value
                )
                .execute(&mut *tx)
                .await?;
                let deleted = bind_lookup!(
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DELETE FROM connect_requests WHERE application_id = $1 AND {condition}"
                    )))
                    .bind(application_id.as_uuid()),
                    &value
                )
                .execute(&mut *tx)
                .await?
                .rows_affected();
                Ok(deleted > 0)
            }
            .await
        })
    }

    async fn update_connect_external_id(
        &self,
        application_id: ApplicationId,
        lookup: ConnectLookup<'_>,
        new_external_id: &str,
    ) -> StoreResult<u64> {
        let (condition, value) = lookup_condition(lookup);
        in_write_transaction!(&self.db, |tx, _lock| {
            async {
                let requests = bind_lookup!(
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "UPDATE connect_requests SET external_id = $3 WHERE application_id = $1 AND {condition}"
                    )))
                    .bind(application_id.as_uuid()),
                    &value
                )
                .bind(new_external_id)
                .execute(&mut *tx)
                .await
                .map_err(|error| {
                    if is_unique_violation(&error) {
                        StoreError::DuplicateConnectRequest
                    } else {
                        StoreError::Database(error)
                    }
                })?
                .rows_affected();
                if requests > 0 {
                    return Ok(requests);
                }
                let packages = bind_lookup!(
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "UPDATE connect_packages SET external_id = $3 \
                         WHERE application_id = $1 AND {condition} AND filled_at IS NOT NULL AND picked_up_at IS NULL"
                    )))
                    .bind(application_id.as_uuid()),
                    &value
                )
                .bind(new_external_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                Ok(packages)
            }
            .await
        })
    }

    async fn create_connect_package(&self, package: &ConnectPackage, streamed_blobs: &[TokenHash]) -> StoreResult<()> {
        let contents = package.contents.as_ref();
        in_write_transaction!(&self.db, |tx, _lock| {
            async {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO connect_packages ({PACKAGE_COLUMNS}, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
                )))
                .bind(package.id.as_uuid())
                .bind(package.application_id.as_uuid())
                .bind(package.code_hash.0.to_vec())
                .bind(micros(package.created_at))
                .bind(i64::from(package.failed_attempts))
                .bind(contents.map(|contents| contents.friendly_name.clone()))
                .bind(contents.map(|contents| contents.question.clone()))
                .bind(contents.map(|contents| contents.external_id.clone()))
                .bind(contents.map(|contents| contents.parameters_xml.clone()))
                .bind(contents.map(|contents| contents.ciphertext.clone()))
                .bind(contents.map(|contents| micros(contents.created_at)))
                .bind(package.picked_up.map(|pickup| micros(pickup.picked_up_at)))
                .bind(package.picked_up.map(|pickup| pickup.record_id.as_uuid()))
                .bind(micros(package.expires_at()))
                .execute(&mut *tx)
                .await
                .map_err(|error| missing_application(error, package.application_id))?;
                attach_blobs!(tx, package.application_id, package.id.as_uuid(), streamed_blobs);
                Ok(())
            }
            .await
        })
    }

    async fn fill_connect_package(
        &self,
        application_id: ApplicationId,
        code_hash: TokenHash,
        contents: &PackageContents,
        streamed_blobs: &[TokenHash],
    ) -> StoreResult<ConnectPackageId> {
        in_write_transaction!(&self.db, |tx, lock| {
            async {
                let row: Option<(Uuid, Option<i64>)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT id, filled_at FROM connect_packages WHERE application_id = $1 AND code_hash = $2{lock}"
                )))
                .bind(application_id.as_uuid())
                .bind(code_hash.0.to_vec())
                .fetch_optional(&mut *tx)
                .await?;
                let (id, filled_at) = row.ok_or(StoreError::UnknownIdentityCode)?;
                if filled_at.is_some() {
                    return Err(StoreError::ConnectPackageExists);
                }
                sqlx::query(
                    "UPDATE connect_packages SET friendly_name = $1, question = $2, external_id = $3, \
                     parameters_xml = $4, ciphertext = $5, filled_at = $6 WHERE id = $7",
                )
                .bind(&contents.friendly_name)
                .bind(&contents.question)
                .bind(&contents.external_id)
                .bind(&contents.parameters_xml)
                .bind(&contents.ciphertext)
                .bind(micros(contents.created_at))
                .bind(id)
                .execute(&mut *tx)
                .await?;
                attach_blobs!(tx, application_id, id, streamed_blobs);
                Ok(ConnectPackageId::from_uuid(id))
            }
            .await
        })
    }

    async fn connect_package_by_code(&self, code_hash: TokenHash) -> StoreResult<Option<ConnectPackage>> {
        let row: Option<PackageRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {PACKAGE_COLUMNS} FROM connect_packages WHERE code_hash = $1"
            )))
            .bind(code_hash.0.to_vec())
            .fetch_optional(pool)
            .await
        })?;
        row.map(ConnectPackage::try_from).transpose()
    }

    async fn record_wrong_package_answer(&self, id: ConnectPackageId) -> StoreResult<u32> {
        count_wrong_answer(self, "connect_packages", "id", id.as_uuid()).await
    }

    async fn pick_up_connect_package(
        &self,
        id: ConnectPackageId,
        pickup: &PackagePickup,
    ) -> StoreResult<Vec<ThingKey>> {
        let result: StoreResult<(Vec<ThingKey>, usize)> = in_write_transaction!(&self.db, |tx, lock| {
            async {
                let row: Option<PackageRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {PACKAGE_COLUMNS} FROM connect_packages WHERE id = $1{lock}"
                )))
                .bind(id.as_uuid())
                .fetch_optional(&mut *tx)
                .await?;
                let package =
                    row.map(ConnectPackage::try_from).transpose()?.ok_or(StoreError::ConnectItemUnavailable)?;
                if package.status_at(pickup.picked_up_at) != PackageStatus::Pending {
                    return Err(StoreError::ConnectItemUnavailable);
                }
                // The ciphertext has served its purpose; only the fact of the pickup stays.
                sqlx::query(
                    "UPDATE connect_packages SET picked_up_at = $1, picked_up_record_id = $2, ciphertext = NULL, \
                     failed_attempts = 0 WHERE id = $3",
                )
                .bind(micros(pickup.picked_up_at))
                .bind(pickup.record_id.as_uuid())
                .bind(id.as_uuid())
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM connect_package_blobs WHERE package_id = $1")
                    .bind(id.as_uuid())
                    .execute(&mut *tx)
                    .await?;
                for (blob, content, hash) in &pickup.blobs {
                    if blob.record_id != pickup.record_id {
                        return Err(StoreError::MissingReference(format!(
                            "blob {} is for record {}, not {}",
                            blob.id, blob.record_id, pickup.record_id
                        )));
                    }
                    insert_complete_blob!(tx, blob, content, hash);
                }
                let written = write_changes!(tx, lock, pickup.record_id, &pickup.changes)?;
                Ok(written)
            }
            .await
        });
        let (keys, queued) = result?;
        if queued > 0 {
            self.signal_outbox();
        }
        Ok(keys)
    }

    async fn begin_package_blob(&self, upload: &PackageBlobUpload, upload_token_hash: TokenHash) -> StoreResult<()> {
        on_db!(&self.db, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO connect_package_blobs ({PACKAGE_BLOB_COLUMNS}, upload_token_hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            )))
            .bind(upload.id.as_uuid())
            .bind(upload.application_id.as_uuid())
            .bind(upload.package_id.map(ConnectPackageId::as_uuid))
            .bind(upload.complete)
            .bind(to_i64(upload.length)?)
            .bind(micros(upload.upload_expires_at))
            .bind(micros(upload.created_at))
            .bind(upload_token_hash.0.to_vec())
            .execute(pool)
            .await
            .map_err(|error| missing_application(error, upload.application_id))
            .map(|_| ())
        })
    }

    async fn package_blob_for_upload(&self, upload_token_hash: TokenHash) -> StoreResult<Option<PackageBlobUpload>> {
        let row: Option<PackageBlobRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {PACKAGE_BLOB_COLUMNS} FROM connect_package_blobs WHERE upload_token_hash = $1"
            )))
            .bind(upload_token_hash.0.to_vec())
            .fetch_optional(pool)
            .await
        })?;
        row.map(PackageBlobUpload::try_from).transpose()
    }

    async fn append_package_blob_chunk(&self, id: BlobId, start: u64, content: &[u8]) -> StoreResult<u64> {
        append_chunk(self, ChunkTables::PACKAGE_BLOBS, id, start, content).await
    }

    async fn complete_package_blob(&self, id: BlobId) -> StoreResult<()> {
        let updated = on_db!(&self.db, |pool| {
            sqlx::query("UPDATE connect_package_blobs SET complete = $1 WHERE id = $2 AND complete = $3")
                .bind(true)
                .bind(id.as_uuid())
                .bind(false)
                .execute(pool)
                .await
                .map(|result| result.rows_affected())
        })?;
        if updated == 0 {
            return Err(StoreError::BlobComplete(id));
        }
        Ok(())
    }

    async fn package_blob_content(
        &self,
        package_id: ConnectPackageId,
        upload_token_hash: TokenHash,
    ) -> StoreResult<Option<Vec<u8>>> {
        let chunks: Vec<(i64, Vec<u8>)> = on_db!(&self.db, |pool| {
            sqlx::query_as(
                "SELECT c.start_offset, c.content FROM connect_package_blob_chunks c \
                 JOIN connect_package_blobs b ON b.id = c.blob_id \
                 WHERE b.package_id = $1 AND b.upload_token_hash = $2 AND b.complete = $3 ORDER BY c.start_offset",
            )
            .bind(package_id.as_uuid())
            .bind(upload_token_hash.0.to_vec())
            .bind(true)
            .fetch_all(pool)
            .await
        })?;
        if chunks.is_empty() {
            // An empty upload has no chunks: tell it apart from no blob at all.
            let exists: Option<i64> = on_db!(&self.db, |pool| {
                sqlx::query_scalar(
                    "SELECT length FROM connect_package_blobs WHERE package_id = $1 AND upload_token_hash = $2 AND complete = $3",
                )
                .bind(package_id.as_uuid())
                .bind(upload_token_hash.0.to_vec())
                .bind(true)
                .fetch_optional(pool)
                .await
            })?;
            return Ok(exists.map(|_| Vec::new()));
        }
        Ok(Some(chunks.into_iter().flat_map(|(_, content)| content).collect()))
    }

    async fn delete_pending_connect_packages(
        &self,
        application_id: ApplicationId,
        lookup: ConnectLookup<'_>,
    ) -> StoreResult<u64> {
        let (condition, value) = lookup_condition(lookup);
        let deleted = on_db!(&self.db, |pool| {
            bind_lookup!(
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DELETE FROM connect_packages WHERE application_id = $1 AND {condition} AND picked_up_at IS NULL"
                )))
                .bind(application_id.as_uuid()),
                &value
            )
            .execute(pool)
            .await
            .map(|result| result.rows_affected())
        })?;
        Ok(deleted)
    }

    async fn delete_expired_connect_items(&self, now: OffsetDateTime) -> StoreResult<u64> {
        in_write_transaction!(&self.db, |tx, _lock| {
            async {
                sqlx::query(
                    "DELETE FROM connect_validations WHERE request_id IN \
                     (SELECT id FROM connect_requests WHERE expires_at <= $1)",
                )
                .bind(micros(now))
                .execute(&mut *tx)
                .await?;
                let requests = sqlx::query("DELETE FROM connect_requests WHERE expires_at <= $1")
                    .bind(micros(now))
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                let packages = sqlx::query("DELETE FROM connect_packages WHERE expires_at <= $1")
                    .bind(micros(now))
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                // Uploads no package named before their URL expired can never be used.
                let uploads = sqlx::query(
                    "DELETE FROM connect_package_blobs WHERE package_id IS NULL AND upload_expires_at <= $1",
                )
                .bind(micros(now))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                Ok(requests + packages + uploads)
            }
            .await
        })
    }
}

/// A foreign-key failure on insert means the application is not registered.
fn missing_application(error: sqlx::Error, application_id: ApplicationId) -> StoreError {
    match error {
        sqlx::Error::Database(database_error) if database_error.is_foreign_key_violation() => {
            StoreError::MissingReference(format!("application {application_id} does not exist"))
        }
        other => StoreError::Database(other),
    }
}
