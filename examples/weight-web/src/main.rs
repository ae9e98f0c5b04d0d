//! `weight-web`: runs the sample web application (see the crate's README).

mod cli;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    cli::main().await
}
