//! The options every benchmark takes and the plan they make: how long each measurement
//! warms up and runs, with how many clients, over how large a connection pool.

use std::num::NonZeroUsize;
use std::time::Duration;

use haven_store::DEFAULT_MAX_CONNECTIONS;
use haven_store::testing::POSTGRES_URL_VARIABLE;

use crate::engine::Engine;

/// Options shared by the benchmarks.
#[derive(Debug, clap::Args)]
pub struct CommonOptions {
    /// Seconds each measurement runs, after a short warm-up.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    pub seconds: u64,
    /// Engines to measure, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_values = ["sqlite", "postgres"])]
    pub engines: Vec<Engine>,
    /// PostgreSQL server to measure in a fresh schema (dropped afterwards). Without it and
    /// without HAVEN_TEST_POSTGRES_URL, PostgreSQL is skipped.
    #[arg(long, env = POSTGRES_URL_VARIABLE, hide_env_values = true)]
    pub postgres_url: Option<String>,
    /// Concurrent clients (writers of 1 thing per transaction or request, and readers); each
    /// has its own record. Defaults to the number of CPUs.
    #[arg(long)]
    pub concurrency: Option<NonZeroUsize>,
}

/// How long to run and with how many clients.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// CPUs of this machine.
    pub cpus: usize,
    /// How long clients run before their operations are timed.
    pub warmup: Duration,
    /// How long operations are timed.
    pub measure: Duration,
    /// Clients running at once in the concurrent measurements.
    pub concurrency: usize,
    /// The store's pool size, large enough that the pool does not limit the clients.
    pub max_connections: u32,
}

impl Plan {
    /// The plan the options ask for.
    pub fn new(options: &CommonOptions) -> Self {
        let cpus = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        let concurrency = options.concurrency.map_or(cpus, NonZeroUsize::get);
        let measure = Duration::from_secs(options.seconds);
        let warmup = (measure / 5).clamp(Duration::from_millis(500), Duration::from_secs(2));
        let max_connections = u32::try_from(concurrency).unwrap_or(u32::MAX).max(DEFAULT_MAX_CONNECTIONS);
        Self { cpus, warmup, measure, concurrency, max_connections }
    }

    /// One client, then `concurrency` clients (once when they are the same).
    pub fn concurrencies(&self) -> Vec<usize> {
        if self.concurrency == 1 { vec![1] } else { vec![1, self.concurrency] }
    }

    /// The plan in words, for the report.
    pub fn description(&self) -> String {
        format!(
            "{} s per measurement after {:.1} s of warm-up; concurrency {}; pool of {} connections; a fresh database per workload",
            self.measure.as_secs(),
            self.warmup.as_secs_f64(),
            self.concurrency,
            self.max_connections
        )
    }
}
