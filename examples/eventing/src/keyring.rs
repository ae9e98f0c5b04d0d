//! The keyring: the notification keys this application gave its subscriptions, by key version
//! id, and which subscription uses which. The subscription manager writes it; the handler
//! reads it for every notification, so a key added or rotated by another process is used at
//! once. It is JSON:
//!
//! ```json
//! {
//!   "keys": { "k20261121-3f9a0c1d": "<base64 of 64 bytes>", "k20261201-77b2e410": "..." },
//!   "subscriptions": {
//!     "6f1c...": { "key-version": "k20261201-77b2e410", "format": "healthvault",
//!                  "retired": [ { "key-version": "k20261121-3f9a0c1d", "retired-at": "2026-12-01T09:00:00Z" } ] }
//!   }
//! }
//! ```
//!
//! A key version in `keys` that no subscription names is pending: its SubscribeToEvent is
//! under way (the key is saved before the call, since notifications may arrive as soon as the
//! Platform answers). The keys are secrets, so the file is created readable and writable by
//! its owner only (mode 0600 on Unix) and replaced atomically.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use haven_domain::eventing::DELIVERY_DEADLINE;
use haven_wire::base64_text::{decode_base64, encode_base64};
use haven_wire::methods::subscription::{DeliveryFormat, KeyVersionId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::EventingError;

/// The length of the keys this sample generates, as HealthVault asks.
pub const KEY_BYTES: usize = 64;

/// The keyring's content.
///
/// Invariant: every key version a subscription names (current or retired) is in `keys`, and
/// no key version belongs to two subscriptions. `Debug` shows the key versions, never the
/// keys.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Keyring {
    /// Key version id to the key, base64.
    #[serde(default)]
    keys: BTreeMap<String, String>,
    /// Subscription id (lower-case hyphenated) to the key versions it uses.
    #[serde(default)]
    subscriptions: BTreeMap<String, SubscriptionKeys>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Keyring")
            .field("key_versions", &self.keys.keys().collect::<Vec<_>>())
            .field("subscriptions", &self.subscriptions)
            .finish()
    }
}

/// The key versions of one subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct SubscriptionKeys {
    /// The version the Platform signs with now.
    pub key_version: String,
    /// How the subscription's notifications are delivered.
    #[serde(with = "format_text")]
    pub format: DeliveryFormat,
    /// Earlier versions, oldest first, kept so notifications signed before a rotation (and
    /// retried since) still verify.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retired: Vec<RetiredKey>,
}

/// A key version a subscription no longer signs with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct RetiredKey {
    /// The version.
    pub key_version: String,
    /// When the subscription moved to a newer key.
    #[serde(with = "time::serde::rfc3339")]
    pub retired_at: OffsetDateTime,
}

/// A new key and its version id.
#[derive(Clone, PartialEq, Eq)]
pub struct NewKey {
    /// The version id, e.g. `k20261121-3f9a0c1d`.
    pub version: KeyVersionId,
    /// [`KEY_BYTES`] random bytes.
    pub key: Vec<u8>,
}

impl std::fmt::Debug for NewKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("NewKey").field("version", &self.version).finish_non_exhaustive()
    }
}

/// Generates a key of [`KEY_BYTES`] random bytes and a version id for it: `k`, the date
/// and eight random hexadecimal digits, so versions sort by creation day and never repeat in
/// practice.
pub fn generate_key(now: OffsetDateTime) -> Result<NewKey, EventingError> {
    let mut key = vec![0_u8; KEY_BYTES];
    getrandom::fill(&mut key).map_err(|error| EventingError::Randomness(error.to_string()))?;
    let mut suffix = [0_u8; 4];
    getrandom::fill(&mut suffix).map_err(|error| EventingError::Randomness(error.to_string()))?;
    let date = now.date();
    let version = format!(
        "k{:04}{:02}{:02}-{}",
        date.year(),
        u8::from(date.month()),
        date.day(),
        suffix.iter().map(|byte| format!("{byte:02x}")).collect::<String>()
    );
    let version = KeyVersionId::parse(&version).map_err(|error| EventingError::Randomness(error.to_string()))?;
    Ok(NewKey { version, key })
}

impl Keyring {
    /// The key of `version`, if the keyring has it.
    pub fn key(&self, version: &str) -> Option<Vec<u8>> {
        self.keys.get(version).and_then(|text| decode_base64(text).ok())
    }

    /// The subscription that uses (or used) `version`; `None` for a pending or unknown key.
    pub fn owner(&self, version: &str) -> Option<&str> {
        self.subscriptions
            .iter()
            .find_map(|(id, keys)| keys.versions().any(|known| known == version).then_some(id.as_str()))
    }

    /// The subscription's key versions, if the keyring knows it.
    pub fn subscription(&self, subscription_id: &str) -> Option<&SubscriptionKeys> {
        self.subscriptions.get(subscription_id)
    }

