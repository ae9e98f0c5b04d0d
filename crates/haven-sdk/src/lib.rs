//! A client of the Platform's XML method API, for Rust applications, the `haven` command
//! line and tests. It speaks haven-wire: it signs in as an application with its
//! certificate (CreateAuthenticatedSessionToken v2), or as an installed copy of a SODA
//! application with its shared secret (see [`SodaInstance`]), signs every later request
//! with the session's secret (HMAC-SHA256 over the header, SHA-256 over the info), renews
//! the session when it expires, and offers typed calls for the common methods, among them
//! the Eventing group's subscription calls (`subscribe_to_event` and its kin) and the
//! ConnectPackage group's Patient Connect and DOPU calls (`create_connect_request`,
//! `create_connect_package` and their kin), with the encryption of DOPU packages and their
//! streamed blobs on the application's side ([`PackageEncryption`],
//! `put_connect_package_blob`). For a deployment of several instances,
//! [`InstanceDirectory`] gives the connection to the instance a person's record lives in, and
//! [`ConnectionStore`] keeps which instance that is beside the person and record ids.
//!
//! ```no_run
//! # async fn example() -> Result<(), haven_sdk::SdkError> {
//! use haven_sdk::{ApplicationCredentials, CallAs, Connection};
//! let credentials = ApplicationCredentials::from_pem_file(
//!     "00000000-0000-0000-0000-000000000000".parse().unwrap(),
//!     "haven-data/demo-app/private-key.pem",
//!     "haven-data/demo-app/certificate.pem",
//! )?;
//! let connection = Connection::new("http://127.0.0.1:8111/".parse().unwrap(), credentials)?;
//! let definition = connection.service_definition().await?;
//! # Ok(()) }
//! ```

mod connect;
mod connection;
mod connection_store;
mod credentials;
mod error;
mod eventing;
mod instances;
mod shell;
mod soda;

pub use connect::{
    PACKAGE_SALT_BYTES, PackageEncryption, SealedConnectPackage, StreamedPackageBlob, package_things_xml,
};
pub use connection::{CallAs, Connection};
pub use connection_store::{ConnectionStore, ConnectionStoreError, StoredConnection};
pub use credentials::ApplicationCredentials;
pub use error::SdkError;
pub use instances::{InstanceDirectory, InstanceSettings, SERVICE_DEFINITION_MAX_AGE};
pub use shell::shell_redirect_url;
pub use soda::SodaInstance;
