//! Every way a Platform request can fail, and the HealthVault status each one answers
//! with. The mapping is one exhaustive `match`, so a new variant forces a decision.

use haven_domain::ids::{ApplicationId, ThingTypeId};
use haven_domain::soda::SodaError;
use haven_domain::thing::ThingError;
use haven_store::StoreError;
use haven_wire::{Response, StatusCode, WireError};

use crate::crypto::RandomnessError;

/// A failed Platform request.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PlatformError {
    /// The request's XML is malformed or has the wrong shape.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// The store failed; the cause is logged, not sent. Store errors that describe the
    /// request (a stale version stamp, a full record...) become their own variants through
    /// `From<StoreError>`.
    #[error("the store failed: {0}")]
    Store(StoreError),
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
    /// An anonymous call names no application (`<app-id>` in the header).
    #[error("the request names no application: put the application id in the header's <app-id>")]
    MissingApplication,
    /// NewApplicationCreationInfo for an application that is not a SODA master.
    #[error("{0}")]
    NotSodaMaster(SodaError),
    /// A SODA child whose creation a person has not completed in the Shell yet.
    #[error(
        "application {0} is a SODA application instance that is not live yet: a person must first complete CREATEAPPLICATION in the Shell with its app-creation token"
    )]
    SodaInstancePending(ApplicationId),
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
    /// The record is missing or not available to the caller.
    #[error("{0}")]
    InvalidRecord(String),
    /// A thing named in the request is missing or cannot be changed this way.
    #[error("{0}")]
    InvalidThing(String),
    /// The thing type is not one Haven knows.
    #[error("thing type {0} is not known")]
    InvalidThingType(ThingTypeId),
    /// A thing's data does not fit its type.
    #[error("{0}")]
    InvalidThingData(String),
    /// The writer's version stamp is not the thing's current one.
    #[error("{0}")]
    VersionStampMismatch(String),
    /// The write would take the record over its quota.
    #[error("{0}")]
    QuotaExceeded(String),
    /// More query groups than allowed.
    #[error("a request may have at most {0} groups")]
    TooManyGroups(usize),
    /// More things in one request than allowed.
    #[error("a request may name at most {0} things")]
    TooManyThings(usize),
    /// The thing is read-only.
    #[error("{0}")]
    ImmutableThing(String),
    /// A filter this server cannot apply.
    #[error("{0}")]
    InvalidFilter(String),
    /// A time in the request lies too far from the server's clock.
    #[error("{0}")]
    OutOfTime(String),
    /// The request asks for something this server does not do yet.
    #[error("{0}")]
    NotImplemented(String),
    /// The change would leave a record without a custodian.
    #[error("a record's last custodian cannot be removed")]
    CannotRemoveLastCustodian,
    /// The application already uses this alternate id, for this record or another.
    #[error(
        "the application already uses this alternate id, for this record or another; an application's alternate ids are unique"
    )]
    DuplicateAlternateId,
    /// The application has no such alternate id (for this person's record, when one is named).
    #[error("{0}")]
    AlternateIdNotFound(String),
    /// A public key of AddApplication or UpdateApplication is not an X.509 certificate.
    #[error("{0}")]
    InvalidPublicKey(String),
    /// A child application's rules are invalid or exceed its master's.
    #[error("{0}")]
    InvalidAppAuth(String),
    /// A child application's description is not acceptable (name, action URL, statements,
    /// instances).
    #[error("{0}")]
    InvalidApplication(String),
    /// The application has as many event subscriptions as it may have.
    #[error("the application already has {0} event subscriptions, the most allowed; delete one first")]
    SubscriptionLimitExceeded(usize),
    /// A subscription is not acceptable (URL, key, types, or not the application's).
    #[error("{0}")]
    InvalidSubscription(String),
    /// The application holds the most alternate ids allowed for the record.
    #[error("the application already has {0} alternate ids for this record, the most allowed; disassociate one first")]
    AlternateIdsLimitExceeded(usize),
    /// Hashing a secret answer failed (a server fault; the answer is never in the message).
    #[error("hashing the secret answer failed: {0}")]
    AnswerHashing(String),
    /// A connect request's or package's secret question is unusable (empty).
    #[error("{0}")]
    InvalidVerificationQuestion(String),
    /// A connect request's secret answer is unusable (empty).
    #[error("{0}")]
    InvalidVerificationAnswer(String),
    /// A connect request's or package's text is too long, or its friendly name or external id
    /// is empty (INVALID_XML, as when the wire refuses a text).
    #[error("{0}")]
    InvalidConnectText(String),
    /// The identity code (or external id) names no connect request or package of the
    /// application that it may still use this way.
    #[error("{0}")]
    InvalidIdentityCode(String),
    /// The application already has a live connect request with this external id.
    #[error(
        "the application already has a connect request with this external id; delete it (DeletePendingConnectRequest) or use another"
    )]
    DuplicateConnectRequest,
    /// The package with this identity code has already been created.
    #[error("the connect package with this identity code was already created; packages cannot be changed")]
    ConnectPackageExists,
    /// The package thing is not a usable password-protected package.
    #[error("{0}")]
    InvalidPackageContents(String),
    /// A `blob-in-package-ref-url` is not one of the application's package blob uploads.
    #[error("{0}")]
    InvalidBlobRefUrl(String),
    /// A `blob-in-package-ref-url` names an upload whose last chunk has not arrived.
    #[error("{0}")]
    BlobNotCompleted(String),
    /// A `blob-in-package-ref-url` names an upload another package already holds.
    #[error("{0}")]
    BlobCommitted(String),
}

