//! SODA (software on device): an installed copy of a mobile or desktop application gets an
//! identity of its own from its master (NewApplicationCreationInfo), a person completes its
//! creation in the Shell (CREATEAPPLICATION with the app-creation token), and from then on
//! it signs in with its shared secret (CreateAuthenticatedSessionToken v2 `hmacSig`).
//!
//! ```no_run
//! # async fn example() -> Result<(), haven_sdk::SdkError> {
//! use haven_sdk::{ApplicationCredentials, CallAs, Connection};
//! let platform: url::Url = "http://127.0.0.1:8111/".parse().unwrap();
//! let master = Connection::new(
//!     platform.clone(),
//!     ApplicationCredentials::soda_master("00000000-0000-0000-0000-000000000000".parse().unwrap()),
//! )?;
//! let instance = master.new_application_creation_info().await?;
//! // Save `instance` on the device; send the person to the Shell with `instance.app_token`.
//! let connection = Connection::new(platform, instance.credentials())?;
//! let people = connection.call("GetAuthorizedPeople", 1, &CallAs::Application, None, "<info><parameters/></info>").await?;
//! # Ok(()) }
//! ```

use haven_domain::ids::ApplicationId;
use haven_wire::methods::new_application_creation_info::NewApplicationCreationInfo;

use crate::credentials::ApplicationCredentials;

/// A SODA application instance as NewApplicationCreationInfo created it: what the device
/// keeps (id and secret) and the one-time token the person takes to the Shell.
#[derive(Clone, PartialEq, Eq)]
pub struct SodaInstance {
    /// The instance's (child) application id.
    pub application_id: ApplicationId,
    /// Its HMAC secret.
    pub shared_secret: Vec<u8>,
    /// The app-creation token for the Shell's CREATEAPPLICATION target.
    pub app_token: String,
}

impl std::fmt::Debug for SodaInstance {
    // The secret and the token are credentials; they stay out of logs.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("SodaInstance").field("application_id", &self.application_id).finish_non_exhaustive()
    }
}

impl SodaInstance {
    /// The credentials the instance signs in with once its creation is complete.
    pub fn credentials(&self) -> ApplicationCredentials {
        ApplicationCredentials::soda_instance(self.application_id, self.shared_secret.clone())
    }
}

impl From<NewApplicationCreationInfo> for SodaInstance {
    fn from(info: NewApplicationCreationInfo) -> Self {
        Self { application_id: info.app_id, shared_secret: info.shared_secret, app_token: info.app_token }
    }
}
