//! Blob content in chunks, upload and download tokens.

use async_trait::async_trait;
use haven_domain::access_log::Accessor;
use haven_domain::blob::StoredBlob;
use haven_domain::ids::{ApplicationId, BlobId, PersonId, RecordId};
use haven_domain::session::TokenHash;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{SqlStore, in_write_transaction, on_db};
use crate::error::StoreError;
use crate::rows::{instant, micros, to_i64, to_u64};
use crate::{BlobStore, NewBlob, StoreResult};

const BLOB_COLUMNS: &str = "id, record_id, application_id, complete, length, hash, created_at, upload_expires_at";

#[derive(sqlx::FromRow)]
struct BlobRow {
    id: Uuid,
    record_id: Uuid,
    application_id: Option<Uuid>,
    complete: bool,
    length: i64,
    hash: Option<Vec<u8>>,
    created_at: i64,
    upload_expires_at: Option<i64>,
}

impl TryFrom<BlobRow> for StoredBlob {
    type Error = StoreError;
    fn try_from(row: BlobRow) -> Result<Self, StoreError> {
        Ok(StoredBlob {
            id: BlobId::from_uuid(row.id),
            record_id: RecordId::from_uuid(row.record_id),
            application_id: row.application_id.map(ApplicationId::from_uuid),
            complete: row.complete,
            length: to_u64(row.length)?,
            hash: row.hash,
            created_at: instant(row.created_at)?,
            upload_expires_at: row.upload_expires_at.map(instant).transpose()?,
        })
    }
}

/// A blob found by a download token, with the token's reader (`reader_*` columns).
#[derive(sqlx::FromRow)]
struct ReadRow {
    #[sqlx(flatten)]
    blob: BlobRow,
    reader_person_id: Option<Uuid>,
    reader_application_id: Option<Uuid>,
    reader_avenue: Option<String>,
}

impl ReadRow {
    fn into_read(self) -> Result<(StoredBlob, Option<Accessor>), StoreError> {
        let reader = match self.reader_avenue {
            // Tokens issued before readers were kept have none.
            None => None,
            Some(avenue) => Some(
                Accessor::from_parts(
                    self.reader_person_id.map(PersonId::from_uuid),
                    self.reader_application_id.map(ApplicationId::from_uuid),
                    crate::access_log::avenue(&avenue)?,
                )
                .ok_or_else(|| StoreError::corrupt("a blob read token's reader is incomplete"))?,
            ),
        };
        Ok((StoredBlob::try_from(self.blob)?, reader))
    }
}

pub(crate) fn missing_reference(error: sqlx::Error, what: impl FnOnce() -> String) -> StoreError {
    match error {
        sqlx::Error::Database(database_error) if database_error.is_foreign_key_violation() => {
            StoreError::MissingReference(what())
        }
        other => StoreError::Database(other),
    }
}

/// Inside a write transaction: stores a whole blob (its row, complete, and its content as one
/// chunk). An inline blob of PutThings and a package pickup's blobs go through it.
macro_rules! insert_complete_blob {
    ($tx:ident, $blob:expr, $content:expr, $hash:expr) => {{
        let blob: &$crate::NewBlob = $blob;
        let content: &[u8] = $content;
        sqlx::query(
            "INSERT INTO blobs (id, record_id, application_id, upload_token_hash, upload_expires_at, complete, length, hash, created_at) \
             VALUES ($1, $2, $3, NULL, NULL, $4, $5, $6, $7)",
        )
        .bind(blob.id.as_uuid())
        .bind(blob.record_id.as_uuid())
        .bind(blob.application_id.map(|id| id.as_uuid()))
        .bind(true)
        .bind($crate::rows::to_i64(content.len() as u64)?)
        .bind($hash)
        .bind($crate::rows::micros(blob.created_at))
        .execute(&mut *$tx)
        .await
        .map_err(|error| {
            $crate::blobs::missing_reference(error, || {
                format!("record {} or the application does not exist", blob.record_id)
            })
        })?;
        if !content.is_empty() {
            sqlx::query("INSERT INTO blob_chunks (blob_id, start_offset, content) VALUES ($1, 0, $2)")
                .bind(blob.id.as_uuid())
                .bind(content)
                .execute(&mut *$tx)
                .await?;
        }
    }};
}
pub(crate) use insert_complete_blob;

