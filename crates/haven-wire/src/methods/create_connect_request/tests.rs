use super::*;
use crate::methods::connect_fields::qualified_info;
use crate::methods::subscribe_to_event::tests::envelope;
use crate::request::parse_request;
use crate::response::{Response, parse_info_element, parse_response, response_schema_name};
use crate::testing::Xmllint;

const IDENTITY_CODE: &str = "JKYZ-QNMN-VHRX-ZGNR-GZNH";

fn request() -> CreateConnectRequestRequest {
    CreateConnectRequestRequest {
        friendly_name: "Jane & her <son>".to_owned(),
        question: "Favourite colour?".to_owned(),
        answer: " Blue".to_owned(),
        external_id: "patient-7".to_owned(),
        call_back_url: None,
    }
}

/// The request as written by hand from `method-createconnectrequest.xsd`, pretty-printed.
const HAND_WRITTEN_INFO: &str = "<info>
  <friendly-name>Jane</friendly-name>
  <question>Favourite colour?</question>
  <answer>blue</answer>
  <external-id>patient-7</external-id>
</info>";

#[test]
fn reads_a_hand_written_request() {
    let parsed =
        CreateConnectRequestRequest::from_request(&parse_request(&envelope(METHOD, 1, HAND_WRITTEN_INFO)).unwrap())
            .unwrap();
    assert_eq!(parsed.friendly_name, "Jane");
    assert_eq!(parsed.question, "Favourite colour?");
    assert_eq!(parsed.answer, "blue");
    assert_eq!(parsed.external_id, "patient-7");
    assert_eq!(parsed.call_back_url, None);
}

#[test]
fn requests_round_trip() {
    let written = request();
    let info = written.to_info_xml();
    assert_eq!(
        info,
        concat!(
            "<info><friendly-name>Jane &amp; her &lt;son&gt;</friendly-name><question>Favourite colour?</question>",
            "<answer> Blue</answer><external-id>patient-7</external-id></info>"
        )
    );
    assert_eq!(CreateConnectRequestRequest::parse_info(1, &info).unwrap(), written);
    let with_url =
        CreateConnectRequestRequest { call_back_url: Some("https://app.example/connected".to_owned()), ..request() };
    assert_eq!(CreateConnectRequestRequest::parse_info(1, &with_url.to_info_xml()).unwrap(), with_url);
    let blank_url = info.replace("</info>", "<call-back-url> </call-back-url></info>");
    assert_eq!(CreateConnectRequestRequest::parse_info(1, &blank_url).unwrap().call_back_url, None);
}

/// A blank question or answer reaches the Platform, which answers with its own status.
#[test]
fn blank_questions_and_answers_are_read() {
    let blank = CreateConnectRequestRequest { question: " ".to_owned(), answer: String::new(), ..request() };
    let parsed = CreateConnectRequestRequest::parse_info(1, &blank.to_info_xml()).unwrap();
    assert_eq!((parsed.question.as_str(), parsed.answer.as_str()), (" ", ""));
}

#[test]
fn debug_hides_the_answer() {
    let shown = format!("{:?}", request());
    assert!(!shown.contains("Blue"), "{shown}");
    assert!(shown.contains("<5 characters>") && shown.contains("patient-7"), "{shown}");
}

