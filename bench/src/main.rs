//! Haven's benchmarks. `store` measures the store's raw ceiling on this machine; `api`
//! measures the Platform API through the full HTTP stack and reports its throughput as a
//! fraction of that ceiling, measured in the same run; `eventing` measures event
//! notification delivery under a steady write load.

mod api;
mod closed_loop;
mod engine;
mod eventing;
mod plan;
mod report;
mod store;

use clap::{Parser, Subcommand};

/// Haven's benchmarks.
#[derive(Debug, Parser)]
#[command(name = "haven-bench", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The store's raw ceiling: things put per second (1 and 100 per transaction) and typed
    /// queries per second, on SQLite and PostgreSQL.
    Store(plan::CommonOptions),
    /// The Platform API through HTTP with haven-sdk clients: PutThings (1 and 100 things per
    /// request) and GetThings, closed-loop and at a fixed offered rate, beside the store's
    /// ceiling measured in the same run.
    Api(api::ApiOptions),
    /// Event notifications with 25 subscriptions under a steady write load: latency from
    /// commit to receipt (p50, p99) and notifications delivered per second.
    Eventing(eventing::EventingOptions),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Store(options) => store::run(options).await,
        Command::Api(options) => api::run(options).await,
        Command::Eventing(options) => eventing::run(options).await,
    }
}
