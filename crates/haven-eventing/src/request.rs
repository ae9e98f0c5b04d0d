//! The POSTs a batch of claimed notifications becomes. HealthVault-format notifications of
//! one subscription share one POST (`wc:notifications` XML signed with
//! `HVEventingSharedKey`); each Standard Webhooks notification gets a POST of its own (a JSON
//! [`WebhookEvent`] with the `webhook-*` headers). Bodies are signed exactly as sent.

use std::collections::BTreeMap;

use haven_domain::eventing::{
    DeliveryFormat, Subscription, SubscriptionId, hv_eventing_authorization, standard_webhooks_signature,
};
use haven_store::ClaimedNotification;
use haven_wire::notification::{Notification, RecordChangeNotification, WebhookEvent, write_notifications};
use time::OffsetDateTime;

/// The `Content-Type` of a HealthVault-format body.
pub(crate) const XML_CONTENT_TYPE: &str = "text/xml; charset=utf-8";

/// The `Content-Type` of a Standard Webhooks body.
pub(crate) const JSON_CONTENT_TYPE: &str = "application/json";

/// One POST to a subscription's URL and the notifications it carries, all of that
/// subscription (one, for Standard Webhooks).
#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    /// The subscription, as claimed with the notifications.
    pub(crate) subscription: Subscription,
    /// The notifications, never empty.
    pub(crate) notifications: Vec<ClaimedNotification>,
}

/// A POST ready to send: headers and the exact body signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpRequest {
    /// Header names and values, `Content-Type` among them.
    pub(crate) headers: Vec<(&'static str, String)>,
    /// The body.
    pub(crate) body: Vec<u8>,
}

/// Splits claimed notifications into POSTs: per subscription for HealthVault's format, one
/// per notification for Standard Webhooks.
pub(crate) fn deliveries(claimed: Vec<ClaimedNotification>) -> Vec<Delivery> {
    let mut grouped: BTreeMap<SubscriptionId, Delivery> = BTreeMap::new();
    let mut single = Vec::new();
    for notification in claimed {
        match notification.subscription.format {
            DeliveryFormat::HealthVault => grouped
                .entry(notification.subscription.id)
                .or_insert_with(|| Delivery {
                    subscription: notification.subscription.clone(),
                    notifications: Vec::new(),
                })
                .notifications
                .push(notification),
            DeliveryFormat::StandardWebhooks => single
                .push(Delivery { subscription: notification.subscription.clone(), notifications: vec![notification] }),
        }
    }
    grouped.into_values().chain(single).collect()
}

fn wire_notification(notification: &ClaimedNotification) -> Notification {
    Notification {
        subscription_id: notification.subscription.id.to_string(),
        record_change: RecordChangeNotification {
            person_id: notification.person_id,
            record_id: notification.record_id,
            thing_ids: notification.thing_ids.clone(),
        },
    }
}

impl Delivery {
    /// Whether the receiver's answer means delivered: exactly 200 for HealthVault's format,
    /// any 2xx for Standard Webhooks.
    pub(crate) fn accepts(&self, status: u16) -> bool {
        match self.subscription.format {
            DeliveryFormat::HealthVault => status == 200,
            DeliveryFormat::StandardWebhooks => (200..300).contains(&status),
        }
    }

