//! The eventing benchmark's statistics: which notifications arrived, how long after their
//! write committed, which never did and which came twice.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use haven_domain::eventing::SubscriptionId;
use haven_domain::ids::ThingId;

use crate::report::percentile;

/// A write the writer made: when `write_things` returned, and whether it was due after the
/// warm-up (so its notifications are measured).
#[derive(Debug, Clone, Copy)]
pub struct Commit {
    /// When `write_things` returned, the change committed.
    pub at: Instant,
    /// Whether the write belongs to the measuring time.
    pub measured: bool,
}

/// One notification as the receiver read it: a subscription told of a thing.
#[derive(Debug, Clone, Copy)]
pub struct Receipt {
    /// The subscription the notification names.
    pub subscription_id: SubscriptionId,
    /// The thing it names.
    pub thing_id: ThingId,
    /// When the POST carrying it arrived.
    pub at: Instant,
}

/// What the receipts of one run add up to, for the writes of the measuring time.
#[derive(Debug, Clone, PartialEq)]
pub struct Tally {
    /// Measured writes.
    pub writes: usize,
    /// Subscriptions told of every write.
    pub subscriptions: usize,
    /// Notifications the measured writes should produce: one per write and subscription.
    pub expected: usize,
    /// Notifications of measured writes received at least once.
    pub delivered: usize,
    /// Receipts of a (subscription, thing) already received, of any write.
    pub duplicates: usize,
    /// Receipts naming a thing nobody wrote or a subscription not made.
    pub unexpected: usize,
    /// From the start of the measuring time until the last notification of a measured write
    /// arrived, and never less than the measuring time itself.
    pub elapsed: Duration,
    /// Commit to first receipt of every delivered notification, sorted ascending.
    latencies: Vec<Duration>,
}

impl Tally {
    /// Matches `receipts` against the writes in `commits` for `subscriptions`. Latencies run
    /// from a write's commit to the first receipt of each of its notifications (a receipt
    /// can precede the writer's own timestamp by a hair, since the worker is woken inside
    /// `write_things`; such a latency counts as zero).
    pub fn new(
        commits: &HashMap<ThingId, Commit>,
        subscriptions: &[SubscriptionId],
        receipts: &[Receipt],
        measure_start: Instant,
        measure: Duration,
    ) -> Self {
        let subscriptions: HashSet<SubscriptionId> = subscriptions.iter().copied().collect();
        let writes = commits.values().filter(|commit| commit.measured).count();
        let mut seen = HashSet::with_capacity(receipts.len());
        let mut latencies = Vec::with_capacity(writes * subscriptions.len());
        let mut duplicates = 0;
        let mut unexpected = 0;
        let mut last_receipt = measure_start;
        for receipt in receipts {
            let Some(commit) = commits.get(&receipt.thing_id) else {
                unexpected += 1;
                continue;
            };
            if !subscriptions.contains(&receipt.subscription_id) {
                unexpected += 1;
                continue;
            }
            if !seen.insert((receipt.subscription_id, receipt.thing_id)) {
                duplicates += 1;
                continue;
            }
            if commit.measured {
                latencies.push(receipt.at.saturating_duration_since(commit.at));
                last_receipt = last_receipt.max(receipt.at);
            }
        }
        latencies.sort_unstable();
        Self {
            writes,
            subscriptions: subscriptions.len(),
            expected: writes * subscriptions.len(),
            delivered: latencies.len(),
            duplicates,
            unexpected,
            elapsed: last_receipt.saturating_duration_since(measure_start).max(measure),
            latencies,
        }
    }

    /// Notifications of measured writes never received.
    pub fn lost(&self) -> usize {
        self.expected.saturating_sub(self.delivered)
    }

    /// Notifications of measured writes received per second of [`Tally::elapsed`].
    pub fn delivered_per_second(&self) -> f64 {
        if self.elapsed.is_zero() { 0.0 } else { self.delivered as f64 / self.elapsed.as_secs_f64() }
    }

    /// Measured writes per second of the measuring time.
    pub fn writes_per_second(&self, measure: Duration) -> f64 {
        if measure.is_zero() { 0.0 } else { self.writes as f64 / measure.as_secs_f64() }
    }

