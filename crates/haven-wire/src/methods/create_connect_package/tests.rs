use haven_domain::thing::{CommonData, ThingDraft, ThingFlags};
use haven_domain::thing_type::PASSWORD_PROTECTED_PACKAGE;

use super::*;
use crate::methods::connect_fields::qualified_info;
use crate::methods::subscribe_to_event::tests::envelope;
use crate::request::parse_request;
use crate::response::{Response, parse_info_element, parse_response, response_schema_name};
use crate::testing::Xmllint;
use crate::thing_xml::InlineBlob;

const IDENTITY_CODE: &str = "JKYZ-QNMN-VHRX-ZGNR-GZNH";

const PACKAGE_DATA: &str = concat!(
    "<password-protected-package><encrypt-algorithm><algorithm-name>hmac-sha256-aes256</algorithm-name>",
    "<parameters><salt>c2FsdA==</salt><iteration-count>20000</iteration-count><key-length>256</key-length>",
    "</parameters></encrypt-algorithm></password-protected-package>"
);

const CIPHERTEXT: &[u8] = &[0x8f, 0x00, 0x13, 0xfe, 0x42, 0x42, 0x07];

/// A Password-Protected-Package thing with its ciphertext as the default inline blob.
fn package_thing() -> SubmittedThing {
    SubmittedThing {
        key: None,
        draft: ThingDraft {
            type_id: PASSWORD_PROTECTED_PACKAGE,
            flags: ThingFlags::default(),
            data_xml: PACKAGE_DATA.to_owned(),
            common: CommonData::default(),
            blobs: Vec::new(),
            updated_end_date: None,
        },
        inline_blobs: vec![InlineBlob {
            name: String::new(),
            content_type: "application/octet-stream".to_owned(),
            bytes: CIPHERTEXT.to_vec(),
            hash: None,
        }],
        blob_references: Vec::new(),
        removed_blobs: Vec::new(),
    }
}

fn request(version: u32) -> CreateConnectPackageRequest {
    CreateConnectPackageRequest {
        version,
        identity_code: None,
        friendly_name: "Lab results for Jane".to_owned(),
        question: "Favourite colour?".to_owned(),
        external_id: "lab-7".to_owned(),
        package_xml: CreateConnectPackageRequest::package_xml_of(version, &package_thing()),
        streamed_blob_urls: Vec::new(),
    }
}

fn with_everything() -> CreateConnectPackageRequest {
    CreateConnectPackageRequest {
        identity_code: Some(IDENTITY_CODE.to_owned()),
        streamed_blob_urls: vec![
            "https://platform.example/streaming/wildcatblob.ashx?blob-ref-token=a".to_owned(),
            "https://platform.example/streaming/wildcatblob.ashx?blob-ref-token=b&x=1".to_owned(),
        ],
        ..request(2)
    }
}

/// A version 2 request as the .NET SDK shapes it (`ConnectPackageHelper`: the thing written
/// with the element name `package`, its ciphertext as an inline blob), written by hand and
/// pretty-printed, with a namespace the package declares for itself.
const HAND_WRITTEN_INFO: &str = r#"<info>
  <identity-code>JKYZ-QNMN-VHRX-ZGNR-GZNH</identity-code>
  <friendly-name>Lab results for Jane</friendly-name>
  <question>Favourite colour?</question>
  <external-id>lab-7</external-id>
  <package>
    <type-id>c9287326-bb43-4194-858c-8b60768f000f</type-id>
    <thing-state>Active</thing-state>
    <flags>0</flags>
    <eff-date>2026-11-21T12:00:00</eff-date>
    <data-xml>
      <password-protected-package xmlns:p="urn:example">
        <encrypt-algorithm>
          <algorithm-name>hmac-sha256-aes256</algorithm-name>
          <parameters>
            <salt>c2FsdA==</salt>
            <iteration-count>20000</iteration-count>
            <key-length>256</key-length>
          </parameters>
        </encrypt-algorithm>
      </password-protected-package>
      <common/>
    </data-xml>
    <blob-payload>
      <blob>
        <blob-info>
          <name></name>
          <content-type>application/octet-stream</content-type>
        </blob-info>
        <content-length>7</content-length>
        <base64data>jwAT/kJCBw==</base64data>
      </blob>
    </blob-payload>
  </package>
  <streamed-package-blobs>
    <blob-in-package-ref-url>
      https://platform.example/streaming/wildcatblob.ashx?blob-ref-token=a
    </blob-in-package-ref-url>
  </streamed-package-blobs>
