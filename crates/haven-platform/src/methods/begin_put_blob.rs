//! BeginPutBlob (v1): an upload URL for a blob of the call's record. It is logged as a Write
//! in the record's access history (the chunks then sent to the URL are not logged one by
//! one; the PutThings that attaches the blob is).

use haven_domain::access_log::AccessKind;
use haven_domain::blob::{BLOB_CHUNK_BYTES, BLOB_HASH_ALGORITHM, BLOB_UPLOAD_TOKEN_LIFETIME, MAX_BLOB_BYTES};
use haven_domain::ids::BlobId;
use haven_store::NewBlob;
use haven_wire::methods::begin_put_blob::BeginPutBlobResponse;
use haven_wire::{Request, Response};

use crate::AppState;
use crate::auth::AuthenticatedCall;
use crate::blobs::blob_url;
use crate::crypto::new_token;
use crate::error::PlatformError;
use crate::record_access::RecordAccess;

pub(crate) async fn handle(
    state: &AppState,
    request: &Request<'_>,
    call: &AuthenticatedCall,
) -> Result<Response, PlatformError> {
    let access = RecordAccess::resolve(state, request, call).await?;
    // A blob is only attached by a write, so an application that may write nothing here (a
    // view-only share, a read-only grant) gets no upload URL.
    if !access.may_write_any_type() {
        return Err(PlatformError::AccessDenied(
            "the application may not create or update anything in this record, so it cannot upload a blob".to_owned(),
        ));
    }
    let (token, token_hash) = new_token()?;
    let blob = NewBlob {
        id: BlobId::from_uuid(uuid::Uuid::new_v4()),
        record_id: access.record.id,
        application_id: Some(call.application.id),
        created_at: access.now,
    };
    state.platform.store.begin_blob(&blob, token_hash, access.now + BLOB_UPLOAD_TOKEN_LIFETIME).await?;
    let response = BeginPutBlobResponse {
        blob_ref_url: blob_url(state, &token)?,
        chunk_size: BLOB_CHUNK_BYTES,
        max_blob_size: MAX_BLOB_BYTES,
        hash_algorithm: BLOB_HASH_ALGORITHM.to_owned(),
        hash_block_size: BLOB_CHUNK_BYTES,
    };
    access.log(state, AccessKind::Write, "BeginPutBlob", [], 0).await;
    Ok(Response::ok(response.to_info()))
}
