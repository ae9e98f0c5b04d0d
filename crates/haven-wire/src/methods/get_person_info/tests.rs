use haven_domain::authorization::RecordAuthAction;
use time::macros::datetime;

use super::*;
use crate::response::{Response, parse_info_element, parse_response};
use crate::testing::{ReferenceDocs, Xmllint};

fn person_info() -> PersonInfo {
    let record_id = RecordId::parse("7a231675-4e78-451f-b94d-1e05b2a24586").unwrap();
    PersonInfo {
        person_id: PersonId::parse("f2455640-2294-4e8f-99b0-a386fd478699").unwrap(),
        name: "Ana López".to_owned(),
        selected_record_id: Some(record_id),
        records: vec![RecordInfo {
            id: record_id,
            name: "Ana López".to_owned(),
            is_custodian: true,
            relationship_type: 1,
            relationship_name: "Self".to_owned(),
            auth_expires: None,
            display_name: "Ana".to_owned(),
            state: "Active".to_owned(),
            created_at: datetime!(2026-01-02 03:04:05.678 UTC),
            max_size_bytes: 4_294_967_296,
            size_bytes: 7204,
            auth_action: RecordAuthAction::NoActionRequired,
            location_country: Some("US".to_owned()),
            latest_operation_sequence: 36,
        }],
        preferred_culture: Some("en-US".to_owned()),
        location_country: Some("US".to_owned()),
    }
}

#[test]
fn round_trips() {
    let written = Response::ok(person_info().to_info()).to_xml();
    let info = parse_response(&written).unwrap().info.unwrap();
    assert_eq!(info.schema(), Some("GetPersonInfo"));
    assert_eq!(PersonInfo::parse_info_xml(info.inner_xml).unwrap(), person_info());
}

#[test]
fn reads_the_sdk_sample() {
    let Some(docs) = ReferenceDocs::locate("PersonInfoSample.xml") else {
        return;
    };
    let sample = docs.read("wire-samples/dotnetstandard-sdk-unittest-samples/PersonInfoSample.xml");
    let info = parse_info_element(&sample).unwrap();
    let person = PersonInfo::parse_info_xml(info.inner_xml).unwrap();
    assert_eq!(person.name, "Hatim Saleem");
    assert_eq!(person.records.len(), 1);
    assert_eq!(person.records[0].latest_operation_sequence, 36);
    assert_eq!(person.records[0].auth_expires, None);
    assert_eq!(person.location_country.as_deref(), Some("US"));
}

#[test]
fn responses_validate_against_the_xsd() {
    let Some(docs) = ReferenceDocs::locate("GetPersonInfo XSD validation") else {
        return;
    };
    let Some(xmllint) = Xmllint::locate("GetPersonInfo XSD validation", &docs) else {
        return;
    };
    let info = person_info().to_info();
    let standalone = format!(r#"<wc:info xmlns:wc="{}">{}</wc:info>"#, info.namespace(), info.inner_xml);
    if let Err(report) = xmllint.validate("response-getpersoninfo.xsd", &standalone) {
        panic!("GetPersonInfo does not validate:\n{report}");
    }
}

#[test]
fn request_options_are_read() {
    let body = r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header><method>GetPersonInfo</method><method-version>1</method-version><app-id>05a059c9-c309-46af-9b86-b06d42510550</app-id></header><info><group-membership>true</group-membership></info></wc-request:request>"#;
    let request = crate::request::parse_request(body).unwrap();
    let parsed = GetPersonInfoRequest::from_request(&request).unwrap();
    assert!(parsed.group_membership);
    assert!(!parsed.effective_record_permissions);
}
