//! `eventing-sample`: the eventing sample's command line (see the crate's README).

mod cli;

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    match cli::main().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line saying what failed and why; the library's messages already name the cause.
            #[allow(clippy::print_stderr, reason = "a command line reports its failure")]
            {
                eprintln!("eventing-sample: {error:#}");
            }
            ExitCode::FAILURE
        }
    }
}
