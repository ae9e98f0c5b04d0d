//! The records an application was connected to, kept in a small JSON file so it can read
//! them offline after a restart: for each, the instance whose Platform holds it (the Shell's
//! `instanceid`), the person and the record. It holds ids only, never a user token.
//!
//! The file is `{"connections": [{"instance-id": "2", "person-id": "...", "record-id":
//! "..."}]}`. One process owns it: the store reads it once and writes it whole on every
//! change, to a temporary file beside it that is flushed to disk and renamed over it, so a
//! crash leaves the old file or the new one.

use std::path::{Path, PathBuf};

use haven_domain::ids::{PersonId, RecordId};
use haven_domain::topology::InstanceId;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;
use tokio::sync::Mutex;

/// A record an application was connected to, and where it lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct StoredConnection {
    /// The instance whose Platform holds the record (the Shell's `instanceid`).
    pub instance_id: InstanceId,
    /// The person, for offline calls.
    pub person_id: PersonId,
    /// The record the person authorized.
    pub record_id: RecordId,
}

impl StoredConnection {
    /// Whether this is the connection to `record_id` of `person_id`.
    fn is_for(&self, person_id: PersonId, record_id: RecordId) -> bool {
        self.person_id == person_id && self.record_id == record_id
    }
}

/// The file's content.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct StoreFile {
    connections: Vec<StoredConnection>,
}

/// The store's file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionStoreError {
    /// Reading or writing the file failed.
    #[error("the connection store {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// The file holds something other than stored connections.
    #[error("the connection store {} is not a list of connections: {source}", path.display())]
    Content {
        /// The file.
        path: PathBuf,
        /// Why it could not be read.
        source: serde_json::Error,
    },
}

/// The connections kept in one file. At most one entry per person and record; entries are
/// in the order they were last put, the newest last. Every change is on disk before the
/// call returns.
#[derive(Debug)]
pub struct ConnectionStore {
    path: PathBuf,
    connections: Mutex<Vec<StoredConnection>>,
}

