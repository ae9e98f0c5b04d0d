//! Applications that serve people of several instances. A deployment has several instances
//! (say US, `1`, and EU, `2`), each with its own Platform and Shell, and a person's account
//! and records live in exactly one. An application is configured with one of them, its
//! default instance ([`InstanceSettings`]): it sends people to that instance's Shell, which
//! moves them to the instance holding their account when the application allows it
//! (`aib=true` in the redirect), and the Shell's return names that instance in `instanceid`.
//! [`InstanceDirectory`] turns such an instance id into a [`Connection`] to the instance's
//! Platform, from the default Platform's service definition (GetServiceDefinition v2 lists
//! every instance). An application that reads records offline keeps the instance id beside
//! the person and record ids ([`crate::ConnectionStore`]).
//!
//! ```no_run
//! # async fn example(credentials: haven_sdk::ApplicationCredentials) -> Result<(), haven_sdk::SdkError> {
//! use haven_domain::topology::InstanceId;
//! use haven_sdk::{InstanceDirectory, InstanceSettings};
//! let settings = InstanceSettings::new(
//!     "http://127.0.0.1:8111/".parse().unwrap(),
//!     "http://127.0.0.1:8110/".parse().unwrap(),
//! );
//! let directory = InstanceDirectory::new(settings, credentials)?;
//! // Send the person here; the Shell adds `instanceid` when it sends them back.
//! let connect = directory.shell_redirect_url("APPAUTH", &[("appid", "...")]);
//! let instance_id = InstanceId::parse("2").unwrap();
//! let connection = directory.connection(&instance_id).await?;
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use haven_domain::topology::InstanceId;
use haven_wire::instance::ServiceInstance;
use haven_wire::methods::get_service_definition::InstanceList;
use time::OffsetDateTime;
use url::Url;

use crate::connection::Connection;
use crate::credentials::ApplicationCredentials;
use crate::error::SdkError;
use crate::shell::shell_redirect_url;

/// How long a fetched service definition is used before the default Platform is asked
/// again, with the definition's `updated-date`, so that an unchanged definition costs one
/// empty answer. A day, as the .NET SDK's `ServiceInfoDefaultCacheTtl`.
pub const SERVICE_DEFINITION_MAX_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// The `targetqs` parameter that allows (`true`) or forbids (`false`) the Shell to move a
/// person to another instance ("allow instance bounce").
const ALLOW_INSTANCE_BOUNCE: &str = "aib";

/// Where an application's default instance is, and whether it serves people of the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceSettings {
    /// Root URL of the default instance's Platform (the method endpoint is
    /// `platform/wildcat.ashx` below it). Calls to the default instance go here, whatever
    /// address the service definition gives it, and so does GetServiceDefinition.
    pub platform_url: Url,
    /// Root URL of the default instance's Shell (`redirect.aspx` is below it), where people
    /// are sent to connect.
    pub shell_url: Url,
    /// Whether the application serves people of every instance of the deployment (`true`, as
    /// the .NET SDK's `MultiInstanceAware` defaults to): redirects carry `aib=true`, so the
    /// Shell may move a person to the instance of their account. When `false`, redirects
    /// carry `aib=false` and [`InstanceDirectory::connection`] refuses every other instance.
    pub multi_instance_aware: bool,
    /// How long a fetched service definition is used before it is asked again
    /// ([`SERVICE_DEFINITION_MAX_AGE`] unless changed).
    pub service_definition_max_age: Duration,
}

impl InstanceSettings {
    /// A multi-instance aware application whose default instance has its Platform at
    /// `platform_url` and its Shell at `shell_url` (both root URLs).
    pub fn new(platform_url: Url, shell_url: Url) -> Self {
        Self {
            platform_url,
            shell_url,
            multi_instance_aware: true,
            service_definition_max_age: SERVICE_DEFINITION_MAX_AGE,
        }
    }
}

/// The instances as the default Platform last described them.
#[derive(Debug)]
struct CachedTopology {
    /// The `instances` element; its current instance is the default instance.
    instances: InstanceList,
    /// The definition's `updated-date`, sent back to ask whether anything changed.
    updated_date: OffsetDateTime,
    /// When the default Platform last answered.
    fetched_at: Instant,
}

/// An instance an application may use, as found in the topology.
enum Resolved {
    /// The default instance: its URLs come from the settings.
    Default,
    /// Another instance, with the URLs the service definition gives it.
    Other(ServiceInstance),
}