impl PlatformError {
    /// The status code and message for the response. Store failures answer FAILED with a
    /// reference the operator can find in the log, never the cause.
    pub(crate) fn to_response(&self, reference: &str) -> Response {
        let code = match self {
            Self::Wire(error) => error.status_code(),
            Self::Store(_) | Self::Randomness(_) | Self::AnswerHashing(_) => StatusCode::FAILED,
            Self::UnknownApplication(_)
            | Self::ApplicationNotLive(_)
            | Self::MismatchedApplication
            | Self::MissingApplication
            | Self::NotSodaMaster(_)
            | Self::SodaInstancePending(_) => StatusCode::INVALID_APP,
            Self::UnknownCertificate { .. } => StatusCode::BAD_CERT,
            Self::BadSignature(_) => StatusCode::BAD_SIG,
            Self::InvalidToken => StatusCode::INVALID_TOKEN,
            Self::SessionExpired => StatusCode::AUTHENTICATED_SESSION_TOKEN_EXPIRED,
            Self::CredentialTokenExpired(_) => StatusCode::CREDENTIAL_TOKEN_EXPIRED,
            Self::InvalidRecord(_) => StatusCode::INVALID_RECORD,
            Self::InvalidThing(_) => StatusCode::INVALID_THING,
            Self::InvalidThingType(_) => StatusCode::INVALID_THING_TYPE,
            Self::InvalidThingData(_) => StatusCode::INVALID_XML,
            Self::VersionStampMismatch(_) => StatusCode::VERSION_STAMP_MISMATCH,
            Self::QuotaExceeded(_) => StatusCode::RECORD_QUOTA_EXCEEDED,
            Self::TooManyGroups(_) => StatusCode::TOO_MANY_GROUPS_IN_QUERY,
            Self::TooManyThings(_) => StatusCode::TOO_MANY_THINGS_SPECIFIED,
            Self::ImmutableThing(_) => StatusCode::CANNOT_UPDATE_IMMUTABLE_THING,
            Self::InvalidFilter(_) => StatusCode::INVALID_FILTER,
            Self::AccessDenied(_) => StatusCode::ACCESS_DENIED,
            Self::InvalidPerson => StatusCode::INVALID_PERSON,
            Self::OutOfTime(_) => StatusCode::REQUEST_TIMED_OUT,
            Self::NotImplemented(_) => StatusCode::NYI,
            Self::DuplicateAlternateId => StatusCode::DUPLICATE_ALTERNATE_ID,
            Self::CannotRemoveLastCustodian => StatusCode::CANNOT_REMOVE_LAST_CUSTODIAN,
            Self::AlternateIdNotFound(_) => StatusCode::ALTERNATE_ID_NOT_FOUND,
            Self::AlternateIdsLimitExceeded(_) => StatusCode::ALTERNATE_IDS_LIMIT_EXCEEDED,
            Self::InvalidPublicKey(_) => StatusCode::INVALID_PUBLIC_KEY,
            Self::InvalidAppAuth(_) => StatusCode::INVALID_APPAUTH,
            Self::InvalidApplication(_) => StatusCode::INVALID_XML,
            Self::SubscriptionLimitExceeded(_) => StatusCode::SUBSCRIPTION_LIMIT_EXCEEDED,
            Self::InvalidSubscription(_) => StatusCode::SUBSCRIPTION_INVALID,
            Self::InvalidVerificationQuestion(_) => StatusCode::INVALID_VERIFICATION_QUESTION,
            Self::InvalidVerificationAnswer(_) => StatusCode::INVALID_VERIFICATION_ANSWER,
            Self::InvalidConnectText(_) => StatusCode::INVALID_XML,
            Self::InvalidIdentityCode(_) => StatusCode::INVALID_IDENTITY_CODE,
            Self::DuplicateConnectRequest => StatusCode::DUPLICATE_CONNECT_REQUEST_FOUND,
            Self::ConnectPackageExists => StatusCode::CONNECT_PACKAGE_EXISTS,
            Self::InvalidPackageContents(_) => StatusCode::INVALID_PACKAGE_CONTENTS,
            Self::InvalidBlobRefUrl(_) => StatusCode::INVALID_BLOB_REF_URL,
            Self::BlobNotCompleted(_) => StatusCode::BLOB_TOKEN_NOT_COMPLETED,
            Self::BlobCommitted(_) => StatusCode::BLOB_TOKEN_COMMITTED,
        };
        let message = match self {
            Self::Store(_) | Self::Randomness(_) | Self::AnswerHashing(_) => {
                format!("the server could not complete the request (reference {reference})")
            }
            other => other.to_string(),
        };
        Response::error(code, message)
    }

