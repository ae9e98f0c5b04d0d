use super::*;
use crate::methods::connect_fields::qualified_info;
use crate::methods::subscribe_to_event::tests::envelope;
use crate::request::parse_request;
use crate::response::response_schema_name;
use crate::testing::Xmllint;

fn request() -> DeletePendingConnectRequestRequest {
    DeletePendingConnectRequestRequest { external_id: "patient & 7".to_owned() }
}

#[test]
fn requests_round_trip() {
    let info = request().to_info_xml();
    assert_eq!(info, "<info><external-id>patient &amp; 7</external-id></info>");
    assert_eq!(DeletePendingConnectRequestRequest::parse_info(1, &info).unwrap(), request());
    let hand_written = "<info>\n  <external-id>patient &amp; 7</external-id>\n</info>";
    let parsed =
        DeletePendingConnectRequestRequest::from_request(&parse_request(&envelope(METHOD, 1, hand_written)).unwrap())
            .unwrap();
    assert_eq!(parsed, request());
    assert_eq!(response_schema_name(METHOD, 1), None, "DeletePendingConnectRequest answers without wc:info");
}

#[test]
fn bad_requests_are_named() {
    assert_eq!(
        DeletePendingConnectRequestRequest::parse_info(1, "<info/>"),
        Err(WireError::MissingElement { parent: "info", element: "external-id" })
    );
    let error =
        DeletePendingConnectRequestRequest::parse_info(1, "<info><external-id> </external-id></info>").unwrap_err();
    assert!(matches!(error, WireError::InvalidValue { element: "external-id", .. }), "{error}");
    assert_eq!(
        DeletePendingConnectRequestRequest::parse_info(2, &request().to_info_xml()),
        Err(WireError::UnsupportedMethodVersion { method: METHOD, version: 2 })
    );
    assert_eq!(
        DeletePendingConnectRequestRequest::from_request(&parse_request(&envelope(METHOD, 1, "")).unwrap()),
        Err(WireError::MissingElement { parent: "request", element: "info" })
    );
}

#[test]
fn requests_validate_against_the_xsd() {
    let Some(xmllint) = Xmllint::for_test("DeletePendingConnectRequest XSD validation") else {
        return;
    };
    let standalone =
        qualified_info(&request().to_info_xml(), "urn:com.microsoft.wc.methods.DeletePendingConnectRequest");
    if let Err(report) = xmllint.validate("method-deletependingconnectrequest.xsd", &standalone) {
        panic!("the DeletePendingConnectRequest request does not validate:\n{report}");
    }
}
