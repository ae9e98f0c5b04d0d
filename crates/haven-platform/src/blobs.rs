//! Blob streaming at `/streaming/wildcatblob.ashx`: chunked uploads to the URL BeginPutBlob
//! or BeginPutConnectPackageBlob returned (POST with `Content-Range`, the last with
//! `x-hv-blob-complete: 1`) and downloads from the expiring URLs GetThings returns (GET). A
//! package's blobs are encrypted and only the Shell reads them, at pickup: they have no
//! download URL. These are plain HTTP, not the XML protocol: failures answer with HTTP
//! status codes and a one-line text body. A download URL is a bearer token, so it keeps whom
//! GetThings handed it to, and each download is logged in the record's access history as
//! theirs.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use haven_domain::access_log::{AccessKind, Accessor, RecordAccess as AccessLogEntry, RecordAccessId};
use haven_domain::blob::{BLOB_READ_TOKEN_LIFETIME, MAX_BLOB_BYTES, StoredBlob, sha256_block};
use haven_domain::ids::BlobId;
use haven_domain::session::TokenHash;
use haven_store::{PackageBlobUpload, Store, StoreError};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::AppState;
use crate::crypto::{new_token, token_hash};
use crate::error::PlatformError;
use crate::limits::MAX_PACKAGE_BLOB_BYTES;

/// Where blobs stream, below the Platform's root URL.
pub(crate) const STREAMING_PATH: &str = "streaming/wildcatblob.ashx";

/// The header that marks the last chunk of an upload.
const COMPLETE_HEADER: &str = "x-hv-blob-complete";

/// The streaming routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route(&format!("/{STREAMING_PATH}"), post(upload).get(download))
}

/// The URL that names a blob by `token`, below this instance's Platform.
pub(crate) fn blob_url(state: &AppState, token: &str) -> Result<String, PlatformError> {
    let instance = state
        .platform
        .topology
        .instance(&state.platform.instance_id)
        .ok_or_else(|| PlatformError::NotImplemented("this instance is missing from the topology".to_owned()))?;
    let mut url = instance.platform_url.join(STREAMING_PATH).map_err(|error| {
        PlatformError::NotImplemented(format!("the Platform URL cannot take the streaming path: {error}"))
    })?;
    url.query_pairs_mut().append_pair("blob-ref-token", token);
    Ok(url.to_string())
}

/// The token of a URL made by [`blob_url`], if it is one of this instance's.
pub(crate) fn token_of_url(state: &AppState, url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    let instance = state.platform.topology.instance(&state.platform.instance_id)?;
    let expected = instance.platform_url.join(STREAMING_PATH).ok()?;
    if parsed.path() != expected.path() {
        return None;
    }
    parsed.query_pairs().find(|(name, _)| name == "blob-ref-token").map(|(_, value)| value.into_owned())
}

/// A download URL for a complete blob, valid for [`BLOB_READ_TOKEN_LIFETIME`], handed to
/// `reader` (whom its downloads are logged for).
pub(crate) async fn read_url(state: &AppState, blob_id: BlobId, reader: Accessor) -> Result<String, PlatformError> {
    let (token, hash) = new_token()?;
    let expires_at = state.platform.clock.now() + BLOB_READ_TOKEN_LIFETIME;
    state.platform.store.create_blob_read_token(hash, blob_id, reader, expires_at).await?;
    blob_url(state, &token)
}

#[derive(Deserialize)]
struct TokenQuery {
    #[serde(rename = "blob-ref-token")]
    token: String,
}

fn refuse(status: StatusCode, message: impl Into<String>) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], message.into()).into_response()
}

fn server_fault(error: &StoreError) -> Response {
    let reference = uuid::Uuid::new_v4().simple().to_string();
    tracing::error!(%error, reference, "blob streaming failed on the server side");
    refuse(StatusCode::INTERNAL_SERVER_ERROR, format!("the server could not store the blob (reference {reference})"))
}

/// The start offset of a `Content-Range: bytes START-END/TOTAL` (or `/*`) header; `Err`
/// when the header is there but unreadable. Only the start matters: the chunk's length is
/// the body's (the documented example's end offsets are not consistent).
fn range_start(headers: &HeaderMap) -> Result<Option<u64>, ()> {
    let Some(value) = headers.get(header::CONTENT_RANGE) else { return Ok(None) };
    let text = value.to_str().map_err(|_| ())?.trim();
    let range = text.strip_prefix("bytes").ok_or(())?.trim();
    let start = range.split('-').next().ok_or(())?.trim();
    start.parse().map(Some).map_err(|_| ())
}

/// An upload in progress: of a record's blob (BeginPutBlob) or of a package's
/// (BeginPutConnectPackageBlob, encrypted chunks). Both take chunks the same way.
enum Upload {
    Record(StoredBlob),
    Package(PackageBlobUpload),
}

impl Upload {
    /// The upload whose token hashes to `upload_token_hash`, a record's or a package's.
    async fn find(store: &dyn Store, upload_token_hash: TokenHash) -> Result<Option<Self>, StoreError> {
        if let Some(blob) = store.blob_for_upload(upload_token_hash).await? {
            return Ok(Some(Self::Record(blob)));
        }
        Ok(store.package_blob_for_upload(upload_token_hash).await?.map(Self::Package))
    }

    fn id(&self) -> BlobId {
        match self {
            Self::Record(blob) => blob.id,
            Self::Package(upload) => upload.id,
        }
    }