/// The instances of a deployment as one application sees them: one shared [`Connection`] per
/// instance (made on first use, so each keeps its session), found through a cached copy of
/// the default Platform's service definition. The cache is asked again when it is older than
/// [`InstanceSettings::service_definition_max_age`], and once more when an instance id it
/// does not list is asked for; a failed refresh of a held definition keeps using it.
#[derive(Debug)]
pub struct InstanceDirectory {
    settings: InstanceSettings,
    credentials: ApplicationCredentials,
    default_connection: Arc<Connection>,
    topology: tokio::sync::Mutex<Option<CachedTopology>>,
    connections: Mutex<HashMap<InstanceId, Arc<Connection>>>,
}

impl InstanceDirectory {
    /// A directory for the application of `credentials`; nothing is asked of any Platform
    /// until it is used.
    pub fn new(settings: InstanceSettings, credentials: ApplicationCredentials) -> Result<Self, SdkError> {
        let default_connection = Arc::new(Connection::new(settings.platform_url.clone(), credentials.clone())?);
        Ok(Self {
            settings,
            credentials,
            default_connection,
            topology: tokio::sync::Mutex::new(None),
            connections: Mutex::new(HashMap::new()),
        })
    }

    /// The settings it was made with.
    pub fn settings(&self) -> &InstanceSettings {
        &self.settings
    }

    /// The connection to the default instance's Platform.
    pub fn default_connection(&self) -> Arc<Connection> {
        self.default_connection.clone()
    }

    /// The default instance's id: the instance whose Platform is at
    /// [`InstanceSettings::platform_url`], as its service definition says.
    pub async fn default_instance_id(&self) -> Result<InstanceId, SdkError> {
        self.find(|instances| Some(instances.current_instance_id.clone())).await?.ok_or(SdkError::NoTopology)
    }

    /// Every instance of the deployment, as the service definition lists them.
    pub async fn instances(&self) -> Result<Vec<ServiceInstance>, SdkError> {
        Ok(self.find(|instances| Some(instances.instances.clone())).await?.unwrap_or_default())
    }

    /// The shared connection to the Platform of `instance_id` (an `instanceid` the Shell
    /// returned, or one stored with a person's record). A single-instance application gets
    /// [`SdkError::InstanceNotServed`] for any instance but its default one; an id the
    /// service definition does not list, even when asked again, is
    /// [`SdkError::UnknownInstance`].
    pub async fn connection(&self, instance_id: &InstanceId) -> Result<Arc<Connection>, SdkError> {
        let instance = match self.resolve(instance_id).await? {
            Resolved::Default => return Ok(self.default_connection.clone()),
            Resolved::Other(instance) => instance,
        };
        let method_url = instance_url(instance_id, &instance.platform_url)?;
        let mut connections = self.connections.lock().unwrap_or_else(PoisonError::into_inner);
        // A connection is replaced only if the instance's Platform moved.
        if let Some(connection) = connections.get(instance_id)
            && connection.method_url() == &method_url
        {
            return Ok(connection.clone());
        }
        let connection = Arc::new(Connection::with_method_url(method_url, self.credentials.clone())?);
        connections.insert(instance_id.clone(), connection.clone());
        Ok(connection)
    }

    /// The default Shell's redirect interface for `target`, with `targetqs` URL-encoded into
    /// the one `targetqs` parameter, plus `aib=true` (or `aib=false` for a single-instance
    /// application); an `aib` in `targetqs` is replaced.
    pub fn shell_redirect_url(&self, target: &str, targetqs: &[(&str, &str)]) -> Url {
        shell_redirect_url(&self.settings.shell_url, target, &self.with_instance_bounce(targetqs))
    }

    /// As [`Self::shell_redirect_url`], on the Shell of `instance_id`: where to send a person
    /// whose account is there, e.g. to sign out with a user token that Shell issued.
    pub async fn instance_shell_redirect_url(
        &self,
        instance_id: &InstanceId,
        target: &str,
        targetqs: &[(&str, &str)],
    ) -> Result<Url, SdkError> {
        let shell_url = match self.resolve(instance_id).await? {
            Resolved::Default => self.settings.shell_url.clone(),
            Resolved::Other(instance) => instance_url(instance_id, &instance.shell_url)?,
        };
        Ok(shell_redirect_url(&shell_url, target, &self.with_instance_bounce(targetqs)))
    }

