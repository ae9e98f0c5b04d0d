//! What can go wrong in a call.

use haven_domain::topology::InstanceId;
use haven_wire::{StatusCode, WireError};

/// A failed call.
#[derive(Debug, thiserror::Error)]
pub enum SdkError {
    /// The HTTP exchange failed (connection refused, timeout...).
    #[error("HTTP error: {0}")]
    Http(#[from] reqwest::Error),
    /// The server answered with something other than HTTP 200.
    #[error("the server answered HTTP {0}")]
    HttpStatus(u16),
    /// The answer could not be read.
    #[error("unreadable answer: {0}")]
    Wire(#[from] WireError),
    /// The Platform refused the request with a HealthVault status.
    #[error("{status}: {message}")]
    Status {
        /// The status code.
        status: StatusCode,
        /// The server's message.
        message: String,
    },
    /// The answer had no `wc:info` where the method returns one.
    #[error("the answer to {0} has no info")]
    MissingInfo(&'static str),
    /// The application's key or certificate could not be used.
    #[error("credentials: {0}")]
    Credentials(String),
    /// The deployment's service definition lists no such instance, even when asked again.
    #[error("the service definition lists no instance {0}")]
    UnknownInstance(InstanceId),
    /// A single-instance application was asked for another instance than its default one.
    #[error("instance {instance_id} is not this single-instance application's default instance {default_instance_id}")]
    InstanceNotServed {
        /// The instance asked for.
        instance_id: InstanceId,
        /// The only instance the application uses.
        default_instance_id: InstanceId,
    },
    /// The default Platform's service definition has no `instances` (the topology).
    #[error("the default Platform's service definition lists no instances")]
    NoTopology,
    /// An instance's Platform or Shell URL in the service definition is not a URL.
    #[error("instance {instance_id}: {url:?} is not a URL: {error}")]
    InstanceUrl {
        /// The instance.
        instance_id: InstanceId,
        /// The text the service definition gave.
        url: String,
        /// Why it could not be read.
        error: url::ParseError,
    },
    /// A DOPU package could not be sealed: its parameters are unusable or the answer is empty.
    #[error("the package cannot be sealed: {0}")]
    Package(#[from] haven_package::PackageError),
    /// The operating system's random source failed (making a package's salt).
    #[error("the operating system's random source failed: {0}")]
    Randomness(String),
    /// The content of a blob to upload could not be read.
    #[error("reading the blob to upload: {0}")]
    BlobSource(#[source] std::io::Error),
    /// The blob streaming endpoint refused a chunk (the upload URL expired, a chunk out of
    /// place...), with the Platform's one-line explanation.
    #[error("the Platform refused a blob chunk with HTTP {status}: {message}")]
    BlobUpload {
        /// The HTTP status.
        status: u16,
        /// The body of the refusal.
        message: String,
    },
    /// BeginPutConnectPackageBlob announced chunk sizes that package keys cannot produce.
    #[error(
        "the Platform announces package blob chunks of {pre_encryption} bytes, {post_encryption} once encrypted: {reason}"
    )]
    UnsupportedBlobChunks {
        /// `blob-pre-encryption-chunk-size`.
        pre_encryption: u32,
        /// `blob-post-encryption-chunk-size`.
        post_encryption: u32,
        /// What does not fit.
        reason: &'static str,
    },
    /// The blob is longer, once encrypted, than the Platform accepts.
    #[error("the blob is longer, once encrypted, than the {max} bytes the Platform accepts")]
    BlobTooLarge {
        /// `max-blob-size`.
        max: u64,
    },
}

impl SdkError {
    /// The HealthVault status, if the Platform refused the request.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}
