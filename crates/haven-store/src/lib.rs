//! Persistence for Haven: one [`Store`] trait over domain types, split per aggregate, with
//! one implementation, [`SqlStore`], that runs on SQLite (the embedded default: one file
//! per instance, WAL) or PostgreSQL (production, and the way to run several `haven serve`
//! processes over one database). Both engines run the same SQL text; what differs between
//! them (connection set-up, migrations, row locking) lives in `sqlite.rs` and
//! `postgres.rs`. Migrations are embedded and applied when a store is opened.
//!
//! A write of things, their version history, the record's operation log and the record's
//! counters happen in one transaction: all of a batch is written, or none of it.

mod access_log;
mod accounts;
mod application_data;
mod applications;
mod attempts;
mod authorizations;
mod blobs;
mod config;
mod connect;
mod db;
mod direct;
mod error;
mod events;
mod persons;
mod postgres;
mod records;
mod rows;
mod sessions;
mod sharing;
mod soda;
mod sqlite;
pub mod testing;
mod things;

use async_trait::async_trait;
use haven_domain::access_log::Accessor;
use haven_domain::alternate_id::AlternateId;
use haven_domain::application::{Application, PersonApplicationSettings};
use haven_domain::authorization::AppAuthorization;
use haven_domain::blob::StoredBlob;
use haven_domain::connect::{
    ConnectPackage, ConnectPackageId, ConnectRequest, ConnectRequestId, ConnectValidation, PackageContents,
};
use haven_domain::credential::Credential;
use haven_domain::direct::{
    DirectAddressName, DirectAttachmentId, DirectMessage, DirectMessageId, DirectMessageSummary, HeldDirectMessage,
};
use haven_domain::eventing::{Subscription, SubscriptionId};
use haven_domain::ids::{ApplicationId, PersonId, RecordId, ThingId};
use haven_domain::ids::{BlobId, VersionStamp};
use haven_domain::operation::RecordOperation;
use haven_domain::person::{EmailAddress, Person};
use haven_domain::record::{Record, RecordMember};
use haven_domain::session::{AppSession, TokenHash, UserToken};
use haven_domain::soda::SodaCreation;
use haven_domain::thing::{Thing, ThingKey, ThingQuery};
use haven_domain::web_session::WebSession;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

pub use access_log::{ACCESS_LOG_BATCH, ACCESS_LOG_QUEUE, AccessLogStore, AccessLogWriter};
pub use config::{DEFAULT_MAX_CONNECTIONS, PostgresConfig, SqliteConfig, StoreConfig};
pub use db::SqlStore;
pub use error::StoreError;
pub use events::{ClaimedNotification, NotificationOutcome, NotificationState, StoredNotification};
pub use sharing::SharingStore;

/// Result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// Persons.
#[async_trait]
pub trait PersonStore: Send + Sync {
    /// Adds a person. Fails with [`StoreError::DuplicateEmail`] if the sign-in name is taken.
    async fn create_person(&self, person: &Person) -> StoreResult<()>;
    /// The person with this id.
    async fn person(&self, id: PersonId) -> StoreResult<Option<Person>>;
    /// The person who signs in with this address.
    async fn person_by_email(&self, email: &EmailAddress) -> StoreResult<Option<Person>>;
}

/// Records and who may access them.
#[async_trait]
pub trait RecordStore: Send + Sync {
    /// Adds a record with its first member (normally its custodian), in one transaction.
    async fn create_record(&self, record: &Record, first_member: &RecordMember) -> StoreResult<()>;
    /// The record with this id.
    async fn record(&self, id: RecordId) -> StoreResult<Option<Record>>;
    /// Adds or replaces a person's access to a record.
    async fn put_record_member(&self, member: &RecordMember) -> StoreResult<()>;
    /// Everyone with access to a record.
    async fn record_members(&self, record_id: RecordId) -> StoreResult<Vec<RecordMember>>;
    /// A person's access to a record, if any.
    async fn record_member(&self, record_id: RecordId, person_id: PersonId) -> StoreResult<Option<RecordMember>>;
    /// The records a person can access, with their access, oldest first.
    async fn records_for_person(&self, person_id: PersonId) -> StoreResult<Vec<(Record, RecordMember)>>;
}