    /// `targetqs` with this application's `aib` instead of any given.
    fn with_instance_bounce<'a>(&self, targetqs: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        let bounce = if self.settings.multi_instance_aware { "true" } else { "false" };
        targetqs
            .iter()
            .copied()
            .filter(|(name, _)| !name.eq_ignore_ascii_case(ALLOW_INSTANCE_BOUNCE))
            .chain([(ALLOW_INSTANCE_BOUNCE, bounce)])
            .collect()
    }

    /// Whether `instance_id` is the default instance or another one this application may use.
    async fn resolve(&self, instance_id: &InstanceId) -> Result<Resolved, SdkError> {
        let found = self
            .find(|instances| {
                if instances.current_instance_id == *instance_id {
                    return Some(Resolved::Default);
                }
                instances.instances.iter().find(|instance| instance.id == *instance_id).cloned().map(Resolved::Other)
            })
            .await?;
        match found {
            Some(Resolved::Other(_)) if !self.settings.multi_instance_aware => Err(SdkError::InstanceNotServed {
                instance_id: instance_id.clone(),
                default_instance_id: self.default_instance_id().await?,
            }),
            Some(resolved) => Ok(resolved),
            None => Err(SdkError::UnknownInstance(instance_id.clone())),
        }
    }

    /// What `pick` finds in the topology: asks the default Platform first when the held
    /// definition is missing or too old, and once more when `pick` finds nothing in a
    /// definition that was not just fetched.
    async fn find<T>(&self, pick: impl Fn(&InstanceList) -> Option<T>) -> Result<Option<T>, SdkError> {
        let mut cache = self.topology.lock().await;
        let max_age = self.settings.service_definition_max_age;
        let stale = cache.as_ref().is_none_or(|cached| cached.fetched_at.elapsed() >= max_age);
        let mut fetched = false;
        if stale {
            match self.refresh(&mut cache).await {
                Ok(()) => fetched = true,
                // Without a definition nothing can be found.
                Err(error) if cache.is_none() => return Err(error),
                // The definition held is still the best knowledge; the next call asks again.
                Err(_) => {}
            }
        }
        let found = cache.as_ref().and_then(|cached| pick(&cached.instances));
        if found.is_some() || fetched {
            return Ok(found);
        }
        self.refresh(&mut cache).await?;
        Ok(cache.as_ref().and_then(|cached| pick(&cached.instances)))
    }

    /// Asks the default Platform for its service definition: whole the first time, then only
    /// if it changed since the one held (which is kept when the answer is empty).
    async fn refresh(&self, cache: &mut Option<CachedTopology>) -> Result<(), SdkError> {
        let changed = match cache.as_ref() {
            Some(cached) => self.default_connection.service_definition_changed_since(cached.updated_date).await?,
            None => Some(self.default_connection.service_definition().await?),
        };
        match (changed, cache.as_mut()) {
            (None, Some(cached)) => cached.fetched_at = Instant::now(),
            (Some(definition), _) => {
                let instances = definition.instances.ok_or(SdkError::NoTopology)?;
                *cache = Some(CachedTopology {
                    instances,
                    updated_date: definition.updated_date,
                    fetched_at: Instant::now(),
                });
            }
            (None, None) => return Err(SdkError::MissingInfo("GetServiceDefinition")),
        }
        Ok(())
    }
}

/// A URL the service definition gives for `instance_id`.
fn instance_url(instance_id: &InstanceId, text: &str) -> Result<Url, SdkError> {
    Url::parse(text).map_err(|error| SdkError::InstanceUrl {
        instance_id: instance_id.clone(),
        url: text.to_owned(),
        error,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

    use std::collections::BTreeMap;

    use haven_domain::ids::ApplicationId;

    use super::*;

    fn directory(multi_instance_aware: bool) -> InstanceDirectory {
        let settings = InstanceSettings {
            multi_instance_aware,
            ..InstanceSettings::new(
                Url::parse("http://127.0.0.1:9/").unwrap(),
                Url::parse("https://shell.example/").unwrap(),
            )
        };
        let application_id = ApplicationId::parse("11111111-1111-1111-1111-111111111111").unwrap();
        InstanceDirectory::new(settings, ApplicationCredentials::soda_master(application_id)).unwrap()
    }

    fn targetqs(url: &Url) -> BTreeMap<String, String> {
        let outer: BTreeMap<_, _> = url.query_pairs().into_owned().collect();
        url::form_urlencoded::parse(outer["targetqs"].as_bytes()).into_owned().collect()
    }

    #[test]
    fn redirects_allow_an_instance_bounce_only_when_multi_instance_aware() {
        let url = directory(true).shell_redirect_url("APPAUTH", &[("appid", "x"), ("AIB", "false")]);
        assert!(url.as_str().starts_with("https://shell.example/redirect.aspx?target=APPAUTH&targetqs="), "{url}");
        assert_eq!(targetqs(&url), BTreeMap::from([("appid".into(), "x".into()), ("aib".into(), "true".into())]));
        let url = directory(false).shell_redirect_url("APPAUTH", &[("appid", "x")]);
        assert_eq!(targetqs(&url)["aib"], "false");
    }

    #[test]
    fn settings_are_multi_instance_aware_by_default() {
        let settings =
            InstanceSettings::new(Url::parse("http://a.example/").unwrap(), Url::parse("http://b.example/").unwrap());
        assert!(settings.multi_instance_aware);
        assert_eq!(settings.service_definition_max_age, SERVICE_DEFINITION_MAX_AGE);
    }
}
