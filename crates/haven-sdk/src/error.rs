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
