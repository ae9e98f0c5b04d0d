//! What can go wrong in a call.

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
