//! The ConnectPackage method group's calls: Patient Connect (CreateConnectRequest,
//! GetAuthorizedConnectRequests, DeletePendingConnectRequest), DOPU packages
//! (AllocatePackageId, CreateConnectPackage, BeginPutConnectPackageBlob,
//! DeletePendingConnectPackage) and UpdateExternalId, which serves both. An application makes
//! them by itself ([`CallAs::Application`]), in the instance where the person's account lives
//! (ask SelectInstance first); it needs the ConnectPackage method group.
//!
//! Identity codes are secrets meant for the person alone; they are returned as strings.
//!
//! A DOPU package is encrypted here, on the application's side, with a key derived from the
//! answer, which never reaches the Platform: [`PackageEncryption`] makes the parameters (a fresh
//! random salt) and the key, [`Connection::put_connect_package_blob`] streams a blob of a thing
//! inside the package encrypted chunk by chunk with that key, and [`PackageEncryption::seal`]
//! encrypts the things into the Password-Protected-Package thing CreateConnectPackage sends.
//!
//! ```no_run
//! # async fn example(connection: haven_sdk::Connection, things: Vec<haven_wire::thing_xml::SubmittedThing>)
//! # -> Result<(), haven_sdk::SdkError> {
//! use haven_sdk::PackageEncryption;
//! use haven_wire::methods::create_connect_package::CreateConnectPackageRequest;
//! let encryption = PackageEncryption::new("Rex the dog")?;
//! let sealed = encryption.seal(&things)?;
//! let request = CreateConnectPackageRequest {
//!     version: 2,
//!     identity_code: None,
//!     friendly_name: "Lab results for Jane".to_owned(),
//!     question: "Your first pet's name?".to_owned(),
//!     external_id: "patient-17".to_owned(),
//!     package_xml: sealed.package_xml(2),
//!     streamed_blob_urls: Vec::new(),
//! };
//! let identity_code = connection.create_connect_package(&request).await?;
//! # Ok(()) }
//! ```

use std::time::Duration;

use haven_domain::thing::{CommonData, ThingDraft, ThingFlags};
use haven_domain::thing_type::PASSWORD_PROTECTED_PACKAGE;
use haven_package::{BLOB_CHUNK_LEN, PackageKey, PackageParameters};
use haven_wire::base64_text::encode_base64;
use haven_wire::methods::allocate_package_id::{self, AllocatePackageIdRequest, AllocatePackageIdResponse};
use haven_wire::methods::begin_put_connect_package_blob::{
    self, BeginPutConnectPackageBlobRequest, BeginPutConnectPackageBlobResponse,
};
use haven_wire::methods::connect_fields::ConnectItemSelector;
use haven_wire::methods::create_connect_package::{self, CreateConnectPackageRequest, CreateConnectPackageResponse};
use haven_wire::methods::create_connect_request::{self, CreateConnectRequestRequest, CreateConnectRequestResponse};
use haven_wire::methods::delete_pending_connect_package::{self, DeletePendingConnectPackageRequest};
use haven_wire::methods::delete_pending_connect_request::{self, DeletePendingConnectRequestRequest};
use haven_wire::methods::get_authorized_connect_requests::{
    self, AuthorizedConnectRequest, GetAuthorizedConnectRequestsRequest, GetAuthorizedConnectRequestsResponse,
};
use haven_wire::methods::update_external_id::{self, UpdateExternalIdRequest};
use haven_wire::thing_xml::{BlobReference, InlineBlob, SubmittedThing};
use time::OffsetDateTime;
use tokio::io::{AsyncRead, AsyncReadExt};
use zeroize::Zeroizing;

use crate::connection::{CallAs, Connection};
use crate::error::SdkError;

/// Random bytes in a new package's salt, which is their base64 text (64 characters). The
/// documentation suggests a salt as long as the hash's block, 64 bytes for HMAC-SHA256; the
/// text's bytes are what PBKDF2 and the integrity HMAC take.
pub const PACKAGE_SALT_BYTES: usize = 48;

