use super::*;
use crate::methods::connect_fields::qualified_info;
use crate::methods::subscribe_to_event::tests::envelope;
use crate::request::parse_request;
use crate::response::response_schema_name;
use crate::testing::Xmllint;

fn by_code() -> UpdateExternalIdRequest {
    UpdateExternalIdRequest {
        item: ConnectItemSelector::IdentityCode("JKYZ-QNMN-VHRX-ZGNR-GZNH".to_owned()),
        new_external_id: "patient-8".to_owned(),
    }
}

fn by_external_id() -> UpdateExternalIdRequest {
    UpdateExternalIdRequest {
        item: ConnectItemSelector::ExternalId("patient-7".to_owned()),
        new_external_id: "patient-8".to_owned(),
    }
}

#[test]
fn requests_round_trip() {
    assert_eq!(
        by_code().to_info_xml(),
        "<info><identity-code>JKYZ-QNMN-VHRX-ZGNR-GZNH</identity-code><new-external-id>patient-8</new-external-id></info>"
    );
    assert_eq!(
        by_external_id().to_info_xml(),
        "<info><old-external-id>patient-7</old-external-id><new-external-id>patient-8</new-external-id></info>"
    );
    for request in [by_code(), by_external_id()] {
        assert_eq!(UpdateExternalIdRequest::parse_info(1, &request.to_info_xml()).unwrap(), request);
        let body = envelope(METHOD, 1, &request.to_info_xml());
        assert_eq!(UpdateExternalIdRequest::from_request(&parse_request(&body).unwrap()).unwrap(), request);
    }
    assert_eq!(response_schema_name(METHOD, 1), None, "UpdateExternalId answers without wc:info");
}

#[test]
fn bad_requests_are_named() {
    assert_eq!(
        UpdateExternalIdRequest::parse_info(1, "<info><new-external-id>patient-8</new-external-id></info>"),
        Err(WireError::MissingElement { parent: "info", element: "identity-code" })
    );
    assert_eq!(
        UpdateExternalIdRequest::parse_info(1, "<info><old-external-id>patient-7</old-external-id></info>"),
        Err(WireError::MissingElement { parent: "info", element: "new-external-id" })
    );
    let both = concat!(
        "<info><identity-code>JKYZ</identity-code><old-external-id>patient-7</old-external-id>",
        "<new-external-id>patient-8</new-external-id></info>"
    );
    let error = UpdateExternalIdRequest::parse_info(1, both).unwrap_err();
    assert!(matches!(error, WireError::InvalidValue { element: "old-external-id", .. }), "{error}");
    let blank = by_external_id().to_info_xml().replace("patient-8", " ");
    let error = UpdateExternalIdRequest::parse_info(1, &blank).unwrap_err();
    assert!(matches!(error, WireError::InvalidValue { element: "new-external-id", .. }), "{error}");
    let blank_code = by_code().to_info_xml().replace("JKYZ-QNMN-VHRX-ZGNR-GZNH", "");
    let error = UpdateExternalIdRequest::parse_info(1, &blank_code).unwrap_err();
    assert!(matches!(error, WireError::InvalidValue { element: "identity-code", .. }), "{error}");
    assert_eq!(
        UpdateExternalIdRequest::parse_info(2, &by_code().to_info_xml()),
        Err(WireError::UnsupportedMethodVersion { method: METHOD, version: 2 })
    );
    assert_eq!(
        UpdateExternalIdRequest::from_request(&parse_request(&envelope(METHOD, 1, "")).unwrap()),
        Err(WireError::MissingElement { parent: "request", element: "info" })
    );
}

#[test]
fn requests_validate_against_the_xsd() {
    let Some(xmllint) = Xmllint::for_test("UpdateExternalId XSD validation") else {
        return;
    };
    for request in [by_code(), by_external_id()] {
        let standalone = qualified_info(&request.to_info_xml(), "urn:com.microsoft.wc.methods.UpdateExternalId");
        if let Err(report) = xmllint.validate("method-updateexternalid.xsd", &standalone) {
            panic!("the UpdateExternalId request does not validate:\n{report}");
        }
    }
}
