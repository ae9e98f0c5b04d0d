//! A client of the Platform's XML method API, for Rust applications, the `haven` command
//! line and tests. It speaks haven-wire: it signs in as an application with its
//! certificate (CreateAuthenticatedSessionToken v2), or as an installed copy of a SODA
//! application with its shared secret (see [`SodaInstance`]), signs every later request
//! with the session's secret (HMAC-SHA256 over the header, SHA-256 over the info), renews
//! the session when it expires, and offers typed calls for the common methods.
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

mod connection;
mod credentials;
mod error;
mod soda;

pub use connection::{CallAs, Connection};
pub use credentials::ApplicationCredentials;
pub use error::SdkError;
pub use soda::SodaInstance;
