//! Golden test: every response sample from Microsoft's .NET SDK tests (in
//! `../shared/reference/healthvault-docs/wire-samples/`) is read with this crate's readers:
//! the envelope and `wc:info` namespace always, and the typed response wherever this crate
//! has the method. Samples of methods outside this crate's scope so far are listed as such
//! and still parsed as envelopes.

use crate::methods::get_alternate_ids::GetAlternateIdsResponse;
use crate::methods::get_application_settings::ApplicationSettings;
use crate::methods::get_authorized_people::GetAuthorizedPeopleResponse;
use crate::methods::get_authorized_records::GetAuthorizedRecordsResponse;
use crate::methods::get_person_info::PersonInfo;
use crate::methods::get_service_definition::ServiceDefinition;
use crate::methods::get_things::GetThingsResponse;
use crate::methods::new_application_creation_info::NewApplicationCreationInfo;
use crate::methods::select_instance::SelectInstanceResponse;
use crate::response::{parse_info_element, parse_response};
use crate::testing::ReferenceDocs;
use crate::thing_xml::parse_wire_thing;

const DIRECTORY: &str = "wire-samples/dotnetstandard-sdk-unittest-samples";

/// How each sample is read, by file name.
fn read_typed(file: &str, schema: Option<&str>, inner_xml: &str) -> Result<&'static str, String> {
    let typed = match (file, schema) {
        (_, Some("GetApplicationSettings")) => {
            ApplicationSettings::parse_info_xml(inner_xml).map(|_| "ApplicationSettings")
        }
        (_, Some("GetAuthorizedPeople")) => {
            GetAuthorizedPeopleResponse::parse_info_xml(inner_xml).map(|_| "GetAuthorizedPeopleResponse")
        }
        (_, Some("GetAuthorizedRecords")) => {
            GetAuthorizedRecordsResponse::parse_info_xml(inner_xml).map(|_| "GetAuthorizedRecordsResponse")
        }
        (_, Some("GetPersonInfo")) => PersonInfo::parse_info_xml(inner_xml).map(|_| "PersonInfo"),
        (_, Some("GetServiceDefinition2")) => ServiceDefinition::parse_info_xml(inner_xml).map(|_| "ServiceDefinition"),
        (_, Some("GetThings3")) => GetThingsResponse::parse_info_xml(inner_xml).map(|_| "GetThingsResponse"),
        (_, Some("GetAlternateIds")) => {
            GetAlternateIdsResponse::parse_info_xml(inner_xml).map(|_| "GetAlternateIdsResponse")
        }
        (_, Some("NewApplicationCreationInfo")) => {
            NewApplicationCreationInfo::parse_info_xml(inner_xml).map(|_| "NewApplicationCreationInfo")
        }
        (_, Some("SelectInstance")) => {
            SelectInstanceResponse::parse_info_xml(inner_xml).map(|_| "SelectInstanceResponse")
        }
        // Methods of later issues: GetVocabulary and SearchVocabulary (vocabularies).
        (_, Some("GetVocabulary" | "SearchVocabulary")) => {
            return Ok("envelope only (method not implemented yet)");
        }
        (_, other) => return Err(format!("{file}: no reader for schema {other:?}")),
    };
    typed.map_err(|error| format!("{file}: {error}"))
}

#[test]
fn every_sample_is_read() {
    let Some(docs) = ReferenceDocs::locate("golden wire samples") else { return };
    let directory = docs.path(DIRECTORY);
    let mut files: Vec<String> = std::fs::read_dir(&directory)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".xml"))
        .collect();
    files.sort();
    assert!(files.len() >= 19, "expected the SDK's samples, found {files:?}");
    let mut failures = Vec::new();
    for file in &files {
        let text = docs.read(&format!("{DIRECTORY}/{file}"));
        let text = text.trim_start_matches('\u{feff}').trim_start();
        let body = text
            .strip_prefix("<?xml")
            .map_or(text, |rest| rest.split_once("?>").map_or(rest, |(_, after)| after))
            .trim_start();
        let outcome = if body.starts_with("<thing") {
            parse_wire_thing(body).map(|_| "WireThing").map_err(|error| format!("{file}: {error}"))
        } else if body.starts_with("<response") {
            match parse_response(body) {
                Ok(response) => match response.info {
                    Some(info) => read_typed(file, info.schema(), info.inner_xml),
                    None => Err(format!("{file}: no wc:info")),
                },
                Err(error) => Err(format!("{file}: {error}")),
            }
        } else {
            match parse_info_element(body) {
                Ok(info) => read_typed(file, info.schema(), info.inner_xml),
                Err(error) => Err(format!("{file}: {error}")),
            }
        };
        match outcome {
            Ok(reader) => println!("{file}: read as {reader}"),
            Err(error) => failures.push(error),
        }
    }
    assert!(failures.is_empty(), "samples not read:\n{}", failures.join("\n"));
}
