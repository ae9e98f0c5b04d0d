use super::*;
use crate::methods::subscribe_to_event::tests::envelope;
use crate::request::parse_request;
use crate::response::{Response, parse_info_element, parse_response, response_schema_name};
use crate::testing::Xmllint;

const IDENTITY_CODE: &str = "JKYZ-QNMN-VHRX-ZGNR-GZNH";

#[test]
fn reads_the_empty_request() {
    for info in ["<info/>", "", &AllocatePackageIdRequest.to_info_xml()] {
        let body = envelope(METHOD, 1, info);
        assert_eq!(
            AllocatePackageIdRequest::from_request(&parse_request(&body).unwrap()),
            Ok(AllocatePackageIdRequest)
        );
    }
    assert_eq!(
        AllocatePackageIdRequest::from_request(&parse_request(&envelope(METHOD, 2, "<info/>")).unwrap()),
        Err(WireError::UnsupportedMethodVersion { method: METHOD, version: 2 })
    );
}

#[test]
fn responses_round_trip() {
    let response = AllocatePackageIdResponse { identity_code: IDENTITY_CODE.to_owned() };
    let info = response.to_info();
    assert_eq!(Some(info.schema.as_str()), response_schema_name(METHOD, 1));
    assert_eq!(info.inner_xml, format!("<identity-code>{IDENTITY_CODE}</identity-code>"));
    let written = Response::ok(info).to_xml();
    let parsed = parse_response(&written).unwrap().info.unwrap();
    assert_eq!(parsed.schema(), Some(RESPONSE_SCHEMA));
    assert_eq!(AllocatePackageIdResponse::parse_info_xml(parsed.inner_xml).unwrap(), response);
}

/// The answer as written by hand from `response-allocatepackageid.xsd`.
#[test]
fn reads_a_hand_written_response() {
    let text = concat!(
        r#"<wc:info xmlns:wc="urn:com.microsoft.wc.methods.response.AllocatePackageId">"#,
        "\n  <identity-code>JKYZ-QNMN-VHRX-ZGNR-GZNH</identity-code>\n</wc:info>"
    );
    let info = parse_info_element(text).unwrap();
    assert_eq!(info.schema(), Some(RESPONSE_SCHEMA));
    assert_eq!(AllocatePackageIdResponse::parse_info_xml(info.inner_xml).unwrap().identity_code, IDENTITY_CODE);
    assert_eq!(
        AllocatePackageIdResponse::parse_info_xml("<code>x</code>"),
        Err(WireError::MissingElement { parent: "info", element: "identity-code" })
    );
}

#[test]
fn responses_validate_against_the_xsd() {
    let Some(xmllint) = Xmllint::for_test("AllocatePackageId XSD validation") else {
        return;
    };
    let info = AllocatePackageIdResponse { identity_code: IDENTITY_CODE.to_owned() }.to_info();
    let standalone = format!(r#"<wc:info xmlns:wc="{}">{}</wc:info>"#, info.namespace(), info.inner_xml);
    if let Err(report) = xmllint.validate("response-allocatepackageid.xsd", &standalone) {
        panic!("the AllocatePackageId response does not validate:\n{report}");
    }
}
