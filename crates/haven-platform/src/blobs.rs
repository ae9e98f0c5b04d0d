//! Blob streaming at `/streaming/wildcatblob.ashx`: chunked uploads to the URL BeginPutBlob
//! returned (POST with `Content-Range`, the last with `x-hv-blob-complete: 1`) and downloads
//! from the expiring URLs GetThings returns (GET). These are plain HTTP, not the XML
//! protocol: failures answer with HTTP status codes and a one-line text body.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use haven_domain::blob::{BLOB_CHUNK_BYTES, BLOB_READ_TOKEN_LIFETIME, MAX_BLOB_BYTES, StoredBlob};
use haven_domain::ids::BlobId;
use haven_store::{Store, StoreError};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::crypto::{new_token, token_hash};
use crate::error::PlatformError;

/// Where blobs stream, below the Platform's root URL.
pub(crate) const STREAMING_PATH: &str = "streaming/wildcatblob.ashx";

/// The header that marks the last chunk of an upload.
const COMPLETE_HEADER: &str = "x-hv-blob-complete";

/// The streaming routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route(&format!("/{STREAMING_PATH}"), post(upload).get(download))
}

/// The `SHA256Block` hash: SHA-256 over the concatenated SHA-256 hashes of each
/// [`BLOB_CHUNK_BYTES`] block of `content` (an empty blob has no block: the hash of nothing).
pub(crate) fn sha256_block(content: &[u8]) -> Vec<u8> {
    let mut outer = Sha256::new();
    for block in content.chunks(BLOB_CHUNK_BYTES as usize) {
        outer.update(Sha256::digest(block));
    }
    outer.finalize().to_vec()
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

/// A download URL for a complete blob, valid for [`BLOB_READ_TOKEN_LIFETIME`].
pub(crate) async fn read_url(state: &AppState, blob_id: BlobId) -> Result<String, PlatformError> {
    let (token, hash) = new_token()?;
    let expires_at = state.platform.clock.now() + BLOB_READ_TOKEN_LIFETIME;
    state.platform.store.create_blob_read_token(hash, blob_id, expires_at).await?;
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

/// `POST`: one chunk of an upload; the chunk must start where the blob ends.
async fn upload(
    State(state): State<AppState>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let store: &dyn Store = state.platform.store.as_ref();
    let now = state.platform.clock.now();
    let blob = match store.blob_for_upload(token_hash(&query.token)).await {
        Ok(Some(blob)) if blob.upload_expires_at.is_some_and(|expires_at| now < expires_at) => blob,
        Ok(_) => {
            return refuse(StatusCode::NOT_FOUND, "this upload URL is unknown or has expired; call BeginPutBlob again");
        }
        Err(error) => return server_fault(&error),
    };
    if blob.complete {
        return refuse(StatusCode::CONFLICT, "this blob is complete; call BeginPutBlob for another");
    }
    let start = match range_start(&headers) {
        Ok(start) => start.unwrap_or(blob.length),
        Err(()) => return refuse(StatusCode::BAD_REQUEST, "Content-Range must look like: bytes 0-2097151/*"),
    };
    if start + body.len() as u64 > MAX_BLOB_BYTES {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, format!("a blob may have at most {MAX_BLOB_BYTES} bytes"));
    }
    let length = match store.append_blob_chunk(blob.id, start, &body).await {
        Ok(length) => length,
        Err(StoreError::BlobRangeMismatch { expected, given, .. }) => {
            return refuse(
                StatusCode::CONFLICT,
                format!("the blob has {expected} bytes; the chunk must start there, not at {given}"),
            );
        }
        Err(error) => return server_fault(&error),
    };
    let complete = headers.get(COMPLETE_HEADER).is_some_and(|value| value.as_bytes().trim_ascii() == b"1");
    if complete {
        let content = match store.blob_content(blob.id).await {
            Ok(content) => content,
            Err(error) => return server_fault(&error),
        };
        if let Err(error) = store.complete_blob(blob.id, &sha256_block(&content)).await {
            return server_fault(&error);
        }
    }
    tracing::info!(blob = %blob.id, length, complete, "blob chunk stored");
    StatusCode::OK.into_response()
}

/// `GET`: the whole blob, by a download token.
async fn download(State(state): State<AppState>, Query(query): Query<TokenQuery>) -> Response {
    let store: &dyn Store = state.platform.store.as_ref();
    let now = state.platform.clock.now();
    let blob: StoredBlob = match store.blob_for_read(token_hash(&query.token), now).await {
        Ok(Some(blob)) => blob,
        Ok(None) => {
            return refuse(StatusCode::NOT_FOUND, "this blob URL is unknown or has expired; read the thing again");
        }
        Err(error) => return server_fault(&error),
    };
    match store.blob_content(blob.id).await {
        Ok(content) => (
            [(header::CONTENT_TYPE, "application/octet-stream"), (header::CACHE_CONTROL, "no-store")],
            Body::from(content),
        )
            .into_response(),
        Err(error) => server_fault(&error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_block_hashes_the_block_hashes() {
        let small = b"hello";
        let expected_small = Sha256::digest(Sha256::digest(small)).to_vec();
        assert_eq!(sha256_block(small), expected_small);
        let large = vec![7_u8; BLOB_CHUNK_BYTES as usize + 10];
        let mut outer = Sha256::new();
        outer.update(Sha256::digest(&large[..BLOB_CHUNK_BYTES as usize]));
        outer.update(Sha256::digest(&large[BLOB_CHUNK_BYTES as usize..]));
        assert_eq!(sha256_block(&large), outer.finalize().to_vec());
        assert_eq!(sha256_block(b""), Sha256::digest(b"").to_vec());
    }
}
