//! `haven-bench eventing`: event notification delivery under a steady write load. For each
//! engine it opens a fresh store, adds a person's record that 25 applications may read
//! offline, each with one HealthVault-format subscription to weights at a receiver on a
//! loopback socket, and runs `haven_eventing::DeliveryWorker` with its default settings and
//! the system clock, as `haven serve` does. A writer then writes one weight at a time at a
//! steady rate, noting when each write committed; the receiver notes when each of the 25
//! notifications of each write arrived. The report gives the latency from commit to receipt
//! (p50, p99, max), notifications delivered per second, and any lost or sent twice.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::builder::TypedValueParser;
use haven_domain::clock::SystemClock;
use haven_domain::ids::ThingId;
use haven_eventing::{DEFAULT_MAX_CONCURRENT_REQUESTS, DeliverySettings, DeliveryWorker};
use haven_store::testing::POSTGRES_URL_VARIABLE;
use haven_store::{DEFAULT_MAX_CONNECTIONS, EventStore, NotificationState, SqlStore, ThingChange, ThingStore};

use crate::engine::{self, Engine, FreshStore, Target, load_description, machine_description};
use crate::report::{self, percentile};
use crate::store::data::{new_thing, weight_draft};

mod receiver;
mod subscribers;
mod table;
mod tally;

use receiver::Receiver;
use subscribers::{Subscribers, subscribe};
use table::{EngineResult, Outbox};
use tally::{Commit, Tally};

/// Subscriptions told of every write, one per application: the 25.
pub const SUBSCRIPTIONS: usize = 25;

/// How long the run waits, after the last write, for notifications still on their way;
/// those not received by then count as lost.
const DRAIN_LIMIT: Duration = Duration::from_secs(60);

/// How long a stopping worker may take to finish its batch.
const STOP_LIMIT: Duration = Duration::from_secs(30);

/// Options of `haven-bench eventing`.
#[derive(Debug, clap::Args)]
pub struct EventingOptions {
    /// Seconds the steady write load is measured, after a warm-up of a fifth of that
    /// (between 0.5 and 2 s).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    seconds: u64,
    /// Weights written per second, one per transaction; each produces one notification per
    /// subscription.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    rate: u32,
    /// POSTs the worker has in flight at once (its `max_concurrent_requests`); the lease
    /// grows with it when needed. Defaults to the worker's default.
    #[arg(long, default_value_t = DEFAULT_MAX_CONCURRENT_REQUESTS, value_parser = clap::value_parser!(u16).range(1..).map(usize::from))]
    concurrent_posts: usize,
    /// Engines to measure, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_values = ["sqlite", "postgres"])]
    engines: Vec<Engine>,
    /// PostgreSQL server to measure in a fresh schema (dropped afterwards). Without it and
    /// without HAVEN_TEST_POSTGRES_URL, PostgreSQL is skipped.
    #[arg(long, env = POSTGRES_URL_VARIABLE, hide_env_values = true)]
    postgres_url: Option<String>,
}

/// How long to write, how fast.
#[derive(Debug, Clone, Copy)]
struct Load {
    warmup: Duration,
    measure: Duration,
    rate: u32,
}

impl Load {
    fn new(options: &EventingOptions) -> Self {
        let measure = Duration::from_secs(options.seconds);
        let warmup = (measure / 5).clamp(Duration::from_millis(500), Duration::from_secs(2));
        Self { warmup, measure, rate: options.rate }
    }
}