/// The content type of a package's ciphertext, the package thing's default blob.
const CIPHERTEXT_CONTENT_TYPE: &str = "application/octet-stream";

/// The header that marks the last chunk of a blob upload.
const BLOB_COMPLETE_HEADER: &str = "x-hv-blob-complete";

/// How long one chunk's POST may take.
const BLOB_CHUNK_TIMEOUT: Duration = Duration::from_secs(120);

impl Connection {
    /// CreateConnectRequest v1: starts a Patient Connect with `request`'s friendly name,
    /// question, answer and external id, and returns the identity code to give the person,
    /// who enters it at the Shell (`target=CONNECT`) and answers the question. The Platform
    /// refuses a blank question or answer, and a second pending request with the same external
    /// id (DUPLICATE_CONNECT_REQUEST_FOUND).
    pub async fn create_connect_request(&self, request: &CreateConnectRequestRequest) -> Result<String, SdkError> {
        let inner =
            self.call(create_connect_request::METHOD, 1, &CallAs::Application, None, &request.to_info_xml()).await?;
        Ok(CreateConnectRequestResponse::parse_info_xml(&inner)?.identity_code)
    }

    /// GetAuthorizedConnectRequests v1: the connect requests people have validated, each with
    /// the person and the record they authorized the application for; only those authorized
    /// after `since`, if given. The Platform keeps a validated request for 90 days, a window
    /// each retrieval restarts, so poll at least weekly.
    pub async fn authorized_connect_requests(
        &self,
        since: Option<OffsetDateTime>,
    ) -> Result<Vec<AuthorizedConnectRequest>, SdkError> {
        let request = GetAuthorizedConnectRequestsRequest { since };
        let inner = self
            .call(get_authorized_connect_requests::METHOD, 1, &CallAs::Application, None, &request.to_info_xml())
            .await?;
        Ok(GetAuthorizedConnectRequestsResponse::parse_info_xml(&inner)?.connect_requests)
    }

    /// DeletePendingConnectRequest v1: withdraws the connect request with `external_id` that
    /// nobody has validated yet (for example because its identity code was lost); an
    /// authorized one is not deleted.
    pub async fn delete_pending_connect_request(&self, external_id: &str) -> Result<(), SdkError> {
        let request = DeletePendingConnectRequestRequest { external_id: external_id.to_owned() };
        self.call(delete_pending_connect_request::METHOD, 1, &CallAs::Application, None, &request.to_info_xml())
            .await?;
        Ok(())
    }

    /// UpdateExternalId v1: gives the connect request or package that `item` names (by
    /// identity code, or by its current external id) the external id `new_external_id`.
    pub async fn update_external_id(&self, item: &ConnectItemSelector, new_external_id: &str) -> Result<(), SdkError> {
        let request = UpdateExternalIdRequest { item: item.clone(), new_external_id: new_external_id.to_owned() };
        self.call(update_external_id::METHOD, 1, &CallAs::Application, None, &request.to_info_xml()).await?;
        Ok(())
    }

    /// AllocatePackageId v1: reserves an identity code for a DOPU package to be created later
    /// (send it as CreateConnectPackage's `identity_code`), so the person can have the code
    /// before a long upload ends.
    pub async fn allocate_package_id(&self) -> Result<String, SdkError> {
        let request = AllocatePackageIdRequest;
        let inner =
            self.call(allocate_package_id::METHOD, 1, &CallAs::Application, None, &request.to_info_xml()).await?;
        Ok(AllocatePackageIdResponse::parse_info_xml(&inner)?.identity_code)
    }

