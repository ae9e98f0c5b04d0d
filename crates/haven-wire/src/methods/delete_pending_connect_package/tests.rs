use super::*;
use crate::methods::connect_fields::qualified_info;
use crate::methods::subscribe_to_event::tests::envelope;
use crate::request::parse_request;
use crate::response::response_schema_name;
use crate::testing::Xmllint;

fn by_code() -> DeletePendingConnectPackageRequest {
    DeletePendingConnectPackageRequest {
        package: ConnectItemSelector::IdentityCode("JKYZ-QNMN-VHRX-ZGNR-GZNH".to_owned()),
    }
}

fn by_external_id() -> DeletePendingConnectPackageRequest {
    DeletePendingConnectPackageRequest { package: ConnectItemSelector::ExternalId("lab <7>".to_owned()) }
}

#[test]
fn requests_round_trip() {
    assert_eq!(by_code().to_info_xml(), "<info><identity-code>JKYZ-QNMN-VHRX-ZGNR-GZNH</identity-code></info>");
    assert_eq!(by_external_id().to_info_xml(), "<info><external-id>lab &lt;7&gt;</external-id></info>");
    for request in [by_code(), by_external_id()] {
        assert_eq!(DeletePendingConnectPackageRequest::parse_info(1, &request.to_info_xml()).unwrap(), request);
        let body = envelope(METHOD, 1, &request.to_info_xml());
        assert_eq!(DeletePendingConnectPackageRequest::from_request(&parse_request(&body).unwrap()).unwrap(), request);
    }
    let hand_written = "<info>\n  <identity-code>\n    JKYZ-QNMN-VHRX-ZGNR-GZNH\n  </identity-code>\n</info>";
    assert_eq!(DeletePendingConnectPackageRequest::parse_info(1, hand_written).unwrap(), by_code());
    assert_eq!(response_schema_name(METHOD, 1), None, "DeletePendingConnectPackage answers without wc:info");
}

#[test]
fn bad_requests_are_named() {
    assert_eq!(
        DeletePendingConnectPackageRequest::parse_info(1, "<info/>"),
        Err(WireError::MissingElement { parent: "info", element: "identity-code" })
    );
    let both = "<info><identity-code>JKYZ</identity-code><external-id>lab-7</external-id></info>";
    let error = DeletePendingConnectPackageRequest::parse_info(1, both).unwrap_err();
    assert!(matches!(error, WireError::InvalidValue { element: "external-id", .. }), "{error}");
    let error =
        DeletePendingConnectPackageRequest::parse_info(1, "<info><external-id></external-id></info>").unwrap_err();
    assert!(matches!(error, WireError::InvalidValue { element: "external-id", .. }), "{error}");
    assert_eq!(
        DeletePendingConnectPackageRequest::parse_info(2, &by_code().to_info_xml()),
        Err(WireError::UnsupportedMethodVersion { method: METHOD, version: 2 })
    );
    assert_eq!(
        DeletePendingConnectPackageRequest::from_request(&parse_request(&envelope(METHOD, 1, "")).unwrap()),
        Err(WireError::MissingElement { parent: "request", element: "info" })
    );
}

#[test]
fn requests_validate_against_the_xsd() {
    let Some(xmllint) = Xmllint::for_test("DeletePendingConnectPackage XSD validation") else {
        return;
    };
    for request in [by_code(), by_external_id()] {
        let standalone =
            qualified_info(&request.to_info_xml(), "urn:com.microsoft.wc.methods.DeletePendingConnectPackage");
        if let Err(report) = xmllint.validate("method-deletependingconnectpackage.xsd", &standalone) {
            panic!("the DeletePendingConnectPackage request does not validate:\n{report}");
        }
    }
}