/// The tables of one kind of chunked upload: record blobs, or packages' streamed blobs.
pub(crate) struct ChunkTables {
    /// The uploads, with `id`, `length` and `complete` columns.
    uploads: &'static str,
    /// Their chunks: `blob_id`, `start_offset`, `content`.
    chunks: &'static str,
}

impl ChunkTables {
    /// `blobs` and `blob_chunks`.
    pub(crate) const RECORD_BLOBS: Self = Self { uploads: "blobs", chunks: "blob_chunks" };
    /// `connect_package_blobs` and `connect_package_blob_chunks`.
    pub(crate) const PACKAGE_BLOBS: Self =
        Self { uploads: "connect_package_blobs", chunks: "connect_package_blob_chunks" };
}

/// Appends `content` at `start` to the upload `id`, in one transaction: `start` must be the
/// upload's current length ([`StoreError::BlobRangeMismatch`]) and the upload not complete
/// ([`StoreError::BlobComplete`]). Returns the new length.
pub(crate) async fn append_chunk(
    store: &SqlStore,
    tables: ChunkTables,
    id: BlobId,
    start: u64,
    content: &[u8],
) -> StoreResult<u64> {
    let ChunkTables { uploads, chunks } = tables;
    in_write_transaction!(&store.db, |tx, lock| {
        async {
            let current: Option<(i64, bool)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT length, complete FROM {uploads} WHERE id = $1{lock}"
            )))
            .bind(id.as_uuid())
            .fetch_optional(&mut *tx)
            .await?;
            let (length, complete) =
                current.ok_or_else(|| StoreError::MissingReference(format!("blob {id} does not exist")))?;
            if complete {
                return Err(StoreError::BlobComplete(id));
            }
            let length = to_u64(length)?;
            if start != length {
                return Err(StoreError::BlobRangeMismatch { blob_id: id, expected: length, given: start });
            }
            if !content.is_empty() {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO {chunks} (blob_id, start_offset, content) VALUES ($1, $2, $3)"
                )))
                .bind(id.as_uuid())
                .bind(to_i64(start)?)
                .bind(content)
                .execute(&mut *tx)
                .await?;
            }
            let new_length = length + content.len() as u64;
            sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE {uploads} SET length = $1 WHERE id = $2")))
                .bind(to_i64(new_length)?)
                .bind(id.as_uuid())
                .execute(&mut *tx)
                .await?;
            Ok(new_length)
        }
        .await
    })
}

#[async_trait]
impl BlobStore for SqlStore {
    async fn begin_blob(
        &self,
        blob: &NewBlob,
        upload_token_hash: TokenHash,
        upload_expires_at: OffsetDateTime,
    ) -> StoreResult<()> {
        on_db!(&self.db, |pool| {
            sqlx::query(
                "INSERT INTO blobs (id, record_id, application_id, upload_token_hash, upload_expires_at, complete, length, hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 0, NULL, $7)",
            )
            .bind(blob.id.as_uuid())
            .bind(blob.record_id.as_uuid())
            .bind(blob.application_id.map(|id| id.as_uuid()))
            .bind(upload_token_hash.0.to_vec())
            .bind(micros(upload_expires_at))
            .bind(false)
            .bind(micros(blob.created_at))
            .execute(pool)
            .await
            .map(|_| ())
        })
        .map_err(|error| missing_reference(error, || format!("record {} or the application does not exist", blob.record_id)))
    }

