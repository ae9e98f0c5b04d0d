//! `haven-bench store`: the raw ceiling of [`SqlStore`] on this machine, through the store
//! traits with nothing in front, so API benchmarks can report their throughput as a
//! fraction of it. Each workload runs on a fresh database (a SQLite file in a temporary
//! directory with the production settings, WAL and `synchronous = FULL`, or a fresh
//! PostgreSQL schema, dropped afterwards), warms up, then runs for a fixed time.

use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use haven_domain::ids::{PersonId, RecordId};
use haven_domain::thing::ThingQuery;
use haven_domain::thing_type::WEIGHT;
use haven_store::testing::{POSTGRES_URL_VARIABLE, drop_postgres_schema, fresh_postgres_schema};
use haven_store::{DEFAULT_MAX_CONNECTIONS, SqlStore, SqliteConfig, StoreConfig, ThingChange, ThingStore};
use sqlx::Connection;
use time::PrimitiveDateTime;
use time::macros::datetime;
use tokio::task::JoinSet;

use crate::report::{self, Measurement, Workload};

mod data;

use data::{create_records, data_description, new_thing, preload, weight_draft};

/// Things written per transaction by the batched put.
const BATCH_SIZE: usize = 100;

/// Weights in each record the query measurement reads.
const PRELOADED_WEIGHTS: u64 = 1_000;

/// Heights and blood pressures beside them (half each), so the query has to pick its type.
const PRELOADED_OTHERS: u64 = 1_000;

/// The typed query's limit.
const QUERY_LIMIT: u32 = 10;

/// The latest measurement; every later one is a little earlier, as a scale's history.
const LATEST_MEASUREMENT: PrimitiveDateTime = datetime!(2026-11-21 07:30);

/// Options of `haven-bench store`.
#[derive(Debug, clap::Args)]
pub struct StoreOptions {
    /// Seconds each measurement runs, after a short warm-up.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    seconds: u64,
    /// Engines to measure, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_values = ["sqlite", "postgres"])]
    engines: Vec<Engine>,
    /// PostgreSQL server to measure in a fresh schema (dropped afterwards). Without it and
    /// without HAVEN_TEST_POSTGRES_URL, PostgreSQL is skipped.
    #[arg(long, env = POSTGRES_URL_VARIABLE, hide_env_values = true)]
    postgres_url: Option<String>,
    /// Concurrent writers (1 thing per transaction) and readers; each has its own record.
    /// Defaults to the number of CPUs.
    #[arg(long)]
    concurrency: Option<NonZeroUsize>,
}

/// A database engine the store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Engine {
    Sqlite,
    Postgres,
}

/// Where fresh stores are made.
#[derive(Debug, Clone)]
enum Target {
    /// Files in temporary directories.
    Sqlite,
    /// Schemas on this server.
    Postgres { url: String },
}

impl Target {
    fn name(&self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres { .. } => "postgres",
        }
    }

    /// The engine's version and settings, for the report; never the password.
    async fn describe(&self) -> String {
        match self {
            Self::Sqlite => {
                let version = sqlite_version().await.unwrap_or_else(|_| "version unknown".to_owned());
                format!("SQLite {version}, WAL, synchronous=FULL, files under {}", std::env::temp_dir().display())
            }
            Self::Postgres { url } => {
                let version = postgres_version(url).await.unwrap_or_else(|_| "version unknown".to_owned());
                format!("PostgreSQL {version} at {}, default server settings", server_address(url))
            }
        }
    }
}

/// How long to run and with how many clients.
#[derive(Debug, Clone, Copy)]
struct Plan {
    warmup: Duration,
    measure: Duration,
    concurrency: usize,
    max_connections: u32,
}

