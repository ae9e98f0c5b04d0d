//! Closed-loop measurement: each client starts its next operation as soon as the last one
//! finished. All clients warm up together, then every operation that starts before the end
//! of the measuring time is timed.

use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use tokio::task::JoinSet;

use crate::plan::Plan;
use crate::report::{Measurement, Workload};

/// One concurrent user of what is measured, working on its own record.
pub trait Client: Send + 'static {
    /// One operation; returns its latency and the things it wrote or read. Preparing the
    /// operation (such as building the things to write) need not count in the latency.
    fn operate(&mut self) -> impl Future<Output = Result<(Duration, u64)>> + Send;
}

/// What one client measured.
#[derive(Debug, Default)]
struct Tally {
    latencies: Vec<Duration>,
    things: u64,
}

/// Runs every client at once for the plan's warm-up and measuring time and returns what
/// they measured together; the first error of any client fails the measurement.
pub async fn measure<C: Client>(
    engine: &'static str,
    workload: Workload,
    clients: Vec<C>,
    plan: &Plan,
) -> Result<Measurement> {
    let concurrency = clients.len();
    let measure_start = Instant::now() + plan.warmup;
    let measure_end = measure_start + plan.measure;
    let mut running = JoinSet::new();
    for client in clients {
        running.spawn(run(client, measure_start, measure_end));
    }
    let mut latencies = Vec::new();
    let mut things = 0;
    while let Some(joined) = running.join_next().await {
        let tally = joined.context("a benchmark client panicked")??;
        latencies.extend(tally.latencies);
        things += tally.things;
    }
    let elapsed = measure_start.elapsed();
    Ok(Measurement::new(engine, workload, concurrency, things, elapsed, latencies))
}

/// Works until `measure_end`, keeping the latency of operations that start after
/// `measure_start`.
async fn run<C: Client>(mut client: C, measure_start: Instant, measure_end: Instant) -> Result<Tally> {
    let mut tally = Tally::default();
    loop {
        let now = Instant::now();
        if now >= measure_end {
            return Ok(tally);
        }
        let (latency, things) = client.operate().await?;
        if now >= measure_start {
            tally.latencies.push(latency);
            tally.things += things;
        }
    }
}
