//! The worker: claims due notifications under a lease, POSTs them concurrently and records
//! each outcome (delivered, retried later, or abandoned).

use std::ops::AddAssign;
use std::sync::Arc;

use haven_domain::clock::Clock;
use haven_domain::eventing::{DELIVERY_DEADLINE, next_attempt};
use haven_store::{ClaimedNotification, NotificationOutcome, Store, StoreError};
use time::OffsetDateTime;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::error::DeliveryError;
use crate::request::{Delivery, deliveries};
use crate::settings::DeliverySettings;

/// Why a notification is abandoned without an attempt: the worker reached it too late.
pub const PAST_DEADLINE: &str = "past the delivery deadline before this attempt";

/// What one pass (or one batch) did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Notifications the receiver accepted.
    pub delivered: usize,
    /// Notifications that failed and were scheduled for another attempt.
    pub retried: usize,
    /// Notifications given up on: failed with no attempt left before the deadline, or
    /// reached after it.
    pub abandoned: usize,
}

impl DeliveryReport {
    /// Whether nothing was attempted.
    pub fn is_empty(&self) -> bool {
        self.delivered == 0 && self.retried == 0 && self.abandoned == 0
    }
}

impl AddAssign for DeliveryReport {
    fn add_assign(&mut self, other: Self) {
        self.delivered += other.delivered;
        self.retried += other.retried;
        self.abandoned += other.abandoned;
    }
}

/// A pass's report, and whether it stopped with notifications possibly still due.
struct Pass {
    report: DeliveryReport,
    more_due: bool,
}

/// Delivers the notification outbox of one store. Several workers (in one process or in
/// several over one PostgreSQL database) share the outbox: each notification is claimed by
/// one of them at a time, under [`DeliverySettings::lease`], so in the normal case it is
/// sent once; a worker that dies leaves its claims to come due again (at-least-once, with a
/// stable notification id for receivers to drop duplicates). Cheap to clone.
#[derive(Debug, Clone)]
pub struct DeliveryWorker {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    settings: DeliverySettings,
    client: reqwest::Client,
}

