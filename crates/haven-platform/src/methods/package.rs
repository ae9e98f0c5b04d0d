//! DOPU's methods in the ConnectPackage group (protocol notes, section 14): AllocatePackageId,
//! CreateConnectPackage (v1 and v2), BeginPutConnectPackageBlob and
//! DeletePendingConnectPackage (v1), application calls about the calling application's own
//! packages. The server never sees the answer: it keeps the package's encryption parameters
//! (the thing's data-xml, as received) and its ciphertext, and the Shell opens it at pickup.
//!
//! Statuses: a package that is not a Password-Protected-Package thing with usable parameters
//! and an inline, non-empty ciphertext is INVALID_PACKAGE_CONTENTS (120), with the package
//! crate's message; a code that names no allocated package of the application (malformed,
//! unknown, another's, or allocated more than four weeks ago) is INVALID_IDENTITY_CODE (74); a
//! package created already is CONNECT_PACKAGE_EXISTS (96). A `blob-in-package-ref-url` that is
//! not a package blob upload of the application is INVALID_BLOB_REF_URL (88); one whose last
//! chunk has not arrived BLOB_TOKEN_NOT_COMPLETED (102); one another package holds
//! BLOB_TOKEN_COMMITTED (101). (PACKAGE_BLOB_NOT_COMMITTED, 112, means a blob whose package
//! does not exist yet is being read, which cannot happen here.) Nothing is stored when a
//! request is refused.

use haven_domain::blob::{BLOB_CHUNK_BYTES, BLOB_HASH_ALGORITHM, BLOB_UPLOAD_TOKEN_LIFETIME};
use haven_domain::connect::{ConnectPackage, ConnectPackageId, IdentityCode, PackageContents, PackageStatus};
use haven_domain::ids::BlobId;
use haven_domain::session::TokenHash;
use haven_domain::thing_type::PASSWORD_PROTECTED_PACKAGE;
use haven_package::{BLOB_CHUNK_LEN, ENCRYPTED_BLOB_CHUNK_LEN, PackageError, PackageParameters};
use haven_store::PackageBlobUpload;
use haven_wire::methods::allocate_package_id::{AllocatePackageIdRequest, AllocatePackageIdResponse};
use haven_wire::methods::begin_put_connect_package_blob::{
    BeginPutConnectPackageBlobRequest, BeginPutConnectPackageBlobResponse, PackageBlobChunkEncryption,
};
use haven_wire::methods::create_connect_package::{CreateConnectPackageRequest, CreateConnectPackageResponse};
use haven_wire::methods::delete_pending_connect_package::DeletePendingConnectPackageRequest;
use haven_wire::{Request, Response};
use time::OffsetDateTime;

use super::connect::{check_texts, connect_lookup, new_identity_code, parse_identity_code};
use crate::AppState;
use crate::auth::AuthenticatedCall;
use crate::blobs::{blob_url, token_of_url};
use crate::crypto::{new_token, token_hash};
use crate::error::PlatformError;
use crate::limits::MAX_PACKAGE_BLOB_BYTES;

/// A blob chunk's length before encryption, as BeginPutConnectPackageBlob announces it.
const PRE_ENCRYPTION_CHUNK_SIZE: u32 = BLOB_CHUNK_LEN as u32;

/// A full blob chunk's length after encryption.
const POST_ENCRYPTION_CHUNK_SIZE: u32 = ENCRYPTED_BLOB_CHUNK_LEN as u32;

/// AllocatePackageId: reserves a code for a package the application creates later.
pub(crate) async fn allocate(
    state: &AppState,
    request: &Request<'_>,
    call: &AuthenticatedCall,
) -> Result<Response, PlatformError> {
    AllocatePackageIdRequest::from_request(request)?;
    let code = new_identity_code()?;
    let package = new_package(call, &code, state.platform.clock.now(), None);
    state.platform.store.create_connect_package(&package, &[]).await?;
    tracing::info!(application = %call.application.id, package = %package.id, "connect package id allocated");
    Ok(Response::ok(AllocatePackageIdResponse { identity_code: code.as_str().to_owned() }.to_info()))
}

