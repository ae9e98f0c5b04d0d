//! Several workers over one database share the outbox without sending a notification twice.

use std::collections::BTreeMap;

use haven_store::NotificationState;
use haven_wire::notification::parse_notifications;

use super::*;

pub(crate) async fn two_workers_deliver_each_notification_once(fixture: &Fixture) {
    let receiver = Receiver::start(&[], 200).await;
    let subscription = fixture.subscribe(&receiver.url, DeliveryFormat::HealthVault).await;
    let mut written = Vec::new();
    for kg in 0..30 {
        written.push(fixture.write_weight(&format!("{}", 60 + kg)).await);
    }
    // A second process: its own connections to the same database.
    let other_store = Arc::new(SqlStore::open(&fixture.config).await.unwrap());
    // Small batches, so the two workers' claims interleave.
    let settings = DeliverySettings { batch_size: 4, ..DeliverySettings::default() };
    let first = fixture.worker(settings);
    let second = DeliveryWorker::new(other_store.clone(), fixture.clock.clone(), settings).unwrap();

    let (first_report, second_report) = tokio::join!(first.deliver_due(), second.deliver_due());
    let (first_report, second_report) = (first_report.unwrap(), second_report.unwrap());
    eprintln!("first worker delivered {}, second {}", first_report.delivered, second_report.delivered);
    assert_eq!(first_report.delivered + second_report.delivered, 30);
    assert_eq!(first_report.retried + first_report.abandoned + second_report.retried + second_report.abandoned, 0);

    let mut seen: BTreeMap<ThingId, usize> = BTreeMap::new();
    for post in receiver.received() {
        for notification in parse_notifications(post.text()).unwrap() {
            for thing_id in notification.record_change.thing_ids {
                *seen.entry(thing_id).or_default() += 1;
            }
        }
    }
    let twice: Vec<_> = seen.iter().filter(|(_, count)| **count != 1).collect();
    assert!(twice.is_empty(), "sent more than once: {twice:?}");
    let mut seen: Vec<ThingId> = seen.into_keys().collect();
    seen.sort();
    written.sort();
    assert_eq!(seen, written);
    let stored = fixture.store.notifications_of_subscription(subscription.id).await.unwrap();
    assert!(stored.iter().all(|notification| notification.state == NotificationState::Delivered));
    assert!(stored.iter().all(|notification| notification.attempts == 1));
    other_store.close().await;
}
