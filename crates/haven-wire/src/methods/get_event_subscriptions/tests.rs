use super::*;
use crate::methods::subscribe_to_event::tests::envelope;
use crate::methods::subscription::DeliveryFormat;
use crate::methods::subscription::tests::{SUBSCRIPTION_ID, subscription, validate_subscription_document};
use crate::request::parse_request;
use crate::response::{Response, parse_info_element, parse_response, response_schema_name};
use crate::testing::Xmllint;

const OTHER_ID: &str = "0f6d2b1a-8c3e-4d5f-9a7b-1c2d3e4f5a6b";

fn response() -> GetEventSubscriptionsResponse {
    let mut second = subscription(Some(OTHER_ID));
    second.url = "https://app.example/hv/other".to_owned();
    second.filters.truncate(1);
    GetEventSubscriptionsResponse { subscriptions: vec![subscription(Some(SUBSCRIPTION_ID)), second] }
}

#[test]
fn reads_the_empty_request() {
    for info in ["<info/>", ""] {
        let body = envelope(METHOD, 1, info);
        let request = parse_request(&body).unwrap();
        assert_eq!(GetEventSubscriptionsRequest::from_request(&request), Ok(GetEventSubscriptionsRequest));
    }
    let body = envelope(METHOD, 1, &GetEventSubscriptionsRequest.to_info_xml());
    let request = parse_request(&body).unwrap();
    assert_eq!(request.info_xml(), Some("<info/>"));
    assert_eq!(
        GetEventSubscriptionsRequest::from_request(&parse_request(&envelope(METHOD, 2, "<info/>")).unwrap()),
        Err(WireError::UnsupportedMethodVersion { method: METHOD, version: 2 })
    );
}

#[test]
fn responses_round_trip() {
    let mut with_extension = response();
    with_extension.subscriptions[1].delivery_format = DeliveryFormat::StandardWebhooks;
    for answer in [response(), with_extension, GetEventSubscriptionsResponse { subscriptions: Vec::new() }] {
        let info = answer.to_info();
        assert_eq!(Some(info.schema.as_str()), response_schema_name(METHOD, 1));
        let written = Response::ok(info).to_xml();
        let parsed = parse_response(&written).unwrap().info.unwrap();
        assert_eq!(parsed.schema(), Some(RESPONSE_SCHEMA));
        assert_eq!(GetEventSubscriptionsResponse::parse_info_xml(parsed.inner_xml).unwrap(), answer);
    }
    let none = GetEventSubscriptionsResponse { subscriptions: Vec::new() };
    assert_eq!(none.to_info().inner_xml, "<subscriptions></subscriptions>");
    assert_eq!(GetEventSubscriptionsResponse::parse_info_xml("<subscriptions/>").unwrap(), none);
    assert_eq!(
        GetEventSubscriptionsResponse::parse_info_xml(""),
        Err(WireError::MissingElement { parent: "info", element: "subscriptions" })
    );
}

/// The answer as written by hand from `response-geteventsubscriptions.xsd`.
#[test]
fn reads_a_hand_written_response() {
    let text = r#"<wc:info xmlns:wc="urn:com.microsoft.wc.methods.response.GetEventSubscriptions">
  <subscriptions>
    <subscription>
      <common>
        <id>9b1c5f0e-3d2a-4c61-8f4e-2a7b9c0d1e2f</id>
        <notification-authentication-info>
          <hv-eventing-shared-key>
            <notification-key>AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==</notification-key>
            <notification-key-version-id>2</notification-key-version-id>
          </hv-eventing-shared-key>
        </notification-authentication-info>
        <notification-channel>
          <http-notification-channel><url>https://www.app.com/hv/notify.aspx</url></http-notification-channel>
        </notification-channel>
      </common>
      <record-item-changed-event>
        <filters>
          <filter><type-ids><type-id>3d34d87e-7fc1-4153-800f-f56592cb0d17</type-id></type-ids></filter>
        </filters>
      </record-item-changed-event>
    </subscription>
  </subscriptions>
</wc:info>"#;
    let info = parse_info_element(text).unwrap();
    assert_eq!(info.schema(), Some(RESPONSE_SCHEMA));
    let answer = GetEventSubscriptionsResponse::parse_info_xml(info.inner_xml).unwrap();
    assert_eq!(answer.subscriptions.len(), 1);
    let subscription = &answer.subscriptions[0];
    assert_eq!(subscription.id.as_deref(), Some(SUBSCRIPTION_ID));
    assert_eq!(subscription.shared_key.version_id.as_str(), "2");
    assert_eq!(subscription.delivery_format, DeliveryFormat::HealthVault);

    let Some(xmllint) = Xmllint::for_test("GetEventSubscriptions hand-written XSD validation") else {
        return;
    };
    if let Err(report) = validate_subscription_document(&xmllint, "response-geteventsubscriptions.xsd", text) {
        panic!("the hand-written GetEventSubscriptions response does not validate:\n{report}");
    }
}

#[test]
fn responses_validate_against_the_xsd() {
    let Some(xmllint) = Xmllint::for_test("GetEventSubscriptions XSD validation") else {
        return;
    };
    for answer in [response(), GetEventSubscriptionsResponse { subscriptions: Vec::new() }] {
        let info = answer.to_info();
        let standalone = format!(r#"<wc:info xmlns:wc="{}">{}</wc:info>"#, info.namespace(), info.inner_xml);
        if let Err(report) = validate_subscription_document(&xmllint, "response-geteventsubscriptions.xsd", &standalone)
        {
            panic!("the GetEventSubscriptions response does not validate:\n{report}");
        }
    }
}
