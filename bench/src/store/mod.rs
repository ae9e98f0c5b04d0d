//! `haven-bench store`: the raw ceiling of [`SqlStore`] on this machine, through the store
//! traits with nothing in front, so API benchmarks can report their throughput as a
//! fraction of it. Each workload runs on a fresh database (a SQLite file in a temporary
//! directory with the production settings, WAL and `synchronous = FULL`, or a fresh
//! PostgreSQL schema, dropped afterwards), warms up, then runs for a fixed time.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use haven_domain::ids::{PersonId, RecordId};
use haven_domain::thing::ThingQuery;
use haven_domain::thing_type::WEIGHT;
use haven_store::{SqlStore, ThingChange, ThingStore};
use time::PrimitiveDateTime;
use time::macros::datetime;

use crate::closed_loop;
use crate::engine::{self, FreshStore, Target, load_description, machine_description};
use crate::plan::{CommonOptions, Plan};
use crate::report::{self, Measurement, Workload};

pub mod data;

use data::{create_records, data_description, new_thing, preload, weight_draft};

/// Things written per transaction by the batched put.
pub const BATCH_SIZE: usize = 100;

/// Weights in each record the query measurement reads.
pub const PRELOADED_WEIGHTS: u64 = 1_000;

/// Heights and blood pressures beside them (half each), so the query has to pick its type.
pub const PRELOADED_OTHERS: u64 = 1_000;

/// The typed query's limit.
pub const QUERY_LIMIT: u32 = 10;

/// The latest measurement; every later one is a little earlier, as a scale's history.
const LATEST_MEASUREMENT: PrimitiveDateTime = datetime!(2026-11-21 07:30);

/// Runs the store benchmark and prints its report.
pub async fn run(options: CommonOptions) -> Result<()> {
    let plan = Plan::new(&options);
    let mut facts = vec![
        ("machine".to_owned(), machine_description(plan.cpus)),
        ("load".to_owned(), load_description()),
        ("run".to_owned(), plan.description()),
        ("data".to_owned(), data_description()?),
    ];
    let mut notes = Vec::new();
    let targets = engine::targets(&options.engines, options.postgres_url.as_deref(), &mut notes);
    let mut measurements = Vec::new();
    let mut failed = Vec::new();
    for target in targets {
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
    let concurrencies = plan.concurrencies();
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
/// not the measurement succeeded. The API benchmark calls it for the ceiling it compares
/// with.
pub async fn measure_on_fresh_store(
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
    let clients =
        record_ids.iter().map(|&record_id| StoreClient::new(store.clone(), workload, record_id, person_id)).collect();
    closed_loop::measure(engine, workload, clients, plan).await
}

/// One concurrent user of the store, working on its own record.
#[derive(Debug)]
struct StoreClient {
    store: SqlStore,
    workload: Workload,
    record_id: RecordId,
    person_id: PersonId,
    query: ThingQuery,
    /// Numbers the things it writes, which spaces their measurement times.
    next_index: u64,
}

impl StoreClient {
    fn new(store: SqlStore, workload: Workload, record_id: RecordId, person_id: PersonId) -> Self {
        let query = ThingQuery { type_ids: vec![WEIGHT], limit: Some(QUERY_LIMIT), ..ThingQuery::default() };
        Self { store, workload, record_id, person_id, query, next_index: 0 }
    }
}

impl closed_loop::Client for StoreClient {
    /// Building the things (which validates their XML) is not part of the latency.
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
}
