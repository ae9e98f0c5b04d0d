//! Real deliveries: the Platform's own delivery worker (haven-eventing) sends what a thing
//! change queued to a subscription the sample made, and the sample's handler verifies the
//! signature and reads the thing, in both formats and across a key rotation.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use std::sync::Arc;

use haven_domain::clock::SystemClock;
use haven_domain::thing_type::WEIGHT;
use haven_eventing::{DeliverySettings, DeliveryWorker};
use haven_example_eventing::manager;
use haven_example_eventing::{Found, HandlerEvent, NewSubscription, SubscriptionChange, Verified};
use haven_wire::methods::subscription::DeliveryFormat;
use support::{Handler, platform};

#[tokio::test]
async fn the_platforms_deliveries_verify_at_the_sample_handler_in_both_formats_and_across_a_rotation() {
    let platform = platform().await;
    let connection = platform.connection();
    let keyring_path = platform.keyring();
    let mut handler = Handler::start(&keyring_path, Some(platform.connection())).await;
    let worker =
        DeliveryWorker::new(Arc::new(platform.store.clone()), Arc::new(SystemClock), DeliverySettings::default())
            .unwrap();
    let subscribed = manager::subscribe(
        &connection,
        &keyring_path,
        &NewSubscription {
            url: handler.url().join("hv/events").unwrap(),
            types: vec![WEIGHT],
            format: DeliveryFormat::HealthVault,
        },
    )
    .await
    .unwrap();

    // HealthVault's format, under the first key.
    let weight_id = platform.put_weight("72.5").await;
    assert_eq!(worker.deliver_due().await.unwrap().delivered, 1);
    assert_eq!(
        handler.next_event().await,
        HandlerEvent::Verified(Verified::HealthVault {
            subscription_id: subscribed.subscription_id.clone(),
            key_version: subscribed.key_version.as_str().to_owned()
        })
    );
    let HandlerEvent::Thing(thing) = handler.next_event().await else { panic!("expected a thing") };
    assert_eq!(
        (thing.thing_id, thing.person_id, thing.record_id),
        (weight_id, platform.person_id(), platform.record_id())
    );
    assert_eq!(thing.found, Found::Current { type_id: WEIGHT, type_name: Some("Weight".to_owned()) });

    // A new key: the next delivery is signed with it.
    let rotated = manager::update(
        &connection,
        &keyring_path,
        &subscribed.subscription_id,
        &SubscriptionChange { rotate_key: true, ..SubscriptionChange::default() },
    )
    .await
    .unwrap();
    let weight_id = platform.put_weight("72.8").await;
    assert_eq!(worker.deliver_due().await.unwrap().delivered, 1);
    assert_eq!(
        handler.next_event().await,
        HandlerEvent::Verified(Verified::HealthVault {
            subscription_id: subscribed.subscription_id.clone(),
            key_version: rotated.key_version.as_str().to_owned()
        })
    );
    let HandlerEvent::Thing(thing) = handler.next_event().await else { panic!("expected a thing") };
    assert_eq!(thing.thing_id, weight_id);

    // Standard Webhooks, with the same key.
    manager::update(
        &connection,
        &keyring_path,
        &subscribed.subscription_id,
        &SubscriptionChange { format: Some(DeliveryFormat::StandardWebhooks), ..SubscriptionChange::default() },
    )
    .await
    .unwrap();
    let weight_id = platform.put_weight("73.1").await;
    assert_eq!(worker.deliver_due().await.unwrap().delivered, 1);
    let HandlerEvent::Verified(Verified::StandardWebhooks { subscription_id, key_version, .. }) =
        handler.next_event().await
    else {
        panic!("expected a verified Standard Webhooks delivery")
    };
    assert_eq!(
        (subscription_id, key_version.as_str()),
        (subscribed.subscription_id.clone(), rotated.key_version.as_str())
    );
    let HandlerEvent::Thing(thing) = handler.next_event().await else { panic!("expected a thing") };
    assert_eq!(thing.thing_id, weight_id);
    handler.assert_quiet();
}
