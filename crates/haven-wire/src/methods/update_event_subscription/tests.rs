use super::*;
use crate::methods::subscribe_to_event::tests::envelope;
use crate::methods::subscription::tests::{SUBSCRIPTION_ID, subscription, validate_subscription_document};
use crate::request::parse_request;
use crate::response::response_schema_name;
use crate::testing::Xmllint;

fn request() -> UpdateEventSubscriptionRequest {
    UpdateEventSubscriptionRequest { subscription: subscription(Some(SUBSCRIPTION_ID)) }
}

#[test]
fn requests_round_trip() {
    let info = request().to_info_xml();
    assert!(info.starts_with(&format!("<info><subscription><common><id>{SUBSCRIPTION_ID}</id>")), "{info}");
    assert_eq!(UpdateEventSubscriptionRequest::parse_info(1, &info).unwrap(), request());
    let parsed =
        UpdateEventSubscriptionRequest::from_request(&parse_request(&envelope(METHOD, 1, &info)).unwrap()).unwrap();
    assert_eq!(parsed, request());
    assert_eq!(parsed.subscription_id(), Some(SUBSCRIPTION_ID));
    assert_eq!(response_schema_name(METHOD, 1), None, "UpdateEventSubscription answers without wc:info");
}

#[test]
fn the_id_is_required() {
    let without_id = UpdateEventSubscriptionRequest { subscription: subscription(None) }.to_info_xml();
    assert_eq!(
        UpdateEventSubscriptionRequest::parse_info(1, &without_id),
        Err(WireError::MissingElement { parent: "common", element: "id" })
    );
    let blank_id = request().to_info_xml().replace(SUBSCRIPTION_ID, " ");
    assert_eq!(
        UpdateEventSubscriptionRequest::from_request(&parse_request(&envelope(METHOD, 1, &blank_id)).unwrap()),
        Err(WireError::MissingElement { parent: "common", element: "id" })
    );
    assert_eq!(
        UpdateEventSubscriptionRequest::parse_info(2, &request().to_info_xml()),
        Err(WireError::UnsupportedMethodVersion { method: METHOD, version: 2 })
    );
    assert_eq!(
        UpdateEventSubscriptionRequest::from_request(&parse_request(&envelope(METHOD, 1, "")).unwrap()),
        Err(WireError::MissingElement { parent: "request", element: "info" })
    );
}

#[test]
fn requests_validate_against_the_xsd() {
    let Some(xmllint) = Xmllint::for_test("UpdateEventSubscription XSD validation") else {
        return;
    };
    let standalone = request()
        .to_info_xml()
        .replacen("<info>", r#"<wc:info xmlns:wc="urn:com.microsoft.wc.methods.UpdateEventSubscription">"#, 1)
        .replace("</info>", "</wc:info>");
    if let Err(report) = validate_subscription_document(&xmllint, "method-updateeventsubscription.xsd", &standalone) {
        panic!("the UpdateEventSubscription request does not validate:\n{report}");
    }
}