/// CreateConnectPackage (v1 and v2): fills the allocated package named by `identity-code`,
/// or creates one with a new code, attaching the streamed blobs it lists.
pub(crate) async fn create(
    state: &AppState,
    request: &Request<'_>,
    call: &AuthenticatedCall,
) -> Result<Response, PlatformError> {
    let parameters = CreateConnectPackageRequest::from_request(request)?;
    check_texts(&parameters.friendly_name, &parameters.question, None, &parameters.external_id)?;
    let (parameters_xml, ciphertext) = package_contents(&parameters)?;
    let code = parameters.identity_code.as_deref().map(parse_identity_code).transpose()?;
    let streamed_blobs = streamed_blob_hashes(state, call, &parameters.streamed_blob_urls).await?;
    let now = state.platform.clock.now();
    let contents = PackageContents {
        friendly_name: parameters.friendly_name,
        question: parameters.question,
        external_id: parameters.external_id,
        parameters_xml,
        ciphertext,
        created_at: now,
    };
    let store = &state.platform.store;
    let (code, package_id) = match code {
        Some(code) => {
            refuse_expired_allocation(state, call, &code, now).await?;
            let package_id =
                store.fill_connect_package(call.application.id, code.hash(), &contents, &streamed_blobs).await?;
            (code, package_id)
        }
        None => {
            let code = new_identity_code()?;
            let package = new_package(call, &code, now, Some(contents));
            store.create_connect_package(&package, &streamed_blobs).await?;
            (code, package.id)
        }
    };
    tracing::info!(
        application = %call.application.id,
        package = %package_id,
        streamed_blobs = streamed_blobs.len(),
        "connect package created"
    );
    Ok(Response::ok(CreateConnectPackageResponse { identity_code: code.as_str().to_owned() }.to_info()))
}

/// BeginPutConnectPackageBlob: a new upload URL for one encrypted blob of a thing inside a
/// package, usable for [`BLOB_UPLOAD_TOKEN_LIFETIME`].
pub(crate) async fn begin_blob(
    state: &AppState,
    request: &Request<'_>,
    call: &AuthenticatedCall,
) -> Result<Response, PlatformError> {
    BeginPutConnectPackageBlobRequest::from_request(request)?;
    let (token, upload_token_hash) = new_token()?;
    let now = state.platform.clock.now();
    let upload = PackageBlobUpload {
        id: BlobId::from_uuid(uuid::Uuid::new_v4()),
        application_id: call.application.id,
        package_id: None,
        complete: false,
        length: 0,
        upload_expires_at: now + BLOB_UPLOAD_TOKEN_LIFETIME,
        created_at: now,
    };
    state.platform.store.begin_package_blob(&upload, upload_token_hash).await?;
    let response = BeginPutConnectPackageBlobResponse {
        blob_ref_url: blob_url(state, &token)?,
        chunk_encryption: PackageBlobChunkEncryption::Aes256,
        pre_encryption_chunk_size: PRE_ENCRYPTION_CHUNK_SIZE,
        post_encryption_chunk_size: POST_ENCRYPTION_CHUNK_SIZE,
        max_blob_size: MAX_PACKAGE_BLOB_BYTES,
        hash_algorithm: BLOB_HASH_ALGORITHM.to_owned(),
        hash_block_size: Some(BLOB_CHUNK_BYTES),
    };
    Ok(Response::ok(response.to_info()))
}

/// DeletePendingConnectPackage: deletes the application's packages not yet picked up with this
/// code or external id. None is INVALID_IDENTITY_CODE (74).
pub(crate) async fn delete_pending(
    state: &AppState,
    request: &Request<'_>,
    call: &AuthenticatedCall,
) -> Result<Response, PlatformError> {
    let parameters = DeletePendingConnectPackageRequest::from_request(request)?;
    let lookup = connect_lookup(&parameters.package)?;
    let deleted = state.platform.store.delete_pending_connect_packages(call.application.id, lookup).await?;
    if deleted == 0 {
        return Err(PlatformError::InvalidIdentityCode(
            "the application has no package waiting for pickup with this identity code or external id".to_owned(),
        ));
    }
    tracing::info!(application = %call.application.id, deleted, "pending connect packages deleted");
    Ok(Response::ok_without_info())
}

fn new_package(
    call: &AuthenticatedCall,
    code: &IdentityCode,
    now: OffsetDateTime,
    contents: Option<PackageContents>,
) -> ConnectPackage {
    ConnectPackage {
        id: ConnectPackageId::from_uuid(uuid::Uuid::new_v4()),
        application_id: call.application.id,
        code_hash: code.hash(),
        created_at: now,
        contents,
        failed_attempts: 0,
        picked_up: None,
    }
}

