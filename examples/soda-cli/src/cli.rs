//! The command line: one subcommand per step of the library, printing what the person needs.
#![allow(clippy::print_stdout, reason = "a command line prints its results")]

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};
use haven_domain::ids::ApplicationId;
use haven_example_soda_cli::{ConnectRequest, WaitOptions, Weight};
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};
use url::Url;

/// A sample SODA (mobile/desktop) client of Haven: connect this device to a person's record
/// through the Shell, then read and add weights offline.
#[derive(Debug, Parser)]
#[command(name = "soda-cli", version)]
struct Arguments {
    #[command(subcommand)]
    command: Command,
}

/// The steps.
#[derive(Debug, Subcommand)]
enum Command {
    /// Create an instance of the SODA master application, save it in the state file and print
    /// the Shell page where a person completes its creation.
    Connect {
        /// Root URL of the Platform, e.g. http://127.0.0.1:8111/.
        #[arg(long = "platform", value_name = "URL", value_parser = parse_http_url)]
        platform_url: Url,
        /// Root URL of the same instance's Shell, e.g. http://127.0.0.1:8110/.
        #[arg(long, value_name = "URL", value_parser = parse_http_url)]
        shell_url: Url,
        /// The SODA master application's id (from `haven app register --soda`).
        #[arg(long = "master-app-id", value_name = "ID")]
        master_application_id: ApplicationId,
        /// The name the person sees for this device in the Shell.
        #[arg(long, value_name = "NAME")]
        device_name: String,
        /// Let the person authorize several records.
        #[arg(long)]
        multi_record: bool,
        /// JSON file to create for this instance (mode 0600; it holds the instance's secret).
        #[arg(long, value_name = "PATH")]
        state_file: PathBuf,
    },
    /// Wait until the person completed the Shell page, then save their person and record id.
    Wait {
        /// The state file `connect` created.
        #[arg(long, value_name = "PATH")]
        state_file: PathBuf,
        /// Give up after this many seconds.
        #[arg(long, value_name = "N", default_value_t = 600)]
        timeout_seconds: u64,
    },
    /// Print the record's weights, newest first.
    Read {
        /// The state file, after `wait`.
        #[arg(long, value_name = "PATH")]
        state_file: PathBuf,
    },
    /// Add a weight to the record.
    AddWeight {
        /// The state file, after `wait`.
        #[arg(long, value_name = "PATH")]
        state_file: PathBuf,
        /// The weight in kilograms, e.g. 72.5.
        #[arg(long, allow_negative_numbers = true)]
        kg: f64,
        /// When it was measured, as "YYYY-MM-DD HH:MM"; defaults to now (UTC).
        #[arg(long, value_name = "WHEN", value_parser = parse_minute)]
        at: Option<PrimitiveDateTime>,
    },
}

/// Reads an http or https URL.
fn parse_http_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|error| format!("{text:?}: {error}"))?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(format!("{url}: expected an http or https URL, not {other}")),
    }
}

/// Reads `YYYY-MM-DD HH:MM`.
fn parse_minute(text: &str) -> Result<PrimitiveDateTime, String> {
    PrimitiveDateTime::parse(text, format_description!("[year]-[month]-[day] [hour]:[minute]"))
        .map_err(|_| format!("{text:?} is not a time like 2026-10-05 07:30"))
}

/// Runs one command.
pub(crate) async fn main() -> anyhow::Result<()> {
    match Arguments::parse().command {
        Command::Connect { platform_url, shell_url, master_application_id, device_name, multi_record, state_file } => {
            let request = ConnectRequest {
                platform_url,
                shell_url,
                master_application_id,
                device_name,
                multi_record,
                state_file,
            };
            let outcome = haven_example_soda_cli::connect(&request).await?;
            println!("Created application instance {}.", outcome.application_id);
            println!("Saved it in {} (readable by you only).", request.state_file.display());
            println!("Open this page, sign in and allow access:\n\n    {}\n", outcome.shell_url_to_open);
            println!("Then run: soda-cli wait --state-file {}", request.state_file.display());
        }
        Command::Wait { state_file, timeout_seconds } => {
            let options = WaitOptions { timeout: Duration::from_secs(timeout_seconds), ..WaitOptions::default() };
            let connected = haven_example_soda_cli::wait(&state_file, &options).await?;
            println!(
                "Connected to {}'s record \"{}\" (person {}, record {}).",
                connected.person_name, connected.record_name, connected.person_id, connected.record_id
            );
        }
        Command::Read { state_file } => {
            let weights = haven_example_soda_cli::read(&state_file).await?;
            if weights.is_empty() {
                println!("No weight yet.");
            }
            for weight in weights {
                println!("{weight}");
            }
        }
        Command::AddWeight { state_file, kg, at } => {
            let now = OffsetDateTime::now_utc();
            let measured = at.unwrap_or_else(|| PrimitiveDateTime::new(now.date(), now.time()));
            let weight = Weight::new(measured, kg)?;
            haven_example_soda_cli::add_weight(&state_file, weight).await?;
            println!("Added {weight}");
        }
    }
    Ok(())
}