/// Runs the store benchmark and prints its report.
pub async fn run(options: StoreOptions) -> Result<()> {
    let cpus = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    let concurrency = options.concurrency.map_or(cpus, NonZeroUsize::get);
    let measure = Duration::from_secs(options.seconds);
    let warmup = (measure / 5).clamp(Duration::from_millis(500), Duration::from_secs(2));
    // The pool must not be what limits the clients.
    let max_connections = u32::try_from(concurrency).unwrap_or(u32::MAX).max(DEFAULT_MAX_CONNECTIONS);
    let plan = Plan { warmup, measure, concurrency, max_connections };

    let mut facts = vec![
        ("machine".to_owned(), machine_description(cpus)),
        (
            "run".to_owned(),
            format!(
                "{} s per measurement after {:.1} s of warm-up; concurrency {concurrency}; pool of {max_connections} connections; a fresh database per workload",
                options.seconds,
                warmup.as_secs_f64()
            ),
        ),
        ("data".to_owned(), data_description()?),
    ];
    let mut engines = Vec::new();
    for engine in options.engines {
        if !engines.contains(&engine) {
            engines.push(engine);
        }
    }
    let mut measurements = Vec::new();
    let mut notes = Vec::new();
    let mut failed = Vec::new();
    for engine in engines {
        let target = match (engine, &options.postgres_url) {
            (Engine::Sqlite, _) => Target::Sqlite,
            (Engine::Postgres, Some(url)) => Target::Postgres { url: url.clone() },
            (Engine::Postgres, None) => {
                notes.push(format!(
                    "postgres: skipped, no server to measure (set {POSTGRES_URL_VARIABLE} or pass --postgres-url)"
                ));
                continue;
            }
        };
        facts.push((target.name().to_owned(), target.describe().await));
        match measure_engine(&target, &plan).await {
            Ok(engine_measurements) => measurements.extend(engine_measurements),
            Err(error) => {
                notes.push(format!("{}: failed: {error:#}", target.name()));
                failed.push(target.name());
            }
        }
    }
    report::print("Haven store ceiling (haven-bench store)", &facts, &measurements, &notes);
    if !failed.is_empty() {
        bail!("the store benchmark failed on {}", failed.join(", "));
    }
    Ok(())
}

/// Every workload on one engine: single puts with one writer and with `concurrency`, batched
/// puts with one writer, and typed queries with one reader and with `concurrency`.
async fn measure_engine(target: &Target, plan: &Plan) -> Result<Vec<Measurement>> {
    let concurrencies: Vec<usize> = if plan.concurrency == 1 { vec![1] } else { vec![1, plan.concurrency] };
    let mut measurements = Vec::new();
    for &writers in &concurrencies {
        let workload = Workload::Put { things_per_transaction: 1 };
        measurements.extend(measure_on_fresh_store(target, plan, workload, &[writers]).await?);
    }
    let batched = Workload::Put { things_per_transaction: BATCH_SIZE };
    measurements.extend(measure_on_fresh_store(target, plan, batched, &[1]).await?);
    let query = Workload::Query { limit: QUERY_LIMIT };
    measurements.extend(measure_on_fresh_store(target, plan, query, &concurrencies).await?);
    Ok(measurements)
}

/// Runs a workload at each concurrency on one fresh store, removed afterwards whether or
/// not the measurement succeeded.
async fn measure_on_fresh_store(
    target: &Target,
    plan: &Plan,
    workload: Workload,
    concurrencies: &[usize],
) -> Result<Vec<Measurement>> {
    let fresh = FreshStore::open(target, plan.max_connections).await?;
    let measured = measure_workload(&fresh.store, target.name(), workload, concurrencies, plan).await;
    let discarded = fresh.discard().await;
    let measurements = measured?;
    discarded?;
    Ok(measurements)
}

async fn measure_workload(
    store: &SqlStore,
    engine: &'static str,
    workload: Workload,
    concurrencies: &[usize],
    plan: &Plan,
) -> Result<Vec<Measurement>> {
    let record_count = concurrencies.iter().copied().max().unwrap_or(1);
    let (person_id, record_ids) = create_records(store, record_count).await?;
    if let Workload::Query { .. } = workload {
        report::progress(&format!(
            "{engine}: loading {record_count} record(s) with {} things each",
            PRELOADED_WEIGHTS + PRELOADED_OTHERS
        ));
        preload(store, person_id, &record_ids).await?;
    }
    let mut measurements = Vec::with_capacity(concurrencies.len());
    for &concurrency in concurrencies {
        report::progress(&format!("{engine}: {}, {}", workload.label(), workload.clients(concurrency)));
        let clients = &record_ids[..concurrency.min(record_ids.len())];
        measurements.push(measure(store, engine, workload, person_id, clients, plan).await?);
    }
    Ok(measurements)
}

