//! Every way a Platform request can fail, and the HealthVault status each one answers
//! with. The mapping is one exhaustive `match`, so a new variant forces a decision.

use haven_domain::ids::ApplicationId;
use haven_store::StoreError;
use haven_wire::{Response, StatusCode, WireError};

use crate::crypto::RandomnessError;

/// A failed Platform request.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PlatformError {
    /// The request's XML is malformed or has the wrong shape.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// The store failed; the cause is logged, not sent.
    #[error("the store failed: {0}")]
    Store(#[from] StoreError),
    /// The operating system's random source failed.
    #[error(transparent)]
    Randomness(#[from] RandomnessError),
    /// No application has this id.
    #[error("application {0} is not registered in this instance")]
    UnknownApplication(ApplicationId),
    /// The application exists but is not live in this instance.
    #[error("application {0} is not live in this instance")]
    ApplicationNotLive(ApplicationId),
    /// The ids in the header, `auth-info` and `content` disagree.
    #[error("the application ids in the request disagree")]
    MismatchedApplication,
    /// No certificate of the application has this thumbprint.
    #[error("application {application_id} has no certificate with thumbprint {thumbprint}")]
    UnknownCertificate {
        /// The application.
        application_id: ApplicationId,
        /// The thumbprint sent.
        thumbprint: String,
    },
    /// A signature, HMAC or hash does not match what was signed.
    #[error("{0}")]
    BadSignature(String),
    /// The session token is not one this instance issued.
    #[error("the session token is not valid here; authenticate again")]
    InvalidToken,
    /// The session token has expired.
    #[error("the session token has expired; authenticate again")]
    SessionExpired,
    /// The person's user token is unknown, expired or revoked.
    #[error("{0}")]
    CredentialTokenExpired(String),
    /// The application may not do this.
    #[error("{0}")]
    AccessDenied(String),
    /// The person named does not exist in this instance.
    #[error("the person is not known in this instance")]
    InvalidPerson,
    /// A time in the request lies too far from the server's clock.
    #[error("{0}")]
    OutOfTime(String),
    /// The request asks for something this server does not do yet.
    #[error("{0}")]
    NotImplemented(String),
}

impl PlatformError {
    /// The status code and message for the response. Store failures answer FAILED with a
    /// reference the operator can find in the log, never the cause.
    pub(crate) fn to_response(&self, reference: &str) -> Response {
        let code = match self {
            Self::Wire(error) => error.status_code(),
            Self::Store(_) | Self::Randomness(_) => StatusCode::FAILED,
            Self::UnknownApplication(_) | Self::ApplicationNotLive(_) | Self::MismatchedApplication => {
                StatusCode::INVALID_APP
            }
            Self::UnknownCertificate { .. } => StatusCode::BAD_CERT,
            Self::BadSignature(_) => StatusCode::BAD_SIG,
            Self::InvalidToken => StatusCode::INVALID_TOKEN,
            Self::SessionExpired => StatusCode::AUTHENTICATED_SESSION_TOKEN_EXPIRED,
            Self::CredentialTokenExpired(_) => StatusCode::CREDENTIAL_TOKEN_EXPIRED,
            Self::AccessDenied(_) => StatusCode::ACCESS_DENIED,
            Self::InvalidPerson => StatusCode::INVALID_PERSON,
            Self::OutOfTime(_) => StatusCode::REQUEST_TIMED_OUT,
            Self::NotImplemented(_) => StatusCode::NYI,
        };
        let message = match self {
            Self::Store(_) | Self::Randomness(_) => {
                format!("the server could not complete the request (reference {reference})")
            }
            other => other.to_string(),
        };
        Response::error(code, message)
    }

    /// Whether the operator should see the cause in the log (a server-side failure).
    pub(crate) fn is_server_fault(&self) -> bool {
        matches!(self, Self::Store(_) | Self::Randomness(_))
    }
}
