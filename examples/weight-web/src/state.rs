//! What the handlers share: the configuration, the instances (one Platform connection per
//! instance, through haven-sdk's `InstanceDirectory`), the store of connected records, and
//! the `actionqs` values issued and not yet used.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use haven_domain::topology::InstanceId;
use haven_sdk::{Connection, ConnectionStore, InstanceDirectory, InstanceSettings, SdkError};
use tokio::sync::OnceCell;
use url::Url;

use crate::Config;
use crate::error::AppError;

/// How many issued `actionqs` values are remembered; the oldest is forgotten first, so a
/// visitor who opens the start page many times cannot grow the set without bound.
const PENDING_STATES: usize = 64;

/// Random bytes in an `actionqs` value (written as hex).
const STATE_BYTES: usize = 16;

/// The application's shared state. `pending` holds each `actionqs` value handed out in a
/// "Connect" link until the Shell brings it back once; `store` is read from the data file
/// on first use.
#[derive(Debug)]
pub(crate) struct AppState {
    /// The configuration.
    pub(crate) config: Config,
    instances: InstanceDirectory,
    store: OnceCell<ConnectionStore>,
    pending: Mutex<VecDeque<String>>,
}

/// Locks `mutex`, taking its data even if a panicking thread held it (the queue cannot be
/// left half-updated).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl AppState {
    /// A state with no connection made, the data file not read and no `actionqs` issued yet.
    pub(crate) fn new(config: Config) -> Result<Self, AppError> {
        let settings = InstanceSettings {
            multi_instance_aware: config.multi_instance_aware,
            ..InstanceSettings::new(config.platform_url.clone(), config.shell_url.clone())
        };
        let instances = InstanceDirectory::new(settings, config.credentials.clone())?;
        Ok(Self { config, instances, store: OnceCell::new(), pending: Mutex::new(VecDeque::new()) })
    }

    /// The connected records, read from the data file the first time.
    pub(crate) async fn store(&self) -> Result<&ConnectionStore, AppError> {
        Ok(self.store.get_or_try_init(|| ConnectionStore::load(self.config.data_file.clone())).await?)
    }

    /// A new random `actionqs` value, remembered until [`Self::take_state`] uses it.
    pub(crate) fn issue_state(&self) -> Result<String, AppError> {
        let mut bytes = [0u8; STATE_BYTES];
        getrandom::fill(&mut bytes).map_err(|error| AppError::Randomness(error.to_string()))?;
        let value = hex::encode(bytes);
        let mut pending = lock(&self.pending);
        if pending.len() >= PENDING_STATES {
            pending.pop_front();
        }
        pending.push_back(value.clone());
        Ok(value)
    }

    /// Whether `value` was issued and not used yet; it cannot be used again.
    pub(crate) fn take_state(&self, value: &str) -> bool {
        let mut pending = lock(&self.pending);
        match pending.iter().position(|issued| issued == value) {
            Some(index) => {
                pending.remove(index);
                true
            }
            None => false,
        }
    }

    /// The connection to the Platform of `instance_id`, made on first use and then shared
    /// (so its session is reused).
    pub(crate) async fn connection(&self, instance_id: &InstanceId) -> Result<Arc<Connection>, AppError> {
        self.instances.connection(instance_id).await.map_err(instance_error)
    }

    /// A "Connect to Haven" link: APPAUTH at the default instance's Shell for this
    /// application, with a new `actionqs` (and `aib`, which the SDK adds).
    pub(crate) fn connect_url(&self) -> Result<Url, AppError> {
        let actionqs = self.issue_state()?;
        let application_id = self.config.credentials.application_id.to_string();
        Ok(self.instances.shell_redirect_url("APPAUTH", &[("appid", &application_id), ("actionqs", &actionqs)]))
    }

    /// A "Sign out of Haven" link: APPSIGNOUT at the Shell of `instance_id`, which issued the
    /// user token `wctoken` and ends it too.
    pub(crate) async fn sign_out_url(&self, instance_id: &InstanceId, wctoken: &str) -> Result<Url, AppError> {
        let application_id = self.config.credentials.application_id.to_string();
        self.instances
            .instance_shell_redirect_url(
                instance_id,
                "APPSIGNOUT",
                &[("appid", &application_id), ("credtoken", wctoken)],
            )
            .await
            .map_err(instance_error)
    }
}

/// The error for a failed look-up of an instance: an instance this application does not
/// know or does not serve is the request's fault, anything else the Platform's.
fn instance_error(error: SdkError) -> AppError {
    match error {
        SdkError::UnknownInstance(instance_id) => AppError::UnknownInstance(instance_id.to_string()),
        SdkError::InstanceNotServed { instance_id, default_instance_id } => AppError::InstanceNotServed {
            instance: instance_id.to_string(),
            default_instance: default_instance_id.to_string(),
        },
        other => AppError::Platform(other),
    }
}