/// Runs the eventing benchmark and prints its report; fails if an engine failed or lost a
/// notification.
pub async fn run(options: EventingOptions) -> Result<()> {
    let load = Load::new(&options);
    let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let settings = worker_settings(options.concurrent_posts);
    let mut facts = vec![
        ("machine".to_owned(), machine_description(cpus)),
        ("load".to_owned(), load_description()),
        (
            "run".to_owned(),
            format!(
                "{} weights/s, one per transaction, for {} s after {:.1} s of warm-up; a fresh database per engine, pool of {DEFAULT_MAX_CONNECTIONS} connections",
                load.rate,
                load.measure.as_secs(),
                load.warmup.as_secs_f64()
            ),
        ),
        (
            "subscribers".to_owned(),
            format!(
                "{SUBSCRIPTIONS} applications with offline read of weights on the record, each with one HealthVault-format subscription to weights"
            ),
        ),
        (
            "worker".to_owned(),
            format!(
                "DeliveryWorker with {} settings and the system clock: batches of {}, {} POSTs at once, woken by this process's writes, polling every {} ms",
                if settings == DeliverySettings::default() { "the default" } else { "changed" },
                settings.batch_size,
                settings.max_concurrent_requests,
                settings.poll_interval.as_millis()
            ),
        ),
        (
            "receiver".to_owned(),
            "axum on 127.0.0.1 in this process; reads each body with parse_notifications and answers 200".to_owned(),
        ),
    ];
    let mut notes = Vec::new();
    let targets = engine::targets(&options.engines, options.postgres_url.as_deref(), &mut notes);
    let mut results = Vec::new();
    let mut failed = Vec::new();
    for target in targets {
        facts.push((target.name().to_owned(), target.describe().await));
        report::progress(&format!(
            "{}: {} weights/s for {} s, {SUBSCRIPTIONS} subscriptions",
            target.name(),
            load.rate,
            load.measure.as_secs()
        ));
        match measure_engine(&target, load, settings).await {
            Ok(result) => results.push(result),
            Err(error) => {
                notes.push(format!("{}: failed: {error:#}", target.name()));
                failed.push(target.name());
            }
        }
    }
    table::print("Haven event notification delivery (haven-bench eventing)", &facts, &results, load, &notes);
    let lossy: Vec<&str> =
        results.iter().filter(|result| result.tally.lost() > 0).map(|result| result.engine).collect();
    if !failed.is_empty() {
        bail!("the eventing benchmark failed on {}", failed.join(", "));
    }
    if !lossy.is_empty() {
        bail!("notifications were lost on {}", lossy.join(", "));
    }
    Ok(())
}

/// The worker's default settings with `concurrent_posts` POSTs at once, and a lease long
/// enough for a batch sent that way.
fn worker_settings(concurrent_posts: usize) -> DeliverySettings {
    let defaults = DeliverySettings::default();
    let batch_size = usize::try_from(defaults.batch_size).unwrap_or(usize::MAX);
    let rounds = u32::try_from(batch_size.div_ceil(concurrent_posts)).unwrap_or(u32::MAX);
    let needed = defaults.request_timeout.saturating_mul(rounds.saturating_add(1));
    let lease = time::Duration::try_from(needed).map_or(defaults.lease, |needed| needed.max(defaults.lease));
    DeliverySettings { max_concurrent_requests: concurrent_posts, lease, ..defaults }
}

/// One engine's run on a fresh store, removed afterwards whether or not the run succeeded.
async fn measure_engine(target: &Target, load: Load, settings: DeliverySettings) -> Result<EngineResult> {
    let fresh = FreshStore::open(target, DEFAULT_MAX_CONNECTIONS).await?;
    let measured = measure_on(&fresh.store, target.name(), load, settings).await;
    let discarded = fresh.discard().await;
    let result = measured?;
    discarded?;
    Ok(result)
}

