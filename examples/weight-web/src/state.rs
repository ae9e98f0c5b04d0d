//! What the handlers share: the configuration, one Platform connection per instance, and
//! the `actionqs` values issued and not yet used.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use haven_domain::topology::InstanceId;
use haven_sdk::Connection;
use url::Url;

use crate::Config;
use crate::error::AppError;

/// How many issued `actionqs` values are remembered; the oldest is forgotten first, so a
/// visitor who opens the start page many times cannot grow the set without bound.
const PENDING_STATES: usize = 64;

/// Random bytes in an `actionqs` value (written as hex).
const STATE_BYTES: usize = 16;

/// The application's shared state. `pending` holds each `actionqs` value handed out in a
/// "Connect" link until the Shell brings it back once.
#[derive(Debug)]
pub(crate) struct AppState {
    /// The configuration.
    pub(crate) config: Config,
    connections: Mutex<HashMap<InstanceId, Arc<Connection>>>,
    pending: Mutex<VecDeque<String>>,
}

/// Locks `mutex`, taking its data even if a panicking thread held it (neither map can be
/// left half-updated).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl AppState {
    /// A state with no connection made and no `actionqs` issued yet.
    pub(crate) fn new(config: Config) -> Self {
        Self { config, connections: Mutex::new(HashMap::new()), pending: Mutex::new(VecDeque::new()) }
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
    pub(crate) fn connection(&self, instance_id: &InstanceId) -> Result<Arc<Connection>, AppError> {
        let platform_url = self
            .config
            .platforms
            .get(instance_id)
            .ok_or_else(|| AppError::UnknownInstance(instance_id.as_str().to_owned()))?;
        let mut connections = lock(&self.connections);
        if let Some(connection) = connections.get(instance_id) {
            return Ok(connection.clone());
        }
        let connection = Arc::new(Connection::new(platform_url.clone(), self.config.credentials.clone())?);
        connections.insert(instance_id.clone(), connection.clone());
        Ok(connection)
    }

    /// The Shell's redirect interface for `target` with the `targetqs` parameters `targetqs`
    /// (URL-encoded into the one `targetqs` parameter, as the Shell expects).
    pub(crate) fn shell_redirect(&self, target: &str, targetqs: &[(&str, &str)]) -> Url {
        let mut shell_url = self.config.shell_url.clone();
        if !shell_url.path().ends_with('/') {
            let path = format!("{}/", shell_url.path());
            shell_url.set_path(&path);
        }
        let inner = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(targetqs).finish();
        let mut redirect = shell_url.join("redirect.aspx").unwrap_or(shell_url);
        redirect.query_pairs_mut().append_pair("target", target).append_pair("targetqs", &inner);
        redirect
    }

    /// A "Connect to Haven" link: APPAUTH for this application, with a new `actionqs`.
    pub(crate) fn connect_url(&self) -> Result<Url, AppError> {
        let actionqs = self.issue_state()?;
        let application_id = self.config.credentials.application_id.to_string();
        Ok(self.shell_redirect("APPAUTH", &[("appid", &application_id), ("actionqs", &actionqs)]))
    }

    /// A "Sign out of Haven" link: APPSIGNOUT, which also ends the user token `wctoken`.
    pub(crate) fn sign_out_url(&self, wctoken: &str) -> Url {
        let application_id = self.config.credentials.application_id.to_string();
        self.shell_redirect("APPSIGNOUT", &[("appid", &application_id), ("credtoken", wctoken)])
    }
}