    /// Bytes received so far.
    fn length(&self) -> u64 {
        match self {
            Self::Record(blob) => blob.length,
            Self::Package(upload) => upload.length,
        }
    }

    fn is_complete(&self) -> bool {
        match self {
            Self::Record(blob) => blob.complete,
            Self::Package(upload) => upload.complete,
        }
    }

    /// Whether the upload URL may still be used at `now`.
    fn is_open_at(&self, now: OffsetDateTime) -> bool {
        match self {
            Self::Record(blob) => blob.upload_expires_at.is_some_and(|expires_at| now < expires_at),
            Self::Package(upload) => now < upload.upload_expires_at,
        }
    }

    /// The most bytes it may reach: a package's chunks are larger once encrypted.
    fn max_bytes(&self) -> u64 {
        match self {
            Self::Record(_) => MAX_BLOB_BYTES,
            Self::Package(_) => MAX_PACKAGE_BLOB_BYTES,
        }
    }

    /// The method that starts another upload of this kind.
    fn begin_method(&self) -> &'static str {
        match self {
            Self::Record(_) => "BeginPutBlob",
            Self::Package(_) => "BeginPutConnectPackageBlob",
        }
    }

    async fn append(&self, store: &dyn Store, start: u64, content: &[u8]) -> Result<u64, StoreError> {
        match self {
            Self::Record(blob) => store.append_blob_chunk(blob.id, start, content).await,
            Self::Package(upload) => store.append_package_blob_chunk(upload.id, start, content).await,
        }
    }

    /// Marks the upload complete: a record's blob with its `SHA256Block` hash, a package's
    /// without one (its content is encrypted; the things inside the package carry the hashes).
    async fn complete(&self, store: &dyn Store) -> Result<(), StoreError> {
        match self {
            Self::Record(blob) => {
                let content = store.blob_content(blob.id).await?;
                store.complete_blob(blob.id, &sha256_block(&content)).await
            }
            Self::Package(upload) => store.complete_package_blob(upload.id).await,
        }
    }
}

/// `POST`: one chunk of an upload; the chunk must start where the blob ends.
async fn upload(
    State(state): State<AppState>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let store: &dyn Store = state.platform.store.as_ref();
    let now = state.platform.clock.now();
    let upload = match Upload::find(store, token_hash(&query.token)).await {
        Ok(Some(upload)) if upload.is_open_at(now) => upload,
        Ok(_) => {
            return refuse(
                StatusCode::NOT_FOUND,
                "this upload URL is unknown or has expired; call BeginPutBlob (or BeginPutConnectPackageBlob) again",
            );
        }
        Err(error) => return server_fault(&error),
    };
    let complete_refusal =
        || refuse(StatusCode::CONFLICT, format!("this blob is complete; call {} for another", upload.begin_method()));
    if upload.is_complete() {
        return complete_refusal();
    }
    let start = match range_start(&headers) {
        Ok(start) => start.unwrap_or(upload.length()),
        Err(()) => return refuse(StatusCode::BAD_REQUEST, "Content-Range must look like: bytes 0-2097151/*"),
    };
    let max_bytes = upload.max_bytes();
    if start + body.len() as u64 > max_bytes {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, format!("this blob may have at most {max_bytes} bytes"));
    }
    let length = match upload.append(store, start, &body).await {
        Ok(length) => length,
        Err(StoreError::BlobRangeMismatch { expected, given, .. }) => {
            return refuse(
                StatusCode::CONFLICT,
                format!("the blob has {expected} bytes; the chunk must start there, not at {given}"),
            );
        }
        Err(StoreError::BlobComplete(_)) => return complete_refusal(),
        Err(error) => return server_fault(&error),
    };
    let complete = headers.get(COMPLETE_HEADER).is_some_and(|value| value.as_bytes().trim_ascii() == b"1");
    if complete {
        match upload.complete(store).await {
            Ok(()) => {}
            Err(StoreError::BlobComplete(_)) => return complete_refusal(),
            Err(error) => return server_fault(&error),
        }
    }
    tracing::info!(blob = %upload.id(), length, complete, "blob chunk stored");
    StatusCode::OK.into_response()
}

/// `GET`: the whole blob, by a download token; logged as a Read of the blob's record by the
/// token's reader once the content is read (tokens issued before readers were kept are not
/// logged: they expire within [`BLOB_READ_TOKEN_LIFETIME`] of the upgrade).
async fn download(State(state): State<AppState>, Query(query): Query<TokenQuery>) -> Response {
    let store: &dyn Store = state.platform.store.as_ref();
    let now = state.platform.clock.now();
    let (blob, reader) = match store.blob_for_read(token_hash(&query.token), now).await {
        Ok(Some(found)) => found,
        Ok(None) => {
            return refuse(StatusCode::NOT_FOUND, "this blob URL is unknown or has expired; read the thing again");
        }
        Err(error) => return server_fault(&error),
    };
    let content = match store.blob_content(blob.id).await {
        Ok(content) => content,
        Err(error) => return server_fault(&error),
    };
    if let Some(reader) = reader {
        let entry = AccessLogEntry::new(
            RecordAccessId::from_uuid(uuid::Uuid::new_v4()),
            blob.record_id,
            now,
            reader,
            AccessKind::Read,
            "blob download",
        );
        state.platform.access_log.log(entry).await;
    }
    ([(header::CONTENT_TYPE, "application/octet-stream"), (header::CACHE_CONTROL, "no-store")], Body::from(content))
        .into_response()
}