</info>"#;

#[test]
fn reads_a_hand_written_request() {
    let parsed =
        CreateConnectPackageRequest::from_request(&parse_request(&envelope(METHOD, 2, HAND_WRITTEN_INFO)).unwrap())
            .unwrap();
    assert_eq!(parsed.version, 2);
    assert_eq!(parsed.identity_code.as_deref(), Some(IDENTITY_CODE));
    assert_eq!(parsed.friendly_name, "Lab results for Jane");
    assert_eq!(parsed.external_id, "lab-7");
    assert!(parsed.package_xml.starts_with("\n    <type-id>c9287326"), "{}", parsed.package_xml);
    assert!(parsed.package_xml.ends_with("</blob-payload>\n  "), "{}", parsed.package_xml);
    assert!(HAND_WRITTEN_INFO.contains(&parsed.package_xml));
    assert_eq!(parsed.streamed_blob_urls, vec!["https://platform.example/streaming/wildcatblob.ashx?blob-ref-token=a"]);
    let package = parsed.package().unwrap();
    assert_eq!(package.draft.type_id, PASSWORD_PROTECTED_PACKAGE);
    assert!(package.draft.data_xml.starts_with("<password-protected-package xmlns:p=\"urn:example\">"));
    let [blob] = package.inline_blobs.as_slice() else { panic!("one inline blob expected") };
    assert_eq!((blob.name.as_str(), blob.bytes.as_slice()), ("", CIPHERTEXT));
}