    /// Every subscription the keyring knows, by id.
    pub fn subscriptions(&self) -> impl Iterator<Item = (&str, &SubscriptionKeys)> {
        self.subscriptions.iter().map(|(id, keys)| (id.as_str(), keys))
    }

    /// The subscription's current key version and key.
    pub fn current_key(&self, subscription_id: &str) -> Option<(KeyVersionId, Vec<u8>)> {
        let keys = self.subscriptions.get(subscription_id)?;
        let version = KeyVersionId::parse(&keys.key_version).ok()?;
        Some((version, self.key(&keys.key_version)?))
    }

    /// The keys that may have signed a notification of `subscription_id`: its current key
    /// and its retired ones, newest first, then the pending keys (a subscription being
    /// created). Without the subscription, only the pending keys.
    pub fn candidate_keys(&self, subscription_id: &str) -> Vec<(String, Vec<u8>)> {
        let mut versions: Vec<&str> = Vec::new();
        if let Some(keys) = self.subscriptions.get(subscription_id) {
            versions.push(&keys.key_version);
            versions.extend(keys.retired.iter().rev().map(|retired| retired.key_version.as_str()));
        }
        versions.extend(self.keys.keys().map(String::as_str).filter(|version| self.owner(version).is_none()));
        versions.into_iter().filter_map(|version| Some((version.to_owned(), self.key(version)?))).collect()
    }

    /// Adds a key no subscription uses yet (before SubscribeToEvent).
    pub fn add_pending(&mut self, key: &NewKey) {
        self.keys.insert(key.version.as_str().to_owned(), encode_base64(&key.key));
    }

    /// Forgets a pending key (its SubscribeToEvent failed). Keys of subscriptions stay.
    pub fn remove_pending(&mut self, version: &KeyVersionId) {
        if self.owner(version.as_str()).is_none() {
            self.keys.remove(version.as_str());
        }
    }

    /// Records that `subscription_id` uses the key `key` (pending or not yet known) with
    /// `format`. A subscription already known keeps its retired keys; its previous current
    /// key is retired at `now` if it differs.
    pub fn assign(
        &mut self,
        subscription_id: &str,
        version: &KeyVersionId,
        key: &[u8],
        format: DeliveryFormat,
        now: OffsetDateTime,
    ) {
        self.keys.insert(version.as_str().to_owned(), encode_base64(key));
        let entry = self.subscriptions.entry(subscription_id.to_owned()).or_insert_with(|| SubscriptionKeys {
            key_version: version.as_str().to_owned(),
            format,
            retired: Vec::new(),
        });
        entry.format = format;
        if entry.key_version != version.as_str() {
            let previous = std::mem::replace(&mut entry.key_version, version.as_str().to_owned());
            entry.retired.retain(|retired| retired.key_version != version.as_str());
            entry.retired.push(RetiredKey { key_version: previous, retired_at: now });
        }
    }

    /// Moves `subscription_id` to a new key at `now`, keeping the old one as retired, and
    /// drops retired keys replaced more than [`DELIVERY_DEADLINE`] ago: the Platform gives up
    /// on a notification by then, so nothing signed with them can still arrive.
    pub fn rotate(&mut self, subscription_id: &str, key: &NewKey, format: DeliveryFormat, now: OffsetDateTime) {
        self.assign(subscription_id, &key.version, &key.key, format, now);
        let mut expired = Vec::new();
        if let Some(entry) = self.subscriptions.get_mut(subscription_id) {
            entry.retired.retain(|retired| {
                let keep = retired.retired_at + DELIVERY_DEADLINE > now;
                if !keep {
                    expired.push(retired.key_version.clone());
                }
                keep
            });
        }
        for version in expired {
            self.keys.remove(&version);
        }
    }

    /// Forgets a subscription and all its keys (after UnsubscribeToEvent).
    pub fn remove_subscription(&mut self, subscription_id: &str) {
        if let Some(entry) = self.subscriptions.remove(subscription_id) {
            for version in entry.versions() {
                self.keys.remove(version);
            }
        }
    }
}

impl SubscriptionKeys {
    /// The current version and the retired ones.
    fn versions(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.key_version.as_str())
            .chain(self.retired.iter().map(|retired| retired.key_version.as_str()))
    }
}

/// Reads the keyring at `path`; a file that does not exist is an empty keyring.
pub fn load(path: &Path) -> Result<Keyring, EventingError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Keyring::default()),
        Err(source) => return Err(EventingError::Keyring { path: path.to_owned(), source }),
    };
    serde_json::from_slice(&bytes).map_err(|source| EventingError::KeyringContent { path: path.to_owned(), source })
}

