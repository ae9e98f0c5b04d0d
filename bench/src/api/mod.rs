//! `haven-bench api`: the Platform API through the full HTTP stack. For each engine it
//! measures the store's ceiling (the store benchmark's workloads), then starts the real
//! Platform router on a loopback socket in this process over a fresh store for each API
//! workload and drives it with haven-sdk connections, one per client, each calling online
//! for its own person and record (so writers do not contend on one record's lock):
//! PutThings with 1 and with 100 things per request, GetThings of a record's latest
//! weights back to back, and GetThings at a fixed offered rate.

use anyhow::{Result, bail};

use crate::closed_loop;
use crate::engine::{self, Target, load_description, machine_description};
use crate::plan::{CommonOptions, Plan};
use crate::report::{self, Measurement, Workload};
use crate::store::{self, BATCH_SIZE, PRELOADED_OTHERS, PRELOADED_WEIGHTS, QUERY_LIMIT};

mod client;
mod deployment;
mod table;

use client::{ApiClient, measure_at_rate};
use deployment::{BenchApplication, Deployment};
use table::EngineResults;

/// Options of `haven-bench api`.
#[derive(Debug, clap::Args)]
pub struct ApiOptions {
    #[command(flatten)]
    common: CommonOptions,
    /// GetThings requests per second offered in the open-loop measurement, whose p99 latency
    /// is held to the 10 ms target.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..))]
    rate: u32,
}

/// Runs the API benchmark and prints its report.
pub async fn run(options: ApiOptions) -> Result<()> {
    let plan = Plan::new(&options.common);
    let application = BenchApplication::generate()?;
    let mut facts = vec![
        ("machine".to_owned(), machine_description(plan.cpus)),
        ("load".to_owned(), load_description()),
        (
            "run".to_owned(),
            format!("{}; each API workload right after the store's ceiling for the same work", plan.description()),
        ),
        ("data".to_owned(), store::data::data_description()?),
        ("server".to_owned(), "the Platform router on 127.0.0.1 in this process, with the system clock".to_owned()),
        (
            "clients".to_owned(),
            format!(
                "{}, each a haven-sdk Connection (its own session and HTTP/1.1 connections) calling online with a user token for its own person and record",
                plan.concurrency
            ),
        ),
        (
            "requests".to_owned(),
            format!(
                "PutThings writes weights; GetThings asks for the latest {QUERY_LIMIT} weights (core and data-xml) of a record holding {} weights and {} other things",
                report::format_count(PRELOADED_WEIGHTS as f64),
                report::format_count(PRELOADED_OTHERS as f64),
            ),
        ),
    ];
    let mut notes = Vec::new();
    let targets = engine::targets(&options.common.engines, options.common.postgres_url.as_deref(), &mut notes);
    let mut results = Vec::new();
    let mut failed = Vec::new();
    for target in targets {
        facts.push((target.name().to_owned(), target.describe().await));
        match measure_engine(&target, &plan, &application, options.rate).await {
            Ok(engine_results) => results.push(engine_results),
            Err(error) => {
                notes.push(format!("{}: failed: {error:#}", target.name()));
                failed.push(target.name());
            }
        }
    }
    table::print("Haven Platform API against the store ceiling (haven-bench api)", &facts, &results, &notes);
    if !failed.is_empty() {
        bail!("the API benchmark failed on {}", failed.join(", "));
    }
    Ok(())
}

/// Every API workload on one engine, each right after the store's ceiling for the same
/// work, so that the two compared are measured close together in time (a machine's speed
/// drifts when other work comes and goes). Writes are measured against the store with one
/// writer and with `concurrency`; reads with one reader and with `concurrency`.
async fn measure_engine(
    target: &Target,
    plan: &Plan,
    application: &BenchApplication,
    rate: u32,
) -> Result<EngineResults> {
    let concurrencies = plan.concurrencies();
    let single = Workload::Put { things_per_transaction: 1 };
    let batched = Workload::Put { things_per_transaction: BATCH_SIZE };
    let query = Workload::Query { limit: QUERY_LIMIT };
    let mut ceiling = Vec::new();
    for &writers in &concurrencies {
        ceiling.extend(store::measure_on_fresh_store(target, plan, single, &[writers]).await?);
    }
    let single_writes = measure_writes(target, plan, application, single).await?;
    for &writers in &concurrencies {
        ceiling.extend(store::measure_on_fresh_store(target, plan, batched, &[writers]).await?);
    }
    let batched_writes = measure_writes(target, plan, application, batched).await?;
    ceiling.extend(store::measure_on_fresh_store(target, plan, query, &concurrencies).await?);
    let (reads, paced_reads) = measure_reads(target, plan, application, query, rate).await?;
    Ok(EngineResults { ceiling, single_writes, batched_writes, reads, paced_reads, offered_rate: rate })
}

/// PutThings of new weights, as many per request as `workload` writes per transaction, by
/// every client back to back.
async fn measure_writes(
    target: &Target,
    plan: &Plan,
    application: &BenchApplication,
    workload: Workload,
) -> Result<Measurement> {
    report::progress(&format!("{}: API {}, {}", target.name(), workload.label(), workload.clients(plan.concurrency)));
    let deployment = Deployment::start(target, plan, application, plan.concurrency, false).await?;
    let measured = async {
        let clients = deployment.callers(application)?.into_iter().map(|caller| ApiClient::new(caller, workload));
        closed_loop::measure(target.name(), workload, clients.collect(), plan).await
    }
    .await;
    let stopped = deployment.stop().await;
    let measurement = measured?;
    stopped?;
    Ok(measurement)
}

/// GetThings of the latest weights on preloaded records: by every client back to back,
/// then at `rate` requests per second over fresh connections.
async fn measure_reads(
    target: &Target,
    plan: &Plan,
    application: &BenchApplication,
    workload: Workload,
    rate: u32,
) -> Result<(Measurement, Measurement)> {
    report::progress(&format!(
        "{}: API loading {} record(s) with {} things each",
        target.name(),
        plan.concurrency,
        PRELOADED_WEIGHTS + PRELOADED_OTHERS
    ));
    let deployment = Deployment::start(target, plan, application, plan.concurrency, true).await?;
    let measured = async {
        report::progress(&format!("{}: API GetThings, {}", target.name(), workload.clients(plan.concurrency)));
        let clients = deployment.callers(application)?.into_iter().map(|caller| ApiClient::new(caller, workload));
        let reads = closed_loop::measure(target.name(), workload, clients.collect(), plan).await?;
        report::progress(&format!("{}: API GetThings at {rate} requests/s offered", target.name()));
        let paced = measure_at_rate(target.name(), deployment.callers(application)?, rate, plan).await?;
        anyhow::Ok((reads, paced))
    }
    .await;
    let stopped = deployment.stop().await;
    let measurements = measured?;
    stopped?;
    Ok(measurements)
}