/// One change in a write of things. The domain builds the new version
/// ([`Thing::create`], [`Thing::revise`], [`Thing::delete`]); the store checks that the
/// thing exists (or does not) and that `previous` is still its current version.
#[derive(Debug, Clone)]
pub enum ThingChange {
    /// A new thing; its id must not exist yet.
    Create(Thing),
    /// A new version (update or deletion) of an existing thing of the same record.
    Revise {
        /// The version the writer read; the write fails if the thing has moved on.
        previous: VersionStamp,
        /// The new version.
        thing: Thing,
    },
}

impl ThingChange {
    /// The version written.
    pub fn thing(&self) -> &Thing {
        match self {
            Self::Create(thing) | Self::Revise { thing, .. } => thing,
        }
    }
}

/// Things, their history and the operation log.
#[async_trait]
pub trait ThingStore: Send + Sync {
    /// Applies every change to one record in one transaction, in order, and returns the new
    /// keys in the same order. Each change adds one entry to the record's operation log.
    /// Nothing is written if any change fails ([`StoreError::ThingNotFound`],
    /// [`StoreError::VersionStampMismatch`], [`StoreError::DuplicateThing`],
    /// [`StoreError::QuotaExceeded`], ...).
    async fn write_things(&self, record_id: RecordId, changes: &[ThingChange]) -> StoreResult<Vec<ThingKey>>;
    /// The current version of a thing of the record (active or deleted).
    async fn thing(&self, record_id: RecordId, thing_id: ThingId) -> StoreResult<Option<Thing>>;
    /// Specific versions of things of the record, in the order asked; unknown keys are left
    /// out.
    async fn thing_versions(&self, record_id: RecordId, keys: &[ThingKey]) -> StoreResult<Vec<Thing>>;
    /// Every version of a thing, newest first.
    async fn thing_history(&self, record_id: RecordId, thing_id: ThingId) -> StoreResult<Vec<Thing>>;
    /// Current versions matching the query, newest effective date first.
    async fn query_things(&self, record_id: RecordId, query: &ThingQuery) -> StoreResult<Vec<Thing>>;
    /// Operation log entries with a sequence number greater than `after`, oldest first, at
    /// most `limit`.
    async fn record_operations(&self, record_id: RecordId, after: u64, limit: u32)
    -> StoreResult<Vec<RecordOperation>>;
}

/// Applications.
#[async_trait]
pub trait ApplicationStore: Send + Sync {
    /// Adds or replaces an application registration.
    async fn put_application(&self, application: &Application) -> StoreResult<()>;
    /// The application with this id.
    async fn application(&self, id: ApplicationId) -> StoreResult<Option<Application>>;
    /// Every application, oldest first.
    async fn applications(&self) -> StoreResult<Vec<Application>>;
}

/// Consent given to applications.
#[async_trait]
pub trait AuthorizationStore: Send + Sync {
    /// Adds or replaces the authorization of (person, record, application).
    async fn put_authorization(&self, authorization: &AppAuthorization) -> StoreResult<()>;
    /// The authorization of (person, record, application).
    async fn authorization(
        &self,
        person_id: PersonId,
        record_id: RecordId,
        application_id: ApplicationId,
    ) -> StoreResult<Option<AppAuthorization>>;
    /// Every authorization of an application, oldest grant first.
    async fn authorizations_for_application(&self, application_id: ApplicationId)
    -> StoreResult<Vec<AppAuthorization>>;
    /// Every authorization a person gave one application, on any record, oldest first.
    async fn authorizations_of_person(
        &self,
        person_id: PersonId,
        application_id: ApplicationId,
    ) -> StoreResult<Vec<AppAuthorization>>;
    /// Every authorization given on a record.
    async fn authorizations_for_record(&self, record_id: RecordId) -> StoreResult<Vec<AppAuthorization>>;
}

