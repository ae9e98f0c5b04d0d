//! The notification handler, driven by the sample's own test sender (and a few hand-made
//! requests) on a loopback socket, with a keyring written here and no Platform: it processes
//! what verifies and discards the rest, answering 200 either way.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use haven_domain::eventing::{KeyVersion, NotificationKey, SubscriptionId, hv_eventing_authorization};
use haven_domain::ids::{PersonId, RecordId, ThingId};
use haven_example_eventing::{
    Discard, Found, HandlerEvent, Mode, Target, TestNotification, ThingIds, Verified, keyring, send_test,
};
use haven_wire::methods::subscription::DeliveryFormat;
use haven_wire::notification::{Notification, RecordChangeNotification, write_notifications};
use support::{Handler, SUBSCRIPTION, keyring_with_subscription};
use time::OffsetDateTime;

fn test_notification(handler: &Handler, mode: Mode, things: ThingIds) -> TestNotification {
    TestNotification {
        subscription_id: SUBSCRIPTION.to_owned(),
        target: Target::Handler(handler.address),
        mode,
        things,
        person_and_record: None,
    }
}

/// POSTs `body` with `authorization` to the handler; returns the status.
async fn post(handler: &Handler, authorization: Option<String>, body: String) -> u16 {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut request = reqwest::Client::new().post(handler.url().join("events").unwrap()).body(body);
    if let Some(authorization) = authorization {
        request = request.header("Authorization", authorization);
    }
    request.send().await.unwrap().status().as_u16()
}

/// A HealthVault notification body for [`SUBSCRIPTION`] naming one random thing.
fn notification_body() -> (String, ThingId) {
    let thing_id = ThingId::from_uuid(uuid::Uuid::new_v4());
    let notification = Notification {
        subscription_id: SUBSCRIPTION.to_owned(),
        record_change: RecordChangeNotification {
            person_id: PersonId::from_uuid(uuid::Uuid::new_v4()),
            record_id: RecordId::from_uuid(uuid::Uuid::new_v4()),
            thing_ids: vec![thing_id],
        },
    };
    (write_notifications(&[notification]), thing_id)
}

/// The `Authorization` a HealthVault delivery of `body` gets under `version` of `keyring`.
fn authorization(subscription_id: &str, keyring_path: &std::path::Path, version: &str, body: &str) -> String {
    let key = keyring::load(keyring_path).unwrap().key(version).unwrap();
    hv_eventing_authorization(
        SubscriptionId::from_uuid(uuid::Uuid::parse_str(subscription_id).unwrap()),
        &KeyVersion::parse(version).unwrap(),
        &NotificationKey::new(key).unwrap(),
        body.as_bytes(),
    )
}

#[tokio::test]
async fn the_handler_processes_a_correct_notification_and_discards_bad_hmac_and_bad_key_version_ones() {
    let directory = tempfile::tempdir().unwrap();
    let keyring_path = directory.path().join("keyring.json");
    let key_version = keyring_with_subscription(&keyring_path, DeliveryFormat::HealthVault);
    let mut handler = Handler::start(&keyring_path, None).await;

    let sent =
        send_test(&keyring_path, None, &test_notification(&handler, Mode::Correct, ThingIds::Fake(2))).await.unwrap();
    assert_eq!(sent.status, 200);
    assert_eq!(sent.format, DeliveryFormat::HealthVault);
    assert_eq!(
        handler.next_event().await,
        HandlerEvent::Verified(Verified::HealthVault {
            subscription_id: SUBSCRIPTION.to_owned(),
            key_version: key_version.clone()
        })
    );
    for thing_id in &sent.notification.record_change.thing_ids {
        let HandlerEvent::Thing(thing) = handler.next_event().await else { panic!("expected a thing") };
        assert_eq!(thing.thing_id, *thing_id);
        assert_eq!(thing.subscription_id, SUBSCRIPTION);
        assert_eq!(thing.record_id, sent.notification.record_change.record_id);
        assert_eq!(thing.found, Found::NotRead);
    }

    let sent =
        send_test(&keyring_path, None, &test_notification(&handler, Mode::BadHmac, ThingIds::Fake(1))).await.unwrap();
    assert_eq!(sent.status, 200, "a mismatch is answered 200 all the same");
    assert_eq!(handler.next_event().await, HandlerEvent::Discarded(Discard::BadHmac(key_version.clone())));

    let sent = send_test(&keyring_path, None, &test_notification(&handler, Mode::BadKeyVersion, ThingIds::Fake(1)))
        .await
        .unwrap();
    assert_eq!(sent.status, 200);
    let HandlerEvent::Discarded(Discard::UnknownKeyVersion(unknown)) = handler.next_event().await else {
        panic!("expected an unknown key version")
    };
    assert_ne!(unknown, key_version);

    // A correctly signed notification naming no thing verifies, but holds nothing to read
    // under HealthVault's schema.
    let sent =
        send_test(&keyring_path, None, &test_notification(&handler, Mode::Correct, ThingIds::Empty)).await.unwrap();
    assert_eq!(sent.status, 200);
    assert!(matches!(handler.next_event().await, HandlerEvent::Verified(_)));
    assert!(matches!(handler.next_event().await, HandlerEvent::Unreadable(_)));
    handler.assert_quiet();
}