/// The package thing's data-xml (as received) and ciphertext, once checked: the thing is a
/// Password-Protected-Package whose parameters the package crate reads (an encrypting
/// algorithm, a salt, an iteration count and key length in range), and its ciphertext, the
/// default blob sent inline (v1's `data-other`, or v2's unnamed `blob-payload` blob), is a
/// non-empty whole number of the cipher's blocks.
fn package_contents(parameters: &CreateConnectPackageRequest) -> Result<(String, Vec<u8>), PlatformError> {
    let invalid = |message: String| PlatformError::InvalidPackageContents(message);
    let thing = parameters.package()?;
    if thing.draft.type_id != PASSWORD_PROTECTED_PACKAGE {
        return Err(invalid(format!(
            "the package must be a Password-Protected-Package thing (type-id {PASSWORD_PROTECTED_PACKAGE}), not a thing of type {}",
            thing.draft.type_id
        )));
    }
    let package_parameters =
        PackageParameters::from_data_xml(&thing.draft.data_xml).map_err(|error| invalid(error.to_string()))?;
    if !thing.blob_references.is_empty() {
        return Err(invalid(
            "the package's ciphertext must be sent inline (data-other or base64data), not by blob-ref-url".to_owned(),
        ));
    }
    let ciphertext =
        thing.inline_blobs.into_iter().find(|blob| blob.name.is_empty()).map(|blob| blob.bytes).unwrap_or_default();
    if ciphertext.is_empty() {
        return Err(invalid(PackageError::EmptyCiphertext.to_string()));
    }
    let block_len = package_parameters.algorithm.block_len();
    if ciphertext.len() % block_len != 0 {
        return Err(invalid(
            PackageError::CiphertextNotBlockAligned { length: ciphertext.len(), block_len }.to_string(),
        ));
    }
    Ok((thing.draft.data_xml, ciphertext))
}

/// A code sent to CreateConnectPackage whose allocation's four weeks are over names nothing
/// usable: the package would expire as it is created.
async fn refuse_expired_allocation(
    state: &AppState,
    call: &AuthenticatedCall,
    code: &IdentityCode,
    now: OffsetDateTime,
) -> Result<(), PlatformError> {
    let package = state.platform.store.connect_package_by_code(code.hash()).await?;
    if package.is_some_and(|package| {
        package.application_id == call.application.id
            && package.contents.is_none()
            && package.status_at(now) == PackageStatus::Expired
    }) {
        return Err(PlatformError::InvalidIdentityCode(
            "this package id was allocated more than four weeks ago and has expired; allocate another".to_owned(),
        ));
    }
    Ok(())
}

/// The upload token hashes of the `blob-in-package-ref-url`s, each checked to be a complete
/// package blob upload of this application that no package holds yet. The messages number the
/// URLs rather than repeat them, since each carries its upload token.
async fn streamed_blob_hashes(
    state: &AppState,
    call: &AuthenticatedCall,
    urls: &[String],
) -> Result<Vec<TokenHash>, PlatformError> {
    let mut hashes: Vec<TokenHash> = Vec::with_capacity(urls.len());
    for (index, url) in urls.iter().enumerate() {
        let position = index + 1;
        let not_an_upload = || {
            PlatformError::InvalidBlobRefUrl(format!(
                "blob-in-package-ref-url {position} is not a BeginPutConnectPackageBlob URL of this application"
            ))
        };
        let hash = token_of_url(state, url).map(|token| token_hash(&token)).ok_or_else(not_an_upload)?;
        if hashes.contains(&hash) {
            return Err(PlatformError::InvalidBlobRefUrl(format!(
                "blob-in-package-ref-url {position} is listed more than once"
            )));
        }
        let upload = state
            .platform
            .store
            .package_blob_for_upload(hash)
            .await?
            .filter(|upload| upload.application_id == call.application.id)
            .ok_or_else(not_an_upload)?;
        if upload.package_id.is_some() {
            return Err(PlatformError::BlobCommitted(format!(
                "the blob of blob-in-package-ref-url {position} already belongs to another package; upload it again"
            )));
        }
        if !upload.complete {
            return Err(PlatformError::BlobNotCompleted(format!(
                "the upload of blob-in-package-ref-url {position} is not complete: send its last chunk with x-hv-blob-complete: 1"
            )));
        }
        hashes.push(hash);
    }
    Ok(hashes)
}