/// Application sessions and user tokens, found by the hash of their token.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a new application session.
    async fn create_app_session(&self, session: &AppSession) -> StoreResult<()>;
    /// The session whose token hashes to `token_hash` (expired ones too; the caller
    /// decides).
    async fn app_session(&self, token_hash: TokenHash) -> StoreResult<Option<AppSession>>;
    /// Deletes sessions that ended at or before `now`; returns how many.
    async fn delete_expired_app_sessions(&self, now: OffsetDateTime) -> StoreResult<u64>;
    /// Stores a new user token.
    async fn create_user_token(&self, token: &UserToken) -> StoreResult<()>;
    /// The user token whose text hashes to `token_hash`.
    async fn user_token(&self, token_hash: TokenHash) -> StoreResult<Option<UserToken>>;
    /// Revokes a user token (APPSIGNOUT); returns whether it was active.
    async fn revoke_user_token(&self, token_hash: TokenHash, now: OffsetDateTime) -> StoreResult<bool>;
}

/// What applications keep about people: alternate ids and per-person settings.
#[async_trait]
pub trait ApplicationDataStore: Send + Sync {
    /// Links the application's `alternate_id` to a person's record. Fails with
    /// [`StoreError::DuplicateAlternateId`] if the application uses it already, or
    /// [`StoreError::AlternateIdLimit`] when the record has the most allowed.
    async fn associate_alternate_id(
        &self,
        application_id: ApplicationId,
        alternate_id: &AlternateId,
        person_id: PersonId,
        record_id: RecordId,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Removes the link if it belongs to this person's record; returns whether it did.
    async fn disassociate_alternate_id(
        &self,
        application_id: ApplicationId,
        alternate_id: &AlternateId,
        person_id: PersonId,
        record_id: RecordId,
    ) -> StoreResult<bool>;
    /// The application's alternate ids for a person's record, oldest first.
    async fn alternate_ids(
        &self,
        application_id: ApplicationId,
        person_id: PersonId,
        record_id: RecordId,
    ) -> StoreResult<Vec<AlternateId>>;
    /// The person and record an alternate id of the application stands for.
    async fn alternate_id_owner(
        &self,
        application_id: ApplicationId,
        alternate_id: &AlternateId,
    ) -> StoreResult<Option<(PersonId, RecordId)>>;
    /// What the application keeps for a person.
    async fn application_settings(
        &self,
        person_id: PersonId,
        application_id: ApplicationId,
    ) -> StoreResult<Option<PersonApplicationSettings>>;
    /// Stores what the application keeps for a person, replacing what was there.
    async fn put_application_settings(&self, settings: &PersonApplicationSettings) -> StoreResult<()>;
}

/// A blob about to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBlob {
    /// Its id.
    pub id: BlobId,
    /// The record it belongs to.
    pub record_id: RecordId,
    /// The application uploading it.
    pub application_id: Option<ApplicationId>,
    /// When the upload started.
    pub created_at: OffsetDateTime,
}

