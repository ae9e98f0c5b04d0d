//! The state file: what this copy of the application keeps between commands, as JSON. It
//! holds the instance's shared secret, so it is created readable and writable by its owner
//! only (mode 0600 on Unix) and replaced atomically.

use std::io::Write;
use std::path::Path;

use haven_domain::ids::{ApplicationId, PersonId, RecordId};
use haven_sdk::ApplicationCredentials;
use haven_wire::base64_text::decode_base64;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::SodaCliError;

/// The instance of the application this device is, and (after `wait`) whose record it uses.
///
/// Invariant: `person_id` and `record_id` are both set or both absent.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct State {
    /// Root URL of the Platform of the instance that created the application instance; it
    /// lives there, and so does the record the person authorizes it on.
    pub platform_url: Url,
    /// The SODA master application the instance was created from.
    pub master_application_id: ApplicationId,
    /// The name the person saw for this device in the Shell.
    pub device_name: String,
    /// The instance's (child) application id.
    pub application_id: ApplicationId,
    /// The instance's shared secret, base64: what it signs in with.
    pub shared_secret: String,
    /// The person who authorized the instance, once `wait` learned it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<PersonId>,
    /// The record the instance reads and writes, once `wait` learned it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_id: Option<RecordId>,
}

impl std::fmt::Debug for State {
    // The shared secret is a credential; it stays out of logs.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("State")
            .field("platform_url", &self.platform_url.as_str())
            .field("master_application_id", &self.master_application_id)
            .field("device_name", &self.device_name)
            .field("application_id", &self.application_id)
            .field("person_id", &self.person_id)
            .field("record_id", &self.record_id)
            .finish_non_exhaustive()
    }
}

impl State {
    /// The credentials the instance signs in with.
    pub(crate) fn credentials(&self, path: &Path) -> Result<ApplicationCredentials, SodaCliError> {
        let secret = decode_base64(&self.shared_secret).map_err(|_| SodaCliError::SharedSecret(path.to_owned()))?;
        Ok(ApplicationCredentials::soda_instance(self.application_id, secret))
    }

    /// The person and record `wait` saved, or [`SodaCliError::NotConnected`].
    pub(crate) fn person_and_record(&self, path: &Path) -> Result<(PersonId, RecordId), SodaCliError> {
        match (self.person_id, self.record_id) {
            (Some(person_id), Some(record_id)) => Ok((person_id, record_id)),
            _ => Err(SodaCliError::NotConnected(path.to_owned())),
        }
    }
}

/// Reads the state file.
pub fn load(path: &Path) -> Result<State, SodaCliError> {
    let bytes = std::fs::read(path).map_err(|source| SodaCliError::StateFile { path: path.to_owned(), source })?;
    serde_json::from_slice(&bytes).map_err(|source| SodaCliError::StateFileContent { path: path.to_owned(), source })
}

/// Writes the state file: a temporary file beside `path` with mode 0600, flushed to disk,
/// then renamed over `path`, so a crash leaves the old file or the new one and the secret is
/// never readable by others, not even for a moment.
pub(crate) fn save(path: &Path, state: &State) -> Result<(), SodaCliError> {
    let state_file_error = |source| SodaCliError::StateFile { path: path.to_owned(), source };
    let mut json = serde_json::to_vec_pretty(state)
        .map_err(|source| SodaCliError::StateFileContent { path: path.to_owned(), source })?;
    json.push(b'\n');
    let mut temporary_name = path.as_os_str().to_owned();
    temporary_name.push(".tmp");
    let temporary_path = Path::new(&temporary_name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(temporary_path).map_err(state_file_error)?;
    // A temporary file left by an earlier crash keeps its mode when opened; set it again.
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600)).map_err(state_file_error)?;
    file.write_all(&json).map_err(state_file_error)?;
    file.sync_all().map_err(state_file_error)?;
    drop(file);
    std::fs::rename(temporary_path, path).map_err(state_file_error)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

    use super::*;

    fn state() -> State {
        State {
            platform_url: Url::parse("http://127.0.0.1:8111/").unwrap(),
            master_application_id: ApplicationId::parse("11111111-1111-1111-1111-111111111111").unwrap(),
            device_name: "Sam's laptop".to_owned(),
            application_id: ApplicationId::parse("22222222-2222-2222-2222-222222222222").unwrap(),
            shared_secret: "c2VjcmV0".to_owned(),
            person_id: None,
            record_id: None,
        }
    }

    #[test]
    fn a_saved_state_loads_back_owner_only_and_stays_out_of_debug() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("soda.json");
        save(&path, &state()).unwrap();
        assert_eq!(load(&path).unwrap(), state());
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"shared-secret\": \"c2VjcmV0\""), "{text}");
        assert!(!text.contains("person-id"), "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(!format!("{:?}", state()).contains("c2VjcmV0"));
    }

    #[test]
    fn a_missing_or_foreign_file_is_an_error_naming_it() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("soda.json");
        assert!(load(&path).unwrap_err().to_string().contains("soda.json"));
        std::fs::write(&path, "{}").unwrap();
        let error = load(&path).unwrap_err();
        assert!(matches!(error, SodaCliError::StateFileContent { .. }), "{error}");
        assert!(error.to_string().contains("soda.json"), "{error}");
    }
}
