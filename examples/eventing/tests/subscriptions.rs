//! The subscription manager against a real Platform in-process (loopback HTTP notification
//! URLs allowed, as in development), with the handler reading the changed things offline.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use haven_domain::thing_type::{BLOOD_PRESSURE, WEIGHT};
use haven_example_eventing::manager::{self, watched_types};
use haven_example_eventing::{
    EventingError, Found, HandlerEvent, Mode, NewSubscription, SubscriptionChange, Target, TestNotification, ThingIds,
    Verified, keyring, send_test,
};
use haven_wire::methods::subscription::DeliveryFormat;
use support::{Handler, platform};
use url::Url;

#[tokio::test]
async fn subscribe_list_update_and_delete_against_the_platform() {
    let platform = platform().await;
    let connection = platform.connection();
    let keyring_path = platform.keyring();
    let mut handler = Handler::start(&keyring_path, Some(platform.connection())).await;
    let url = handler.url().join("hv/events").unwrap();

    // Subscribe: the key is in the keyring, as the subscription's.
    let subscribed = manager::subscribe(
        &connection,
        &keyring_path,
        &NewSubscription { url: url.clone(), types: vec![WEIGHT], format: DeliveryFormat::HealthVault },
    )
    .await
    .unwrap();
    let first_version = subscribed.key_version.as_str().to_owned();
    let kept = keyring::load(&keyring_path).unwrap();
    assert_eq!(kept.owner(&first_version), Some(subscribed.subscription_id.as_str()));
    assert_eq!(kept.key(&first_version).unwrap().len(), keyring::KEY_BYTES);

    // List: the id, URL and types watched, with the key kept.
    let listed = manager::list(&connection).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id.as_deref(), Some(subscribed.subscription_id.as_str()));
    assert_eq!(listed[0].url, url.as_str());
    assert_eq!(watched_types(&listed[0]), [WEIGHT]);
    assert_eq!(listed[0].shared_key.version_id, subscribed.key_version);
    assert_eq!(Some(listed[0].shared_key.key.clone()), kept.key(&first_version));

    // A test notification naming the newest weight, sent to the subscription's URL: the
    // handler verifies it and reads the weight offline.
    let weight_id = platform.put_weight("72.5").await;
    let sent = send_test(
        &keyring_path,
        Some(&connection),
        &TestNotification {
            subscription_id: subscribed.subscription_id.clone(),
            target: Target::SubscriptionUrl,
            mode: Mode::Correct,
            things: ThingIds::Actual { person_id: platform.person_id(), record_id: platform.record_id(), count: 1 },
            person_and_record: None,
        },
    )
    .await
    .unwrap();
    assert_eq!((sent.url.as_str(), sent.status), (url.as_str(), 200));
    assert_eq!(sent.notification.record_change.thing_ids, [weight_id]);
    assert_eq!(
        handler.next_event().await,
        HandlerEvent::Verified(Verified::HealthVault {
            subscription_id: subscribed.subscription_id.clone(),
            key_version: first_version.clone()
        })
    );
    let HandlerEvent::Thing(thing) = handler.next_event().await else { panic!("expected a thing") };
    assert_eq!(
        (thing.thing_id, thing.person_id, thing.record_id),
        (weight_id, platform.person_id(), platform.record_id())
    );
    assert_eq!(thing.found, Found::Current { type_id: WEIGHT, type_name: Some("Weight".to_owned()) });
    assert!(thing.to_string().contains("Weight"), "{thing}");

    // A fake thing id is read as not found.
    send_test(
        &keyring_path,
        Some(&connection),
        &TestNotification {
            subscription_id: subscribed.subscription_id.clone(),
            target: Target::Handler(handler.address),
            mode: Mode::Correct,
            things: ThingIds::Fake(1),
            person_and_record: Some((platform.person_id(), platform.record_id())),
        },
    )
    .await
    .unwrap();
    assert!(matches!(handler.next_event().await, HandlerEvent::Verified(_)));
    let HandlerEvent::Thing(thing) = handler.next_event().await else { panic!("expected a thing") };
    assert_eq!(thing.found, Found::NotFound);

    // Rotate the key: the Platform lists the new version; the keyring keeps both.
    let rotated = manager::update(
        &connection,
        &keyring_path,
        &subscribed.subscription_id,
        &SubscriptionChange { rotate_key: true, ..SubscriptionChange::default() },
    )
    .await
    .unwrap();
    assert_ne!(rotated.key_version, subscribed.key_version);
    let listed = manager::list(&connection).await.unwrap();
    assert_eq!(listed[0].shared_key.version_id, rotated.key_version);
    assert_eq!(listed[0].url, url.as_str(), "a rotation keeps the URL");
    let kept = keyring::load(&keyring_path).unwrap();
    assert_eq!(kept.current_key(&subscribed.subscription_id).unwrap().0, rotated.key_version);
    assert_eq!(Some(listed[0].shared_key.key.clone()), kept.key(rotated.key_version.as_str()));
    assert!(kept.key(&first_version).is_some(), "the old key stays for notifications in flight");
    assert_eq!(kept.owner(&first_version), Some(subscribed.subscription_id.as_str()));

    // Change the types, the URL and the format.
    let new_url = handler.url().join("hv/events/v2").unwrap();
    manager::update(
        &connection,
        &keyring_path,
        &subscribed.subscription_id,
        &SubscriptionChange {
            url: Some(new_url.clone()),
            types: Some(vec![WEIGHT, BLOOD_PRESSURE]),
            format: Some(DeliveryFormat::StandardWebhooks),
            rotate_key: false,
        },
    )
    .await
    .unwrap();
    let listed = manager::list(&connection).await.unwrap();
    assert_eq!(listed[0].url, new_url.as_str());
    assert_eq!(watched_types(&listed[0]), [WEIGHT, BLOOD_PRESSURE]);
    assert_eq!(listed[0].delivery_format, DeliveryFormat::StandardWebhooks);
    assert_eq!(listed[0].shared_key.version_id, rotated.key_version, "no rotation, the same key");
    let sent = send_test(
        &keyring_path,
        Some(&connection),
        &TestNotification {
            subscription_id: subscribed.subscription_id.clone(),
            target: Target::SubscriptionUrl,
            mode: Mode::Correct,
            things: ThingIds::Actual { person_id: platform.person_id(), record_id: platform.record_id(), count: 5 },
            person_and_record: None,
        },
    )
    .await
    .unwrap();
    assert_eq!((sent.url.as_str(), sent.format), (new_url.as_str(), DeliveryFormat::StandardWebhooks));
    assert!(matches!(handler.next_event().await, HandlerEvent::Verified(Verified::StandardWebhooks { .. })));
    let HandlerEvent::Thing(thing) = handler.next_event().await else { panic!("expected a thing") };
    assert_eq!(thing.thing_id, weight_id);

    // Delete: the Platform lists nothing and the keyring forgets the keys.
    manager::delete(&connection, &keyring_path, &subscribed.subscription_id).await.unwrap();
    assert!(manager::list(&connection).await.unwrap().is_empty());
    let kept = keyring::load(&keyring_path).unwrap();
    assert_eq!(kept, keyring::Keyring::default());
    let again = manager::delete(&connection, &keyring_path, &subscribed.subscription_id).await.unwrap_err();
    assert!(matches!(again, EventingError::Platform(_)), "{again}");
    let missing =
        manager::update(&connection, &keyring_path, &subscribed.subscription_id, &SubscriptionChange::default())
            .await
            .unwrap_err();
    assert!(matches!(missing, EventingError::NoSuchSubscription(_)), "{missing}");
    handler.assert_quiet();
}

#[tokio::test]
async fn a_refused_subscription_leaves_no_key_behind() {
    let platform = platform().await;
    let connection = platform.connection();
    let keyring_path = platform.keyring();
    // Plain HTTP off loopback is refused even with the development setting.
    let refused = manager::subscribe(
        &connection,
        &keyring_path,
        &NewSubscription {
            url: Url::parse("http://app.example/hv/events").unwrap(),
            types: vec![WEIGHT],
            format: DeliveryFormat::HealthVault,
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(refused, EventingError::Platform(_)), "{refused}");
    assert!(refused.to_string().contains("https"), "{refused}");
    assert_eq!(keyring::load(&keyring_path).unwrap(), keyring::Keyring::default());
    assert!(manager::list(&connection).await.unwrap().is_empty());
}
