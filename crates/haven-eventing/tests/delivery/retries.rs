//! Failures: retried on the domain's schedule, delivered when the receiver recovers,
//! abandoned at the 10-day deadline; the clock is moved, never waited for.

use haven_domain::eventing::{DELIVERY_DEADLINE, retry_delay};
use haven_eventing::PAST_DEADLINE;
use haven_store::NotificationState;
use time::Duration;

use super::*;

/// Moves the fixture's clock to `at`.
fn move_clock_to(fixture: &Fixture, at: OffsetDateTime) {
    fixture.clock.advance(at - fixture.clock.now());
}

pub(crate) async fn a_500_is_retried_after_the_first_delay_then_delivered(fixture: &Fixture) {
    let receiver = Receiver::start(&[500], 200).await;
    let subscription = fixture.subscribe(&receiver.url, DeliveryFormat::HealthVault).await;
    fixture.write_weight("70").await;
    let worker = fixture.worker(DeliverySettings::default());

    let report = worker.deliver_due().await.unwrap();
    assert_eq!((report.delivered, report.retried, report.abandoned), (0, 1, 0));
    let stored = fixture.only_notification(&subscription).await;
    assert_eq!(stored.state, NotificationState::Pending);
    assert_eq!(stored.last_error.as_deref(), Some("HTTP 500"));
    assert_eq!(stored.next_attempt_at, NOW + retry_delay(1));

    fixture.clock.advance(retry_delay(1) - Duration::seconds(1));
    assert!(worker.deliver_due().await.unwrap().is_empty(), "not due before the first retry delay");
    assert_eq!(receiver.received().len(), 1);

    fixture.clock.advance(Duration::seconds(1));
    let report = worker.deliver_due().await.unwrap();
    assert_eq!((report.delivered, report.retried, report.abandoned), (1, 0, 0));
    let received = receiver.received();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].body, received[1].body, "the retry carries the same notification");
    let stored = fixture.only_notification(&subscription).await;
    assert_eq!(stored.state, NotificationState::Delivered);
    assert_eq!((stored.attempts, stored.finished_at), (2, Some(NOW + retry_delay(1))));
}

pub(crate) async fn a_receiver_that_always_fails_is_abandoned_at_the_deadline(fixture: &Fixture) {
    let receiver = Receiver::start(&[], 503).await;
    let subscription = fixture.subscribe(&receiver.url, DeliveryFormat::HealthVault).await;
    fixture.write_weight("70").await;
    let worker = fixture.worker(DeliverySettings::default());

    let mut passes = 0;
    let abandoned = loop {
        passes += 1;
        assert!(passes < 500, "never abandoned");
        let report = worker.deliver_due().await.unwrap();
        let stored = fixture.only_notification(&subscription).await;
        assert_eq!(stored.attempts, passes, "one attempt per pass");
        if report.abandoned == 1 {
            break stored;
        }
        assert_eq!((report.retried, report.delivered), (1, 0));
        assert_eq!(stored.next_attempt_at, fixture.clock.now() + retry_delay(passes));
        // Nothing is sent before the next attempt is due.
        move_clock_to(fixture, stored.next_attempt_at - Duration::seconds(1));
        assert!(worker.deliver_due().await.unwrap().is_empty());
        move_clock_to(fixture, stored.next_attempt_at);
    };
    let last_attempt = fixture.clock.now();
    assert!(last_attempt <= NOW + DELIVERY_DEADLINE);
    assert!(last_attempt + retry_delay(passes) > NOW + DELIVERY_DEADLINE, "attempts went on until the horizon");
    assert!(last_attempt > NOW + DELIVERY_DEADLINE - Duration::days(1));
    assert_eq!(abandoned.state, NotificationState::Abandoned);
    assert_eq!(abandoned.finished_at, Some(last_attempt));
    assert!(abandoned.last_error.as_deref().unwrap().starts_with("HTTP 503"), "{:?}", abandoned.last_error);
    assert_eq!(receiver.received().len(), usize::try_from(passes).unwrap());

    fixture.clock.advance(Duration::days(30));
    assert!(worker.deliver_due().await.unwrap().is_empty(), "an abandoned notification is never tried again");
    assert_eq!(receiver.received().len(), usize::try_from(passes).unwrap());
}

pub(crate) async fn a_notification_reached_after_its_deadline_is_abandoned_unsent(fixture: &Fixture) {
    let receiver = Receiver::start(&[], 200).await;
    let subscription = fixture.subscribe(&receiver.url, DeliveryFormat::HealthVault).await;
    fixture.write_weight("70").await;
    // The worker was down for longer than the deadline.
    fixture.clock.advance(DELIVERY_DEADLINE + Duration::seconds(1));

    let report = fixture.worker(DeliverySettings::default()).deliver_due().await.unwrap();
    assert_eq!((report.delivered, report.retried, report.abandoned), (0, 0, 1));
    assert!(receiver.received().is_empty());
    let stored = fixture.only_notification(&subscription).await;
    assert_eq!(stored.state, NotificationState::Abandoned);
    assert_eq!(stored.last_error.as_deref(), Some(PAST_DEADLINE));
}

pub(crate) async fn a_closed_port_is_retried_not_lost(fixture: &Fixture) {
    let closed = closed_port_url().await;
    let subscription = fixture.subscribe(&closed, DeliveryFormat::HealthVault).await;
    let thing_id = fixture.write_weight("70").await;
    let worker = fixture.worker(DeliverySettings::default());

    let report = worker.deliver_due().await.unwrap();
    assert_eq!((report.delivered, report.retried, report.abandoned), (0, 1, 0));
    let stored = fixture.only_notification(&subscription).await;
    assert_eq!(stored.state, NotificationState::Pending);
    assert_eq!(stored.last_error.as_deref(), Some("connection failed"));
    assert_eq!(stored.next_attempt_at, NOW + retry_delay(1));

    fixture.clock.advance(retry_delay(1));
    let report = worker.deliver_due().await.unwrap();
    assert_eq!(report.retried, 1, "still failing, still kept");
    assert_eq!(fixture.only_notification(&subscription).await.attempts, 2);

    // The receiver comes up (at another address): the notification reaches it.
    let receiver = Receiver::start(&[], 200).await;
    let moved = Subscription { url: receiver.url.clone(), ..subscription.clone() };
    assert!(fixture.store.update_subscription(&moved).await.unwrap());
    fixture.clock.advance(retry_delay(2));
    let report = worker.deliver_due().await.unwrap();
    assert_eq!(report.delivered, 1);
    let received = receiver.received();
    assert_eq!(received.len(), 1);
    let notifications = haven_wire::notification::parse_notifications(received[0].text()).unwrap();
    assert_eq!(notifications[0].record_change.thing_ids, vec![thing_id]);
    assert_eq!(fixture.only_notification(&subscription).await.state, NotificationState::Delivered);
}
