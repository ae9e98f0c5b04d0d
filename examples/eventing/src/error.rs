//! What can go wrong in a command of the sample.

use std::path::PathBuf;

use haven_sdk::SdkError;

/// A command that failed.
#[derive(Debug, thiserror::Error)]
pub enum EventingError {
    /// The keyring could not be read or written.
    #[error("the keyring {}: {source}", path.display())]
    Keyring {
        /// The keyring file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// The keyring file holds something other than this sample's keyring.
    #[error("the keyring {} is not this sample's keyring: {source}", path.display())]
    KeyringContent {
        /// The keyring file.
        path: PathBuf,
        /// Why it could not be read.
        source: serde_json::Error,
    },
    /// The operating system's random source failed.
    #[error("no random bytes for a key: {0}")]
    Randomness(String),
    /// A thing type given is neither a type id nor the name of a type Haven knows.
    #[error("{0:?} is neither a thing type id nor the name of a type Haven knows (see `haven types`)")]
    UnknownThingType(String),
    /// The application has no subscription with this id in the instance.
    #[error("the application has no subscription {0} in this instance (see `list`)")]
    NoSuchSubscription(String),
    /// The keyring has no key for the subscription, so a test notification cannot be signed.
    #[error(
        "the keyring has no key for subscription {0}: it was created elsewhere or the keyring was replaced. Run \
         `update {0} --rotate-key` to give it a new key kept here"
    )]
    NoKeyForSubscription(String),
    /// A subscription id is not a GUID.
    #[error("{0:?} is not a subscription id (a GUID)")]
    InvalidSubscriptionId(String),
    /// A Platform call needs the application's credentials, which were not given.
    #[error("{0} needs the application: give --platform-url, --app-id, --private-key and --certificate")]
    NoApplication(&'static str),
    /// The Platform refused a call or could not be reached.
    #[error("the Platform call failed: {0}")]
    Platform(#[from] SdkError),
    /// A URL could not be read.
    #[error("{url:?} is not a URL: {error}")]
    InvalidUrl {
        /// The text.
        url: String,
        /// Why.
        error: url::ParseError,
    },
    /// The test notification could not be made (a key or key version the keyring holds is
    /// unusable, or the body could not be written).
    #[error("the test notification could not be made: {0}")]
    Unsendable(String),
    /// A test notification could not be sent.
    #[error("sending the test notification to {url} failed: {source}")]
    Send {
        /// Where it was sent.
        url: String,
        /// What failed.
        source: reqwest::Error,
    },
}
