//! The worker's loop: woken by this process's writes rather than by polling, stopped by
//! the shutdown signal.

use haven_store::NotificationState;

use super::*;

pub(crate) async fn the_running_worker_is_woken_by_a_write_and_stops_on_shutdown(fixture: &Fixture) {
    let receiver = Receiver::start(&[], 200).await;
    let subscription = fixture.subscribe(&receiver.url, DeliveryFormat::HealthVault).await;
    // Polling would take an hour: only the outbox signal can bring the notification in time.
    let settings =
        DeliverySettings { poll_interval: std::time::Duration::from_secs(3600), ..DeliverySettings::default() };
    let (shutdown, shutdown_received) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(fixture.worker(settings).run(shutdown_received));

    let thing_id = fixture.write_weight("70").await;
    let received = receiver.wait_for(1).await;
    let notifications = haven_wire::notification::parse_notifications(received[0].text()).unwrap();
    assert_eq!(notifications[0].record_change.thing_ids, vec![thing_id]);

    shutdown.send(true).unwrap();
    tokio::time::timeout(PATIENCE, running).await.expect("the worker stops on shutdown").unwrap();
    // The outcome was recorded before the worker stopped waiting.
    assert_eq!(fixture.only_notification(&subscription).await.state, NotificationState::Delivered);
}
