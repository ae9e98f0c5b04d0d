//! Helpers for the thing-type tests: the HealthVault reference samples, read from the shared
//! reference directory beside the workspace, and shorthands for validation results.

use std::path::{Path, PathBuf};

use super::{ThingDataError, ValidatedData, by_id};
use crate::ids::ThingTypeId;

const SAMPLE_DIRECTORY: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/reference/healthvault-docs/reference/sample-xml");

/// The sample directory, or `None` (after saying so) when `../shared` is not checked out.
/// Under CI (`CI` set) the samples must be there: a missing directory fails the test.
pub(super) fn sample_directory() -> Option<PathBuf> {
    let directory = Path::new(SAMPLE_DIRECTORY);
    if directory.is_dir() {
        Some(directory.to_path_buf())
    } else if std::env::var_os("CI").is_some() {
        panic!(
            "the HealthVault samples are missing ({SAMPLE_DIRECTORY}); CI is set, so this fails instead of skipping"
        );
    } else {
        println!("sample tests skipped: ../shared is missing (no {SAMPLE_DIRECTORY})");
        None
    }
}

/// The sample of a type, whose file name is the type id in any case.
#[allow(clippy::disallowed_methods, reason = "tests read the HealthVault reference samples")]
pub(super) fn read_sample(directory: &Path, type_id: ThingTypeId) -> Option<String> {
    let wanted = format!("{type_id}.xml");
    let entries = std::fs::read_dir(directory).unwrap();
    let path = entries
        .map(|entry| entry.unwrap().path())
        .find(|path| path.file_name().is_some_and(|name| name.to_string_lossy().to_lowercase() == wanted))?;
    Some(std::fs::read_to_string(path).unwrap())
}

/// Validates the reference sample of a type, or `None` when the samples are absent.
pub(super) fn validate_sample(type_id: ThingTypeId) -> Option<ValidatedData> {
    let directory = sample_directory()?;
    let sample = read_sample(&directory, type_id).unwrap_or_else(|| panic!("no sample for {type_id}"));
    Some(validate(type_id, &sample).unwrap_or_else(|error| panic!("the sample of {type_id} is rejected: {error}")))
}

/// Validates data as the registered type with this id.
pub(super) fn validate(type_id: ThingTypeId, data_xml: &str) -> Result<ValidatedData, ThingDataError> {
    by_id(type_id).unwrap().validate(data_xml)
}

/// The error text for data that must be rejected.
pub(super) fn rejection(type_id: ThingTypeId, data_xml: &str) -> String {
    match validate(type_id, data_xml) {
        Ok(validated) => panic!("accepted invalid data {data_xml}: {validated:?}"),
        Err(error) => error.to_string(),
    }
}
