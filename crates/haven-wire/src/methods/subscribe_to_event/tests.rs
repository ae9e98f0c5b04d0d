use super::*;
use crate::methods::subscription::tests::{SUBSCRIPTION_ID, subscription, validate_subscription_document};
use crate::request::parse_request;
use crate::response::{Response, parse_info_element, parse_response, response_schema_name};
use crate::testing::Xmllint;

/// A request envelope for `method` (version `version`) around `info`, with an application
/// session as the eventing methods are called.
pub(crate) fn envelope(method: &str, version: u32, info: &str) -> String {
    format!(
        concat!(
            r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><auth><hmac-data algName="HMACSHA256">AAAA</hmac-data></auth>"#,
            "<header><method>{method}</method><method-version>{version}</method-version>",
            "<auth-session><auth-token>ASAAAPmoT</auth-token></auth-session>",
            "<language>en</language><country>US</country><msg-time>2026-11-21T12:00:00Z</msg-time>",
            "<msg-ttl>1800</msg-ttl><version>test</version></header>{info}</wc-request:request>"
        ),
        method = method,
        version = version,
        info = info
    )
}

/// The request as written by hand from `method-subscribetoevent.xsd`: no id, one filter.
const HAND_WRITTEN_INFO: &str = r#"<info>
  <subscription>
    <common>
      <notification-authentication-info>
        <hv-eventing-shared-key>
          <notification-key>AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==</notification-key>
          <notification-key-version-id>1</notification-key-version-id>
        </hv-eventing-shared-key>
      </notification-authentication-info>
      <notification-channel>
        <http-notification-channel>
          <url>https://www.app.com/hv/notify.aspx</url>
        </http-notification-channel>
      </notification-channel>
    </common>
    <record-item-changed-event>
      <filters>
        <filter>
          <type-ids>
            <type-id>3d34d87e-7fc1-4153-800f-f56592cb0d17</type-id>
          </type-ids>
        </filter>
      </filters>
    </record-item-changed-event>
  </subscription>
</info>"#;

#[test]
fn reads_a_hand_written_request() {
    let request =
        SubscribeToEventRequest::from_request(&parse_request(&envelope(METHOD, 1, HAND_WRITTEN_INFO)).unwrap())
            .unwrap();
    let subscription = request.subscription;
    assert_eq!(subscription.id, None);
    assert_eq!(subscription.shared_key.key, (0u8..64).collect::<Vec<_>>());
    assert_eq!(subscription.shared_key.version_id.as_str(), "1");
    assert_eq!(subscription.url, "https://www.app.com/hv/notify.aspx");
    assert_eq!(subscription.filters.len(), 1);
    assert_eq!(subscription.filters[0].type_ids, vec![haven_domain::thing_type::WEIGHT]);
}

#[test]
fn requests_round_trip() {
    let request = SubscribeToEventRequest { subscription: subscription(None) };
    let info = request.to_info_xml();
    assert!(info.starts_with("<info><subscription><common>"), "{info}");
    assert_eq!(SubscribeToEventRequest::parse_info(1, &info).unwrap(), request);
    let parsed = SubscribeToEventRequest::from_request(&parse_request(&envelope(METHOD, 1, &info)).unwrap()).unwrap();
    assert_eq!(parsed, request);
    let with_id = SubscribeToEventRequest { subscription: subscription(Some(SUBSCRIPTION_ID)) };
    assert_eq!(SubscribeToEventRequest::parse_info(1, &with_id.to_info_xml()).unwrap(), with_id);
}

#[test]
fn bad_requests_are_named() {
    let info = SubscribeToEventRequest { subscription: subscription(None) }.to_info_xml();
    assert_eq!(
        SubscribeToEventRequest::from_request(&parse_request(&envelope(METHOD, 2, &info)).unwrap()),
        Err(WireError::UnsupportedMethodVersion { method: METHOD, version: 2 })
    );
    assert_eq!(
        SubscribeToEventRequest::from_request(&parse_request(&envelope(METHOD, 1, "")).unwrap()),
        Err(WireError::MissingElement { parent: "request", element: "info" })
    );
    assert_eq!(
        SubscribeToEventRequest::parse_info(1, "<info/>"),
        Err(WireError::MissingElement { parent: "info", element: "subscription" })
    );
    assert!(matches!(SubscribeToEventRequest::parse_info(1, "<info><subscription>"), Err(WireError::NotWellFormed(_))));
}