/// Runs one client per record: all warm up together, then every operation that starts
/// before the end of the measuring time is timed.
async fn measure(
    store: &SqlStore,
    engine: &'static str,
    workload: Workload,
    person_id: PersonId,
    record_ids: &[RecordId],
    plan: &Plan,
) -> Result<Measurement> {
    let measure_start = Instant::now() + plan.warmup;
    let measure_end = measure_start + plan.measure;
    let mut clients = JoinSet::new();
    for &record_id in record_ids {
        let client = Client::new(store.clone(), workload, record_id, person_id);
        clients.spawn(client.run(measure_start, measure_end));
    }
    let mut latencies = Vec::new();
    let mut things = 0;
    while let Some(joined) = clients.join_next().await {
        let tally = joined.context("a benchmark client panicked")??;
        latencies.extend(tally.latencies);
        things += tally.things;
    }
    let elapsed = measure_start.elapsed();
    Ok(Measurement::new(engine, workload, record_ids.len(), things, elapsed, latencies))
}

/// What one client measured.
#[derive(Debug, Default)]
struct Tally {
    latencies: Vec<Duration>,
    things: u64,
}

/// One concurrent user of the store, working on its own record.
#[derive(Debug)]
struct Client {
    store: SqlStore,
    workload: Workload,
    record_id: RecordId,
    person_id: PersonId,
    query: ThingQuery,
    /// Numbers the things it writes, which spaces their measurement times.
    next_index: u64,
}

impl Client {
    fn new(store: SqlStore, workload: Workload, record_id: RecordId, person_id: PersonId) -> Self {
        let query = ThingQuery { type_ids: vec![WEIGHT], limit: Some(QUERY_LIMIT), ..ThingQuery::default() };
        Self { store, workload, record_id, person_id, query, next_index: 0 }
    }

    /// Works until `measure_end`, keeping the latency of operations that start after
    /// `measure_start`.
    async fn run(mut self, measure_start: Instant, measure_end: Instant) -> Result<Tally> {
        let mut tally = Tally::default();
        loop {
            let now = Instant::now();
            if now >= measure_end {
                return Ok(tally);
            }
            let (latency, things) = self.operate().await?;
            if now >= measure_start {
                tally.latencies.push(latency);
                tally.things += things;
            }
        }
    }

    /// One operation; returns its latency and the things it wrote or read. Building the
    /// things (which validates their XML) is not part of the latency.
    async fn operate(&mut self) -> Result<(Duration, u64)> {
        match self.workload {
            Workload::Put { things_per_transaction } => {
                let changes = (0..things_per_transaction)
                    .map(|_| {
                        self.next_index += 1;
                        new_thing(self.record_id, self.person_id, weight_draft(self.next_index))
                            .map(ThingChange::Create)
                    })
                    .collect::<Result<Vec<_>>>()?;
                let started = Instant::now();
                let keys = self.store.write_things(self.record_id, &changes).await?;
                Ok((started.elapsed(), keys.len() as u64))
            }
            Workload::Query { limit } => {
                let started = Instant::now();
                let things = self.store.query_things(self.record_id, &self.query).await?;
                let latency = started.elapsed();
                if things.len() != limit as usize || things.iter().any(|thing| thing.type_id != WEIGHT) {
                    bail!("the weight query returned {} things, not {limit} weights", things.len());
                }
                Ok((latency, things.len() as u64))
            }
        }
    }
}

/// An empty store made for one workload, and what to remove after it.
#[derive(Debug)]
struct FreshStore {
    store: SqlStore,
    leftover: Leftover,
}

