use haven_domain::authorization::RecordAuthAction;
use time::macros::datetime;

use super::*;
use crate::record_info::RecordInfo;
use crate::response::{Response, parse_response, response_schema_name};
use crate::testing::{ReferenceDocs, Xmllint};

fn response() -> GetPersonAndRecordForAlternateIdResponse {
    let record_id = RecordId::parse("7a231675-4e78-451f-b94d-1e05b2a24586").unwrap();
    GetPersonAndRecordForAlternateIdResponse {
        person: PersonInfo {
            person_id: PersonId::parse("f2455640-2294-4e8f-99b0-a386fd478699").unwrap(),
            name: "Ana López".to_owned(),
            selected_record_id: None,
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
            preferred_culture: None,
            location_country: None,
        },
    }
}

/// The .NET SDK's `GetPersonAndRecordForAlternateIdAsync` sends the id as `alternate-id`.
#[test]
fn requests_round_trip() {
    let request =
        GetPersonAndRecordForAlternateIdRequest::parse_info(1, "<info><alternate-id>MRN-0042</alternate-id></info>")
            .unwrap();
    assert_eq!(request.alternate_id.as_str(), "MRN-0042");
    assert_eq!(GetPersonAndRecordForAlternateIdRequest::parse_info(1, &request.to_info_xml()).unwrap(), request);
    assert!(matches!(
        GetPersonAndRecordForAlternateIdRequest::parse_info(1, "<info><alternate-id>  </alternate-id></info>"),
        Err(WireError::InvalidValue { element: "alternate-id", .. })
    ));
}

#[test]
fn response_round_trips_and_names_the_record() {
    let response = response();
    assert_eq!(response.person_id().to_string(), "f2455640-2294-4e8f-99b0-a386fd478699");
    assert_eq!(response.record_id().map(|id| id.to_string()).as_deref(), Some("7a231675-4e78-451f-b94d-1e05b2a24586"));
    let info = response.to_info();
    assert_eq!(Some(info.schema.as_str()), response_schema_name(METHOD, 1));
    let written = Response::ok(info).to_xml();
    let parsed = parse_response(&written).unwrap().info.unwrap();
    assert_eq!(parsed.schema(), Some(RESPONSE_SCHEMA));
    assert_eq!(GetPersonAndRecordForAlternateIdResponse::parse_info_xml(parsed.inner_xml).unwrap(), response);
    let mut no_record = response.clone();
    no_record.person.records.clear();
    assert_eq!(no_record.record_id(), None);
}

#[test]
fn responses_validate_against_the_xsd() {
    let Some(docs) = ReferenceDocs::locate("GetPersonAndRecordForAlternateId XSD validation") else {
        return;
    };
    let Some(xmllint) = Xmllint::locate("GetPersonAndRecordForAlternateId XSD validation", &docs) else {
        return;
    };
    let info = response().to_info();
    let standalone = format!(r#"<wc:info xmlns:wc="{}">{}</wc:info>"#, info.namespace(), info.inner_xml);
    if let Err(report) = xmllint.validate("response-getpersonandrecordforalternateid.xsd", &standalone) {
        panic!("GetPersonAndRecordForAlternateId does not validate:\n{report}");
    }
}