/// Blob content, stored in chunks, with upload and download tokens.
#[async_trait]
pub trait BlobStore: Send + Sync {
    /// Starts an upload: an empty, incomplete blob reachable by its upload token.
    async fn begin_blob(
        &self,
        blob: &NewBlob,
        upload_token_hash: TokenHash,
        upload_expires_at: OffsetDateTime,
    ) -> StoreResult<()>;
    /// The blob an upload token belongs to (complete or not; expiry is the caller's to check).
    async fn blob_for_upload(&self, upload_token_hash: TokenHash) -> StoreResult<Option<StoredBlob>>;
    /// Appends bytes at `start`, which must be the blob's current length
    /// ([`StoreError::BlobRangeMismatch`] otherwise); returns the new length.
    async fn append_blob_chunk(&self, blob_id: BlobId, start: u64, content: &[u8]) -> StoreResult<u64>;
    /// Marks an upload complete with its hash. No more chunks are accepted; the upload token
    /// still names the blob (PutThings refers to it by its upload URL) until it expires.
    async fn complete_blob(&self, blob_id: BlobId, hash: &[u8]) -> StoreResult<()>;
    /// Stores a whole blob at once (an inline blob).
    async fn create_complete_blob(&self, blob: &NewBlob, content: &[u8], hash: &[u8]) -> StoreResult<()>;
    /// A blob by id.
    async fn blob(&self, blob_id: BlobId) -> StoreResult<Option<StoredBlob>>;
    /// A blob's bytes, in order.
    async fn blob_content(&self, blob_id: BlobId) -> StoreResult<Vec<u8>>;
    /// Stores a download token for a complete blob, handed to `reader` (a download URL is a
    /// bearer token; the reader is whom its use is logged for).
    async fn create_blob_read_token(
        &self,
        token_hash: TokenHash,
        blob_id: BlobId,
        reader: Accessor,
        expires_at: OffsetDateTime,
    ) -> StoreResult<()>;
    /// The complete blob a download token gives access to, if the token is still valid at
    /// `now`, with its reader (`None` for tokens issued before readers were kept).
    async fn blob_for_read(
        &self,
        token_hash: TokenHash,
        now: OffsetDateTime,
    ) -> StoreResult<Option<(StoredBlob, Option<Accessor>)>>;
}

/// Shell accounts: password credentials and browser sessions.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Opens an account in one transaction: the person, their own record, their
    /// custodianship of it and their password credential. Fails with
    /// [`StoreError::DuplicateEmail`] (and writes nothing) if the address is taken.
    async fn create_account(
        &self,
        person: &Person,
        record: &Record,
        custodian: &RecordMember,
        credential: &Credential,
    ) -> StoreResult<()>;
    /// The person's password credential.
    async fn credential(&self, person_id: PersonId) -> StoreResult<Option<Credential>>;
    /// Stores (or replaces) a credential: a new password, or the counters after a success.
    async fn put_credential(&self, credential: &Credential) -> StoreResult<()>;
    /// Counts a wrong password at `now` under the lockout policy
    /// ([`Credential::after_failure`]), atomically with other sign-ins; returns the result.
    async fn record_sign_in_failure(&self, person_id: PersonId, now: OffsetDateTime) -> StoreResult<Credential>;
    /// Stores a new browser session.
    async fn create_web_session(&self, session: &WebSession) -> StoreResult<()>;
    /// The session whose cookie token hashes to `token_hash` (expired ones too).
    async fn web_session(&self, token_hash: TokenHash) -> StoreResult<Option<WebSession>>;
    /// Ends a session (sign-out, or replacement at sign-in).
    async fn delete_web_session(&self, token_hash: TokenHash) -> StoreResult<()>;
    /// Ends every session of the person but `except` (after a password change); returns how
    /// many.
    async fn delete_web_sessions_of_person(&self, person_id: PersonId, except: Option<TokenHash>) -> StoreResult<u64>;
    /// Deletes sessions that ended at or before `now`; returns how many.
    async fn delete_expired_web_sessions(&self, now: OffsetDateTime) -> StoreResult<u64>;
}

