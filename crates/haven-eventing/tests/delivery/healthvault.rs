//! HealthVault-format delivery: the `wc:notifications` XML, signed with
//! `HVEventingSharedKey` over the exact body bytes.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use haven_store::NotificationState;
use haven_wire::notification::parse_notifications;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::*;

/// The `Authorization` header recomputed from the description, not the domain's
/// function: `HVEventingSharedKey <subscription-id>:<key-version>:<base64 HMAC-SHA256>`.
fn expected_authorization(subscription: &Subscription, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(subscription.key.as_bytes()).unwrap();
    mac.update(body);
    let digest = STANDARD.encode(mac.finalize().into_bytes());
    format!("HVEventingSharedKey {}:{}:{digest}", subscription.id, subscription.key_version.as_str())
}

pub(crate) async fn a_weight_write_is_posted_once_signed(fixture: &Fixture) {
    let receiver = Receiver::start(&[], 200).await;
    let subscription = fixture.subscribe(&receiver.url, DeliveryFormat::HealthVault).await;
    let thing_id = fixture.write_weight("72.5").await;
    let worker = fixture.worker(DeliverySettings::default());

    let report = worker.deliver_due().await.unwrap();
    assert_eq!((report.delivered, report.retried, report.abandoned), (1, 0, 0));
    let received = receiver.received();
    assert_eq!(received.len(), 1);
    let post = &received[0];
    assert_eq!(post.header("content-type"), "text/xml; charset=utf-8");
    assert_eq!(post.header("authorization"), expected_authorization(&subscription, &post.body));
    let notifications = parse_notifications(post.text()).unwrap();
    assert_eq!(notifications.len(), 1);
    assert_eq!(notifications[0].subscription_id, subscription.id.to_string());
    let change = &notifications[0].record_change;
    assert_eq!((change.person_id, change.record_id), (fixture.person.id, fixture.record.id));
    assert_eq!(change.thing_ids, vec![thing_id]);

    let stored = fixture.only_notification(&subscription).await;
    assert_eq!(stored.state, NotificationState::Delivered);
    assert_eq!((stored.attempts, stored.finished_at, stored.last_error), (1, Some(NOW), None));

    assert!(worker.deliver_due().await.unwrap().is_empty(), "a delivered notification is not sent again");
    assert_eq!(receiver.received().len(), 1);
}

pub(crate) async fn notifications_of_one_subscription_share_a_post(fixture: &Fixture) {
    let receiver = Receiver::start(&[], 200).await;
    let subscription = fixture.subscribe(&receiver.url, DeliveryFormat::HealthVault).await;
    let mut written = Vec::new();
    for kg in ["70", "71", "72"] {
        written.push(fixture.write_weight(kg).await);
    }
    let report = fixture.worker(DeliverySettings::default()).deliver_due().await.unwrap();
    assert_eq!(report.delivered, 3);
    let received = receiver.received();
    assert_eq!(received.len(), 1, "one POST carries the subscription's three notifications");
    assert_eq!(received[0].header("authorization"), expected_authorization(&subscription, &received[0].body));
    let mut posted: Vec<ThingId> = parse_notifications(received[0].text())
        .unwrap()
        .into_iter()
        .flat_map(|notification| notification.record_change.thing_ids)
        .collect();
    posted.sort();
    written.sort();
    assert_eq!(posted, written);
}