async fn measure_on(
    store: &SqlStore,
    engine: &'static str,
    load: Load,
    settings: DeliverySettings,
) -> Result<EngineResult> {
    let receiver = Receiver::start().await?;
    let subscribers = subscribe(store, receiver.url(), SUBSCRIPTIONS).await?;
    let worker = DeliveryWorker::new(Arc::new(store.clone()), Arc::new(SystemClock), settings)?;
    let (shutdown, shutdown_received) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(worker.run(shutdown_received));

    let written = write_steadily(store, &subscribers, load).await;
    let drained = match &written {
        Ok(writes) => receiver.wait_for(writes.commits.len() * SUBSCRIPTIONS, DRAIN_LIMIT).await,
        Err(_) => false,
    };
    // A stopping worker records the outcome of its batch under way, so the outbox is settled
    // when it has stopped.
    let _ = shutdown.send(true);
    tokio::time::timeout(STOP_LIMIT, running)
        .await
        .context("the delivery worker did not stop")?
        .context("the delivery worker panicked")?;
    let writes = written?;

    let tally = Tally::new(
        &writes.commits,
        &subscribers.subscription_ids,
        &receiver.receipts(),
        writes.measure_start,
        load.measure,
    );
    Ok(EngineResult {
        engine,
        tally,
        write_p99: percentile(&writes.latencies, 99.0),
        outbox: outbox(store, &subscribers).await?,
        unreadable: receiver.unreadable(),
        drained,
    })
}

/// What the writer did.
#[derive(Debug)]
struct Writes {
    /// Every write, warm-up included, by the id of the thing it created.
    commits: HashMap<ThingId, Commit>,
    /// How long each measured `write_things` took, sorted ascending.
    latencies: Vec<Duration>,
    /// When the measuring time began.
    measure_start: Instant,
}

/// Writes one weight at each tick of `load.rate` for the warm-up and the measuring time,
/// noting when each write returned. A write due while the last is still running starts as
/// soon as it ends, so a slow store shows as a write rate below the one asked for.
async fn write_steadily(store: &SqlStore, subscribers: &Subscribers, load: Load) -> Result<Writes> {
    let interval = Duration::from_secs(1) / load.rate;
    let start = Instant::now();
    let measure_start = start + load.warmup;
    let measure_end = measure_start + load.measure;
    let mut commits = HashMap::new();
    let mut latencies = Vec::new();
    let mut index: u32 = 0;
    loop {
        let due = start + interval.saturating_mul(index);
        if due >= measure_end {
            break;
        }
        tokio::time::sleep_until(due.into()).await;
        let thing = new_thing(subscribers.record_id, subscribers.person_id, weight_draft(u64::from(index)))?;
        let thing_id = thing.key.id;
        let started = Instant::now();
        store.write_things(subscribers.record_id, &[ThingChange::Create(thing)]).await?;
        let committed = Instant::now();
        let measured = due >= measure_start;
        if measured {
            latencies.push(committed - started);
        }
        commits.insert(thing_id, Commit { at: committed, measured });
        index = index.saturating_add(1);
    }
    latencies.sort_unstable();
    Ok(Writes { commits, latencies, measure_start })
}

/// The outbox's state after the worker stopped, over every subscription.
async fn outbox(store: &SqlStore, subscribers: &Subscribers) -> Result<Outbox> {
    let mut outbox = Outbox::default();
    for &subscription_id in &subscribers.subscription_ids {
        for notification in store.notifications_of_subscription(subscription_id).await? {
            outbox.queued += 1;
            match notification.state {
                NotificationState::Pending => outbox.pending += 1,
                NotificationState::Delivered => outbox.delivered += 1,
                NotificationState::Abandoned => outbox.abandoned += 1,
            }
            if notification.attempts > 1 {
                outbox.retried += 1;
            }
        }
    }
    Ok(outbox)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_settings_keep_the_defaults_and_pass_the_workers_check() {
        assert_eq!(worker_settings(DEFAULT_MAX_CONCURRENT_REQUESTS), DeliverySettings::default());
        for concurrent_posts in [1, 4, 16, 100] {
            let settings = worker_settings(concurrent_posts);
            assert_eq!(settings.max_concurrent_requests, concurrent_posts);
            assert!(settings.check().is_ok(), "{settings:?}");
        }
        // One POST at a time takes 50 rounds of up to 10 s for a batch, plus one.
        assert_eq!(worker_settings(1).lease, time::Duration::seconds(510));
    }
}