/// SODA children: each installed copy of a SODA application, created by
/// NewApplicationCreationInfo and completed by a person in the Shell (CREATEAPPLICATION).
#[async_trait]
pub trait SodaStore: Send + Sync {
    /// Registers a SODA child application and its pending creation in one transaction.
    /// Fails with [`StoreError::MissingReference`] if the master is not registered or the
    /// creation is not for this child.
    async fn create_soda_child(&self, child: &Application, creation: &SodaCreation) -> StoreResult<()>;
    /// The creation whose app-creation token hashes to `token_hash` (expired and completed
    /// ones too; the caller decides).
    async fn soda_creation(&self, token_hash: TokenHash) -> StoreResult<Option<SodaCreation>>;
    /// The creation of a SODA child, by the child's id.
    async fn soda_creation_of_application(&self, application_id: ApplicationId) -> StoreResult<Option<SodaCreation>>;
    /// Completes the creation at `now` if its token is still pending (not completed, not
    /// expired), atomically, so a token completes at most once; returns the completed
    /// creation, or `None` if the token is unknown, expired or already used.
    async fn complete_soda_creation(
        &self,
        token_hash: TokenHash,
        now: OffsetDateTime,
    ) -> StoreResult<Option<SodaCreation>>;
}

/// Where UpdateExternalId, DeletePendingConnectRequest and DeletePendingConnectPackage find
/// what they change: by the identity code's hash or by the external id.
#[derive(Debug, Clone, Copy)]
pub enum ConnectLookup<'a> {
    /// The identity code's hash.
    Code(TokenHash),
    /// The application's external id.
    ExternalId(&'a str),
}

/// A streamed blob upload for a package: encrypted chunks uploaded after
/// BeginPutConnectPackageBlob, attached to a package when CreateConnectPackage names its URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageBlobUpload {
    /// Its id.
    pub id: BlobId,
    /// The application uploading it.
    pub application_id: ApplicationId,
    /// The package that names it, once one does.
    pub package_id: Option<ConnectPackageId>,
    /// Whether the last chunk arrived.
    pub complete: bool,
    /// Encrypted bytes received so far.
    pub length: u64,
    /// Until when the upload URL may be used.
    pub upload_expires_at: OffsetDateTime,
    /// When the upload started.
    pub created_at: OffsetDateTime,
}

/// What a package pickup writes, in one transaction with marking the package picked up: the
/// blobs the things carry (stored whole) and the things.
#[derive(Debug, Clone)]
pub struct PackagePickup {
    /// The record chosen.
    pub record_id: RecordId,
    /// Complete blobs to store first: each with its content and `SHA256Block` hash.
    pub blobs: Vec<(NewBlob, Vec<u8>, Vec<u8>)>,
    /// The new things (creations only).
    pub changes: Vec<ThingChange>,
    /// When the person picked it up.
    pub picked_up_at: OffsetDateTime,
}