    /// Whether the operator should see the cause in the log (a server-side failure).
    pub(crate) fn is_server_fault(&self) -> bool {
        matches!(self, Self::Store(_) | Self::Randomness(_) | Self::AnswerHashing(_))
    }
}

impl From<StoreError> for PlatformError {
    /// Store errors about the request keep their meaning; the rest are server faults.
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::VersionStampMismatch { .. } => Self::VersionStampMismatch(error.to_string()),
            StoreError::QuotaExceeded { .. } => Self::QuotaExceeded(error.to_string()),
            StoreError::ThingNotFound(_) | StoreError::DuplicateThing(_) => Self::InvalidThing(error.to_string()),
            StoreError::RecordNotFound(_) => Self::InvalidRecord(error.to_string()),
            StoreError::RecordNotWritable { .. } => Self::AccessDenied(error.to_string()),
            StoreError::DuplicateAlternateId => Self::DuplicateAlternateId,
            StoreError::LastCustodian => Self::CannotRemoveLastCustodian,
            StoreError::AlternateIdLimit { limit } => Self::AlternateIdsLimitExceeded(limit),
            StoreError::TooManySubscriptions(limit) => Self::SubscriptionLimitExceeded(limit),
            StoreError::DuplicateConnectRequest => Self::DuplicateConnectRequest,
            StoreError::ConnectPackageExists => Self::ConnectPackageExists,
            StoreError::UnknownIdentityCode | StoreError::ConnectItemUnavailable => {
                Self::InvalidIdentityCode(error.to_string())
            }
            // The Platform checks each URL first (unknown, incomplete, already attached), so
            // this is a race with another CreateConnectPackage naming the same upload.
            StoreError::UnknownPackageBlob => Self::InvalidBlobRefUrl(error.to_string()),
            other => Self::Store(other),
        }
    }
}

impl From<ThingError> for PlatformError {
    fn from(error: ThingError) -> Self {
        match error {
            ThingError::UnknownType(type_id) => Self::InvalidThingType(type_id),
            ThingError::InvalidData { .. } => Self::InvalidThingData(error.to_string()),
            ThingError::TypeChanged { .. } | ThingError::Deleted(_) => Self::InvalidThing(error.to_string()),
            ThingError::ReadOnly(_) => Self::ImmutableThing(error.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_custodian_is_refused_with_status_47() {
        let response = PlatformError::from(StoreError::LastCustodian).to_response("reference");
        assert_eq!(response.status(), StatusCode::CANNOT_REMOVE_LAST_CUSTODIAN);
        assert!(response.to_xml().contains("<code>47</code>"), "{}", response.to_xml());
    }
}
