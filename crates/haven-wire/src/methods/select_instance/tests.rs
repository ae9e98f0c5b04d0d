use haven_domain::topology::InstanceId;

use super::*;
use crate::request::parse_request;
use crate::response::{Response, parse_info_element, parse_response, response_schema_name};
use crate::testing::{ReferenceDocs, Xmllint};

const SAMPLE: &str = "wire-samples/dotnetstandard-sdk-unittest-samples/InstanceSample.xml";

fn eu() -> ServiceInstance {
    ServiceInstance {
        id: InstanceId::parse("2").unwrap(),
        name: "EU".to_owned(),
        description: "EU instance".to_owned(),
        platform_url: "https://platform.example.eu/platform/wildcat.ashx".to_owned(),
        shell_url: "https://account.example.eu/".to_owned(),
    }
}

fn request(country: &str, state: Option<&str>) -> SelectInstanceRequest {
    SelectInstanceRequest {
        preferred_location: PreferredLocation {
            country: CountryCode::parse(country).unwrap(),
            state_province: state.map(str::to_owned),
        },
    }
}

/// The request as the .NET SDK writes it (`Location("US", "WA")`), anonymous.
#[test]
fn reads_the_sdk_request() {
    let body = concat!(
        r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header>"#,
        "<method>SelectInstance</method><method-version>1</method-version>",
        "<app-id>6556d00c-cb8d-4004-90d6-8be528420ff7</app-id><language>en</language><country>US</country>",
        "<msg-time>2026-11-21T12:00:00Z</msg-time><msg-ttl>1800</msg-ttl><version>test</version></header>",
        "<info><preferred-location><country>us</country><state-province> WA </state-province>",
        "</preferred-location></info></wc-request:request>"
    );
    let parsed = SelectInstanceRequest::from_request(&parse_request(body).unwrap()).unwrap();
    assert_eq!(parsed, request("US", Some("WA")));
    let version_two = body.replace("<method-version>1</method-version>", "<method-version>2</method-version>");
    assert_eq!(
        SelectInstanceRequest::from_request(&parse_request(&version_two).unwrap()),
        Err(WireError::UnsupportedMethodVersion { method: METHOD, version: 2 })
    );
}

#[test]
fn requests_round_trip() {
    for written in [request("NL", None), request("US", Some("WA"))] {
        assert_eq!(SelectInstanceRequest::parse_info(&written.to_info_xml()).unwrap(), written);
    }
    assert_eq!(
        request("NL", None).to_info_xml(),
        "<info><preferred-location><country>NL</country></preferred-location></info>"
    );
    let blank_state =
        "<info><preferred-location><country>DE</country><state-province> </state-province></preferred-location></info>";
    assert_eq!(SelectInstanceRequest::parse_info(blank_state).unwrap(), request("DE", None));
}

#[test]
fn bad_requests_name_what_is_wrong() {
    let unknown = SelectInstanceRequest::parse_info(
        "<info><preferred-location><country>ZZ</country></preferred-location></info>",
    )
    .unwrap_err();
    assert!(matches!(unknown, WireError::InvalidValue { element: "country", .. }), "{unknown}");
    assert_eq!(unknown.status_code(), crate::StatusCode::INVALID_XML);
    assert!(unknown.to_string().contains("ISO 3166-1") && unknown.to_string().contains("\"ZZ\""), "{unknown}");
    for not_a_code in ["USA", "", "1"] {
        let info = format!("<info><preferred-location><country>{not_a_code}</country></preferred-location></info>");
        assert!(SelectInstanceRequest::parse_info(&info).is_err(), "{not_a_code:?} was accepted");
    }
    assert_eq!(
        SelectInstanceRequest::parse_info("<info/>"),
        Err(WireError::MissingElement { parent: "info", element: "preferred-location" })
    );
    assert_eq!(
        SelectInstanceRequest::parse_info("<info><preferred-location/></info>"),
        Err(WireError::MissingElement { parent: "preferred-location", element: "country" })
    );
    let long_state = SelectInstanceRequest::parse_info(
        "<info><preferred-location><country>US</country><state-province>WASH</state-province></preferred-location></info>",
    )
    .unwrap_err();
    assert!(matches!(long_state, WireError::InvalidValue { element: "state-province", .. }), "{long_state}");
}

#[test]
fn responses_round_trip() {
    for answer in
        [SelectInstanceResponse { selected_instance: Some(eu()) }, SelectInstanceResponse { selected_instance: None }]
    {
        let info = answer.to_info();
        assert_eq!(Some(info.schema.as_str()), response_schema_name(METHOD, 1));
        let written = Response::ok(info).to_xml();
        let parsed = parse_response(&written).unwrap().info.unwrap();
        assert_eq!(parsed.schema(), Some(RESPONSE_SCHEMA));
        assert_eq!(SelectInstanceResponse::parse_info_xml(parsed.inner_xml).unwrap(), answer);
    }
    assert_eq!(SelectInstanceResponse { selected_instance: None }.to_info().inner_xml, "");
}

/// The .NET SDK's own sample answer reads.
#[test]
fn reads_the_sdk_sample() {
    let Some(docs) = ReferenceDocs::locate("SelectInstance sample") else {
        return;
    };
    let text = docs.read(SAMPLE);
    let info = parse_info_element(text.trim_start_matches('\u{feff}').trim_start()).unwrap();
    assert_eq!(info.schema(), Some(RESPONSE_SCHEMA));
    let answer = SelectInstanceResponse::parse_info_xml(info.inner_xml).unwrap();
    let instance = answer.selected_instance.unwrap();
    assert_eq!((instance.id.as_str(), instance.name.as_str()), ("1", "US"));
    assert_eq!(instance.platform_url, "https://platform.healthvault-ppe.com/platform/wildcat.ashx");
}

#[test]
fn requests_and_responses_validate_against_the_xsds() {
    let Some(xmllint) = Xmllint::for_test("SelectInstance XSD validation") else {
        return;
    };
    for answer in
        [SelectInstanceResponse { selected_instance: Some(eu()) }, SelectInstanceResponse { selected_instance: None }]
    {
        let info = answer.to_info();
        let standalone = format!(r#"<wc:info xmlns:wc="{}">{}</wc:info>"#, info.namespace(), info.inner_xml);
        if let Err(report) = xmllint.validate("response-selectinstance.xsd", &standalone) {
            panic!("the SelectInstance response does not validate:\n{report}");
        }
    }
    for sent in [request("NL", None), request("US", Some("WA"))] {
        let info = sent.to_info_xml().replacen(
            "<info>",
            r#"<wc:info xmlns:wc="urn:com.microsoft.wc.methods.SelectInstance">"#,
            1,
        );
        let standalone = info.replace("</info>", "</wc:info>");
        if let Err(report) = xmllint.validate("method-selectinstance.xsd", &standalone) {
            panic!("the SelectInstance request does not validate:\n{report}");
        }
    }
}