    async fn blob_for_upload(&self, upload_token_hash: TokenHash) -> StoreResult<Option<StoredBlob>> {
        let row: Option<BlobRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {BLOB_COLUMNS} FROM blobs WHERE upload_token_hash = $1"
            )))
            .bind(upload_token_hash.0.to_vec())
            .fetch_optional(pool)
            .await
        })?;
        row.map(StoredBlob::try_from).transpose()
    }

    async fn append_blob_chunk(&self, blob_id: BlobId, start: u64, content: &[u8]) -> StoreResult<u64> {
        append_chunk(self, ChunkTables::RECORD_BLOBS, blob_id, start, content).await
    }

    async fn complete_blob(&self, blob_id: BlobId, hash: &[u8]) -> StoreResult<()> {
        let updated = on_db!(&self.db, |pool| {
            sqlx::query("UPDATE blobs SET complete = $1, hash = $2 WHERE id = $3 AND complete = $4")
                .bind(true)
                .bind(hash)
                .bind(blob_id.as_uuid())
                .bind(false)
                .execute(pool)
                .await
                .map(|result| result.rows_affected())
        })?;
        if updated == 0 {
            return Err(StoreError::BlobComplete(blob_id));
        }
        Ok(())
    }

    async fn create_complete_blob(&self, blob: &NewBlob, content: &[u8], hash: &[u8]) -> StoreResult<()> {
        in_write_transaction!(&self.db, |tx, _lock| {
            async {
                insert_complete_blob!(tx, blob, content, hash);
                Ok(())
            }
            .await
        })
    }

    async fn blob(&self, blob_id: BlobId) -> StoreResult<Option<StoredBlob>> {
        let row: Option<BlobRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {BLOB_COLUMNS} FROM blobs WHERE id = $1")))
                .bind(blob_id.as_uuid())
                .fetch_optional(pool)
                .await
        })?;
        row.map(StoredBlob::try_from).transpose()
    }

    async fn blob_content(&self, blob_id: BlobId) -> StoreResult<Vec<u8>> {
        let chunks: Vec<Vec<u8>> = on_db!(&self.db, |pool| {
            sqlx::query_scalar("SELECT content FROM blob_chunks WHERE blob_id = $1 ORDER BY start_offset")
                .bind(blob_id.as_uuid())
                .fetch_all(pool)
                .await
        })?;
        Ok(chunks.concat())
    }

    async fn create_blob_read_token(
        &self,
        token_hash: TokenHash,
        blob_id: BlobId,
        reader: Accessor,
        expires_at: OffsetDateTime,
    ) -> StoreResult<()> {
        on_db!(&self.db, |pool| {
            sqlx::query(
                "INSERT INTO blob_read_tokens (token_hash, blob_id, expires_at, reader_person_id, \
                 reader_application_id, reader_avenue) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(token_hash.0.to_vec())
            .bind(blob_id.as_uuid())
            .bind(micros(expires_at))
            .bind(reader.person_id().map(|id| id.as_uuid()))
            .bind(reader.application_id().map(|id| id.as_uuid()))
            .bind(reader.avenue().as_str())
            .execute(pool)
            .await
            .map(|_| ())
        })
        .map_err(|error| missing_reference(error, || format!("blob {blob_id} does not exist")))
    }

    async fn blob_for_read(
        &self,
        token_hash: TokenHash,
        now: OffsetDateTime,
    ) -> StoreResult<Option<(StoredBlob, Option<Accessor>)>> {
        let row: Option<ReadRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {}, blob_read_tokens.reader_person_id, blob_read_tokens.reader_application_id, \
                 blob_read_tokens.reader_avenue \
                 FROM blobs JOIN blob_read_tokens ON blob_read_tokens.blob_id = blobs.id \
                 WHERE blob_read_tokens.token_hash = $1 AND blob_read_tokens.expires_at > $2 AND blobs.complete = $3",
                BLOB_COLUMNS.split(", ").map(|column| format!("blobs.{column}")).collect::<Vec<_>>().join(", ")
            )))
            .bind(token_hash.0.to_vec())
            .bind(micros(now))
            .bind(true)
            .fetch_optional(pool)
            .await
        })?;
        row.map(ReadRow::into_read).transpose()
    }
}
