//! What can go wrong in the store.

use std::path::PathBuf;

use haven_domain::ids::{BlobId, PersonId, RecordId, ThingId, VersionStamp};

/// A store failure. Variants other than [`StoreError::Database`], [`StoreError::Migration`]
/// and [`StoreError::Corrupt`] describe a request that cannot be applied; nothing was
/// written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed or could not be reached.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The schema could not be brought up to date.
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// The directory that should hold a SQLite database does not exist.
    #[error("the database directory {} does not exist", .0.display())]
    MissingDirectory(PathBuf),
    /// The store's configuration cannot work.
    #[error("invalid store configuration: {0}")]
    InvalidConfig(String),
    /// Stored data could not be read back into domain types.
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
    /// Another account already signs in with this address.
    #[error("an account with this sign-in address already exists")]
    DuplicateEmail,
    /// No such person.
    #[error("person {0} does not exist")]
    PersonNotFound(PersonId),
    /// No such record.
    #[error("record {0} does not exist")]
    RecordNotFound(RecordId),
    /// A record that is read-only, suspended or deleted.
    #[error("record {record_id} is {state} and cannot be written")]
    RecordNotWritable {
        /// The record.
        record_id: RecordId,
        /// Its state.
        state: &'static str,
    },
    /// No such thing in the record.
    #[error("thing {0} does not exist in this record")]
    ThingNotFound(ThingId),
    /// A new thing's id is already taken.
    #[error("thing {0} already exists")]
    DuplicateThing(ThingId),
    /// The writer's version is not the current one: someone else changed the thing.
    #[error("thing {thing_id} is at version {current}, not {given}")]
    VersionStampMismatch {
        /// The thing.
        thing_id: ThingId,
        /// Its current version.
        current: VersionStamp,
        /// The version the writer had.
        given: VersionStamp,
    },
    /// The write would take the record over its size quota.
    #[error("record {record_id} would hold {needed} bytes, over its quota of {quota}")]
    QuotaExceeded {
        /// The record.
        record_id: RecordId,
        /// Its quota.
        quota: u64,
        /// Its size after the write.
        needed: u64,
    },
    /// The application already uses this alternate id (for any record).
    #[error("the application already uses this alternate id")]
    DuplicateAlternateId,
    /// The application holds the most alternate ids allowed for this record.
    #[error("the application already has {limit} alternate ids for this record")]
    AlternateIdLimit {
        /// The limit.
        limit: usize,
    },
    /// The blob's upload is finished; nothing more can be added.
    #[error("blob {0} is already complete")]
    BlobComplete(BlobId),
    /// A chunk does not continue where the blob ends.
    #[error("blob {blob_id} has {expected} bytes; a chunk must start there, not at {given}")]
    BlobRangeMismatch {
        /// The blob.
        blob_id: BlobId,
        /// Its current length.
        expected: u64,
        /// Where the chunk said it starts.
        given: u64,
    },
    /// A row refers to something missing (an authorization for an unknown application...).
    #[error("{0}")]
    MissingReference(String),
    /// The application already has a live connect request with this external id.
    #[error("the application already has a connect request with this external id; delete it first")]
    DuplicateConnectRequest,
    /// The code names a package that was already filled (CreateConnectPackage runs once).
    #[error("the connect package with this identity code already has its contents")]
    ConnectPackageExists,
    /// No connect request or package of this application has this identity code.
    #[error("the application has no connect request or package with this identity code")]
    UnknownIdentityCode,
    /// The connect request or package can no longer be redeemed: expired, locked, deleted or
    /// (for a package) already picked up.
    #[error("this code can no longer be used")]
    ConnectItemUnavailable,
    /// A package names a streamed blob that is not a complete, unattached upload of its
    /// application.
    #[error("the package names a blob-in-package-ref-url that is not a complete upload of this application")]
    UnknownPackageBlob,
    /// Another person of this instance already has this Direct address.
    #[error("this Direct address is already taken")]
    DirectAddressTaken,
    /// The application has as many event subscriptions as it may have.
    #[error("the application already has {0} event subscriptions, the most it may have")]
    TooManySubscriptions(usize),
    /// The sharing invitation can no longer be accepted: accepted, revoked, locked, expired or
    /// gone.
    #[error("this sharing invitation can no longer be accepted")]
    SharingInvitationUnavailable,
    /// The person already has access to the record in force.
    #[error("this person already has access to the record")]
    AlreadyMember,
    /// The person is the record's last custodian in force; a record always keeps one.
    #[error("the last custodian of a record cannot be removed")]
    LastCustodian,
}

impl StoreError {
    pub(crate) fn corrupt(what: impl std::fmt::Display) -> Self {
        Self::Corrupt(what.to_string())
    }
}
