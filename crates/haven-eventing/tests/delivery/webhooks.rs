//! Standard Webhooks delivery: one JSON event per POST with the `webhook-*` headers.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use haven_domain::eventing::{standard_webhooks_secret, standard_webhooks_signature};
use haven_store::NotificationState;
use haven_wire::notification::{RECORD_THINGS_CHANGED, WebhookEvent};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::*;

pub(crate) async fn standard_webhooks_deliveries_are_signed_json(fixture: &Fixture) {
    // Any 2xx counts as delivered for Standard Webhooks.
    let receiver = Receiver::start(&[], 204).await;
    let subscription = fixture.subscribe(&receiver.url, DeliveryFormat::StandardWebhooks).await;
    let first = fixture.write_weight("70").await;
    let second = fixture.write_weight("71").await;

    let report = fixture.worker(DeliverySettings::default()).deliver_due().await.unwrap();
    assert_eq!((report.delivered, report.retried, report.abandoned), (2, 0, 0));
    let received = receiver.received();
    assert_eq!(received.len(), 2, "one POST per notification");
    let stored = fixture.store.notifications_of_subscription(subscription.id).await.unwrap();
    let mut thing_ids = Vec::new();
    for post in &received {
        assert_eq!(post.header("content-type"), "application/json");
        let id = post.header("webhook-id");
        let notification = stored.iter().find(|notification| notification.id.to_string() == id).unwrap();
        assert_eq!(notification.state, NotificationState::Delivered);
        let timestamp: i64 = post.header("webhook-timestamp").parse().unwrap();
        assert_eq!(timestamp, NOW.unix_timestamp());
        let signature = post.header("webhook-signature");
        assert_eq!(signature, standard_webhooks_signature(notification.id, timestamp, &subscription.key, &post.body));

        // As a stock verifier does: the key from the `whsec_` secret, HMAC-SHA256 of
        // "id.timestamp.body", base64, after `v1,`.
        let secret = standard_webhooks_secret(&subscription.key);
        let key = STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).unwrap();
        mac.update(format!("{id}.{timestamp}.").as_bytes());
        mac.update(&post.body);
        assert_eq!(signature, format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes())));

        let event: WebhookEvent = serde_json::from_slice(&post.body).unwrap();
        assert_eq!(event.event_type, RECORD_THINGS_CHANGED);
        assert_eq!(event.timestamp, NOW);
        assert_eq!(event.data.subscription_id, subscription.id.to_string());
        assert_eq!((event.data.person_id, event.data.record_id), (fixture.person.id, fixture.record.id));
        assert_eq!(event.data.thing_ids, notification.thing_ids);
        thing_ids.extend(event.data.thing_ids);
    }
    thing_ids.sort();
    let mut written = vec![first, second];
    written.sort();
    assert_eq!(thing_ids, written);
}