impl DeliveryWorker {
    /// A worker over `store`, reading time from `clock`; refuses settings that fail
    /// [`DeliverySettings::check`]. Its HTTP client follows no redirects.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        settings: DeliverySettings,
    ) -> Result<Self, DeliveryError> {
        settings.check()?;
        // reqwest is built without a default TLS provider; install ring once per process.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.request_timeout)
            .user_agent(concat!("Haven-Eventing/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { store, clock, settings, client })
    }

    /// The settings it runs with.
    pub fn settings(&self) -> &DeliverySettings {
        &self.settings
    }

    /// One pass at the clock's current time: claims due notifications a batch at a time
    /// (until none is due or [`DeliverySettings::max_batches_per_pass`]), abandons those
    /// already past their deadline, sends the rest and records every outcome. Fails only
    /// when the store does; notifications whose outcome was not recorded come due again
    /// after the lease.
    pub async fn deliver_due(&self) -> Result<DeliveryReport, StoreError> {
        self.pass(None).await.map(|pass| pass.report)
    }

    /// Delivers until `shutdown` turns true (or its sender is dropped): a pass, then a wait
    /// for the store's outbox signal (notifications queued by this process), the poll
    /// interval or shutdown; now and then, deletes finished notifications older than
    /// [`DeliverySettings::keep_finished`]. Store errors are logged and the loop goes on
    /// after [`DeliverySettings::error_pause`]. A pass under way when shutdown comes
    /// finishes its current batch and claims no more.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let outbox = self.store.outbox_signal();
        let mut last_cleanup: Option<OffsetDateTime> = None;
        tracing::info!(
            batch_size = self.settings.batch_size,
            max_concurrent_requests = self.settings.max_concurrent_requests,
            "notification delivery started"
        );
        loop {
            if *shutdown.borrow() {
                break;
            }
            let (pause, listen_to_outbox) = match self.pass(Some(&shutdown)).await {
                Ok(pass) if pass.more_due => (None, true),
                Ok(_) => (Some(self.settings.poll_interval), true),
                Err(error) => {
                    tracing::error!(%error, "notification delivery failed; pausing");
                    (Some(self.settings.error_pause), false)
                }
            };
            self.delete_finished_when_due(&mut last_cleanup).await;
            let Some(pause) = pause else { continue };
            let outbox_signal = async {
                if listen_to_outbox {
                    outbox.notified().await;
                } else {
                    std::future::pending::<()>().await;
                }
            };
            tokio::select! {
                () = outbox_signal => {}
                () = tokio::time::sleep(pause) => {}
                changed = shutdown.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
            }
        }
        tracing::info!("notification delivery stopped");
    }

    /// Claims and delivers batches until none is due, the pass's cap, or shutdown.
    async fn pass(&self, shutdown: Option<&watch::Receiver<bool>>) -> Result<Pass, StoreError> {
        let mut report = DeliveryReport::default();
        let mut batches = 0;
        let more_due = loop {
            if shutdown.is_some_and(|shutdown| *shutdown.borrow()) {
                break true;
            }
            let claimed =
                self.store.claim_notifications(self.clock.now(), self.settings.lease, self.settings.batch_size).await?;
            let full = claimed.len() >= usize::try_from(self.settings.batch_size).unwrap_or(usize::MAX);
            if claimed.is_empty() {
                break false;
            }
            report += self.deliver_batch(claimed).await?;
            batches += 1;
            if !full {
                break false;
            }
            if batches >= self.settings.max_batches_per_pass {
                break true;
            }
        };
        if !report.is_empty() {
            tracing::info!(
                delivered = report.delivered,
                retried = report.retried,
                abandoned = report.abandoned,
                "notification delivery pass"
            );
        }
        Ok(Pass { report, more_due })
    }

    /// Abandons the batch's notifications that are past their deadline and sends the rest,
    /// at most [`DeliverySettings::max_concurrent_requests`] POSTs at a time. Every POST's
    /// outcome is recorded before this returns, even when recording another's failed.
    async fn deliver_batch(&self, claimed: Vec<ClaimedNotification>) -> Result<DeliveryReport, StoreError> {
        let now = self.clock.now();
        let mut report = DeliveryReport::default();
        let mut outcomes = Vec::with_capacity(claimed.len());
        let mut due = Vec::with_capacity(claimed.len());
        for notification in claimed {
            if now > notification.occurred_at + DELIVERY_DEADLINE {
                outcomes.push(NotificationOutcome::Abandoned {
                    id: notification.id,
                    at: now,
                    error: PAST_DEADLINE.to_owned(),
                });
                tracing::warn!(
                    subscription_id = %notification.subscription.id,
                    notification_id = %notification.id,
                    "notification abandoned: past its delivery deadline"
                );
                report.abandoned += 1;
            } else {
                due.push(notification);
            }
        }
        let permits = Arc::new(Semaphore::new(self.settings.max_concurrent_requests));
        let mut tasks = JoinSet::new();
        for delivery in deliveries(due) {
            let worker = self.clone();
            let permits = Arc::clone(&permits);
            tasks.spawn(async move {
                // The semaphore is never closed, so a permit always comes.
                let _permit = permits.acquire_owned().await.ok();
                worker.deliver(delivery).await
            });
        }
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((delivered, recorded)) => {
                    report += delivered;
                    outcomes.extend(recorded);
                }
                // The claims of a task that panicked come due again after the lease.
                Err(error) => tracing::error!(%error, "a notification delivery task failed"),
            }
        }
        // The whole batch's outcomes in one transaction (on SQLite, one disk sync and one
        // turn of the write lock instead of one per notification).
        if let Err(error) = self.store.record_outcomes(&outcomes).await {
            tracing::error!(%error, "recording notification deliveries failed; they come due again after the lease");
            return Err(error);
        }
        Ok(report)
    }

    /// Sends one POST; returns the counts and the outcome of each notification it carries,
    /// for the batch to record.
    async fn deliver(&self, delivery: Delivery) -> (DeliveryReport, Vec<NotificationOutcome>) {
        let outcome = self.send(&delivery).await;
        let now = self.clock.now();
        let subscription_id = delivery.subscription.id;
        let count = delivery.notifications.len();
        let mut report = DeliveryReport::default();
        let mut outcomes = Vec::with_capacity(count);
        match outcome {
            Ok(status) => {
                for notification in &delivery.notifications {
                    outcomes.push(NotificationOutcome::Delivered { id: notification.id, at: now });
                }
                report.delivered = count;
                tracing::debug!(%subscription_id, status, notifications = count, "notifications delivered");
            }
            Err(reason) => {
                for notification in &delivery.notifications {
                    match next_attempt(notification.attempts, notification.occurred_at, now) {
                        Some(next) => {
                            outcomes.push(NotificationOutcome::Retry {
                                id: notification.id,
                                next,
                                error: reason.clone(),
                            });
                            report.retried += 1;
                        }
                        None => {
                            let error = format!("{reason}; no attempt left before the delivery deadline");
                            outcomes.push(NotificationOutcome::Abandoned { id: notification.id, at: now, error });
                            report.abandoned += 1;
                        }
                    }
                }
                tracing::warn!(
                    %subscription_id,
                    %reason,
                    notifications = count,
                    retried = report.retried,
                    abandoned = report.abandoned,
                    "notification delivery failed"
                );
            }
        }
        (report, outcomes)
    }

    /// POSTs a delivery: the receiver's status if it accepted, or a short reason (a status
    /// code or the kind of error, never a body) if not.
    async fn send(&self, delivery: &Delivery) -> Result<u16, String> {
        let request = delivery.http_request(self.clock.now()).map_err(|_| "could not encode the body".to_owned())?;
        let mut builder = self.client.post(delivery.subscription.url.clone());
        for (name, value) in request.headers {
            builder = builder.header(name, value);
        }
        let response = builder.body(request.body).send().await.map_err(|error| failure_kind(&error).to_owned())?;
        let status = response.status().as_u16();
        // The body is not read: nothing in it matters, and it may be large.
        drop(response);
        if delivery.accepts(status) { Ok(status) } else { Err(format!("HTTP {status}")) }
    }

    /// Deletes finished notifications older than the retention, at most once per
    /// [`DeliverySettings::cleanup_interval`] of the worker's clock.
    async fn delete_finished_when_due(&self, last_cleanup: &mut Option<OffsetDateTime>) {
        let now = self.clock.now();
        if last_cleanup.is_some_and(|last| now - last < self.settings.cleanup_interval) {
            return;
        }
        *last_cleanup = Some(now);
        match self.store.delete_finished_notifications(now - self.settings.keep_finished).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, "old finished notifications deleted"),
            Err(error) => tracing::warn!(%error, "deleting old finished notifications failed"),
        }
    }
}

/// The kind of a failed request, for the notification's record and the log.
fn failure_kind(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else if error.is_builder() {
        "invalid request"
    } else {
        "request failed"
    }
}
