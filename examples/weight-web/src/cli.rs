//! The command line: reads the options, loads the application's credentials, binds the
//! listener and serves.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Parser;
use haven_domain::ids::ApplicationId;
use haven_domain::topology::InstanceId;
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
    /// Root URL of the Shell people connect through, e.g. http://127.0.0.1:8110/.
    #[arg(long)]
    shell_url: Url,
    /// An instance's Platform root URL, as INSTANCE=URL (e.g. 1=http://127.0.0.1:8111/);
    /// give it once per instance the application is live in.
    #[arg(long = "platform", value_name = "INSTANCE=URL", required = true, value_parser = parse_platform)]
    platforms: Vec<(InstanceId, Url)>,
    /// The application's id (demo-app/app.toml's application-id under `haven up`).
    #[arg(long)]
    app_id: ApplicationId,
    /// The application's private key (PEM).
    #[arg(long, value_name = "PEM")]
    private_key: PathBuf,
    /// The application's registered certificate (PEM or DER).
    #[arg(long, value_name = "PEM")]
    certificate: PathBuf,
    /// JSON file keeping the connected person across restarts; its directory must exist.
    #[arg(long, default_value = "weight-web.json")]
    data_file: PathBuf,
}

/// Reads `INSTANCE=URL`.
fn parse_platform(text: &str) -> Result<(InstanceId, Url), String> {
    let (instance, url) = text
        .split_once('=')
        .ok_or_else(|| format!("expected INSTANCE=URL (e.g. 1=http://127.0.0.1:8111/), got {text:?}"))?;
    let instance_id = InstanceId::parse(instance.trim()).map_err(|error| error.to_string())?;
    let url = Url::parse(url.trim()).map_err(|error| format!("{url:?}: {error}"))?;
    check_http(&url)?;
    Ok((instance_id, url))
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
    let mut platforms = BTreeMap::new();
    for (instance_id, url) in arguments.platforms {
        if platforms.insert(instance_id.clone(), url).is_some() {
            bail!("--platform: instance {} is given twice", instance_id.as_str());
        }
    }
    let credentials =
        ApplicationCredentials::from_pem_file(arguments.app_id, &arguments.private_key, &arguments.certificate)
            .context("loading the application's credentials")?;
    let config = Config { shell_url: arguments.shell_url, platforms, credentials, data_file: arguments.data_file };
    let listener = tokio::net::TcpListener::bind(arguments.listen)
        .await
        .with_context(|| format!("listening on {}", arguments.listen))?;
    tracing::info!(address = %listener.local_addr()?, "serving; the action URL is /action");
    haven_example_weight_web::serve(listener, config).await
}
