//! How the delivery worker paces itself, with the defaults a `haven serve` process uses.

use std::time::Duration as StdDuration;

use time::Duration;

use crate::error::DeliveryError;

/// Notifications claimed from the outbox at a time.
pub const DEFAULT_BATCH_SIZE: u32 = 50;

/// Batches claimed in one pass before the worker looks at shutdown and clean-up again.
pub const DEFAULT_MAX_BATCHES_PER_PASS: u32 = 20;

/// How long a claimed notification stays with its worker before others may take it.
pub const DEFAULT_LEASE: Duration = Duration::seconds(60);

/// How long one POST may take, connecting included.
pub const DEFAULT_REQUEST_TIMEOUT: StdDuration = StdDuration::from_secs(10);

/// POSTs in flight at once.
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 16;

/// How often the outbox is polled for notifications other processes queued, or that came
/// due again.
pub const DEFAULT_POLL_INTERVAL: StdDuration = StdDuration::from_millis(500);

/// How long delivered and abandoned notifications are kept before they are deleted.
pub const DEFAULT_KEEP_FINISHED: Duration = Duration::days(30);

/// How often finished notifications older than the retention are deleted.
pub const DEFAULT_CLEANUP_INTERVAL: Duration = Duration::hours(1);

/// How long the worker waits after the store failed before it tries again.
pub const DEFAULT_ERROR_PAUSE: StdDuration = StdDuration::from_secs(5);

/// How the delivery worker paces itself.
///
/// The lease must outlast the POSTs of one batch, or a slow batch's notifications come due
/// again while still in flight and another worker sends them a second time:
/// [`DeliverySettings::check`] requires `lease ≥ request_timeout × (⌈batch_size /
/// max_concurrent_requests⌉ + 1)`, the extra timeout leaving room to record the outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliverySettings {
    /// Notifications claimed from the outbox at a time; HealthVault-format notifications of
    /// one subscription in a batch share one POST.
    pub batch_size: u32,
    /// Batches claimed in one pass at most; when a pass stops there, the next starts at once.
    pub max_batches_per_pass: u32,
    /// How long a claimed notification stays with this worker before others may take it.
    pub lease: Duration,
    /// How long one POST may take, connecting included, before it counts as failed.
    pub request_timeout: StdDuration,
    /// POSTs in flight at once.
    pub max_concurrent_requests: usize,
    /// How long the worker sleeps when nothing woke it: the delay before it sees
    /// notifications other processes queued or that came due for a retry.
    pub poll_interval: StdDuration,
    /// How long delivered and abandoned notifications are kept before deletion.
    pub keep_finished: Duration,
    /// How often (by the worker's clock) old finished notifications are deleted.
    pub cleanup_interval: Duration,
    /// How long the worker pauses after the store failed.
    pub error_pause: StdDuration,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            batch_size: DEFAULT_BATCH_SIZE,
            max_batches_per_pass: DEFAULT_MAX_BATCHES_PER_PASS,
            lease: DEFAULT_LEASE,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_concurrent_requests: DEFAULT_MAX_CONCURRENT_REQUESTS,
            poll_interval: DEFAULT_POLL_INTERVAL,
            keep_finished: DEFAULT_KEEP_FINISHED,
            cleanup_interval: DEFAULT_CLEANUP_INTERVAL,
            error_pause: DEFAULT_ERROR_PAUSE,
        }
    }
}

impl DeliverySettings {
    /// Refuses settings the worker cannot keep its promises with: a count of zero, a
    /// negative duration, or a lease shorter than a batch's POSTs can take (see the type's
    /// documentation).
    pub fn check(&self) -> Result<(), DeliveryError> {
        let invalid = |reason: String| Err(DeliveryError::InvalidSettings(reason));
        if self.batch_size == 0 || self.max_batches_per_pass == 0 || self.max_concurrent_requests == 0 {
            return invalid("the batch size, batches per pass and concurrent requests must be at least 1".to_owned());
        }
        if self.request_timeout.is_zero() {
            return invalid("the request timeout must be longer than zero".to_owned());
        }
        if self.keep_finished.is_negative() || !self.cleanup_interval.is_positive() {
            return invalid("the retention must not be negative and the clean-up interval must be positive".to_owned());
        }
        let batch_size = usize::try_from(self.batch_size).unwrap_or(usize::MAX);
        let rounds = u32::try_from(batch_size.div_ceil(self.max_concurrent_requests)).unwrap_or(u32::MAX);
        let needed = self.request_timeout.saturating_mul(rounds.saturating_add(1));
        if self.lease < needed {
            return invalid(format!(
                "the lease ({}) must be at least {needed:?}: the request timeout times one more than the rounds of \
                 concurrent requests a batch takes",
                self.lease
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_pass_their_own_check() {
        assert!(DeliverySettings::default().check().is_ok());
    }

    #[test]
    fn a_lease_shorter_than_a_batch_is_refused() {
        let settings = DeliverySettings { lease: Duration::seconds(30), ..DeliverySettings::default() };
        assert!(matches!(settings.check(), Err(DeliveryError::InvalidSettings(_))));
        let settings = DeliverySettings { max_concurrent_requests: 0, ..DeliverySettings::default() };
        assert!(matches!(settings.check(), Err(DeliveryError::InvalidSettings(_))));
    }
}
