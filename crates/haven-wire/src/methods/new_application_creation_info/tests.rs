use super::*;
use crate::request::parse_request;
use crate::response::{Response, parse_response, response_schema_name};
use crate::testing::{ReferenceDocs, Xmllint};

const SAMPLE: &str = "wire-samples/dotnetstandard-sdk-unittest-samples/NewApplicationCreationInfoResult.xml";

fn response() -> NewApplicationCreationInfo {
    NewApplicationCreationInfo {
        app_id: ApplicationId::parse("39a952bb-aac4-4a3d-8fba-f53e5605eca5").unwrap(),
        shared_secret: (0..32).collect(),
        app_token: "ASAAAJMipARM5OBFdAISE+/=".to_owned(),
    }
}

/// The request of the mobile-devices documentation: the master in the header, `<info />`.
#[test]
fn reads_the_documented_request() {
    let body = concat!(
        r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header>"#,
        "<method>NewApplicationCreationInfo</method><method-version>1</method-version>",
        "<app-id>6556d00c-cb8d-4004-90d6-8be528420ff7</app-id><language>en</language><country>US</country>",
        "<msg-time>2012-04-28T19:10:41.3940000Z</msg-time><msg-ttl>1800</msg-ttl><version>foo v1.0</version>",
        "</header><info /></wc-request:request>"
    );
    let request = parse_request(body).unwrap();
    assert_eq!(NewApplicationCreationInfoRequest::from_request(&request), Ok(NewApplicationCreationInfoRequest));
    let version_two = body.replace("<method-version>1</method-version>", "<method-version>2</method-version>");
    assert_eq!(
        NewApplicationCreationInfoRequest::from_request(&parse_request(&version_two).unwrap()),
        Err(WireError::UnsupportedMethodVersion { method: METHOD, version: 2 })
    );
    assert_eq!(NewApplicationCreationInfoRequest.to_info_xml(), "<info/>");
}

#[test]
fn response_round_trips() {
    let info = response().to_info();
    assert_eq!(Some(info.schema.as_str()), response_schema_name(METHOD, 1));
    let written = Response::ok(info).to_xml();
    let parsed = parse_response(&written).unwrap().info.unwrap();
    assert_eq!(parsed.schema(), Some(RESPONSE_SCHEMA));
    assert_eq!(NewApplicationCreationInfo::parse_info_xml(parsed.inner_xml).unwrap(), response());
    assert!(!format!("{:?}", response()).contains("ASAAAJM"), "the token stays out of debug output");
    assert_eq!(
        NewApplicationCreationInfo::parse_info_xml("<app-id>39a952bb-aac4-4a3d-8fba-f53e5605eca5</app-id>"),
        Err(WireError::MissingElement { parent: "info", element: "shared-secret" })
    );
    let bad_id = NewApplicationCreationInfo::parse_info_xml(
        "<app-id>nope</app-id><shared-secret>AAEC</shared-secret><app-token>t</app-token>",
    )
    .unwrap_err();
    assert!(bad_id.to_string().contains("GUID"), "{bad_id}");
}

/// The .NET SDK's own sample answer reads.
#[test]
fn reads_the_sdk_sample() {
    let Some(docs) = ReferenceDocs::locate("NewApplicationCreationInfo sample") else {
        return;
    };
    let text = docs.read(SAMPLE);
    let parsed = parse_response(text.trim_start_matches('\u{feff}')).unwrap();
    let info = parsed.info.unwrap();
    assert_eq!(info.schema(), Some(RESPONSE_SCHEMA));
    let answer = NewApplicationCreationInfo::parse_info_xml(info.inner_xml).unwrap();
    assert_eq!(answer.app_id.to_string(), "b5c5593b-afb4-466d-88f2-31707fb8634b");
    assert_eq!(answer.shared_secret.len(), 32);
    assert!(answer.app_token.starts_with("AiAAACH/"));
}

#[test]
fn responses_validate_against_the_xsd() {
    let Some(xmllint) = Xmllint::for_test("NewApplicationCreationInfo XSD validation") else {
        return;
    };
    let info = response().to_info();
    let standalone = format!(r#"<wc:info xmlns:wc="{}">{}</wc:info>"#, info.namespace(), info.inner_xml);
    if let Err(report) = xmllint.validate("response-newapplicationcreationinfo.xsd", &standalone) {
        panic!("NewApplicationCreationInfo does not validate:\n{report}");
    }
}