    /// CreateConnectPackage, in `request.version` (use 2, as the .NET SDK does; version 1
    /// has no `streamed-package-blobs`): drops off the package and returns its identity code,
    /// the one `request.identity_code` reserved if given. The person picks it up once at the
    /// Shell (`target=PICKUP`) within four weeks; the application is not told when. Build
    /// `request.package_xml` with [`CreateConnectPackageRequest::package_xml_of`], and list in
    /// `streamed_blob_urls` every BeginPutConnectPackageBlob URL the package's things use.
    pub async fn create_connect_package(&self, request: &CreateConnectPackageRequest) -> Result<String, SdkError> {
        let inner = self
            .call(create_connect_package::METHOD, request.version, &CallAs::Application, None, &request.to_info_xml())
            .await?;
        Ok(CreateConnectPackageResponse::parse_info_xml(&inner)?.identity_code)
    }

    /// BeginPutConnectPackageBlob v1: an upload URL for one encrypted blob of a thing inside a
    /// DOPU package, with the chunk encryption and sizes to use. POST the chunks to
    /// `blob_ref_url` as for BeginPutBlob, then list the URL in CreateConnectPackage's
    /// `streamed_blob_urls`; [`Connection::put_connect_package_blob`] does all of it.
    pub async fn begin_put_connect_package_blob(&self) -> Result<BeginPutConnectPackageBlobResponse, SdkError> {
        let request = BeginPutConnectPackageBlobRequest;
        let inner = self
            .call(begin_put_connect_package_blob::METHOD, 1, &CallAs::Application, None, &request.to_info_xml())
            .await?;
        Ok(BeginPutConnectPackageBlobResponse::parse_info_xml(&inner)?)
    }

    /// DeletePendingConnectPackage v1: withdraws the package that `package` names by identity
    /// code, or the pending packages with that external id; a package already picked up is not
    /// deleted.
    pub async fn delete_pending_connect_package(&self, package: &ConnectItemSelector) -> Result<(), SdkError> {
        let request = DeletePendingConnectPackageRequest { package: package.clone() };
        self.call(delete_pending_connect_package::METHOD, 1, &CallAs::Application, None, &request.to_info_xml())
            .await?;
        Ok(())
    }

    /// Streams one blob of a thing inside a DOPU package: BeginPutConnectPackageBlob, then
    /// `content` read in the announced pre-encryption chunks, each encrypted on its own with the
    /// package's `key` (see [`PackageEncryption::key`]) and POSTed to the upload URL with its
    /// `Content-Range`, the last one with `x-hv-blob-complete: 1`. Reference the result in the
    /// thing with [`StreamedPackageBlob::reference`] before sealing, and list its URL in
    /// CreateConnectPackage's `streamed_blob_urls`. Nothing unencrypted leaves the process.
    pub async fn put_connect_package_blob(
        &self,
        key: &PackageKey,
        content: impl AsyncRead + Unpin,
    ) -> Result<StreamedPackageBlob, SdkError> {
        let begin = self.begin_put_connect_package_blob().await?;
        let chunk_len = package_chunk_len(&begin, key)?;
        // Building the connection installed the TLS provider this client uses.
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(BLOB_CHUNK_TIMEOUT)
            .build()?;
        let mut content = content;
        let mut chunk = read_chunk(&mut content, chunk_len).await?;
        let (mut length, mut encrypted_length) = (0_u64, 0_u64);
        loop {
            // A full chunk may be followed by nothing: read on to know whether it is the last.
            let next = if chunk.len() == chunk_len { read_chunk(&mut content, chunk_len).await? } else { Vec::new() };
            let last = next.is_empty();
            let encrypted = if chunk.is_empty() { Vec::new() } else { key.encrypt_chunk(&chunk)? };
            let end = encrypted_length + encrypted.len() as u64;
            if end > begin.max_blob_size {
                return Err(SdkError::BlobTooLarge { max: begin.max_blob_size });
            }
            post_blob_chunk(&client, &begin.blob_ref_url, encrypted_length, encrypted, last).await?;
            length += chunk.len() as u64;
            encrypted_length = end;
            if last {
                break;
            }
            chunk = next;
        }
        Ok(StreamedPackageBlob { url: begin.blob_ref_url, length, encrypted_length })
    }
}

