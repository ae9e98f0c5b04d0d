use super::*;
use crate::request::parse_request;
use crate::response::{Response, parse_info_element, parse_response};
use crate::testing::{ReferenceDocs, Xmllint};

const APP_ID: &str = "05a059c9-c309-46af-9b86-b06d42510550";

/// python-healthvault's CAST v1: client-chosen secret, HMACSHA1, base64 wrapped by
/// `base64.encodestring` (embedded newlines).
fn python_healthvault_v1() -> String {
    format!(
        r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header><method>CreateAuthenticatedSessionToken</method><method-version>1</method-version><app-id>{APP_ID}</app-id><language>en</language><country>US</country><msg-time>2008-06-21T03:13:50.750-04:00</msg-time><msg-ttl>36000</msg-ttl><version>0.1.5</version></header><info><auth-info><app-id>{APP_ID}</app-id><credential><appserver><sig digestMethod="SHA1" sigMethod="RSA-SHA1" thumbprint="00112233445566778899AABBCCDDEEFF00112233">AAEC
AwQF
</sig><content><app-id>{APP_ID}</app-id><shared-secret><hmac-alg algName="HMACSHA1">MTIzNDU2
Nzg5</hmac-alg></shared-secret></content></appserver></credential></auth-info></info></wc-request:request>"#
    )
}

/// pyhealthvault's CAST v2: certificate-signed `appserver2`.
fn pyhealthvault_v2() -> String {
    format!(
        r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header><method>CreateAuthenticatedSessionToken</method><method-version>2</method-version><app-id>{APP_ID}</app-id><language>en</language><country>US</country><msg-time>2026-11-21T10:00:00</msg-time><msg-ttl>36000</msg-ttl><version>1.0</version></header><info><auth-info><app-id is-multi-record-app="true">{APP_ID}</app-id><credential><appserver2><sig digestMethod="SHA1" sigMethod="RSA-SHA1" thumbprint="00112233445566778899aabbccddeeff00112233">AAEC</sig><content><app-id>{APP_ID}</app-id><hmac>HMACSHA1</hmac><signing-time>2026-11-21T10:00:00Z</signing-time></content></appserver2></credential></auth-info></info></wc-request:request>"#
    )
}

#[test]
fn reads_python_healthvault_v1_and_keeps_the_signed_bytes() {
    let body = python_healthvault_v1();
    let request = parse_request(&body).unwrap();
    let parsed = SessionTokenRequest::from_request(&request).unwrap();
    assert_eq!(parsed.version, 1);
    assert_eq!(parsed.app_id.to_string(), APP_ID);
    let ContentSignature::Certificate(signature) = &parsed.signature else { panic!("a certificate signature") };
    assert_eq!(signature.thumbprint, "00112233445566778899AABBCCDDEEFF00112233");
    assert_eq!(signature.signature, vec![0, 1, 2, 3, 4, 5], "base64 with line breaks is decoded");
    assert_eq!(
        parsed.content,
        SessionContent::Version1 {
            app_id: parsed.app_id,
            hmac_algorithm: "HMACSHA1".to_owned(),
            shared_secret: b"123456789".to_vec(),
        }
    );
    assert!(parsed.content_xml.starts_with("<content><app-id>"));
    assert!(parsed.content_xml.ends_with("</shared-secret></content>"));
    assert!(body.contains(parsed.content_xml), "the exact received bytes");
}

#[test]
fn reads_pyhealthvault_v2() {
    let body = pyhealthvault_v2();
    let request = parse_request(&body).unwrap();
    let parsed = SessionTokenRequest::from_request(&request).unwrap();
    assert_eq!(parsed.version, 2);
    assert!(parsed.is_multi_record_app);
    assert_eq!(parsed.content.hmac_algorithm(), "HMACSHA1");
    assert!(
        matches!(&parsed.content, SessionContent::Version2 { signing_time, .. } if signing_time == "2026-11-21T10:00:00Z")
    );
    assert_eq!(
        parsed.content_xml,
        format!(
            "<content><app-id>{APP_ID}</app-id><hmac>HMACSHA1</hmac><signing-time>2026-11-21T10:00:00Z</signing-time></content>"
        )
    );
}