/// Writes the keyring: a temporary file beside `path` with mode 0600, flushed to disk, then
/// renamed over `path`, so a reader sees the old keyring or the new one, and the keys are
/// never readable by others, not even for a moment.
pub fn save(path: &Path, keyring: &Keyring) -> Result<(), EventingError> {
    let keyring_error = |source| EventingError::Keyring { path: path.to_owned(), source };
    let mut json = serde_json::to_vec_pretty(keyring)
        .map_err(|source| EventingError::KeyringContent { path: path.to_owned(), source })?;
    json.push(b'\n');
    let mut temporary_name = path.as_os_str().to_owned();
    temporary_name.push(".tmp");
    let temporary_path = PathBuf::from(temporary_name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temporary_path).map_err(keyring_error)?;
    // A temporary file left by an earlier crash keeps its mode when opened; set it again.
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600)).map_err(keyring_error)?;
    file.write_all(&json).map_err(keyring_error)?;
    file.sync_all().map_err(keyring_error)?;
    drop(file);
    std::fs::rename(&temporary_path, path).map_err(keyring_error)
}

/// Loads the keyring, lets `change` edit it, and saves it.
pub fn update<T>(path: &Path, change: impl FnOnce(&mut Keyring) -> T) -> Result<T, EventingError> {
    let mut keyring = load(path)?;
    let result = change(&mut keyring);
    save(path, &keyring)?;
    Ok(result)
}

/// `DeliveryFormat` as its `haven:delivery-format` text.
mod format_text {
    use haven_wire::methods::subscription::DeliveryFormat;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(format: &DeliveryFormat, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(format.as_str())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DeliveryFormat, D::Error> {
        let text = String::deserialize(deserializer)?;
        DeliveryFormat::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

    use time::macros::datetime;

    use super::*;

    const SUBSCRIPTION: &str = "6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f";

    #[test]
    fn generated_keys_are_64_bytes_with_distinct_dated_versions() {
        let now = datetime!(2026-11-21 09:30 UTC);
        let first = generate_key(now).unwrap();
        let second = generate_key(now).unwrap();
        assert_eq!(first.key.len(), KEY_BYTES);
        assert!(first.version.as_str().starts_with("k20261121-"), "{}", first.version);
        assert_ne!(first.version, second.version);
        assert_ne!(first.key, second.key);
        assert!(!format!("{first:?}").contains(&encode_base64(&first.key)));
    }

    #[test]
    fn a_pending_key_becomes_the_subscriptions_and_a_rotation_keeps_the_old_one() {
        let now = datetime!(2026-11-21 09:30 UTC);
        let first = generate_key(now).unwrap();
        let mut keyring = Keyring::default();
        keyring.add_pending(&first);
        assert_eq!(keyring.owner(first.version.as_str()), None);
        assert_eq!(keyring.candidate_keys("00000000-0000-0000-0000-000000000000").len(), 1);
        keyring.assign(SUBSCRIPTION, &first.version, &first.key, DeliveryFormat::HealthVault, now);
        assert_eq!(keyring.owner(first.version.as_str()), Some(SUBSCRIPTION));
        assert!(keyring.candidate_keys("00000000-0000-0000-0000-000000000000").is_empty());

        let later = now + time::Duration::days(3);
        let second = generate_key(later).unwrap();
        keyring.rotate(SUBSCRIPTION, &second, DeliveryFormat::HealthVault, later);
        assert_eq!(keyring.current_key(SUBSCRIPTION).unwrap(), (second.version.clone(), second.key.clone()));
        assert_eq!(keyring.key(first.version.as_str()).unwrap(), first.key);
        assert_eq!(keyring.owner(first.version.as_str()), Some(SUBSCRIPTION));
        let candidates: Vec<String> =
            keyring.candidate_keys(SUBSCRIPTION).into_iter().map(|(version, _)| version).collect();
        assert_eq!(candidates, [second.version.as_str(), first.version.as_str()]);

        // A rotation more than the delivery deadline after the first one drops the oldest.
        let much_later = later + DELIVERY_DEADLINE + time::Duration::days(1);
        let third = generate_key(much_later).unwrap();
        keyring.rotate(SUBSCRIPTION, &third, DeliveryFormat::HealthVault, much_later);
        assert_eq!(keyring.key(first.version.as_str()), None);
        assert_eq!(keyring.key(second.version.as_str()).unwrap(), second.key);

        keyring.remove_subscription(SUBSCRIPTION);
        assert_eq!(keyring, Keyring::default());
    }

    #[test]
    fn a_saved_keyring_loads_back_owner_only_and_a_missing_one_is_empty() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("keyring.json");
        assert_eq!(load(&path).unwrap(), Keyring::default());
        let now = datetime!(2026-11-21 09:30 UTC);
        let key = generate_key(now).unwrap();
        let mut keyring = Keyring::default();
        keyring.assign(SUBSCRIPTION, &key.version, &key.key, DeliveryFormat::StandardWebhooks, now);
        save(&path, &keyring).unwrap();
        assert_eq!(load(&path).unwrap(), keyring);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"format\": \"standard-webhooks\""), "{text}");
        assert!(!format!("{keyring:?}").contains(&encode_base64(&key.key)));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::write(&path, r#"{"keys": 5}"#).unwrap();
        let error = load(&path).unwrap_err();
        assert!(error.to_string().contains("keyring.json"), "{error}");
    }
}