/// Patient Connect requests and their validations, and DOPU packages (`connect.rs`).
/// Applications see only their own items; codes are looked up by hash.
#[async_trait]
pub trait ConnectStore: Send + Sync {
    /// Stores a new connect request. An expired request of the application with the same
    /// external id is removed first; a live one fails with
    /// [`StoreError::DuplicateConnectRequest`].
    async fn create_connect_request(&self, request: &ConnectRequest, now: OffsetDateTime) -> StoreResult<()>;
    /// The connect request with this code (any status; the caller decides).
    async fn connect_request_by_code(&self, code_hash: TokenHash) -> StoreResult<Option<ConnectRequest>>;
    /// Counts one wrong answer, atomically; returns the count after it (0 if the request is
    /// gone).
    async fn record_wrong_connect_answer(&self, id: ConnectRequestId) -> StoreResult<u32>;
    /// Redeems a request in one transaction: stores the application's authorization, the
    /// validation, and restarts the request's retention (clearing wrong answers). Fails with
    /// [`StoreError::ConnectItemUnavailable`] if, checked under the write lock, the request
    /// is gone, expired or locked at `validation.validated_at`.
    async fn validate_connect_request(
        &self,
        validation: &ConnectValidation,
        authorization: &AppAuthorization,
    ) -> StoreResult<()>;
    /// Validations of the applications' requests at or after `since` whose requests are
    /// still kept at `now`, oldest first, each with the request's current external id.
    async fn connect_validations(
        &self,
        application_ids: &[ApplicationId],
        since: OffsetDateTime,
        now: OffsetDateTime,
    ) -> StoreResult<Vec<ConnectValidation>>;
    /// Deletes the application's connect request found by `lookup` (any status) and its
    /// validations; `false` if there is none.
    async fn delete_connect_request(
        &self,
        application_id: ApplicationId,
        lookup: ConnectLookup<'_>,
    ) -> StoreResult<bool>;
    /// Gives the application's connect request found by `lookup` (or, if there is none, its
    /// packages not yet picked up) a new external id; returns how many changed. A live
    /// request already holding the new id fails with [`StoreError::DuplicateConnectRequest`].
    async fn update_connect_external_id(
        &self,
        application_id: ApplicationId,
        lookup: ConnectLookup<'_>,
        new_external_id: &str,
    ) -> StoreResult<u64>;
    /// Stores a new package: allocated (no contents) or complete, with the streamed blobs
    /// (by upload token hash) it names attached to it, in one transaction. Each must be a
    /// complete upload of the package's application not yet attached to a package
    /// ([`StoreError::UnknownPackageBlob`] otherwise).
    async fn create_connect_package(&self, package: &ConnectPackage, streamed_blobs: &[TokenHash]) -> StoreResult<()>;
    /// Fills the application's allocated package with this code, once, attaching its
    /// streamed blobs as [`ConnectStore::create_connect_package`] does: unknown codes fail with
    /// [`StoreError::UnknownIdentityCode`], filled ones with [`StoreError::ConnectPackageExists`].
    async fn fill_connect_package(
        &self,
        application_id: ApplicationId,
        code_hash: TokenHash,
        contents: &PackageContents,
        streamed_blobs: &[TokenHash],
    ) -> StoreResult<ConnectPackageId>;
    /// Starts a streamed package blob upload (BeginPutConnectPackageBlob), reachable by its
    /// upload token's hash.
    async fn begin_package_blob(&self, upload: &PackageBlobUpload, upload_token_hash: TokenHash) -> StoreResult<()>;
    /// The package blob upload an upload token belongs to (expiry is the caller's to check).
    async fn package_blob_for_upload(&self, upload_token_hash: TokenHash) -> StoreResult<Option<PackageBlobUpload>>;
    /// Appends encrypted bytes at `start`, which must be the upload's current length
    /// ([`StoreError::BlobRangeMismatch`] otherwise; [`StoreError::BlobComplete`] once
    /// complete); returns the new length.
    async fn append_package_blob_chunk(&self, id: BlobId, start: u64, content: &[u8]) -> StoreResult<u64>;
    /// Marks an upload complete; no more chunks are accepted.
    async fn complete_package_blob(&self, id: BlobId) -> StoreResult<()>;
    /// The encrypted content of the streamed blob of `package_id` whose upload token hashes to
    /// `upload_token_hash`; `None` if the package has no such blob.
    async fn package_blob_content(
        &self,
        package_id: ConnectPackageId,
        upload_token_hash: TokenHash,
    ) -> StoreResult<Option<Vec<u8>>>;
    /// The package with this code (any status; the caller decides).
    async fn connect_package_by_code(&self, code_hash: TokenHash) -> StoreResult<Option<ConnectPackage>>;
    /// Counts one wrong answer, atomically; returns the count after it.
    async fn record_wrong_package_answer(&self, id: ConnectPackageId) -> StoreResult<u32>;
    /// Picks the package up: in one transaction, marks it picked up into `pickup.record_id`
    /// (only if it is pending at `pickup.picked_up_at`: filled, not picked up, not locked,
    /// not expired; [`StoreError::ConnectItemUnavailable`] otherwise), stores the blobs and
    /// writes the things as `write_things` does. Returns the things' keys.
    async fn pick_up_connect_package(&self, id: ConnectPackageId, pickup: &PackagePickup)
    -> StoreResult<Vec<ThingKey>>;
    /// Deletes the application's packages found by `lookup` that were not picked up;
    /// returns how many.
    async fn delete_pending_connect_packages(
        &self,
        application_id: ApplicationId,
        lookup: ConnectLookup<'_>,
    ) -> StoreResult<u64>;
    /// Deletes requests and packages whose time is over at `now` (and, with them, the
    /// validations and contents); returns how many went.
    async fn delete_expired_connect_items(&self, now: OffsetDateTime) -> StoreResult<u64>;
}