#[test]
fn bad_requests_are_named() {
    let info = request().to_info_xml();
    assert_eq!(
        CreateConnectRequestRequest::parse_info(2, &info),
        Err(WireError::UnsupportedMethodVersion { method: METHOD, version: 2 })
    );
    assert_eq!(
        CreateConnectRequestRequest::from_request(&parse_request(&envelope(METHOD, 1, "")).unwrap()),
        Err(WireError::MissingElement { parent: "request", element: "info" })
    );
    for (element, without) in [
        ("friendly-name", info.replace("<friendly-name>Jane &amp; her &lt;son&gt;</friendly-name>", "")),
        ("question", info.replace("<question>Favourite colour?</question>", "")),
        ("answer", info.replace("<answer> Blue</answer>", "")),
        ("external-id", info.replace("<external-id>patient-7</external-id>", "")),
    ] {
        assert_eq!(
            CreateConnectRequestRequest::parse_info(1, &without),
            Err(WireError::MissingElement { parent: "info", element })
        );
    }
    let blank_external_id = info.replace("<external-id>patient-7</external-id>", "<external-id>  </external-id>");
    let error = CreateConnectRequestRequest::parse_info(1, &blank_external_id).unwrap_err();
    assert!(matches!(error, WireError::InvalidValue { element: "external-id", .. }), "{error}");
    let long_name = CreateConnectRequestRequest { friendly_name: "n".repeat(1025), ..request() };
    let error = CreateConnectRequestRequest::parse_info(1, &long_name.to_info_xml()).unwrap_err();
    assert!(matches!(error, WireError::InvalidValue { element: "friendly-name", .. }), "{error}");
    let long_answer = CreateConnectRequestRequest { answer: "secret".repeat(200), ..request() };
    let error = CreateConnectRequestRequest::parse_info(1, &long_answer.to_info_xml()).unwrap_err();
    assert!(matches!(error, WireError::InvalidValue { element: "answer", .. }), "{error}");
    assert!(!error.to_string().contains("secret"), "{error}");
    let twice = info.replace("</info>", "<answer>red</answer></info>");
    assert_eq!(
        CreateConnectRequestRequest::parse_info(1, &twice),
        Err(WireError::DuplicateElement { parent: "info", element: "answer" })
    );
    assert!(matches!(CreateConnectRequestRequest::parse_info(1, "<info><answer>"), Err(WireError::NotWellFormed(_))));
}

#[test]
fn responses_round_trip() {
    let response = CreateConnectRequestResponse { identity_code: IDENTITY_CODE.to_owned() };
    let info = response.to_info();
    assert_eq!(Some(info.schema.as_str()), response_schema_name(METHOD, 1));
    assert_eq!(info.inner_xml, format!("<identity-code>{IDENTITY_CODE}</identity-code>"));
    let written = Response::ok(info).to_xml();
    let parsed = parse_response(&written).unwrap().info.unwrap();
    assert_eq!(parsed.schema(), Some(RESPONSE_SCHEMA));
    assert_eq!(CreateConnectRequestResponse::parse_info_xml(parsed.inner_xml).unwrap(), response);
}

/// The answer as written by hand from `response-createconnectrequest.xsd`.
#[test]
fn reads_a_hand_written_response() {
    let text = concat!(
        r#"<wc:info xmlns:wc="urn:com.microsoft.wc.methods.response.CreateConnectRequest">"#,
        "\n  <identity-code>\n    JKYZ-QNMN-VHRX-ZGNR-GZNH\n  </identity-code>\n</wc:info>"
    );
    let info = parse_info_element(text).unwrap();
    assert_eq!(info.schema(), Some(RESPONSE_SCHEMA));
    let response = CreateConnectRequestResponse::parse_info_xml(info.inner_xml).unwrap();
    assert_eq!(response.identity_code, IDENTITY_CODE);
    assert_eq!(
        CreateConnectRequestResponse::parse_info_xml(""),
        Err(WireError::MissingElement { parent: "info", element: "identity-code" })
    );
}

#[test]
fn requests_and_responses_validate_against_the_xsds() {
    let Some(xmllint) = Xmllint::for_test("CreateConnectRequest XSD validation") else {
        return;
    };
    let with_url =
        CreateConnectRequestRequest { call_back_url: Some("https://app.example/connected".to_owned()), ..request() };
    for sent in [request().to_info_xml(), with_url.to_info_xml(), HAND_WRITTEN_INFO.to_owned()] {
        let standalone = qualified_info(&sent, "urn:com.microsoft.wc.methods.CreateConnectRequest");
        if let Err(report) = xmllint.validate("method-createconnectrequest.xsd", &standalone) {
            panic!("the CreateConnectRequest request does not validate:\n{report}");
        }
    }
    let info = CreateConnectRequestResponse { identity_code: IDENTITY_CODE.to_owned() }.to_info();
    let standalone = format!(r#"<wc:info xmlns:wc="{}">{}</wc:info>"#, info.namespace(), info.inner_xml);
    if let Err(report) = xmllint.validate("response-createconnectrequest.xsd", &standalone) {
        panic!("the CreateConnectRequest response does not validate:\n{report}");
    }
}