/// The chunk length to read a package blob in: the announced pre-encryption size, which a
/// package key must be able to encrypt (at most [`BLOB_CHUNK_LEN`], whole cipher blocks) into
/// the announced post-encryption size (one block of padding more).
fn package_chunk_len(begin: &BeginPutConnectPackageBlobResponse, key: &PackageKey) -> Result<usize, SdkError> {
    let unsupported = |reason| SdkError::UnsupportedBlobChunks {
        pre_encryption: begin.pre_encryption_chunk_size,
        post_encryption: begin.post_encryption_chunk_size,
        reason,
    };
    let chunk_len = begin.pre_encryption_chunk_size as usize;
    let block_len = key.algorithm().block_len();
    if chunk_len > BLOB_CHUNK_LEN {
        return Err(unsupported("a package key encrypts chunks of at most 2,097,152 bytes"));
    }
    if !chunk_len.is_multiple_of(block_len) {
        return Err(unsupported("a chunk must be a whole number of cipher blocks"));
    }
    if begin.post_encryption_chunk_size as usize != chunk_len + block_len {
        return Err(unsupported("an encrypted chunk is one cipher block longer than the chunk"));
    }
    Ok(chunk_len)
}

/// Reads up to `chunk_len` bytes; fewer only at the end of `content`.
async fn read_chunk(content: &mut (impl AsyncRead + Unpin), chunk_len: usize) -> Result<Vec<u8>, SdkError> {
    let mut chunk = Vec::with_capacity(chunk_len);
    content.take(chunk_len as u64).read_to_end(&mut chunk).await.map_err(SdkError::BlobSource)?;
    Ok(chunk)
}

/// POSTs one encrypted chunk that starts at `start` in the encrypted blob. An empty blob is
/// one empty POST that completes it.
async fn post_blob_chunk(
    client: &reqwest::Client,
    url: &str,
    start: u64,
    encrypted: Vec<u8>,
    last: bool,
) -> Result<(), SdkError> {
    let mut request = client.post(url).header(reqwest::header::CONTENT_TYPE, "application/octet-stream");
    if let Some(end) = (start + encrypted.len() as u64).checked_sub(1).filter(|_| !encrypted.is_empty()) {
        request = request.header(reqwest::header::CONTENT_RANGE, format!("bytes {start}-{end}/*"));
    }
    if last {
        request = request.header(BLOB_COMPLETE_HEADER, "1");
    }
    let response = request.body(encrypted).send().await?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let message = response.text().await.unwrap_or_default();
    Err(SdkError::BlobUpload { status: status.as_u16(), message: message.trim().chars().take(500).collect() })
}

/// A blob streamed by [`Connection::put_connect_package_blob`] for a thing inside a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamedPackageBlob {
    /// The `blob-ref-url` the upload went to: the thing's blob names it, and
    /// CreateConnectPackage lists it in `streamed-package-blobs`.
    pub url: String,
    /// The blob's length before encryption, the thing's `content-length`.
    pub length: u64,
    /// The bytes uploaded, encrypted.
    pub encrypted_length: u64,
}

impl StreamedPackageBlob {
    /// The blob as the thing inside the package carries it: `name` ("" for the default blob),
    /// `content_type`, the plain length and the URL. It carries no hash: the Platform only holds
    /// the encrypted chunks, which the person's answer decrypts at pickup.
    pub fn reference(&self, name: &str, content_type: &str) -> BlobReference {
        BlobReference {
            name: name.to_owned(),
            content_type: content_type.to_owned(),
            url: self.url.clone(),
            content_length: Some(self.length),
            hash: None,
        }
    }
}

/// How one DOPU package is encrypted: its parameters (`hmac-sha256-aes256`, 20,000 PBKDF2
/// iterations, a fresh random salt) and the key derived from the answer, which also encrypts the
/// chunks of the package's streamed blobs and then seals the things. The answer itself is not
/// kept and never sent, and the key does not appear in the `Debug` output.
pub struct PackageEncryption {
    parameters: PackageParameters,
    key: PackageKey,
}

