//! Haven's benchmarks. `store` measures the store's raw ceiling on this machine, so later
//! benchmarks of the API can report their throughput as a fraction of it.

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
    Store(store::StoreOptions),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Store(options) => store::run(options).await,
    }
}
