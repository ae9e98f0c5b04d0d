//! The Eventing method group: an application subscribes to changes of thing types, lists,
//! changes and deletes its subscriptions (never another's), within the limits; and a
//! change to a thing it may read offline queues a notification for it.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use haven_domain::application::MethodGroup;
use haven_domain::eventing::{MAX_SUBSCRIPTIONS_PER_APPLICATION, SubscriptionId};
use haven_domain::thing_type::{HEIGHT, WEIGHT};
use haven_store::{ApplicationStore, EventStore};
use haven_wire::StatusCode;
use haven_wire::methods::get_event_subscriptions::GetEventSubscriptionsResponse;
use haven_wire::methods::subscribe_to_event::SubscribeToEventResponse;
use support::{Harness, application_only, authorize, call, harness, info_of, online};

const SECRET: &[u8] = b"123456789";

/// The `<info>` of a SubscribeToEvent (or, with `id`, UpdateEventSubscription) request.
fn subscription_info(id: Option<&str>, url: &str, key: &[u8], types: &[haven_domain::ids::ThingTypeId]) -> String {
    let id = id.map(|id| format!("<id>{id}</id>")).unwrap_or_default();
    let types: String = types.iter().map(|type_id| format!("<type-id>{type_id}</type-id>")).collect();
    format!(
        "<info><subscription><common>{id}<notification-authentication-info><hv-eventing-shared-key>\
         <notification-key>{}</notification-key><notification-key-version-id>v1</notification-key-version-id>\
         </hv-eventing-shared-key></notification-authentication-info><notification-channel>\
         <http-notification-channel><url>{url}</url></http-notification-channel></notification-channel></common>\
         <record-item-changed-event><filters><filter><type-ids>{types}</type-ids></filter></filters>\
         </record-item-changed-event></subscription></info>",
        STANDARD.encode(key)
    )
}

/// The harness's application with the Eventing group, and a session token for it.
async fn eventing_application(harness: &Harness) -> String {
    let mut application = harness.store.application(harness.app_id).await.unwrap().unwrap();
    application.method_groups.insert(MethodGroup::Eventing);
    harness.store.put_application(&application).await.unwrap();
    harness.session(1).await.token
}

async fn send(harness: &Harness, token: &str, method: &str, info: &str) -> (StatusCode, String) {
    harness.post(call(method, 1, &application_only(token), SECRET, info, |body| body)).await
}

async fn subscribe(harness: &Harness, token: &str, url: &str) -> (StatusCode, String) {
    send(harness, token, "SubscribeToEvent", &subscription_info(None, url, &[5; 64], &[WEIGHT])).await
}

#[tokio::test]
async fn subscriptions_are_created_listed_changed_and_deleted() {
    let harness = harness().await;
    let token = eventing_application(&harness).await;
    let (status, text) = subscribe(&harness, &token, "https://tracker.example/hv/events").await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let id = SubscribeToEventResponse::parse_info_xml(&info_of(&text)).unwrap().subscription_id;

    let (_, text) = send(&harness, &token, "GetEventSubscriptions", "<info/>").await;
    let listed = GetEventSubscriptionsResponse::parse_info_xml(&info_of(&text)).unwrap().subscriptions;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id.as_deref(), Some(id.as_str()));
    assert_eq!(listed[0].url, "https://tracker.example/hv/events");
    assert_eq!(listed[0].shared_key.key, vec![5; 64]);
    assert_eq!(listed[0].filters[0].type_ids, vec![WEIGHT]);

    let changed = subscription_info(Some(&id), "https://tracker.example/hv/other", &[6; 64], &[WEIGHT, HEIGHT]);
    let (status, text) = send(&harness, &token, "UpdateEventSubscription", &changed).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let stored = harness.store.subscription(SubscriptionId::from_uuid(id.parse().unwrap())).await.unwrap().unwrap();
    assert_eq!(stored.url.as_str(), "https://tracker.example/hv/other");
    assert_eq!(stored.key.as_bytes(), &[6; 64]);
    assert!(stored.watches(HEIGHT));

    let unsubscribe = format!("<info><subscription-id>{id}</subscription-id></info>");
    let (status, text) = send(&harness, &token, "UnsubscribeToEvent", &unsubscribe).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let (status, _) = send(&harness, &token, "UnsubscribeToEvent", &unsubscribe).await;
    assert_eq!(status, StatusCode::SUBSCRIPTION_INVALID, "gone");
    let (_, text) = send(&harness, &token, "GetEventSubscriptions", "<info/>").await;
    assert!(GetEventSubscriptionsResponse::parse_info_xml(&info_of(&text)).unwrap().subscriptions.is_empty());
}