impl std::fmt::Debug for PackageEncryption {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("PackageEncryption")
            .field("parameters", &self.parameters)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl PackageEncryption {
    /// The recommended parameters with a salt of [`PACKAGE_SALT_BYTES`] random bytes, and the
    /// key `answer` gives with them. An empty answer is refused (the .NET SDK also refused
    /// answers shorter than six characters; that rule is the caller's).
    pub fn new(answer: &str) -> Result<Self, SdkError> {
        let mut salt = [0_u8; PACKAGE_SALT_BYTES];
        getrandom::fill(&mut salt).map_err(|error| SdkError::Randomness(error.to_string()))?;
        Self::with_parameters(PackageParameters::recommended(encode_base64(&salt)), answer)
    }

    /// The key `answer` gives with `parameters` (for example a test's fixed salt).
    pub fn with_parameters(parameters: PackageParameters, answer: &str) -> Result<Self, SdkError> {
        let key = haven_package::sealing_key(&parameters, answer)?;
        Ok(Self { parameters, key })
    }

    /// The parameters, which the package thing's data-xml carries.
    pub fn parameters(&self) -> &PackageParameters {
        &self.parameters
    }

    /// The key that encrypts the package's streamed blobs.
    pub fn key(&self) -> &PackageKey {
        &self.key
    }

    /// Seals `things` as the package's content (see [`package_things_xml`]).
    pub fn seal(&self, things: &[SubmittedThing]) -> Result<SealedConnectPackage, SdkError> {
        let things_xml = Zeroizing::new(package_things_xml(things));
        self.seal_things_xml(&things_xml)
    }

    /// Seals `things_xml`, a sequence of `<thing>` elements written by the caller (not checked).
    pub fn seal_things_xml(&self, things_xml: &str) -> Result<SealedConnectPackage, SdkError> {
        let ciphertext = haven_package::seal_with_key(&self.key, &self.parameters, things_xml);
        Ok(SealedConnectPackage { parameters: self.parameters.clone(), ciphertext })
    }
}

/// A package's things written as its plaintext: each `<thing>` in thing.xsd's `Thing2` form
/// (what CreateConnectPackage v2 uses; blobs in `blob-payload`, streamed ones by `blob-ref-url`),
/// one after the other. Things are written as given; a package's things are new, so give them
/// no key.
pub fn package_things_xml(things: &[SubmittedThing]) -> String {
    things
        .iter()
        .map(|thing| format!("<thing>{}</thing>", CreateConnectPackageRequest::package_xml_of(2, thing)))
        .collect()
}

/// A sealed package: what CreateConnectPackage carries as its Password-Protected-Package thing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedConnectPackage {
    /// The encryption parameters (the thing's data-xml).
    pub parameters: PackageParameters,
    /// The encrypted things (the thing's default blob).
    pub ciphertext: Vec<u8>,
}

impl SealedConnectPackage {
    /// The Password-Protected-Package thing: the parameters as its data-xml, the ciphertext as
    /// its default inline blob.
    pub fn package_thing(&self) -> SubmittedThing {
        SubmittedThing {
            key: None,
            draft: ThingDraft {
                type_id: PASSWORD_PROTECTED_PACKAGE,
                flags: ThingFlags::default(),
                data_xml: self.parameters.to_data_xml(),
                common: CommonData::default(),
                blobs: Vec::new(),
                updated_end_date: None,
            },
            inline_blobs: vec![InlineBlob {
                name: String::new(),
                content_type: CIPHERTEXT_CONTENT_TYPE.to_owned(),
                bytes: self.ciphertext.clone(),
                hash: None,
            }],
            blob_references: Vec::new(),
            removed_blobs: Vec::new(),
        }
    }

    /// The package thing as CreateConnectPackage's `package` for `version` (1: the ciphertext
    /// as `data-other`; 2: as `blob-payload`).
    pub fn package_xml(&self, version: u32) -> String {
        CreateConnectPackageRequest::package_xml_of(version, &self.package_thing())
    }
}

#[cfg(test)]
mod tests;