impl ConnectionStore {
    /// Reads the store kept at `path`; a file that does not exist yet is an empty store
    /// (it is created, in a directory that must exist, on the first change).
    pub async fn load(path: impl Into<PathBuf>) -> Result<Self, ConnectionStoreError> {
        let path = path.into();
        let connections = match tokio::fs::read(&path).await {
            Ok(bytes) => {
                serde_json::from_slice::<StoreFile>(&bytes)
                    .map_err(|source| ConnectionStoreError::Content { path: path.clone(), source })?
                    .connections
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => return Err(ConnectionStoreError::Io { path, source }),
        };
        Ok(Self { path, connections: Mutex::new(connections) })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every stored connection, the most recently put last.
    pub async fn list(&self) -> Vec<StoredConnection> {
        self.connections.lock().await.clone()
    }

    /// The connection to `record_id` of `person_id`, if stored.
    pub async fn find(&self, person_id: PersonId, record_id: RecordId) -> Option<StoredConnection> {
        self.connections.lock().await.iter().find(|stored| stored.is_for(person_id, record_id)).cloned()
    }

    /// Stores `connection`, replacing the one to the same person and record, and makes it
    /// the newest.
    pub async fn put(&self, connection: StoredConnection) -> Result<(), ConnectionStoreError> {
        let mut connections = self.connections.lock().await;
        let mut changed: Vec<_> = connections
            .iter()
            .filter(|stored| !stored.is_for(connection.person_id, connection.record_id))
            .cloned()
            .collect();
        changed.push(connection);
        self.write(&changed).await?;
        *connections = changed;
        Ok(())
    }

    /// Forgets the connection to `record_id` of `person_id`; whether there was one.
    pub async fn remove(&self, person_id: PersonId, record_id: RecordId) -> Result<bool, ConnectionStoreError> {
        let mut connections = self.connections.lock().await;
        let changed: Vec<_> =
            connections.iter().filter(|stored| !stored.is_for(person_id, record_id)).cloned().collect();
        if changed.len() == connections.len() {
            return Ok(false);
        }
        self.write(&changed).await?;
        *connections = changed;
        Ok(true)
    }

    /// Replaces the file with `connections`: a temporary file beside it, flushed to disk,
    /// renamed over it, and the directory flushed so the rename lasts.
    async fn write(&self, connections: &[StoredConnection]) -> Result<(), ConnectionStoreError> {
        let io_error = |source| ConnectionStoreError::Io { path: self.path.clone(), source };
        let mut json = serde_json::to_vec_pretty(&StoreFile { connections: connections.to_vec() })
            .map_err(|source| ConnectionStoreError::Content { path: self.path.clone(), source })?;
        json.push(b'\n');
        let mut temporary_name = self.path.as_os_str().to_owned();
        temporary_name.push(".tmp");
        let temporary_path = PathBuf::from(temporary_name);
        let mut file = tokio::fs::File::create(&temporary_path).await.map_err(io_error)?;
        file.write_all(&json).await.map_err(io_error)?;
        file.sync_all().await.map_err(io_error)?;
        drop(file);
        tokio::fs::rename(&temporary_path, &self.path).await.map_err(io_error)?;
        #[cfg(unix)]
        if let Some(directory) = self.path.parent() {
            let directory = if directory.as_os_str().is_empty() { Path::new(".") } else { directory };
            tokio::fs::File::open(directory).await.map_err(io_error)?.sync_all().await.map_err(io_error)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

    use super::*;

    fn connection(instance: &str, person: &str, record: &str) -> StoredConnection {
        StoredConnection {
            instance_id: InstanceId::parse(instance).unwrap(),
            person_id: PersonId::parse(&format!("11111111-2222-3333-4444-{person:0>12}")).unwrap(),
            record_id: RecordId::parse(&format!("66666666-7777-8888-9999-{record:0>12}")).unwrap(),
        }
    }

    #[tokio::test]
    async fn connections_round_trip_through_the_file() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("connections.json");
        let store = ConnectionStore::load(&path).await.unwrap();
        assert_eq!(store.list().await, []);
        assert!(!path.exists(), "loading creates nothing");

        let (first, second) = (connection("1", "1", "1"), connection("2", "2", "2"));
        store.put(first.clone()).await.unwrap();
        store.put(second.clone()).await.unwrap();
        // The same person and record again: replaced, and now the newest.
        let moved = connection("2", "1", "1");
        store.put(moved.clone()).await.unwrap();
        assert_eq!(store.list().await, [second.clone(), moved.clone()]);

        let reloaded = ConnectionStore::load(&path).await.unwrap();
        assert_eq!(reloaded.list().await, [second.clone(), moved.clone()]);
        assert_eq!(reloaded.find(moved.person_id, moved.record_id).await, Some(moved.clone()));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"instance-id\": \"2\""), "{text}");

        assert!(reloaded.remove(second.person_id, second.record_id).await.unwrap());
        assert!(!reloaded.remove(second.person_id, second.record_id).await.unwrap());
        assert_eq!(ConnectionStore::load(&path).await.unwrap().list().await, [moved]);
        assert!(!directory.path().join("connections.json.tmp").exists());
    }

    #[tokio::test]
    async fn a_file_of_something_else_is_an_error_naming_it() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("weight-web.json");
        for content in ["{}", "not json", r#"{"instance-id": "1"}"#] {
            std::fs::write(&path, content).unwrap();
            let error = ConnectionStore::load(&path).await.unwrap_err();
            assert!(matches!(error, ConnectionStoreError::Content { .. }), "{error}");
            assert!(error.to_string().contains("weight-web.json"), "{error}");
        }
    }

    #[tokio::test]
    async fn a_write_that_fails_names_the_file_and_changes_nothing() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("missing-directory").join("connections.json");
        let store = ConnectionStore::load(&path).await.unwrap();
        let error = store.put(connection("1", "1", "1")).await.unwrap_err();
        assert!(error.to_string().contains("connections.json"), "{error}");
        assert_eq!(store.list().await, []);
    }
}