    /// The signed request, sent at `now` (Standard Webhooks' `webhook-timestamp`).
    pub(crate) fn http_request(&self, now: OffsetDateTime) -> Result<HttpRequest, serde_json::Error> {
        let subscription = &self.subscription;
        match subscription.format {
            DeliveryFormat::HealthVault => {
                let notifications: Vec<Notification> = self.notifications.iter().map(wire_notification).collect();
                let body = write_notifications(&notifications).into_bytes();
                let authorization =
                    hv_eventing_authorization(subscription.id, &subscription.key_version, &subscription.key, &body);
                Ok(HttpRequest {
                    headers: vec![("content-type", XML_CONTENT_TYPE.to_owned()), ("authorization", authorization)],
                    body,
                })
            }
            DeliveryFormat::StandardWebhooks => {
                let mut headers = vec![("content-type", JSON_CONTENT_TYPE.to_owned())];
                let mut body = Vec::new();
                // There is exactly one; a Standard Webhooks message carries one event.
                if let Some(notification) = self.notifications.first() {
                    let event =
                        WebhookEvent::record_things_changed(&wire_notification(notification), notification.occurred_at);
                    body = serde_json::to_vec(&event)?;
                    let timestamp = now.unix_timestamp();
                    let signature = standard_webhooks_signature(notification.id, timestamp, &subscription.key, &body);
                    headers.push(("webhook-id", notification.id.to_string()));
                    headers.push(("webhook-timestamp", timestamp.to_string()));
                    headers.push(("webhook-signature", signature));
                }
                Ok(HttpRequest { headers, body })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

    use haven_domain::eventing::{KeyVersion, NotificationId, NotificationKey};
    use haven_domain::ids::{ApplicationId, PersonId, RecordId, ThingId};
    use haven_wire::notification::parse_notifications;
    use time::macros::datetime;

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

    fn subscription(format: DeliveryFormat, byte: u8) -> Subscription {
        Subscription {
            id: SubscriptionId::from_uuid(uuid(byte)),
            application_id: ApplicationId::from_uuid(uuid(200)),
            url: "https://tracker.example/hv/events".parse().unwrap(),
            key: NotificationKey::new(vec![byte; 32]).unwrap(),
            key_version: KeyVersion::parse("v1").unwrap(),
            type_filters: Vec::new(),
            format,
            created_at: NOW,
        }
    }

    fn uuid(byte: u8) -> uuid::Uuid {
        uuid::Uuid::from_bytes([byte; 16])
    }

    fn claimed(subscription: &Subscription, byte: u8) -> ClaimedNotification {
        ClaimedNotification {
            id: NotificationId::from_uuid(uuid(byte)),
            subscription: subscription.clone(),
            person_id: PersonId::from_uuid(uuid(100)),
            record_id: RecordId::from_uuid(uuid(101)),
            thing_ids: vec![ThingId::from_uuid(uuid(byte))],
            occurred_at: NOW,
            attempts: 1,
        }
    }

    #[test]
    fn healthvault_notifications_share_a_post_per_subscription() {
        let first = subscription(DeliveryFormat::HealthVault, 1);
        let second = subscription(DeliveryFormat::HealthVault, 2);
        let webhooks = subscription(DeliveryFormat::StandardWebhooks, 3);
        let claimed = vec![
            claimed(&first, 10),
            claimed(&webhooks, 11),
            claimed(&second, 12),
            claimed(&first, 13),
            claimed(&webhooks, 14),
        ];
        let deliveries = deliveries(claimed);
        let shapes: Vec<(SubscriptionId, usize)> =
            deliveries.iter().map(|delivery| (delivery.subscription.id, delivery.notifications.len())).collect();
        assert_eq!(shapes, vec![(first.id, 2), (second.id, 1), (webhooks.id, 1), (webhooks.id, 1)]);

        let request = deliveries[0].http_request(NOW).unwrap();
        let body = String::from_utf8(request.body.clone()).unwrap();
        let parsed = parse_notifications(&body).unwrap();
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[1].record_change.thing_ids, vec![ThingId::from_uuid(uuid(13))]);
        let expected = hv_eventing_authorization(first.id, &first.key_version, &first.key, &request.body);
        assert!(request.headers.contains(&("authorization", expected)));
        assert!(request.headers.contains(&("content-type", XML_CONTENT_TYPE.to_owned())));
    }

    #[test]
    fn only_200_delivers_healthvault_and_any_2xx_standard_webhooks() {
        let healthvault = deliveries(vec![claimed(&subscription(DeliveryFormat::HealthVault, 1), 10)]);
        let webhooks = deliveries(vec![claimed(&subscription(DeliveryFormat::StandardWebhooks, 2), 11)]);
        assert!(healthvault[0].accepts(200));
        assert!(!healthvault[0].accepts(204));
        assert!(webhooks[0].accepts(204));
        assert!(!webhooks[0].accepts(301));
        assert!(!webhooks[0].accepts(500));
    }

    #[test]
    fn standard_webhooks_requests_are_signed_with_the_send_time() {
        let webhooks = subscription(DeliveryFormat::StandardWebhooks, 2);
        let notification = claimed(&webhooks, 11);
        let request = deliveries(vec![notification.clone()])[0].http_request(NOW).unwrap();
        let timestamp = NOW.unix_timestamp();
        let signature = standard_webhooks_signature(notification.id, timestamp, &webhooks.key, &request.body);
        assert!(request.headers.contains(&("webhook-id", notification.id.to_string())));
        assert!(request.headers.contains(&("webhook-timestamp", timestamp.to_string())));
        assert!(request.headers.contains(&("webhook-signature", signature)));
        let event: WebhookEvent = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(event.data.thing_ids, notification.thing_ids);
        assert_eq!(event.timestamp, notification.occurred_at);
    }
}
