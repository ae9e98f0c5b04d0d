//! The data file: the connection a person made, kept as JSON so the application can read
//! their record offline after a restart. It holds ids only, never a user token.

use std::path::Path;

use haven_domain::ids::{PersonId, RecordId};
use haven_domain::topology::InstanceId;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;

use crate::error::AppError;

/// Who connected, and where their record is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct StoredConnection {
    /// The instance whose Platform holds the record (the Shell's `instanceid`).
    pub instance_id: InstanceId,
    /// The person, for offline calls.
    pub person_id: PersonId,
    /// The record the person selected for the application.
    pub record_id: RecordId,
}

/// Reads the stored connection; `None` when the file does not exist yet.
pub(crate) async fn load(path: &Path) -> Result<Option<StoredConnection>, AppError> {
    let bytes = match tokio::fs::read(path).await {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(AppError::DataFile { path: path.to_owned(), source }),
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|source| AppError::DataFileContent { path: path.to_owned(), source })
}

/// Replaces the stored connection: writes a temporary file beside `path`, flushes it to
/// disk and renames it over `path`, so a crash leaves the old file or the new one.
pub(crate) async fn save(path: &Path, connection: &StoredConnection) -> Result<(), AppError> {
    let data_file_error = |source| AppError::DataFile { path: path.to_owned(), source };
    let mut json = serde_json::to_vec_pretty(connection)
        .map_err(|source| AppError::DataFileContent { path: path.to_owned(), source })?;
    json.push(b'\n');
    let mut temporary_name = path.as_os_str().to_owned();
    temporary_name.push(".tmp");
    let temporary_path = Path::new(&temporary_name);
    let mut file = tokio::fs::File::create(temporary_path).await.map_err(data_file_error)?;
    file.write_all(&json).await.map_err(data_file_error)?;
    file.sync_all().await.map_err(data_file_error)?;
    drop(file);
    tokio::fs::rename(temporary_path, path).await.map_err(data_file_error)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

    use super::*;

    #[tokio::test]
    async fn a_saved_connection_loads_back_and_a_missing_file_is_none() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("weight-web.json");
        assert_eq!(load(&path).await.unwrap(), None);
        let connection = StoredConnection {
            instance_id: InstanceId::parse("2").unwrap(),
            person_id: PersonId::parse("11111111-2222-3333-4444-555555555555").unwrap(),
            record_id: RecordId::parse("66666666-7777-8888-9999-000000000000").unwrap(),
        };
        save(&path, &connection).await.unwrap();
        assert_eq!(load(&path).await.unwrap(), Some(connection));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"instance-id\": \"2\""), "{text}");
    }

    #[tokio::test]
    async fn a_file_of_something_else_is_an_error_naming_it() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("weight-web.json");
        std::fs::write(&path, "{}").unwrap();
        let error = load(&path).await.unwrap_err();
        assert!(error.to_string().contains("weight-web.json"), "{error}");
    }
}
