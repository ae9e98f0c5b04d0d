//! The command line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use haven_domain::clock::{Clock, SystemClock};
use haven_domain::ids::ApplicationId;
use haven_domain::topology::{InstanceId, Topology};
use listenfd::ListenFd;
use url::Url;

use crate::{admin, clinic, config, dev, serve, up};

/// Haven: a self-hostable personal health record platform, wire-compatible with
/// Microsoft HealthVault.
#[derive(Debug, Parser)]
#[command(name = "haven", version, about)]
pub struct Cli {
    /// Log format.
    #[arg(long, global = true, value_enum, default_value = "text", env = "HAVEN_LOG_FORMAT")]
    pub log_format: LogFormat,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Log output format.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Commands.
#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant, reason = "parsed once at start-up")]
pub enum Command {
    /// Run instances, one per configuration file (normally one).
    Serve {
        /// Instance configuration file (see README, "Configuration").
        #[arg(long = "config", required = true)]
        configs: Vec<PathBuf>,
    },
    /// Create (on first run) and run a local US + EU deployment on SQLite.
    Up {
        /// Where the deployment's files live.
        #[arg(long, default_value = up::DEFAULT_DATA_DIR)]
        data_dir: PathBuf,
        /// Create the deployment if needed, print its details, and exit without serving.
        #[arg(long)]
        init_only: bool,
    },
    /// Manage applications.
    #[command(subcommand)]
    App(AppCommand),
    /// Show the topology.
    #[command(subcommand)]
    Topology(TopologyCommand),
    /// List the thing types Haven knows.
    Types,
    /// Development-only tools (refused unless the instance's configuration allows them).
    #[command(subcommand)]
    Dev(DevCommand),
    /// Clinic tooling over an application's Platform API: Patient Connect requests and
    /// drop-off/pick-up packages, in the instance of the patient's country.
    #[command(subcommand)]
    Clinic(clinic::ClinicCommand),
}

/// Development-only commands.
#[derive(Debug, Subcommand)]
pub enum DevCommand {
    /// Stand in for the Shell: open an account (or find it by e-mail), authorize an
    /// application on the person's own record and print a user token (wctoken) for it.
    /// Needs `[development] test-grants = true` in the configuration. Prints `person-id=`,
    /// `record-id=` and `wctoken=` lines.
    Grant {
        /// The instance's configuration file.
        #[arg(long)]
        config: PathBuf,
        /// The application to authorize.
        #[arg(long)]
        app: ApplicationId,
        /// The person's sign-in address; an account is opened if none has it.
        #[arg(long)]
        email: String,
        /// Given name of a new account.
        #[arg(long, default_value = "Test")]
        given_name: String,
        /// Family name of a new account.
        #[arg(long, default_value = "Person")]
        family_name: String,
        /// Date of birth of a new account, YYYY-MM-DD.
        #[arg(long, default_value = "1980-01-01", value_parser = parse_date)]
        birth_date: time::Date,
        /// Country of a new account (ISO 3166-1 alpha-2); it must belong to this instance.
        #[arg(long, default_value = "US")]
        country: String,
        /// Also grant the application's offline rules.
        #[arg(long)]
        offline: bool,
    },
}

fn parse_date(text: &str) -> Result<time::Date, String> {
    time::Date::parse(text, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| format!("{text:?} is not a date like 1980-01-01"))
}

/// Where admin commands find the instances: the given configuration files, or the local
/// deployment in ./haven-data.
#[derive(Debug, Args)]
pub struct Instances {
    /// Instance configuration file; repeat for several instances. Defaults to the local
    /// deployment's (./haven-data/us.toml and eu.toml).
    #[arg(long = "config")]
    pub configs: Vec<PathBuf>,
}

/// Application commands.
#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant, reason = "parsed once at start-up")]
pub enum AppCommand {
    /// Register an application in the given instances (it is live there).
    Register {
        #[command(flatten)]
        instances: Instances,
        /// Application id (a new one is generated if omitted).
        #[arg(long)]
        id: Option<ApplicationId>,
        /// Name shown to people when they consent.
        #[arg(long)]
        name: String,
        /// What the application does.
        #[arg(long, default_value = "")]
        description: String,
        /// Public certificate (PEM or DER); repeat for several.
        #[arg(long = "certificate")]
        certificates: Vec<PathBuf>,
        /// Where the Shell sends people back to.
        #[arg(long)]
        action_url: Option<Url>,
        /// Online rule NAME:PERMISSIONS:TYPES[:optional], e.g. weights:read,create:Weight.
        #[arg(long = "online-rule")]
        online_rules: Vec<String>,
        /// Offline rule, same form.
        #[arg(long = "offline-rule")]
        offline_rules: Vec<String>,
        /// Method group (basic, hosted-web-application, soda, connect-package, open-query,
        /// master, signup, eventing, send-email); defaults to basic and
        /// hosted-web-application.
        #[arg(long = "method-group")]
        method_groups: Vec<String>,
        /// A mobile/desktop (SODA) application: no certificate, offline rules only.
        #[arg(long)]
        soda: bool,
    },
    /// Make an application live in exactly these instances.
    GoLive {
        #[command(flatten)]
        instances: Instances,
        /// The application.
        #[arg(long)]
        app: ApplicationId,
        /// Comma-separated instance ids, e.g. 1,2.
        #[arg(long = "instances", value_delimiter = ',', required = true)]
        live_in: Vec<String>,
    },
    /// Show an application as registered in each instance.
    Show {
        #[command(flatten)]
        instances: Instances,
        /// The application.
        #[arg(long)]
        app: ApplicationId,
    },
}

/// Topology commands.
#[derive(Debug, Subcommand)]
pub enum TopologyCommand {
    /// Print the instances and the country rules.
    Show {
        /// A topology file; defaults to the one named by --config, or the local
        /// deployment's.
        #[arg(long)]
        topology: Option<PathBuf>,
        #[command(flatten)]
        instances: Instances,
    },
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("HAVEN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Runs the command line; the exit code is 1 on any error, after printing it.
pub fn main() -> ExitCode {
    // Inherited sockets are read from the environment before any thread starts.
    let mut sockets = ListenFd::from_env();
    let cli = Cli::parse();
    init_logging(cli.log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, &mut sockets)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, sockets: &mut ListenFd) -> anyhow::Result<()> {
    match command {
        Command::Serve { configs } => {
            let loaded = configs.iter().map(|path| config::load(path)).collect::<Result<Vec<_>, _>>()?;
            serve_all(loaded, sockets).await
        }
        Command::Up { data_dir, init_only } => run_up(&data_dir, init_only, sockets).await,
        Command::App(command) => run_app(command).await,
        Command::Topology(TopologyCommand::Show { topology, instances }) => {
            let topology = match topology {
                Some(path) => {
                    let text =
                        std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
                    Topology::from_toml(&path.display().to_string(), &text)?
                }
                None => admin::resolve_configs(&instances.configs)?.remove(0).topology,
            };
            print!("{}", admin::describe_topology(&topology));
            Ok(())
        }
        Command::Types => {
            print!("{}", admin::describe_types());
            Ok(())
        }
        Command::Dev(DevCommand::Grant {
            config,
            app,
            email,
            given_name,
            family_name,
            birth_date,
            country,
            offline,
        }) => {
            let config = config::load(&config)?;
            let request =
                dev::GrantRequest { application_id: app, email, given_name, family_name, birth_date, country, offline };
            let grant = dev::grant(&config, request, SystemClock.now()).await?;
            print!("{}", grant.to_lines());
            Ok(())
        }
        Command::Clinic(command) => clinic::run(command).await,
    }
}

fn print_urls(instances: &[serve::PreparedInstance]) -> anyhow::Result<()> {
    for instance in instances {
        let described = instance.config().instance();
        println!(
            "Haven instance {} ({}):\n  Shell     http://{}/  (published as {})\n  Platform  http://{}/platform/wildcat.ashx  (published as {})",
            described.id,
            described.name,
            instance.shell_address()?,
            described.shell_url,
            instance.platform_address()?,
            described.platform_method_url(),
        );
    }
    Ok(())
}

async fn run_up(data_dir: &Path, init_only: bool, sockets: &mut ListenFd) -> anyhow::Result<()> {
    let created = up::ensure_deployment(data_dir).await?;
    let demo = up::demo_application(data_dir)?;
    println!("{} local deployment in {}", if created { "Created a" } else { "Using the" }, data_dir.display());
    println!(
        "Demo application: {} (id {})\n  certificate thumbprint {}\n  key and certificate in {}",
        demo.name,
        demo.application_id,
        demo.thumbprint,
        data_dir.join("demo-app").display()
    );
    print!("{}", up::messaging_summary(data_dir)?);
    if init_only {
        return Ok(());
    }
    let loaded = up::config_paths(data_dir).iter().map(|path| config::load(path)).collect::<Result<Vec<_>, _>>()?;
    serve_all(loaded, sockets).await
}

/// Prepares every instance (all configuration already validated), prints the URLs, and
/// serves until shutdown.
async fn serve_all(configs: Vec<config::InstanceConfig>, sockets: &mut ListenFd) -> anyhow::Result<()> {
    let mut prepared = Vec::new();
    for config in configs {
        prepared.push(serve::prepare(config, sockets).await?);
    }
    print_urls(&prepared)?;
    println!("Press Ctrl-C to stop.");
    serve::run(prepared).await
}

async fn run_app(command: AppCommand) -> anyhow::Result<()> {
    match command {
        AppCommand::Register {
            instances,
            id,
            name,
            description,
            certificates,
            action_url,
            online_rules,
            offline_rules,
            method_groups,
            soda,
        } => {
            let configs = admin::resolve_configs(&instances.configs)?;
            let registration = admin::Registration {
                id,
                name,
                description,
                certificates,
                action_url,
                online_rules,
                offline_rules,
                method_groups,
                soda,
            };
            let application = admin::register(&configs, registration).await?;
            println!("Registered application {}\n{}", application.id, admin::describe(&application));
            Ok(())
        }
        AppCommand::GoLive { instances, app, live_in } => {
            let configs = admin::resolve_configs(&instances.configs)?;
            let live_in = live_in.iter().map(|id| InstanceId::parse(id.trim())).collect::<Result<Vec<_>, _>>()?;
            let application = admin::go_live(&configs, app, &live_in).await?;
            println!(
                "Application {} is live in instances {}",
                application.id,
                live_in.iter().map(InstanceId::as_str).collect::<Vec<_>>().join(", ")
            );
            Ok(())
        }
        AppCommand::Show { instances, app } => {
            let configs = admin::resolve_configs(&instances.configs)?;
            print!("{}", admin::show(&configs, app).await?);
            Ok(())
        }
    }
}
