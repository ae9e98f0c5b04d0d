use time::macros::datetime;

use super::*;
use crate::methods::connect_fields::qualified_info;
use crate::methods::subscribe_to_event::tests::envelope;
use crate::request::parse_request;
use crate::response::{Response, parse_info_element, parse_response, response_schema_name};
use crate::testing::Xmllint;

const PERSON: &str = "2d44d876-3bde-482b-a2af-ba133bc41fa9";
const RECORD: &str = "7a2f1c3e-0000-4000-8000-000000000001";
const APPLICATION: &str = "58d02387-f5c2-44b7-b0c6-f1baa85d9784";

fn connect_request(external_id: &str, app_specific: Option<&str>) -> AuthorizedConnectRequest {
    AuthorizedConnectRequest {
        person_id: PersonId::parse(PERSON).unwrap(),
        record_id: RecordId::parse(RECORD).unwrap(),
        app_specific_record_id: app_specific.map(str::to_owned),
        application_id: ApplicationId::parse(APPLICATION).unwrap(),
        external_id: external_id.to_owned(),
    }
}

fn response() -> GetAuthorizedConnectRequestsResponse {
    GetAuthorizedConnectRequestsResponse {
        connect_requests: vec![
            connect_request("patient-7", Some("a1b2c3d4-0000-4000-8000-00000000000f")),
            connect_request("patient & <8>", None),
        ],
    }
}

#[test]
fn requests_round_trip() {
    let with_date = GetAuthorizedConnectRequestsRequest { since: Some(datetime!(2026-11-21 12:00:00.250 UTC)) };
    let info = with_date.to_info_xml();
    assert_eq!(
        info,
        "<info><authorized-connect-requests-since>2026-11-21T12:00:00.250Z</authorized-connect-requests-since></info>"
    );
    assert_eq!(GetAuthorizedConnectRequestsRequest::parse_info(1, &info).unwrap(), with_date);
    let without = GetAuthorizedConnectRequestsRequest { since: None };
    assert_eq!(without.to_info_xml(), "<info/>");
    for empty in ["<info/>", ""] {
        let parsed =
            GetAuthorizedConnectRequestsRequest::from_request(&parse_request(&envelope(METHOD, 1, empty)).unwrap());
        assert_eq!(parsed, Ok(without));
    }
    let local =
        "<info><authorized-connect-requests-since>2026-11-21T13:00:00+01:00</authorized-connect-requests-since></info>";
    assert_eq!(
        GetAuthorizedConnectRequestsRequest::parse_info(1, local).unwrap().since,
        Some(datetime!(2026-11-21 12:00 UTC))
    );
}

#[test]
fn bad_requests_are_named() {
    assert_eq!(
        GetAuthorizedConnectRequestsRequest::parse_info(2, "<info/>"),
        Err(WireError::UnsupportedMethodVersion { method: METHOD, version: 2 })
    );
    let error = GetAuthorizedConnectRequestsRequest::parse_info(
        1,
        "<info><authorized-connect-requests-since>yesterday</authorized-connect-requests-since></info>",
    )
    .unwrap_err();
    assert!(
        matches!(error, WireError::InvalidDateTime { element: "authorized-connect-requests-since", .. }),
        "{error}"
    );
    assert_eq!(error.status_code(), crate::StatusCode::INVALID_XML);
}

#[test]
fn responses_round_trip() {
    let answer = response();
    let info = answer.to_info();
    assert_eq!(Some(info.schema.as_str()), response_schema_name(METHOD, 1));
    assert!(
        info.inner_xml.starts_with(&format!(
            r#"<connect-request><person-id>{PERSON}</person-id><record-id app-specific-record-id="a1b2c3d4-0000-4000-8000-00000000000f">{RECORD}</record-id>"#
        )),
        "{}",
        info.inner_xml
    );
    let written = Response::ok(info).to_xml();
    let parsed = parse_response(&written).unwrap().info.unwrap();
    assert_eq!(parsed.schema(), Some(RESPONSE_SCHEMA));
    assert_eq!(GetAuthorizedConnectRequestsResponse::parse_info_xml(parsed.inner_xml).unwrap(), answer);
    let none = GetAuthorizedConnectRequestsResponse { connect_requests: Vec::new() };
    assert_eq!(none.to_info().inner_xml, "");
    assert_eq!(GetAuthorizedConnectRequestsResponse::parse_info_xml("").unwrap(), none);
}