#[test]
fn requests_round_trip() {
    for written in [request(1), request(2), with_everything()] {
        let info = written.to_info_xml();
        assert_eq!(CreateConnectPackageRequest::parse_info(written.version, &info).unwrap(), written);
        let body = envelope(METHOD, written.version, &info);
        assert_eq!(CreateConnectPackageRequest::from_request(&parse_request(&body).unwrap()).unwrap(), written);
        let package = written.package().unwrap();
        assert_eq!(package.draft, package_thing().draft);
        assert_eq!(package.inline_blobs, package_thing().inline_blobs);
    }
    assert!(request(1).package_xml.contains(r#"<data-other content-type="application/octet-stream""#));
    assert!(request(2).package_xml.contains("<blob-payload><blob><blob-info><name></name>"));
    assert!(request(2).package_xml.starts_with("<type-id>c9287326-bb43-4194-858c-8b60768f000f</type-id>"));
    let info = with_everything().to_info_xml();
    assert!(info.starts_with("<info><identity-code>JKYZ-QNMN-VHRX-ZGNR-GZNH</identity-code><friendly-name>"), "{info}");
    assert!(
        info.ends_with("blob-ref-token=b&amp;x=1</blob-in-package-ref-url></streamed-package-blobs></info>"),
        "{info}"
    );
    let blank_code = request(2).to_info_xml().replacen("<info>", "<info><identity-code> </identity-code>", 1);
    assert_eq!(CreateConnectPackageRequest::parse_info(2, &blank_code).unwrap().identity_code, None);
}

/// A blank question reaches the Platform, which answers with its own status.
#[test]
fn a_blank_question_is_read() {
    let blank = CreateConnectPackageRequest { question: String::new(), ..request(2) };
    assert_eq!(CreateConnectPackageRequest::parse_info(2, &blank.to_info_xml()).unwrap().question, "");
}

#[test]
fn bad_requests_are_named() {
    let info = request(2).to_info_xml();
    assert_eq!(
        CreateConnectPackageRequest::parse_info(3, &info),
        Err(WireError::UnsupportedMethodVersion { method: METHOD, version: 3 })
    );
    assert_eq!(
        CreateConnectPackageRequest::from_request(&parse_request(&envelope(METHOD, 2, "")).unwrap()),
        Err(WireError::MissingElement { parent: "request", element: "info" })
    );
    let package_element = format!("<package>{}</package>", request(2).package_xml);
    for (element, without) in [
        ("friendly-name", info.replace("<friendly-name>Lab results for Jane</friendly-name>", "")),
        ("question", info.replace("<question>Favourite colour?</question>", "")),
        ("external-id", info.replace("<external-id>lab-7</external-id>", "")),
        ("package", info.replace(&package_element, "")),
    ] {
        assert_eq!(
            CreateConnectPackageRequest::parse_info(2, &without),
            Err(WireError::MissingElement { parent: "info", element })
        );
    }
    let blank_name = info.replace("Lab results for Jane", "\t");
    let error = CreateConnectPackageRequest::parse_info(2, &blank_name).unwrap_err();
    assert!(matches!(error, WireError::InvalidValue { element: "friendly-name", .. }), "{error}");
    let empty_package = info.replace(&package_element, "<package/>");
    assert_eq!(
        CreateConnectPackageRequest::parse_info(2, &empty_package),
        Err(WireError::MissingElement { parent: "thing", element: "type-id" })
    );
    let bad_type = info.replace("c9287326-bb43-4194-858c-8b60768f000f", "not-a-type");
    let error = CreateConnectPackageRequest::parse_info(2, &bad_type).unwrap_err();
    assert!(matches!(error, WireError::InvalidGuid { element: "thing/type-id", .. }), "{error}");
    let no_data = info.replace(&format!("<data-xml>{PACKAGE_DATA}<common></common></data-xml>"), "");
    assert_eq!(
        CreateConnectPackageRequest::parse_info(2, &no_data),
        Err(WireError::MissingElement { parent: "thing", element: "data-xml" })
    );
    let bad_ciphertext = info.replace("jwAT/kJCBw==", "not base64!");
    let error = CreateConnectPackageRequest::parse_info(2, &bad_ciphertext).unwrap_err();
    assert!(matches!(error, WireError::InvalidBase64 { .. }), "{error}");
    let no_urls = info.replace("</info>", "<streamed-package-blobs/></info>");
    assert_eq!(
        CreateConnectPackageRequest::parse_info(2, &no_urls),
        Err(WireError::MissingElement { parent: "streamed-package-blobs", element: "blob-in-package-ref-url" })
    );
    let blank_url = info.replace(
        "</info>",
        "<streamed-package-blobs><blob-in-package-ref-url> </blob-in-package-ref-url></streamed-package-blobs></info>",
    );
    let error = CreateConnectPackageRequest::parse_info(2, &blank_url).unwrap_err();
    assert!(matches!(error, WireError::InvalidValue { element: "blob-in-package-ref-url", .. }), "{error}");
    let long_code = info.replacen("<info>", &format!("<info><identity-code>{}</identity-code>", "A".repeat(256)), 1);
    let error = CreateConnectPackageRequest::parse_info(2, &long_code).unwrap_err();
    assert!(matches!(error, WireError::InvalidValue { element: "identity-code", .. }), "{error}");
}

/// The package is read on its own, so a prefix declared outside it does not reach inside.
#[test]
fn a_package_relying_on_outer_namespaces_is_refused() {
    let data = "<x:password-protected-package><x:encrypt-algorithm/></x:password-protected-package>";
    let info =
        request(2).to_info_xml().replacen("<info>", r#"<info xmlns:x="urn:example">"#, 1).replace(PACKAGE_DATA, data);
    assert!(matches!(CreateConnectPackageRequest::parse_info(2, &info), Err(WireError::NotWellFormed(_))));
    let declared_inside = info
        .replacen(r#"<info xmlns:x="urn:example">"#, "<info>", 1)
        .replace("<x:password-protected-package>", r#"<x:password-protected-package xmlns:x="urn:example">"#);
    let parsed = CreateConnectPackageRequest::parse_info(2, &declared_inside).unwrap();
    assert!(parsed.package().unwrap().draft.data_xml.starts_with(r#"<x:password-protected-package xmlns:x="#));
}

#[test]
fn responses_round_trip() {
    let response = CreateConnectPackageResponse { identity_code: IDENTITY_CODE.to_owned() };
    let info = response.to_info();
    assert_eq!(Some(info.schema.as_str()), response_schema_name(METHOD, 1));
    assert_eq!(Some(info.schema.as_str()), response_schema_name(METHOD, 2));
    assert_eq!(info.inner_xml, format!("<identity-code>{IDENTITY_CODE}</identity-code>"));
    let written = Response::ok(info).to_xml();
    let parsed = parse_response(&written).unwrap().info.unwrap();
    assert_eq!(parsed.schema(), Some(RESPONSE_SCHEMA));
    assert_eq!(CreateConnectPackageResponse::parse_info_xml(parsed.inner_xml).unwrap(), response);
}

/// The answer as written by hand from `response-createconnectpackage.xsd`.
#[test]
fn reads_a_hand_written_response() {
    let text = concat!(
        r#"<wc:info xmlns:wc="urn:com.microsoft.wc.methods.response.CreateConnectPackage">"#,
        "\n  <identity-code>JKYZ-QNMN-VHRX-ZGNR-GZNH</identity-code>\n</wc:info>"
    );
    let info = parse_info_element(text).unwrap();
    assert_eq!(info.schema(), Some(RESPONSE_SCHEMA));
    assert_eq!(CreateConnectPackageResponse::parse_info_xml(info.inner_xml).unwrap().identity_code, IDENTITY_CODE);
    assert_eq!(
        CreateConnectPackageResponse::parse_info_xml(""),
        Err(WireError::MissingElement { parent: "info", element: "identity-code" })
    );
}

#[test]
fn requests_and_responses_validate_against_the_xsds() {
    let Some(xmllint) = Xmllint::for_test("CreateConnectPackage XSD validation") else {
        return;
    };
    for (sent, xsd, namespace) in [
        (
            request(1).to_info_xml(),
            "method-createconnectpackage.xsd",
            "urn:com.microsoft.wc.methods.CreateConnectPackage",
        ),
        (
            CreateConnectPackageRequest { identity_code: Some(IDENTITY_CODE.to_owned()), ..request(1) }.to_info_xml(),
            "method-createconnectpackage.xsd",
            "urn:com.microsoft.wc.methods.CreateConnectPackage",
        ),
        (
            request(2).to_info_xml(),
            "method-createconnectpackage2.xsd",
            "urn:com.microsoft.wc.methods.CreateConnectPackage2",
        ),
        (
            with_everything().to_info_xml(),
            "method-createconnectpackage2.xsd",
            "urn:com.microsoft.wc.methods.CreateConnectPackage2",
        ),
        (
            HAND_WRITTEN_INFO.to_owned(),
            "method-createconnectpackage2.xsd",
            "urn:com.microsoft.wc.methods.CreateConnectPackage2",
        ),
    ] {
        if let Err(report) = xmllint.validate(xsd, &qualified_info(&sent, namespace)) {
            panic!("the CreateConnectPackage request does not validate against {xsd}:\n{report}");
        }
    }
    let info = CreateConnectPackageResponse { identity_code: IDENTITY_CODE.to_owned() }.to_info();
    let standalone = format!(r#"<wc:info xmlns:wc="{}">{}</wc:info>"#, info.namespace(), info.inner_xml);
    if let Err(report) = xmllint.validate("response-createconnectpackage.xsd", &standalone) {
        panic!("the CreateConnectPackage response does not validate:\n{report}");
    }
}