/// Eventing: applications' subscriptions and the notification outbox. `write_things` adds
/// the notifications a change produces in its own transaction; the delivery worker claims,
/// delivers and finishes them.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Adds `subscription` unless its application has `limit` already (then
    /// [`StoreError::TooManySubscriptions`]); counted and added in one transaction.
    async fn add_subscription(&self, subscription: &Subscription, limit: usize) -> StoreResult<()>;
    /// An application's subscriptions, oldest first.
    async fn subscriptions_of_application(&self, application_id: ApplicationId) -> StoreResult<Vec<Subscription>>;
    /// One subscription.
    async fn subscription(&self, id: SubscriptionId) -> StoreResult<Option<Subscription>>;
    /// Replaces a subscription of its application; `false` if that application has none
    /// with this id.
    async fn update_subscription(&self, subscription: &Subscription) -> StoreResult<bool>;
    /// Deletes an application's subscription and its notifications; `false` if the
    /// application has none with this id.
    async fn delete_subscription(&self, application_id: ApplicationId, id: SubscriptionId) -> StoreResult<bool>;
    /// Takes up to `limit` pending notifications due at `now` for delivery, oldest due
    /// first: each counts one more attempt and is not due again until `now + lease`, so
    /// other workers skip it, and it comes back if this worker never finishes it.
    async fn claim_notifications(
        &self,
        now: OffsetDateTime,
        lease: Duration,
        limit: u32,
    ) -> StoreResult<Vec<ClaimedNotification>>;
    /// Records what became of delivery attempts (delivered, due again, abandoned), all in
    /// one transaction.
    async fn record_outcomes(&self, outcomes: &[NotificationOutcome]) -> StoreResult<()>;
    /// A subscription's notifications, oldest first (for inspection and tests).
    async fn notifications_of_subscription(&self, id: SubscriptionId) -> StoreResult<Vec<StoredNotification>>;
    /// Deletes delivered and abandoned notifications finished at or before `before`;
    /// returns how many.
    async fn delete_finished_notifications(&self, before: OffsetDateTime) -> StoreResult<u64>;
    /// Notified whenever this store queued notifications, so a worker in the same process
    /// need not wait for its next poll.
    fn outbox_signal(&self) -> Arc<tokio::sync::Notify>;
}

