//! The command line: reads the options, loads the application's credentials, binds the
//! listener and serves.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use haven_domain::ids::ApplicationId;
use haven_example_weight_web::Config;
use haven_sdk::ApplicationCredentials;
use url::Url;

/// A sample HealthVault-style web application: connect through Haven's Shell and see your
/// latest weight.
#[derive(Debug, Parser)]
#[command(name = "weight-web", version)]
struct Arguments {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8130")]
    listen: SocketAddr,
    /// Root URL of the default instance's Shell, where people connect, e.g.
    /// http://127.0.0.1:8110/.
    #[arg(long)]
    shell_url: Url,
    /// Root URL of the default instance's Platform, e.g. http://127.0.0.1:8111/; the other
    /// instances are found in its service definition.
    #[arg(long)]
    platform_url: Url,
    /// Serve only people whose account is in the default instance: the Shell is told not to
    /// send people to another instance (`aib=false`), and returns from one are refused.
    #[arg(long)]
    single_instance: bool,
    /// The application's id (demo-app/app.toml's application-id under `haven up`).
    #[arg(long)]
    app_id: ApplicationId,
    /// The application's private key (PEM).
    #[arg(long, value_name = "PEM")]
    private_key: PathBuf,
    /// The application's registered certificate (PEM or DER).
    #[arg(long, value_name = "PEM")]
    certificate: PathBuf,
    /// JSON file keeping the connected records (instance, person and record ids) across
    /// restarts; its directory must exist.
    #[arg(long, default_value = "weight-web.json")]
    data_file: PathBuf,
}

/// Only http and https URLs can be used as a Shell or a Platform.
fn check_http(url: &Url) -> Result<(), String> {
    match url.scheme() {
        "http" | "https" => Ok(()),
        other => Err(format!("{url}: expected an http or https URL, not {other}")),
    }
}

/// Runs the application until the process is stopped.
pub(crate) async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("WEIGHT_WEB_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let arguments = Arguments::parse();
    check_http(&arguments.shell_url).map_err(anyhow::Error::msg).context("--shell-url")?;
    check_http(&arguments.platform_url).map_err(anyhow::Error::msg).context("--platform-url")?;
    let credentials =
        ApplicationCredentials::from_pem_file(arguments.app_id, &arguments.private_key, &arguments.certificate)
            .context("loading the application's credentials")?;
    let config = Config {
        shell_url: arguments.shell_url,
        platform_url: arguments.platform_url,
        multi_instance_aware: !arguments.single_instance,
        credentials,
        data_file: arguments.data_file,
    };
    let listener = tokio::net::TcpListener::bind(arguments.listen)
        .await
        .with_context(|| format!("listening on {}", arguments.listen))?;
    tracing::info!(address = %listener.local_addr()?, "serving; the action URL is /action");
    haven_example_weight_web::serve(listener, config).await
}
