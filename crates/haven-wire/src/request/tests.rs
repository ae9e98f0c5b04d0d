use super::*;

/// GetServiceDefinition v2 as the .NET Standard SDK writes it: anonymous (`<app-id>`),
/// `culture-code` instead of language/country, SHA256 info hash.
const DOTNET_GET_SERVICE_DEFINITION: &str = concat!(
    r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request">"#,
    "<header><method>GetServiceDefinition</method><method-version>2</method-version>",
    "<app-id>c6ba979f-c342-4408-a1d2-5f4c3d6a6a52</app-id><culture-code>en-US</culture-code>",
    "<msg-time>2017-04-20T21:53:19.1230000Z</msg-time><msg-ttl>1800</msg-ttl>",
    "<version>HV-NetStandard/1.0.0.0 Linux</version>",
    r#"<info-hash><hash-data algName="SHA256">n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=</hash-data></info-hash>"#,
    "</header><info><response-sections><section>topology</section></response-sections></info>",
    "</wc-request:request>"
);

/// GetThings as pyhealthvault writes it: HMACSHA1 over the header, SHA1 info hash, online
/// session with `user-auth-token`, and an empty `offline-person-id`.
const PYHEALTHVAULT_GET_THINGS: &str = concat!(
    r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request">"#,
    r#"<auth><hmac-data algName="HMACSHA1">3q2+7wABAgMEBQYHCAkKCwwNDg8=</hmac-data></auth>"#,
    "<header><method>GetThings</method><method-version>1</method-version>",
    "<record-id>6F8A2949-B5DE-431B-A2BA-CC03277F65E9</record-id>",
    "<auth-session><auth-token>ASAAAPmoT/PwuWA==</auth-token>",
    "<user-auth-token>ASAAAEh3zd+AB==</user-auth-token>",
    "<offline-person-info><offline-person-id/></offline-person-info></auth-session>",
    "<language>en</language><country>US</country>",
    "<msg-time>2013-11-21T22:11:05</msg-time><msg-ttl>36000</msg-ttl><version>0.0.0.1</version>",
    r#"<info-hash><hash-data algName="SHA1">2jmj7l5rSw0yVb/vlWAYkK/YBwk=</hash-data></info-hash>"#,
    "</header>",
    "<info><group><filter><type-id>3d34d87e-7fc1-4153-800f-f56592cb0d17</type-id></filter>",
    "<format><section>core</section><xml/></format></group></info>",
    "</wc-request:request>"
);

/// GetPersonInfo as python-healthvault writes it: base64 from `base64.encodestring`, which
/// ends in a newline (and wraps long values), and a self-closing `<info/>`.
const PYTHON_HEALTHVAULT_GET_PERSON_INFO: &str = concat!(
    r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request">"#,
    "<auth><hmac-data algName=\"HMACSHA1\">3q2+7wABAgMEBQYH\nCAkKCwwNDg8=\n</hmac-data></auth>",
    "<header><method>GetPersonInfo</method><method-version>1</method-version>",
    "<auth-session><auth-token>ASAAAPmoT</auth-token>",
    "<offline-person-info><offline-person-id>f0199615-0979-4dcd-a7ca-b9530d2b787d</offline-person-id>",
    "</offline-person-info></auth-session>",
    "<language>en</language><country>US</country>",
    "<msg-time>2013-11-21T22:11:05</msg-time><msg-ttl>36000</msg-ttl><version>0.0.0.1</version>",
    "<info-hash><hash-data algName=\"SHA1\">2jmj7l5rSw0yVb/v\nlWAYkK/YBwk=\n</hash-data></info-hash>",
    "</header><info/></wc-request:request>"
);

#[test]
fn dotnet_anonymous_request() {
    let request = parse_request(DOTNET_GET_SERVICE_DEFINITION).unwrap();
    assert_eq!(request.method(), "GetServiceDefinition");
    assert_eq!(request.method_version(), 2);
    assert_eq!(request.hmac, None);
    let header = &request.header;
    assert_eq!(
        header.caller,
        Some(Caller::Application(ApplicationId::parse("c6ba979f-c342-4408-a1d2-5f4c3d6a6a52").unwrap()))
    );
    assert_eq!(header.culture_code.as_deref(), Some("en-US"));
    assert_eq!(header.language, None);
    assert_eq!(header.msg_ttl, Some(1800));
    assert_eq!(header.version.as_deref(), Some("HV-NetStandard/1.0.0.0 Linux"));
    assert_eq!(header.msg_time_parsed(), Some(time::macros::datetime!(2017-04-20 21:53:19.123 UTC)));
    let info_hash = header.info_hash.as_ref().unwrap();
    assert_eq!(info_hash.algorithm, "SHA256");
    assert_eq!(info_hash.decode().unwrap().len(), 32);
    assert_eq!(
        request.info_xml(),
        Some("<info><response-sections><section>topology</section></response-sections></info>")
    );
    let header_xml = request.header_xml();
    assert!(header_xml.starts_with("<header><method>"), "{header_xml}");
    assert!(header_xml.ends_with("</info-hash></header>"), "{header_xml}");
    assert_eq!(&DOTNET_GET_SERVICE_DEFINITION[request.header_range()], header_xml);
}

