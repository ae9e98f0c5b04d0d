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
use url::Url;

use crate::credentials::ApplicationCredentials;
use crate::shell::shell_redirect_url;

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

    /// The Shell page where a person completes this instance's creation: the redirect
    /// interface below `shell_url` with `target=CREATEAPPLICATION` and, URL-encoded into the
    /// one `targetqs` parameter, `appid` (the master, `master_id`), `appCreationToken`,
    /// `instanceName` (`device_name`, shown to the person), `ismra` (`multi_record`: the
    /// person may authorize several records) and `mobile=true`. The token is base64, so its
    /// `+`, `/` and `=` are encoded twice, once inside `targetqs` and once with it.
    pub fn create_application_url(
        &self,
        shell_url: &Url,
        master_id: ApplicationId,
        device_name: &str,
        multi_record: bool,
    ) -> Url {
        let master_id = master_id.to_string();
        let targetqs = [
            ("appid", master_id.as_str()),
            ("appCreationToken", &self.app_token),
            ("instanceName", device_name),
            ("ismra", if multi_record { "true" } else { "false" }),
            ("mobile", "true"),
        ];
        shell_redirect_url(shell_url, "CREATEAPPLICATION", &targetqs)
    }
}

impl From<NewApplicationCreationInfo> for SodaInstance {
    fn from(info: NewApplicationCreationInfo) -> Self {
        Self { application_id: info.app_id, shared_secret: info.shared_secret, app_token: info.app_token }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

    use std::collections::BTreeMap;

    use super::*;

    fn instance(app_token: &str) -> SodaInstance {
        SodaInstance {
            application_id: ApplicationId::parse("22222222-2222-2222-2222-222222222222").unwrap(),
            shared_secret: vec![1, 2, 3],
            app_token: app_token.to_owned(),
        }
    }

    /// The parameters inside `targetqs`, decoded as the Shell decodes them: the outer query,
    /// then `targetqs` itself.
    fn targetqs(url: &Url) -> BTreeMap<String, String> {
        let outer: BTreeMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(outer.get("target").map(String::as_str), Some("CREATEAPPLICATION"));
        url::form_urlencoded::parse(outer["targetqs"].as_bytes()).into_owned().collect()
    }

    #[test]
    fn the_create_application_url_carries_a_base64_token_intact() {
        let master = ApplicationId::parse("11111111-1111-1111-1111-111111111111").unwrap();
        let token = "ASAA+Mip/ARM==";
        let shell = Url::parse("https://account.example.org/").unwrap();
        let url = instance(token).create_application_url(&shell, master, "Sam's phone & tablet", false);
        assert!(
            url.as_str().starts_with("https://account.example.org/redirect.aspx?target=CREATEAPPLICATION&targetqs=")
        );
        assert!(url.as_str().contains("ASAA%252BMip%252FARM%253D%253D"), "encoded twice: {url}");
        let inner = targetqs(&url);
        assert_eq!(inner["appid"], master.to_string());
        assert_eq!(inner["appCreationToken"], token);
        assert_eq!(inner["instanceName"], "Sam's phone & tablet");
        assert_eq!(inner["ismra"], "false");
        assert_eq!(inner["mobile"], "true");
        assert_eq!(inner.len(), 5);

        let below = Url::parse("http://127.0.0.1:8110/shell?stale=1").unwrap();
        let url = instance(token).create_application_url(&below, master, "laptop", true);
        assert_eq!(url.path(), "/shell/redirect.aspx");
        assert_eq!(targetqs(&url)["ismra"], "true");
    }
}