    /// The median latency from commit to receipt.
    pub fn median(&self) -> Option<Duration> {
        percentile(&self.latencies, 50.0)
    }

    /// The 99th-percentile latency from commit to receipt.
    pub fn p99(&self) -> Option<Duration> {
        percentile(&self.latencies, 99.0)
    }

    /// The longest latency from commit to receipt.
    pub fn max(&self) -> Option<Duration> {
        self.latencies.last().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn subscription() -> SubscriptionId {
        SubscriptionId::from_uuid(Uuid::new_v4())
    }

    fn thing() -> ThingId {
        ThingId::from_uuid(Uuid::new_v4())
    }

    #[test]
    fn latencies_run_from_commit_to_first_receipt_of_measured_writes() {
        let start = Instant::now();
        let at = |milliseconds: u64| start + Duration::from_millis(milliseconds);
        let (first, second) = (subscription(), subscription());
        let (warm_up, measured, half_delivered) = (thing(), thing(), thing());
        let commits = HashMap::from([
            (warm_up, Commit { at: at(0), measured: false }),
            (measured, Commit { at: at(1_000), measured: true }),
            (half_delivered, Commit { at: at(1_500), measured: true }),
        ]);
        let receipt =
            |subscription_id, thing_id, milliseconds| Receipt { subscription_id, thing_id, at: at(milliseconds) };
        let receipts = [
            // The warm-up write is delivered but not measured.
            receipt(first, warm_up, 5),
            receipt(second, warm_up, 7),
            receipt(first, measured, 1_010),
            receipt(second, measured, 1_040),
            // A second receipt counts as a duplicate, and its latency is not taken.
            receipt(second, measured, 1_900),
            // Arriving before the writer noted its commit counts as no delay at all.
            receipt(first, half_delivered, 1_499),
            // A thing nobody wrote, and a subscription nobody made.
            receipt(first, thing(), 1_600),
            receipt(subscription(), measured, 1_600),
        ];
        let tally = Tally::new(&commits, &[first, second], &receipts, at(1_000), Duration::from_secs(2));
        assert_eq!(tally.writes, 2);
        assert_eq!(tally.expected, 4);
        assert_eq!(tally.delivered, 3);
        assert_eq!(tally.lost(), 1);
        assert_eq!(tally.duplicates, 1);
        assert_eq!(tally.unexpected, 2);
        assert_eq!(tally.median(), Some(Duration::from_millis(10)));
        assert_eq!(tally.p99(), Some(Duration::from_millis(40)));
        assert_eq!(tally.max(), Some(Duration::from_millis(40)));
        assert_eq!(tally.latencies, [Duration::ZERO, Duration::from_millis(10), Duration::from_millis(40)]);
        // The last measured receipt came within the measuring time, so that is the time.
        assert_eq!(tally.elapsed, Duration::from_secs(2));
        assert_eq!(tally.delivered_per_second(), 1.5);
        assert_eq!(tally.writes_per_second(Duration::from_secs(2)), 1.0);
    }

    #[test]
    fn a_late_receipt_stretches_the_elapsed_time() {
        let start = Instant::now();
        let only = subscription();
        let written = thing();
        let commits = HashMap::from([(written, Commit { at: start, measured: true })]);
        let receipts = [Receipt { subscription_id: only, thing_id: written, at: start + Duration::from_secs(4) }];
        let tally = Tally::new(&commits, &[only], &receipts, start, Duration::from_secs(1));
        assert_eq!(tally.elapsed, Duration::from_secs(4));
        assert_eq!(tally.delivered_per_second(), 0.25);
        assert_eq!(tally.p99(), Some(Duration::from_secs(4)));
        assert_eq!(tally.lost(), 0);
    }

    #[test]
    fn nothing_received_is_all_lost() {
        let start = Instant::now();
        let commits = HashMap::from([(thing(), Commit { at: start, measured: true })]);
        let tally = Tally::new(&commits, &[subscription(), subscription()], &[], start, Duration::from_secs(1));
        assert_eq!((tally.expected, tally.delivered, tally.lost()), (2, 0, 2));
        assert_eq!((tally.median(), tally.p99(), tally.max()), (None, None, None));
        assert_eq!(tally.delivered_per_second(), 0.0);
    }
}