/// Direct messaging's message center (`direct.rs`): people's Direct addresses, the messages
/// delivered to them with their attachments, and messages held for invited e-mail addresses
/// (the `newuser@` flow). A person sees only their own messages: every read and change of a
/// message names its addressee, and a held message belongs to nobody until it is released.
#[async_trait]
pub trait DirectStore: Send + Sync {
    /// Gives the person the Direct local part `name` (at `now`), replacing the one they had, if
    /// any. Fails with [`StoreError::DirectAddressTaken`] if another person holds it and with
    /// [`StoreError::PersonNotFound`] if there is no such person; nothing changes then.
    async fn assign_direct_address(
        &self,
        person_id: PersonId,
        name: &DirectAddressName,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// The person's Direct local part, if they chose one.
    async fn direct_address_of_person(&self, person_id: PersonId) -> StoreResult<Option<DirectAddressName>>;
    /// The person whose Direct local part is `name`.
    async fn person_by_direct_address(&self, name: &DirectAddressName) -> StoreResult<Option<PersonId>>;
    /// Stores a message in its addressee's message center with its attachments, in one
    /// transaction. Fails with [`StoreError::PersonNotFound`] (and stores nothing) if the
    /// addressee does not exist.
    async fn deliver_direct_message(&self, message: &DirectMessage) -> StoreResult<()>;
    /// The person's messages, newest first, without bodies or attachment contents.
    async fn direct_messages_of_person(&self, person_id: PersonId) -> StoreResult<Vec<DirectMessageSummary>>;
    /// One of the person's messages with its attachments and their contents; `None` if the
    /// person has no message with this id.
    async fn direct_message(&self, person_id: PersonId, id: DirectMessageId) -> StoreResult<Option<DirectMessage>>;
    /// Marks the person's message read at `at` unless it was read before (the first reading
    /// stays); `false` if the person has no message with this id.
    async fn mark_direct_message_read(
        &self,
        person_id: PersonId,
        id: DirectMessageId,
        at: OffsetDateTime,
    ) -> StoreResult<bool>;
    /// Records that an attachment of one of the person's messages was added to `record_id`
    /// as `thing_id` (replacing an earlier record of it); `false` if the person has no such
    /// attachment.
    async fn record_direct_attachment_added(
        &self,
        person_id: PersonId,
        attachment_id: DirectAttachmentId,
        record_id: RecordId,
        thing_id: ThingId,
    ) -> StoreResult<bool>;
    /// Claims the review of one of the person's clinical document attachments at `at` (its
    /// entries are being added to the record): `true` only for the first claim, atomically,
    /// so two submissions cannot both add the entries. With `at` = `None` it releases a claim
    /// whose write failed (`true` if one was released).
    async fn claim_direct_attachment_review(
        &self,
        person_id: PersonId,
        attachment_id: DirectAttachmentId,
        at: Option<OffsetDateTime>,
    ) -> StoreResult<bool>;
    /// Holds a message for an invited e-mail address, with its attachments, in one
    /// transaction. It belongs to nobody until [`DirectStore::release_held_direct_message`].
    async fn hold_direct_message(&self, held: &HeldDirectMessage) -> StoreResult<()>;
    /// The held message whose invitation code hashes to `invitation_hash`, with its
    /// attachments (any status; the caller decides).
    async fn held_direct_message_by_invitation(
        &self,
        invitation_hash: TokenHash,
    ) -> StoreResult<Option<HeldDirectMessage>>;
    /// Releases a held message into the person's message center at `now`, once: in one
    /// transaction, only if it is neither released, locked nor expired at `now`; `false` otherwise
    /// (then nothing changes), so two pickups cannot both take it. The message keeps its id
    /// and arrival time.
    async fn release_held_direct_message(
        &self,
        id: DirectMessageId,
        person_id: PersonId,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
    /// Counts one wrong answer (or wrong e-mail address) given to pick up a held message, and
    /// returns the count after it (0 if there is no such message). At
    /// [`haven_domain::direct::MAX_HELD_ANSWER_ATTEMPTS`] the message is locked: it is no
    /// longer released.
    async fn record_wrong_held_answer(&self, id: DirectMessageId) -> StoreResult<u32>;
    /// Deletes held messages not released by `now` whose time is over, with their
    /// attachments; returns how many.
    async fn delete_expired_held_direct_messages(&self, now: OffsetDateTime) -> StoreResult<u64>;
}

/// Everything Haven persists.
pub trait Store:
    PersonStore
    + RecordStore
    + ThingStore
    + ApplicationStore
    + AuthorizationStore
    + SessionStore
    + ApplicationDataStore
    + BlobStore
    + AccountStore
    + SodaStore
    + EventStore
    + ConnectStore
    + DirectStore
    + AccessLogStore
    + SharingStore
    + std::fmt::Debug
{
}

impl<T> Store for T where
    T: PersonStore
        + RecordStore
        + ThingStore
        + ApplicationStore
        + AuthorizationStore
        + SessionStore
        + ApplicationDataStore
        + BlobStore
        + AccountStore
        + SodaStore
        + EventStore
        + ConnectStore
        + DirectStore
        + AccessLogStore
        + SharingStore
        + std::fmt::Debug
{
}
