//! Which application calls, and in which instance: the application's credentials, its
//! default instance's Platform, and the instance chosen for the patient (by country through
//! SelectInstance, or by id), with that instance's Platform and Shell from the default
//! Platform's service definition.

use std::path::PathBuf;

use anyhow::{Context, anyhow};
use clap::Args;
use haven_domain::country::CountryCode;
use haven_domain::ids::ApplicationId;
use haven_domain::topology::InstanceId;
use haven_sdk::{ApplicationCredentials, Connection, shell_redirect_url};
use url::Url;

/// The application the clinic tooling calls as, and where its default instance is.
#[derive(Debug, Args)]
pub struct ApplicationOptions {
    /// The clinic's application id (it needs the connect-package method group).
    #[arg(long, env = "HAVEN_CLINIC_APP_ID")]
    pub app_id: ApplicationId,
    /// The application's registered certificate (PEM or DER).
    #[arg(long, env = "HAVEN_CLINIC_CERTIFICATE")]
    pub certificate: PathBuf,
    /// The certificate's private key (PEM).
    #[arg(long, env = "HAVEN_CLINIC_PRIVATE_KEY")]
    pub private_key: PathBuf,
    /// The default instance's Platform: its root URL (e.g. http://127.0.0.1:8111/) or its
    /// method endpoint (.../platform/wildcat.ashx).
    #[arg(long, env = "HAVEN_CLINIC_PLATFORM")]
    pub platform: Url,
}

/// The instance to act in: the one for the patient's country, a given one, or (neither
/// given) the default instance.
#[derive(Debug, Args)]
pub struct InstanceChoice {
    /// The patient's country (ISO 3166-1 alpha-2, e.g. NL): SelectInstance at the default
    /// Platform chooses the instance that holds accounts from there.
    #[arg(long, conflicts_with = "instance")]
    pub country: Option<CountryCode>,
    /// An instance id of the deployment (e.g. 2).
    #[arg(long, value_parser = parse_instance_id)]
    pub instance: Option<InstanceId>,
}

fn parse_instance_id(text: &str) -> Result<InstanceId, String> {
    InstanceId::parse(text.trim()).map_err(|error| error.to_string())
}

/// The instance the clinic acts in: a connection to its Platform as the application, and its
/// Shell, where people redeem codes.
#[derive(Debug)]
pub struct ClinicInstance {
    /// Its id.
    pub id: InstanceId,
    /// Its name, e.g. EU.
    pub name: String,
    /// The application's connection to its Platform.
    pub connection: Connection,
    /// Its Shell's root URL.
    pub shell_url: Url,
}

impl ClinicInstance {
    /// The address at this instance's Shell where the person enters `code` for `target`
    /// (`CONNECT` or `PICKUP`): `redirect.aspx?target=...&targetqs=packageid%3d<code>`.
    pub fn redeem_url(&self, target: &str, code: &str) -> Url {
        shell_redirect_url(&self.shell_url, target, &[("packageid", code)])
    }

    /// Finds the instance `choice` names, asking the default Platform at `application.platform`
    /// (SelectInstance for a country, then its service definition for the instance's URLs).
    pub async fn resolve(application: &ApplicationOptions, choice: &InstanceChoice) -> anyhow::Result<Self> {
        let credentials = ApplicationCredentials::from_pem_file(
            application.app_id,
            &application.private_key,
            &application.certificate,
        )
        .context("the application's credentials (--private-key, --certificate) cannot be used")?;
        let default = connection_to(&application.platform, credentials.clone())?;
        let definition = default
            .service_definition()
            .await
            .with_context(|| format!("GetServiceDefinition at {} failed", default.method_url()))?;
        let instances = definition
            .instances
            .ok_or_else(|| anyhow!("the service definition of {} lists no instances", default.method_url()))?;
        let wanted = match (&choice.country, &choice.instance) {
            (Some(country), _) => {
                default
                    .select_instance(*country, None)
                    .await
                    .with_context(|| format!("SelectInstance at {} failed", default.method_url()))?
                    .ok_or_else(|| anyhow!("no instance of this deployment accepts people from {}", country.as_str()))?
                    .id
            }
            (None, Some(instance_id)) => instance_id.clone(),
            (None, None) => instances.current_instance_id.clone(),
        };
        let Some(instance) = instances.instances.iter().find(|instance| instance.id == wanted) else {
            let known: Vec<&str> = instances.instances.iter().map(|instance| instance.id.as_str()).collect();
            return Err(anyhow!("the deployment has no instance {wanted} (it has {})", known.join(", ")));
        };
        let connection = if wanted == instances.current_instance_id {
            default
        } else {
            let method_url = Url::parse(&instance.platform_url).with_context(|| {
                format!("instance {wanted}'s Platform URL {:?} is not a URL", instance.platform_url)
            })?;
            Connection::with_method_url(method_url, credentials)?
        };
        let shell_url = Url::parse(&instance.shell_url)
            .with_context(|| format!("instance {wanted}'s Shell URL {:?} is not a URL", instance.shell_url))?;
        Ok(Self { id: wanted, name: instance.name.clone(), connection, shell_url })
    }

    /// "instance 2 (EU)", for messages.
    pub fn describe(&self) -> String {
        format!("instance {} ({})", self.id, self.name)
    }
}

/// A connection to a Platform given by its root URL or its method endpoint.
fn connection_to(platform: &Url, credentials: ApplicationCredentials) -> anyhow::Result<Connection> {
    let connection = if platform.path().ends_with(".ashx") {
        Connection::with_method_url(platform.clone(), credentials)
    } else {
        Connection::new(platform.clone(), credentials)
    };
    connection.with_context(|| format!("--platform {platform} cannot be used"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_platform_is_a_root_or_the_method_endpoint() {
        let application_id = ApplicationId::parse("11111111-1111-1111-1111-111111111111").unwrap();
        let credentials = ApplicationCredentials::soda_master(application_id);
        let root = connection_to(&Url::parse("http://127.0.0.1:8111").unwrap(), credentials.clone()).unwrap();
        assert_eq!(root.method_url().as_str(), "http://127.0.0.1:8111/platform/wildcat.ashx");
        let endpoint = Url::parse("https://platform.example/platform/wildcat.ashx").unwrap();
        assert_eq!(connection_to(&endpoint, credentials).unwrap().method_url(), &endpoint);
    }

    #[test]
    fn codes_are_redeemed_at_the_instances_shell() {
        let application_id = ApplicationId::parse("11111111-1111-1111-1111-111111111111").unwrap();
        let instance = ClinicInstance {
            id: InstanceId::parse("2").unwrap(),
            name: "EU".to_owned(),
            connection: connection_to(
                &Url::parse("http://127.0.0.1:8121/").unwrap(),
                ApplicationCredentials::soda_master(application_id),
            )
            .unwrap(),
            shell_url: Url::parse("http://127.0.0.1:8120/").unwrap(),
        };
        assert_eq!(
            instance.redeem_url("PICKUP", "JKYZ-QNMN-VHRX-ZGNR-GZNH").as_str(),
            "http://127.0.0.1:8120/redirect.aspx?target=PICKUP&targetqs=packageid%3DJKYZ-QNMN-VHRX-ZGNR-GZNH"
        );
        assert_eq!(instance.describe(), "instance 2 (EU)");
    }
}