#[test]
fn reads_a_soda_hmac_signature() {
    let body = pyhealthvault_v2().replace(
        r#"<sig digestMethod="SHA1" sigMethod="RSA-SHA1" thumbprint="00112233445566778899aabbccddeeff00112233">AAEC</sig>"#,
        r#"<hmacSig algName="HMACSHA256">AAEC</hmacSig>"#,
    );
    let request = parse_request(&body).unwrap();
    let parsed = SessionTokenRequest::from_request(&request).unwrap();
    assert_eq!(parsed.signature, ContentSignature::Hmac { algorithm: "HMACSHA256".to_owned(), value: vec![0, 1, 2] });
}

#[test]
fn bad_requests_say_what_is_wrong() {
    let cases = [
        (
            python_healthvault_v1().replace("<credential>", "<credentials>").replace("</credential>", "</credentials>"),
            "<auth-info> has no <credential>",
        ),
        (python_healthvault_v1().replace("AAEC\nAwQF\n", "!!!"), "base64"),
        (
            pyhealthvault_v2()
                .replace("<signing-time>2026-11-21T10:00:00Z</signing-time>", "<signing-time>yesterday</signing-time>"),
            "signing-time",
        ),
        (
            pyhealthvault_v2().replace("<appserver2>", "<appserver>").replace("</appserver2>", "</appserver>"),
            "<credential> has no <appserver2>",
        ),
        (python_healthvault_v1().replace(&format!("<content><app-id>{APP_ID}"), "<content><app-id>nope"), "GUID"),
    ];
    for (body, expected) in cases {
        let request = parse_request(&body).unwrap();
        let error = SessionTokenRequest::from_request(&request).unwrap_err();
        assert!(error.to_string().contains(expected), "{error} should mention {expected}");
        assert!(!error.status_code().is_ok());
    }
}

fn response(version: u32) -> SessionTokenResponse {
    SessionTokenResponse {
        version,
        app_id: ApplicationId::parse(APP_ID).unwrap(),
        record_auth_action: RecordAuthAction::NoActionRequired,
        token: "AiAAAFdqbmVyaWNzdHJ1Y3R1cmU=".to_owned(),
        shared_secret: (version == 2).then(|| vec![1, 2, 3, 4]),
    }
}

#[test]
fn responses_round_trip() {
    for version in [1, 2] {
        let written = Response::ok(response(version).to_info()).to_xml();
        let parsed = parse_response(&written).unwrap();
        let info = parsed.info.unwrap();
        let expected_schema =
            if version == 1 { "CreateAuthenticatedSessionToken" } else { "CreateAuthenticatedSessionToken2" };
        assert_eq!(info.schema(), Some(expected_schema));
        assert_eq!(SessionTokenResponse::parse_info_xml(version, info.inner_xml).unwrap(), response(version));
    }
}

#[test]
fn responses_validate_against_the_xsds() {
    let Some(docs) = ReferenceDocs::locate("CreateAuthenticatedSessionToken XSD validation") else {
        return;
    };
    let Some(xmllint) = Xmllint::locate("CreateAuthenticatedSessionToken XSD validation", &docs) else {
        return;
    };
    for (version, xsd) in
        [(1, "response-createauthenticatedsessiontoken.xsd"), (2, "response-createauthenticatedsessiontoken2.xsd")]
    {
        let written = Response::ok(response(version).to_info()).to_xml();
        let start = written.find("<wc:info").unwrap();
        let end = written.rfind("</wc:info>").unwrap() + "</wc:info>".len();
        let info_xml = parse_info_element(&written[start..end]).unwrap();
        let standalone =
            format!(r#"<wc:info xmlns:wc="{}">{}</wc:info>"#, info_xml.namespace.unwrap(), info_xml.inner_xml);
        if let Err(report) = xmllint.validate(xsd, &standalone) {
            panic!("v{version} does not validate against {xsd}:\n{report}");
        }
    }
}
