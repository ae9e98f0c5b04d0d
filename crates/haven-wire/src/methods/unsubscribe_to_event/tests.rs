use super::*;
use crate::methods::subscribe_to_event::tests::envelope;
use crate::methods::subscription::tests::SUBSCRIPTION_ID;
use crate::request::parse_request;
use crate::response::response_schema_name;
use crate::testing::Xmllint;

fn request() -> UnsubscribeToEventRequest {
    UnsubscribeToEventRequest { subscription_id: SUBSCRIPTION_ID.to_owned() }
}

#[test]
fn requests_round_trip() {
    let info = request().to_info_xml();
    assert_eq!(info, format!("<info><subscription-id>{SUBSCRIPTION_ID}</subscription-id></info>"));
    assert_eq!(UnsubscribeToEventRequest::parse_info(1, &info).unwrap(), request());
    let hand_written = "<info>\n  <subscription-id>{9B1C5F0E-3D2A-4C61-8F4E-2A7B9C0D1E2F}</subscription-id>\n</info>";
    let parsed =
        UnsubscribeToEventRequest::from_request(&parse_request(&envelope(METHOD, 1, hand_written)).unwrap()).unwrap();
    assert_eq!(parsed, request());
    assert_eq!(response_schema_name(METHOD, 1), None, "UnsubscribeToEvent answers without wc:info");
}

#[test]
fn bad_requests_are_named() {
    assert_eq!(
        UnsubscribeToEventRequest::parse_info(1, "<info/>"),
        Err(WireError::MissingElement { parent: "info", element: "subscription-id" })
    );
    let error =
        UnsubscribeToEventRequest::parse_info(1, "<info><subscription-id>all</subscription-id></info>").unwrap_err();
    assert!(matches!(error, WireError::InvalidGuid { element: "subscription-id", .. }), "{error}");
    assert_eq!(
        UnsubscribeToEventRequest::parse_info(2, &request().to_info_xml()),
        Err(WireError::UnsupportedMethodVersion { method: METHOD, version: 2 })
    );
    assert_eq!(
        UnsubscribeToEventRequest::from_request(&parse_request(&envelope(METHOD, 1, "")).unwrap()),
        Err(WireError::MissingElement { parent: "request", element: "info" })
    );
}

#[test]
fn requests_validate_against_the_xsd() {
    let Some(xmllint) = Xmllint::for_test("UnsubscribeToEvent XSD validation") else {
        return;
    };
    let standalone = request()
        .to_info_xml()
        .replacen("<info>", r#"<wc:info xmlns:wc="urn:com.microsoft.wc.methods.UnsubscribeToEvent">"#, 1)
        .replace("</info>", "</wc:info>");
    if let Err(report) = xmllint.validate("method-unsubscribetoevent.xsd", &standalone) {
        panic!("the UnsubscribeToEvent request does not validate:\n{report}");
    }
}