#[test]
fn pyhealthvault_authenticated_request() {
    let request = parse_request(PYHEALTHVAULT_GET_THINGS).unwrap();
    assert_eq!(request.method(), "GetThings");
    assert_eq!(request.method_version(), 1);
    let hmac = request.hmac.as_ref().unwrap();
    assert_eq!(hmac.algorithm, "HMACSHA1");
    assert_eq!(hmac.decode().unwrap().len(), 20);
    let header = &request.header;
    assert_eq!(header.record_id, Some(RecordId::parse("6f8a2949-b5de-431b-a2ba-cc03277f65e9").unwrap()));
    let Some(Caller::Session(session)) = &header.caller else {
        panic!("expected a session, got {:?}", header.caller);
    };
    assert_eq!(session.auth_token, "ASAAAPmoT/PwuWA==");
    assert_eq!(session.user_auth_token.as_deref(), Some("ASAAAEh3zd+AB=="));
    assert_eq!(session.offline_person_id, None, "an empty offline-person-id is absent");
    assert_eq!(header.language.as_deref(), Some("en"));
    assert_eq!(header.country.as_deref(), Some("US"));
    assert_eq!(header.info_hash.as_ref().unwrap().algorithm, "SHA1");
    let header_xml = request.header_xml();
    assert!(header_xml.starts_with("<header><method>GetThings</method>"));
    assert!(header_xml.ends_with("</hash-data></info-hash></header>"));
    let info_xml = request.info_xml().unwrap();
    assert!(info_xml.starts_with("<info><group>") && info_xml.ends_with("</group></info>"));
}

#[test]
fn python_healthvault_wrapped_base64_and_self_closing_info() {
    let request = parse_request(PYTHON_HEALTHVAULT_GET_PERSON_INFO).unwrap();
    let hmac = request.hmac.as_ref().unwrap();
    assert_eq!(hmac.text, "3q2+7wABAgMEBQYH\nCAkKCwwNDg8=\n", "text is kept as sent");
    assert_eq!(hmac.decode().unwrap().len(), 20);
    assert_eq!(request.header.info_hash.as_ref().unwrap().decode().unwrap().len(), 20);
    let Some(Caller::Session(session)) = &request.header.caller else {
        panic!("expected a session");
    };
    assert_eq!(session.offline_person_id, Some(PersonId::parse("f0199615-0979-4dcd-a7ca-b9530d2b787d").unwrap()));
    assert_eq!(session.user_auth_token, None);
    assert_eq!(request.info_xml(), Some("<info/>"));
    let range = request.info_range().unwrap();
    assert_eq!(range.len(), 7);
    assert_eq!(&PYTHON_HEALTHVAULT_GET_PERSON_INFO[range], "<info/>");
}

#[test]
fn any_prefix_or_a_default_namespace_is_accepted() {
    let body =
        r#"<r:request xmlns:r="urn:com.microsoft.wc.request"><header><method>M</method></header><info/></r:request>"#;
    let request = parse_request(body).unwrap();
    assert_eq!(request.method_version(), 1, "a missing method-version is version 1");
    assert_eq!(request.header.caller, None);
    let body = r#"<request xmlns="urn:com.microsoft.wc.request"><header><method>M</method><method-version>3</method-version></header></request>"#;
    let request = parse_request(body).unwrap();
    assert_eq!(request.method_version(), 3);
    assert_eq!(request.info_xml(), None);
}

#[test]
fn byte_ranges_survive_a_byte_order_mark_and_multibyte_text() {
    let body = format!("\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n{}", PYHEALTHVAULT_GET_THINGS)
        .replace("<version>0.0.0.1</version>", "<version>Gesundheitsprüfer ✓</version>");
    let request = parse_request(&body).unwrap();
    assert_eq!(request.header.version.as_deref(), Some("Gesundheitsprüfer ✓"));
    assert!(request.header_xml().starts_with("<header>"));
    assert!(request.header_xml().ends_with("</header>"));
    assert!(request.info_xml().unwrap().starts_with("<info><group>"));
}

fn error_for(body: &str) -> WireError {
    parse_request(body).unwrap_err()
}

