use haven_domain::authorization::RecordAuthAction;
use time::macros::datetime;

use super::*;
use crate::request::parse_request;
use crate::response::{Response, parse_info_element, parse_response, response_schema_name};
use crate::testing::{ReferenceDocs, Xmllint};

fn record(id: &str, name: &str, custodian: bool) -> RecordInfo {
    RecordInfo {
        id: RecordId::parse(id).unwrap(),
        name: name.to_owned(),
        is_custodian: custodian,
        relationship_type: if custodian { 1 } else { 4 },
        relationship_name: if custodian { "Self" } else { "Child" }.to_owned(),
        auth_expires: if custodian { None } else { Some(datetime!(2027-06-30 12:00 UTC)) },
        display_name: name.to_owned(),
        state: "Active".to_owned(),
        created_at: datetime!(2026-01-02 03:04:05.678 UTC),
        max_size_bytes: 4_294_967_296,
        size_bytes: 7204,
        auth_action: RecordAuthAction::NoActionRequired,
        location_country: custodian.then(|| "US".to_owned()),
        latest_operation_sequence: 36,
    }
}

fn response() -> GetAuthorizedRecordsResponse {
    GetAuthorizedRecordsResponse {
        records: vec![
            record("7a231675-4e78-451f-b94d-1e05b2a24586", "Ana López", true),
            record("0b6e0f55-3a3d-4bc1-9f0a-3c8f4a1d2e7b", "Tomás & Co", false),
        ],
    }
}

/// What the .NET SDK's `GetAuthorizedRecordsAsync` sends: one `<id>` per record, GUIDs in
/// .NET's default form.
#[test]
fn reads_the_dotnet_request_and_round_trips() {
    let body = concat!(
        r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header>"#,
        "<method>GetAuthorizedRecords</method><method-version>1</method-version>",
        "<app-id>05a059c9-c309-46af-9b86-b06d42510550</app-id></header><info>",
        "<id>7a231675-4e78-451f-b94d-1e05b2a24586</id><id>0B6E0F55-3A3D-4BC1-9F0A-3C8F4A1D2E7B</id>",
        "</info></wc-request:request>"
    );
    let request = GetAuthorizedRecordsRequest::from_request(&parse_request(body).unwrap()).unwrap();
    let expected: Vec<_> = response().records.iter().map(|record| record.id).collect();
    assert_eq!(request.record_ids, expected);
    assert_eq!(GetAuthorizedRecordsRequest::parse_info(1, &request.to_info_xml()).unwrap(), request);
}

#[test]
fn bad_requests_are_named() {
    assert_eq!(
        GetAuthorizedRecordsRequest::parse_info(1, "<info/>"),
        Err(WireError::MissingElement { parent: "info", element: "id" })
    );
    assert!(matches!(
        GetAuthorizedRecordsRequest::parse_info(1, "<info><id>self</id></info>"),
        Err(WireError::InvalidGuid { element: "id", .. })
    ));
    assert_eq!(
        GetAuthorizedRecordsRequest::parse_info(2, "<info><id>7a231675-4e78-451f-b94d-1e05b2a24586</id></info>"),
        Err(WireError::UnsupportedMethodVersion { method: METHOD, version: 2 })
    );
}

#[test]
fn response_round_trips() {
    let info = response().to_info();
    assert_eq!(Some(info.schema.as_str()), response_schema_name(METHOD, 1));
    let written = Response::ok(info).to_xml();
    let parsed = parse_response(&written).unwrap().info.unwrap();
    assert_eq!(parsed.schema(), Some(RESPONSE_SCHEMA));
    assert_eq!(GetAuthorizedRecordsResponse::parse_info_xml(parsed.inner_xml).unwrap(), response());
    let empty = GetAuthorizedRecordsResponse { records: Vec::new() };
    assert_eq!(empty.to_info().inner_xml, "");
    assert_eq!(GetAuthorizedRecordsResponse::parse_info_xml("").unwrap(), empty);
}

#[test]
fn reads_the_sdk_sample() {
    let Some(docs) = ReferenceDocs::locate("AuthorizedRecordsSample.xml") else {
        return;
    };
    let sample = docs.read("wire-samples/dotnetstandard-sdk-unittest-samples/AuthorizedRecordsSample.xml");
    let info = parse_info_element(sample.trim()).unwrap();
    assert_eq!(info.schema(), Some(RESPONSE_SCHEMA));
    let parsed = GetAuthorizedRecordsResponse::parse_info_xml(info.inner_xml).unwrap();
    let [record] = parsed.records.as_slice() else { panic!("one record expected") };
    assert_eq!(record.id.to_string(), "7a231675-4e78-451f-b94d-1e05b2a24586");
    assert_eq!(record.name, "Hatim Saleem");
    assert_eq!(record.display_name, "Hatim");
    assert!(record.is_custodian);
    assert_eq!(record.auth_expires, None);
    assert_eq!(record.created_at, datetime!(2015-12-12 01:58:17.24 UTC));
    assert_eq!(record.latest_operation_sequence, 36);
    assert_eq!(record.location_country.as_deref(), Some("US"));
}

#[test]
fn responses_validate_against_the_xsd() {
    let Some(docs) = ReferenceDocs::locate("GetAuthorizedRecords XSD validation") else {
        return;
    };
    let Some(xmllint) = Xmllint::locate("GetAuthorizedRecords XSD validation", &docs) else {
        return;
    };
    for response in [response(), GetAuthorizedRecordsResponse { records: Vec::new() }] {
        let info = response.to_info();
        let standalone = format!(r#"<wc:info xmlns:wc="{}">{}</wc:info>"#, info.namespace(), info.inner_xml);
        if let Err(report) = xmllint.validate("response-getauthorizedrecords.xsd", &standalone) {
            panic!("GetAuthorizedRecords does not validate:\n{report}");
        }
    }
}