#[tokio::test]
async fn standard_webhooks_deliveries_verify_with_the_same_key() {
    let directory = tempfile::tempdir().unwrap();
    let keyring_path = directory.path().join("keyring.json");
    let key_version = keyring_with_subscription(&keyring_path, DeliveryFormat::StandardWebhooks);
    let mut handler = Handler::start(&keyring_path, None).await;

    let sent =
        send_test(&keyring_path, None, &test_notification(&handler, Mode::Correct, ThingIds::Fake(1))).await.unwrap();
    assert_eq!((sent.status, sent.format), (200, DeliveryFormat::StandardWebhooks));
    let HandlerEvent::Verified(Verified::StandardWebhooks { message_id, subscription_id, key_version: verified_with }) =
        handler.next_event().await
    else {
        panic!("expected a verified Standard Webhooks delivery")
    };
    assert!(message_id.starts_with("msg_"), "{message_id}");
    assert_eq!((subscription_id.as_str(), verified_with.as_str()), (SUBSCRIPTION, key_version.as_str()));
    let HandlerEvent::Thing(thing) = handler.next_event().await else { panic!("expected a thing") };
    assert_eq!(thing.thing_id, sent.notification.record_change.thing_ids[0]);

    for mode in [Mode::BadHmac, Mode::BadKeyVersion] {
        let sent = send_test(&keyring_path, None, &test_notification(&handler, mode, ThingIds::Fake(1))).await.unwrap();
        assert_eq!(sent.status, 200);
        assert_eq!(
            handler.next_event().await,
            HandlerEvent::Discarded(Discard::BadWebhookSignature(SUBSCRIPTION.to_owned())),
            "{mode:?}"
        );
    }

    let sent =
        send_test(&keyring_path, None, &test_notification(&handler, Mode::Correct, ThingIds::Empty)).await.unwrap();
    assert_eq!(sent.status, 200);
    assert!(matches!(handler.next_event().await, HandlerEvent::Verified(_)));
    assert!(matches!(handler.next_event().await, HandlerEvent::NoThings { .. }));
    handler.assert_quiet();
}

#[tokio::test]
async fn after_a_key_rotation_notifications_signed_with_the_old_key_still_verify() {
    let directory = tempfile::tempdir().unwrap();
    let keyring_path = directory.path().join("keyring.json");
    let old_version = keyring_with_subscription(&keyring_path, DeliveryFormat::HealthVault);
    let now = OffsetDateTime::now_utc();
    let new_key = keyring::generate_key(now).unwrap();
    keyring::update(&keyring_path, |keyring| keyring.rotate(SUBSCRIPTION, &new_key, DeliveryFormat::HealthVault, now))
        .unwrap();
    let mut handler = Handler::start(&keyring_path, None).await;

    // In flight from before the rotation: signed with the old key.
    let (body, thing_id) = notification_body();
    let status = post(&handler, Some(authorization(SUBSCRIPTION, &keyring_path, &old_version, &body)), body).await;
    assert_eq!(status, 200);
    assert_eq!(
        handler.next_event().await,
        HandlerEvent::Verified(Verified::HealthVault {
            subscription_id: SUBSCRIPTION.to_owned(),
            key_version: old_version.clone()
        })
    );
    let HandlerEvent::Thing(thing) = handler.next_event().await else { panic!("expected a thing") };
    assert_eq!(thing.thing_id, thing_id);

    // After it: the sender signs with the new key.
    let sent =
        send_test(&keyring_path, None, &test_notification(&handler, Mode::Correct, ThingIds::Fake(1))).await.unwrap();
    assert_eq!(sent.status, 200);
    assert_eq!(
        handler.next_event().await,
        HandlerEvent::Verified(Verified::HealthVault {
            subscription_id: SUBSCRIPTION.to_owned(),
            key_version: new_key.version.as_str().to_owned()
        })
    );
    assert!(matches!(handler.next_event().await, HandlerEvent::Thing(_)));
    handler.assert_quiet();
}

#[tokio::test]
async fn a_key_of_another_subscription_or_no_signature_is_discarded() {
    let directory = tempfile::tempdir().unwrap();
    let keyring_path = directory.path().join("keyring.json");
    let version = keyring_with_subscription(&keyring_path, DeliveryFormat::HealthVault);
    let mut handler = Handler::start(&keyring_path, None).await;

    // The right key and version, but the header names another subscription.
    let other = "0f0e0d0c-0b0a-4908-8706-050403020100";
    let (body, _) = notification_body();
    let status = post(&handler, Some(authorization(other, &keyring_path, &version, &body)), body).await;
    assert_eq!(status, 200);
    assert_eq!(
        handler.next_event().await,
        HandlerEvent::Discarded(Discard::KeyOfAnotherSubscription {
            key_version: version,
            subscription_id: other.to_owned(),
            owner: SUBSCRIPTION.to_owned()
        })
    );

    let (body, _) = notification_body();
    assert_eq!(post(&handler, None, body.clone()).await, 200);
    assert_eq!(handler.next_event().await, HandlerEvent::Discarded(Discard::Unsigned));
    assert_eq!(post(&handler, Some("HVEventingSharedKey nonsense".to_owned()), body).await, 200);
    assert!(matches!(handler.next_event().await, HandlerEvent::Discarded(Discard::MalformedAuthorization(_))));
    handler.assert_quiet();
}

#[tokio::test]
async fn an_unreadable_keyring_is_answered_500_so_the_platform_retries() {
    let directory = tempfile::tempdir().unwrap();
    let keyring_path = directory.path().join("keyring.json");
    std::fs::write(&keyring_path, "not json").unwrap();
    let mut handler = Handler::start(&keyring_path, None).await;
    let (body, _) = notification_body();
    assert_eq!(post(&handler, Some("HVEventingSharedKey x".to_owned()), body).await, 500);
    assert!(matches!(handler.next_event().await, HandlerEvent::KeyringUnreadable(_)));
}