#[test]
fn responses_round_trip() {
    let response = SubscribeToEventResponse { subscription_id: SUBSCRIPTION_ID.to_owned() };
    let info = response.to_info();
    assert_eq!(Some(info.schema.as_str()), response_schema_name(METHOD, 1));
    assert_eq!(info.inner_xml, format!("<subscription-id>{SUBSCRIPTION_ID}</subscription-id>"));
    let written = Response::ok(info).to_xml();
    let parsed = parse_response(&written).unwrap().info.unwrap();
    assert_eq!(parsed.schema(), Some(RESPONSE_SCHEMA));
    assert_eq!(SubscribeToEventResponse::parse_info_xml(parsed.inner_xml).unwrap(), response);
}

/// The answer as written by hand from `response-subscribetoevent.xsd`.
#[test]
fn reads_a_hand_written_response() {
    let text = concat!(
        r#"<wc:info xmlns:wc="urn:com.microsoft.wc.methods.response.SubscribeToEvent">"#,
        "\n  <subscription-id>9B1C5F0E-3D2A-4C61-8F4E-2A7B9C0D1E2F</subscription-id>\n</wc:info>"
    );
    let info = parse_info_element(text).unwrap();
    assert_eq!(info.schema(), Some(RESPONSE_SCHEMA));
    let response = SubscribeToEventResponse::parse_info_xml(info.inner_xml).unwrap();
    assert_eq!(response.subscription_id, SUBSCRIPTION_ID);
    assert_eq!(
        SubscribeToEventResponse::parse_info_xml(""),
        Err(WireError::MissingElement { parent: "info", element: "subscription-id" })
    );
    let error = SubscribeToEventResponse::parse_info_xml("<subscription-id>42</subscription-id>").unwrap_err();
    assert!(matches!(error, WireError::InvalidGuid { element: "subscription-id", .. }), "{error}");
}

#[test]
fn requests_and_responses_validate_against_the_xsds() {
    let Some(xmllint) = Xmllint::for_test("SubscribeToEvent XSD validation") else {
        return;
    };
    for subscription in [subscription(None), subscription(Some(SUBSCRIPTION_ID))] {
        let info = SubscribeToEventRequest { subscription }.to_info_xml();
        let standalone = info
            .replacen("<info>", r#"<wc:info xmlns:wc="urn:com.microsoft.wc.methods.SubscribeToEvent">"#, 1)
            .replace("</info>", "</wc:info>");
        if let Err(report) = validate_subscription_document(&xmllint, "method-subscribetoevent.xsd", &standalone) {
            panic!("the SubscribeToEvent request does not validate:\n{report}");
        }
    }
    let hand_written = HAND_WRITTEN_INFO
        .replacen("<info>", r#"<wc:info xmlns:wc="urn:com.microsoft.wc.methods.SubscribeToEvent">"#, 1)
        .replace("</info>", "</wc:info>");
    if let Err(report) = validate_subscription_document(&xmllint, "method-subscribetoevent.xsd", &hand_written) {
        panic!("the hand-written SubscribeToEvent request does not validate:\n{report}");
    }
    let info = SubscribeToEventResponse { subscription_id: SUBSCRIPTION_ID.to_owned() }.to_info();
    let standalone = format!(r#"<wc:info xmlns:wc="{}">{}</wc:info>"#, info.namespace(), info.inner_xml);
    if let Err(report) = xmllint.validate("response-subscribetoevent.xsd", &standalone) {
        panic!("the SubscribeToEvent response does not validate:\n{report}");
    }
}