#[tokio::test]
async fn urls_keys_and_types_are_checked() {
    let harness = harness().await;
    let token = eventing_application(&harness).await;
    for (url, why) in [
        ("http://tracker.example/hv/events", "must use https"),
        ("https://elsewhere.example/hv/events", "must start with https://tracker.example/"),
        ("http://127.0.0.1:9000/events", "must use https"),
        ("not a url", "is not a URL"),
    ] {
        let (status, text) = subscribe(&harness, &token, url).await;
        assert_eq!(status, StatusCode::SUBSCRIPTION_INVALID, "{url}: {text}");
        assert!(text.contains(why), "{url}: {text}");
    }
    let short_key = subscription_info(None, "https://tracker.example/hv/e", &[1; 8], &[WEIGHT]);
    let (status, text) = send(&harness, &token, "SubscribeToEvent", &short_key).await;
    assert_eq!(status, StatusCode::SUBSCRIPTION_INVALID, "{text}");
    let unknown = haven_domain::ids::ThingTypeId::parse("00000000-0000-0000-0000-000000000001").unwrap();
    let unknown_type = subscription_info(None, "https://tracker.example/hv/e", &[1; 64], &[unknown]);
    assert_eq!(send(&harness, &token, "SubscribeToEvent", &unknown_type).await.0, StatusCode::INVALID_THING_TYPE);
}

#[tokio::test]
async fn loopback_http_is_accepted_only_with_the_development_setting() {
    let harness =
        support::harness_with_eventing_urls(haven_domain::eventing::UrlPolicy { allow_loopback_http: true }).await;
    let token = eventing_application(&harness).await;
    assert_eq!(subscribe(&harness, &token, "http://127.0.0.1:9000/events").await.0, StatusCode::OK);
    assert_eq!(subscribe(&harness, &token, "http://192.0.2.1/events").await.0, StatusCode::SUBSCRIPTION_INVALID);
}

#[tokio::test]
async fn an_application_has_at_most_25_subscriptions_and_only_its_own() {
    let harness = harness().await;
    let token = eventing_application(&harness).await;
    for _ in 0..MAX_SUBSCRIPTIONS_PER_APPLICATION {
        assert_eq!(subscribe(&harness, &token, "https://tracker.example/hv/events").await.0, StatusCode::OK);
    }
    let (status, text) = subscribe(&harness, &token, "https://tracker.example/hv/events").await;
    assert_eq!(status, StatusCode::SUBSCRIPTION_LIMIT_EXCEEDED, "{text}");
    let theirs = harness.store.subscriptions_of_application(harness.app_id).await.unwrap()[0].id.to_string();

    // Another application (with the group) sees none of them and cannot touch them.
    let other =
        support::register_application(&harness, "Other", &[MethodGroup::Basic, MethodGroup::Eventing], None).await;
    let credentials = support::AppCredentials { app_id: other, ..harness.credentials() };
    let other_token = harness.session_as(&credentials, SECRET).await.token;
    let (_, text) = send(&harness, &other_token, "GetEventSubscriptions", "<info/>").await;
    assert!(GetEventSubscriptionsResponse::parse_info_xml(&info_of(&text)).unwrap().subscriptions.is_empty());
    let update = subscription_info(Some(&theirs), "https://tracker.example/hv/mine", &[1; 64], &[WEIGHT]);
    assert_eq!(
        send(&harness, &other_token, "UpdateEventSubscription", &update).await.0,
        StatusCode::SUBSCRIPTION_INVALID
    );
    let delete = format!("<info><subscription-id>{theirs}</subscription-id></info>");
    assert_eq!(send(&harness, &other_token, "UnsubscribeToEvent", &delete).await.0, StatusCode::SUBSCRIPTION_INVALID);

    // Without the Eventing group, the methods are refused.
    let plain = support::register_application(&harness, "Plain", &[MethodGroup::Basic], None).await;
    let credentials = support::AppCredentials { app_id: plain, ..harness.credentials() };
    let plain_token = harness.session_as(&credentials, SECRET).await.token;
    assert_eq!(send(&harness, &plain_token, "GetEventSubscriptions", "<info/>").await.0, StatusCode::ACCESS_DENIED);
}

#[tokio::test]
async fn a_weight_written_through_the_platform_queues_a_notification() {
    let harness = harness().await;
    let token = eventing_application(&harness).await;
    let (account, user_token) = authorize(&harness, true).await;
    let (_, text) = subscribe(&harness, &token, "https://tracker.example/hv/events").await;
    let id = SubscribeToEventResponse::parse_info_xml(&info_of(&text)).unwrap().subscription_id;

    let weight = "<info><thing><type-id>3d34d87e-7fc1-4153-800f-f56592cb0d17</type-id><data-xml><weight><when><date><y>2026</y><m>11</m><d>21</d></date></when><value><kg>70</kg></value></weight></data-xml></thing></info>";
    let put = support::record_call(
        "PutThings",
        1,
        &account.record.id.to_string(),
        &online(&token, &user_token),
        SECRET,
        weight,
    );
    let (status, text) = harness.post(put).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let queued =
        harness.store.notifications_of_subscription(SubscriptionId::from_uuid(id.parse().unwrap())).await.unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!((queued[0].person_id, queued[0].record_id), (account.person.id, account.record.id));
    assert!(text.contains(&queued[0].thing_ids[0].to_string()), "the thing put: {text}");
}