const ROOT_OPEN: &str = r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request">"#;
const ROOT_CLOSE: &str = "</wc-request:request>";

fn with_header(header_children: &str) -> String {
    format!("{ROOT_OPEN}<header>{header_children}</header><info/>{ROOT_CLOSE}")
}

#[test]
fn not_well_formed_xml_is_rejected() {
    let error = error_for("<wc-request:request xmlns:wc-request=\"urn:com.microsoft.wc.request\"><header>");
    assert!(matches!(error, WireError::NotWellFormed(_)), "{error}");
    assert!(error.to_string().starts_with("not well-formed XML"), "{error}");
    assert_eq!(error.status_code(), crate::StatusCode::INVALID_XML);
}

#[test]
fn wrong_root_is_rejected() {
    let error = error_for("<request><header><method>M</method></header></request>");
    assert!(matches!(error, WireError::WrongRoot { .. }), "{error}");
    assert!(error.to_string().contains("<request> with no namespace"), "{error}");
    let error = error_for(r#"<response xmlns="urn:com.microsoft.wc.request"/>"#);
    assert!(error.to_string().contains("<response> in namespace"), "{error}");
}

#[test]
fn missing_header_and_method_are_rejected() {
    let error = error_for(&format!("{ROOT_OPEN}<info/>{ROOT_CLOSE}"));
    assert_eq!(error, WireError::MissingElement { parent: "request", element: "header" });
    assert_eq!(error.to_string(), "<request> has no <header>");
    let error = error_for(&with_header("<method-version>1</method-version>"));
    assert_eq!(error, WireError::MissingElement { parent: "header", element: "method" });
    let error = error_for(&with_header("<method> </method>"));
    assert_eq!(error, WireError::MissingElement { parent: "header", element: "method" });
    let error = error_for(&with_header("<method>A</method><method>B</method>"));
    assert_eq!(error, WireError::DuplicateElement { parent: "header", element: "method" });
}

#[test]
fn bad_method_versions_are_rejected() {
    for bad in ["", "two", "0", "-1", "1.5", "99999999999"] {
        let error = error_for(&with_header(&format!("<method>M</method><method-version>{bad}</method-version>")));
        assert_eq!(error, WireError::InvalidMethodVersion { text: bad.to_owned() }, "{bad:?}");
    }
    let body = with_header("<method>M</method><method-version> 2 </method-version>");
    assert_eq!(parse_request(&body).unwrap().method_version(), 2);
}

#[test]
fn app_id_and_auth_session_together_are_rejected() {
    let error = error_for(&with_header(
        "<method>M</method><app-id>c6ba979f-c342-4408-a1d2-5f4c3d6a6a52</app-id>\
         <auth-session><auth-token>T</auth-token></auth-session>",
    ));
    assert_eq!(error, WireError::ConflictingCredentials);
    let error =
        error_for(&with_header("<method>M</method><auth-session><user-auth-token>U</user-auth-token></auth-session>"));
    assert_eq!(error, WireError::MissingElement { parent: "auth-session", element: "auth-token" });
}

#[test]
fn guid_fields_must_be_guids() {
    for (element, kind) in [("app-id", "application id"), ("record-id", "record id"), ("target-person-id", "person id")]
    {
        let error = error_for(&with_header(&format!("<method>M</method><{element}>12345</{element}>")));
        assert!(matches!(&error, WireError::InvalidGuid { element: named, .. } if *named == element), "{error}");
        assert_eq!(error.to_string(), format!("<{element}>: {kind} must be a GUID, got \"12345\""));
    }
    let error = error_for(&with_header(
        "<method>M</method><auth-session><auth-token>T</auth-token><offline-person-info>\
         <offline-person-id>nobody</offline-person-id></offline-person-info></auth-session>",
    ));
    assert!(matches!(error, WireError::InvalidGuid { element: "offline-person-id", .. }), "{error}");
}

#[test]
fn digests_need_their_algorithm_and_ttl_must_be_a_number() {
    let error = error_for(&format!(
        "{ROOT_OPEN}<auth><hmac-data>AAAA</hmac-data></auth><header><method>M</method></header>{ROOT_CLOSE}"
    ));
    assert_eq!(error, WireError::MissingAttribute { element: "hmac-data", attribute: "algName" });
    let error = error_for(&format!("{ROOT_OPEN}<auth/><header><method>M</method></header>{ROOT_CLOSE}"));
    assert_eq!(error, WireError::MissingElement { parent: "auth", element: "hmac-data" });
    let error = error_for(&with_header("<method>M</method><msg-ttl>soon</msg-ttl>"));
    assert_eq!(error, WireError::InvalidNumber { element: "msg-ttl", text: "soon".to_owned() });
}
