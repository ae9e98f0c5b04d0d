//! What can go wrong in a step of the sample.

use std::path::PathBuf;

use haven_domain::ids::ApplicationId;
use haven_domain::thing_type::ThingDataError;
use haven_sdk::SdkError;

/// A step that failed.
#[derive(Debug, thiserror::Error)]
pub enum SodaCliError {
    /// `connect` would overwrite a state file, and with it the secret of an instance that may
    /// already be connected.
    #[error(
        "the state file {} exists already; it holds an application instance and its secret. Use another \
         --state-file, or delete this one to start over with a new instance",
        .0.display()
    )]
    StateFileExists(PathBuf),
    /// The state file could not be read or written.
    #[error("the state file {}: {source}", path.display())]
    StateFile {
        /// The state file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// The state file holds something other than this sample's state.
    #[error("the state file {} is not this sample's state: {source}", path.display())]
    StateFileContent {
        /// The state file.
        path: PathBuf,
        /// Why it could not be read.
        source: serde_json::Error,
    },
    /// The state file's shared secret is not base64.
    #[error("the state file {} has a shared secret that is not base64", .0.display())]
    SharedSecret(PathBuf),
    /// `read` or `add-weight` before `wait` learned the person and record.
    #[error("the state file {} names no person and record yet: run `soda-cli wait` first", .0.display())]
    NotConnected(PathBuf),
    /// The Platform still refused the instance when `wait` gave up: nobody completed its
    /// creation in the Shell.
    #[error(
        "application instance {application_id} is still not live after {waited_seconds} s: nobody has completed \
         its creation in the Shell yet. Open the URL `soda-cli connect` printed, sign in and allow access; then run \
         `soda-cli wait` again. The link works for an hour after connect; after that, connect again with a new state file"
    )]
    CreationNotCompleted {
        /// The instance.
        application_id: ApplicationId,
        /// How long `wait` tried.
        waited_seconds: u64,
    },
    /// The instance is live but no person has authorized it on a record.
    #[error(
        "application instance {application_id} is live but no person has authorized it on a record (checked for \
         {waited_seconds} s); the person may have withdrawn its access in the Shell"
    )]
    NoAuthorizedRecord {
        /// The instance.
        application_id: ApplicationId,
        /// How long `wait` tried.
        waited_seconds: u64,
    },
    /// A weight to add is not a positive, finite number of kilograms.
    #[error("{0} kg is not a weight: give a positive number of kilograms")]
    InvalidWeight(f64),
    /// The Platform refused a call or could not be reached.
    #[error("the Platform call failed: {0}")]
    Platform(#[from] SdkError),
    /// A weight from the Platform could not be read.
    #[error("a weight from the Platform could not be read: {0}")]
    UnreadableWeight(#[from] ThingDataError),
}