/// The answer as written by hand from `response-getauthorizedconnectrequests.xsd`, with the
/// unimplemented `resume-key` and ids in capitals.
const HAND_WRITTEN_RESPONSE: &str = concat!(
    r#"<wc:info xmlns:wc="urn:com.microsoft.wc.methods.response.GetAuthorizedConnectRequests">"#,
    "\n  <resume-key>2026-11-21T12:00:00Z</resume-key>",
    "\n  <connect-request>",
    "\n    <person-id>2D44D876-3BDE-482B-A2AF-BA133BC41FA9</person-id>",
    "\n    <record-id app-specific-record-id=\"x-1\">7a2f1c3e-0000-4000-8000-000000000001</record-id>",
    "\n    <app-id>58d02387-f5c2-44b7-b0c6-f1baa85d9784</app-id>",
    "\n    <external-id>patient-7</external-id>",
    "\n  </connect-request>",
    "\n</wc:info>"
);

#[test]
fn reads_a_hand_written_response() {
    let info = parse_info_element(HAND_WRITTEN_RESPONSE).unwrap();
    assert_eq!(info.schema(), Some(RESPONSE_SCHEMA));
    let answer = GetAuthorizedConnectRequestsResponse::parse_info_xml(info.inner_xml).unwrap();
    assert_eq!(answer.connect_requests, vec![connect_request("patient-7", Some("x-1"))]);
}

#[test]
fn bad_responses_are_named() {
    let full = response().to_info().inner_xml;
    let without_app = full.replacen(&format!("<app-id>{APPLICATION}</app-id>"), "", 1);
    assert_eq!(
        GetAuthorizedConnectRequestsResponse::parse_info_xml(&without_app),
        Err(WireError::MissingElement { parent: "connect-request", element: "app-id" })
    );
    let bad_person = full.replacen(PERSON, "someone", 1);
    let error = GetAuthorizedConnectRequestsResponse::parse_info_xml(&bad_person).unwrap_err();
    assert!(matches!(error, WireError::InvalidGuid { element: "connect-request/person-id", .. }), "{error}");
    let without_record = full.replacen(&format!("<record-id>{RECORD}</record-id>"), "", 1);
    assert_eq!(
        GetAuthorizedConnectRequestsResponse::parse_info_xml(&without_record),
        Err(WireError::MissingElement { parent: "connect-request", element: "record-id" })
    );
}

#[test]
fn requests_and_responses_validate_against_the_xsds() {
    let Some(xmllint) = Xmllint::for_test("GetAuthorizedConnectRequests XSD validation") else {
        return;
    };
    for request in [
        GetAuthorizedConnectRequestsRequest { since: Some(datetime!(2026-11-21 12:00:00.250 UTC)) },
        GetAuthorizedConnectRequestsRequest { since: None },
    ] {
        let standalone =
            qualified_info(&request.to_info_xml(), "urn:com.microsoft.wc.methods.GetAuthorizedConnectRequests");
        if let Err(report) = xmllint.validate("method-getauthorizedconnectrequests.xsd", &standalone) {
            panic!("the GetAuthorizedConnectRequests request does not validate:\n{report}");
        }
    }
    let empty = GetAuthorizedConnectRequestsResponse { connect_requests: Vec::new() };
    for answer in [response(), empty] {
        let info = answer.to_info();
        let standalone = format!(r#"<wc:info xmlns:wc="{}">{}</wc:info>"#, info.namespace(), info.inner_xml);
        if let Err(report) = xmllint.validate("response-getauthorizedconnectrequests.xsd", &standalone) {
            panic!("the GetAuthorizedConnectRequests response does not validate:\n{report}");
        }
    }
    if let Err(report) = xmllint.validate("response-getauthorizedconnectrequests.xsd", HAND_WRITTEN_RESPONSE) {
        panic!("the hand-written GetAuthorizedConnectRequests response does not validate:\n{report}");
    }
}