#[derive(Debug)]
enum Leftover {
    Directory(tempfile::TempDir),
    Schema(StoreConfig),
}

impl FreshStore {
    async fn open(target: &Target, max_connections: u32) -> Result<Self> {
        match target {
            Target::Sqlite => {
                let directory = tempfile::tempdir().context("creating a temporary directory for SQLite")?;
                let config =
                    StoreConfig::Sqlite(SqliteConfig { path: directory.path().join("haven.db"), max_connections });
                let store = SqlStore::open(&config).await.context("opening a SQLite store")?;
                Ok(Self { store, leftover: Leftover::Directory(directory) })
            }
            Target::Postgres { url } => {
                let mut config = fresh_postgres_schema(url).await.context("connecting to PostgreSQL")?;
                if let StoreConfig::Postgres(postgres) = &mut config {
                    postgres.max_connections = max_connections;
                }
                match SqlStore::open(&config).await {
                    Ok(store) => Ok(Self { store, leftover: Leftover::Schema(config) }),
                    Err(error) => {
                        // Opening may have created the schema before failing.
                        let _ = drop_postgres_schema(&config).await;
                        Err(error).context("opening a PostgreSQL store")
                    }
                }
            }
        }
    }

    async fn discard(self) -> Result<()> {
        self.store.close().await;
        match self.leftover {
            Leftover::Directory(directory) => directory.close().context("removing the SQLite directory"),
            Leftover::Schema(config) => drop_postgres_schema(&config).await.context("dropping the PostgreSQL schema"),
        }
    }
}

/// CPU count and model, and the operating system.
fn machine_description(cpus: usize) -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|cpuinfo| {
        cpuinfo
            .lines()
            .find(|line| line.starts_with("model name"))
            .and_then(|line| line.split_once(':'))
            .map(|(_, model)| model.trim().to_owned())
    });
    let cpus = if cpus == 1 { "1 CPU".to_owned() } else { format!("{cpus} CPUs") };
    let model = model.map(|model| format!(" ({model})")).unwrap_or_default();
    format!("{cpus}{model}, {} {}", std::env::consts::OS, std::env::consts::ARCH)
}

/// The SQLite library the store is linked with.
async fn sqlite_version() -> Result<String> {
    let mut connection = sqlx::SqliteConnection::connect("sqlite::memory:").await?;
    let version: String = sqlx::query_scalar("SELECT sqlite_version()").fetch_one(&mut connection).await?;
    connection.close().await?;
    Ok(version)
}

async fn postgres_version(url: &str) -> Result<String> {
    let mut connection = sqlx::PgConnection::connect(url).await?;
    let version: String = sqlx::query_scalar("SHOW server_version").fetch_one(&mut connection).await?;
    connection.close().await?;
    Ok(version)
}

/// `host:port/database` of a PostgreSQL URL, leaving out the user and password.
fn server_address(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) => {
            format!("{}:{}{}", parsed.host_str().unwrap_or("localhost"), parsed.port().unwrap_or(5432), parsed.path())
        }
        Err(_) => "the configured server".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use data::{blood_pressure_draft, height_draft};
    use uuid::Uuid;

    #[test]
    fn drafts_are_valid_for_their_types() {
        let record_id = RecordId::from_uuid(Uuid::new_v4());
        let person_id = PersonId::from_uuid(Uuid::new_v4());
        for index in [0, 1, 2, 3, 99_999] {
            for draft in [weight_draft(index), height_draft(index), blood_pressure_draft(index)] {
                new_thing(record_id, person_id, draft).unwrap();
            }
        }
        let thing = new_thing(record_id, person_id, weight_draft(1)).unwrap();
        assert_eq!(thing.eff_date, datetime!(2026-11-21 06:53));
    }

    #[test]
    fn server_address_leaves_out_credentials() {
        assert_eq!(server_address("postgres://haven:secret@db.internal:5433/haven"), "db.internal:5433/haven");
        assert_eq!(server_address("postgres://postgres@127.0.0.1/test"), "127.0.0.1:5432/test");
    }
}
