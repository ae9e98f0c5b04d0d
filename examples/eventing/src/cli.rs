//! The command line: one subcommand per part of the sample, printing what the person needs.
#![allow(clippy::print_stdout, reason = "a command line prints its results")]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use haven_domain::ids::{ApplicationId, PersonId, RecordId, ThingTypeId};
use haven_domain::thing_type;
use haven_example_eventing::manager::{self, watched_types};
use haven_example_eventing::{
    HandlerConfig, HandlerEvent, Mode, NewSubscription, SubscriptionChange, Target, TestNotification, ThingIds,
    keyring, parse_thing_type, send_test,
};
use haven_sdk::{ApplicationCredentials, Connection};
use haven_wire::methods::subscription::DeliveryFormat;
use url::Url;

/// The eventing sample: manage the application's event subscriptions, handle the
/// notifications they bring, and send test notifications.
#[derive(Debug, Parser)]
#[command(name = "eventing-sample", version)]
struct Arguments {
    #[command(flatten)]
    application: ApplicationOptions,
    /// The keyring: JSON file of the subscriptions' notification keys, by key version (mode
    /// 0600; created by the first `subscribe`).
    #[arg(long, global = true, value_name = "PATH", default_value = "eventing-keyring.json")]
    keyring: PathBuf,
    #[command(subcommand)]
    command: Command,
}

/// The application, as in the other samples. Every command but `handle` and `send-test` to
/// the handler or a URL with fake or empty thing ids needs it.
#[derive(Debug, Args)]
struct ApplicationOptions {
    /// Root URL of the instance's Platform, e.g. http://127.0.0.1:8111/.
    #[arg(long, global = true, value_name = "URL", value_parser = parse_http_url, help_heading = "Application")]
    platform_url: Option<Url>,
    /// The application's id.
    #[arg(long, global = true, value_name = "ID", help_heading = "Application")]
    app_id: Option<ApplicationId>,
    /// The application's private key (PEM).
    #[arg(long, global = true, value_name = "PEM", help_heading = "Application")]
    private_key: Option<PathBuf>,
    /// The application's registered certificate (PEM or DER).
    #[arg(long, global = true, value_name = "PEM", help_heading = "Application")]
    certificate: Option<PathBuf>,
}

/// The parts of the sample.
#[derive(Debug, Subcommand)]
enum Command {
    /// Subscribe to changes of things of some types, with a new key kept in the keyring.
    Subscribe {
        /// Where notifications go: HTTPS under the root of the application's action URL (or
        /// http on loopback where the instance allows it for development).
        #[arg(long, value_name = "URL", value_parser = parse_http_url)]
        url: Url,
        /// A thing type to watch, by name (weight, blood-pressure) or id; repeat for several.
        #[arg(long = "type", value_name = "TYPE", required = true, value_parser = parse_type)]
        types: Vec<ThingTypeId>,
        /// Ask for Standard Webhooks deliveries (JSON, webhook-* headers) instead of
        /// HealthVault's XML with Authorization: HVEventingSharedKey.
        #[arg(long)]
        standard_webhooks: bool,
    },
    /// List the application's subscriptions: id, URL, format, key version and the types
    /// watched.
    List,
    /// Change a subscription's URL, types or format, or give it a new key.
    Update {
        /// The subscription's id.
        subscription_id: String,
        /// A new notification URL.
        #[arg(long, value_name = "URL", value_parser = parse_http_url)]
        url: Option<Url>,
        /// New types to watch (replacing the current ones); repeat for several.
        #[arg(long = "type", value_name = "TYPE", value_parser = parse_type)]
        types: Vec<ThingTypeId>,
        /// A new delivery format.
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// A new key and key version; the old key stays in the keyring (for ten days after
        /// the next rotation) so notifications already signed with it still verify.
        #[arg(long)]
        rotate_key: bool,
    },
    /// Delete a subscription, and its keys from the keyring.
    Delete {
        /// The subscription's id.
        subscription_id: String,
    },
    /// Serve the notification handler: verify each POST with the keyring, answer 200, and
    /// print the changed things (read offline when the application is given).
    Handle {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8140")]
        listen: SocketAddr,
    },
    /// Send a test notification for a subscription in the keyring.
    SendTest(SendTestOptions),
}

/// `send-test`'s options.
#[derive(Debug, Args)]
struct SendTestOptions {
    /// The subscription the notification is for; its key comes from the keyring.
    #[arg(long, value_name = "ID")]
    subscription: String,
    #[command(flatten)]
    target: TargetOptions,
    /// How to sign it.
    #[arg(long, value_enum, default_value_t = ModeOption::Correct)]
    mode: ModeOption,
    /// Which thing ids to name.
    #[arg(long, value_enum, default_value_t = ThingsOption::Fake)]
    things: ThingsOption,
    /// How many thing ids (fake), or at most how many things (actual).
    #[arg(long, default_value_t = 1)]
    count: u32,
    /// The person to name (and, for actual things, to read as offline).
    #[arg(long, value_name = "ID", required_if_eq("things", "actual"))]
    person_id: Option<PersonId>,
    /// The record to name (and, for actual things, to read).
    #[arg(long, value_name = "ID", required_if_eq("things", "actual"))]
    record_id: Option<RecordId>,
}

/// Exactly one target.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
struct TargetOptions {
    /// Send to the subscription's URL, as GetEventSubscriptions lists it.
    #[arg(long)]
    to_subscription_url: bool,
    /// Send to the sample's handler listening at this address.
    #[arg(long, value_name = "ADDRESS")]
    to_handler: Option<SocketAddr>,
    /// Send to this URL.
    #[arg(long, value_name = "URL", value_parser = parse_http_url)]
    to_url: Option<Url>,
}

/// A delivery format.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// XML, with Authorization: HVEventingSharedKey.
    Healthvault,
    /// JSON, with webhook-id, webhook-timestamp and webhook-signature.
    StandardWebhooks,
}

/// How a test notification is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ModeOption {
    /// With the subscription's key and key version.
    Correct,
    /// With an HMAC by another key.
    BadHmac,
    /// Under a key version the keyring lacks.
    BadKeyVersion,
}

/// Which thing ids a test notification names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ThingsOption {
    /// Random ids.
    Fake,
    /// None.
    Empty,
    /// The newest things of the subscribed types in --record-id.
    Actual,
}

/// Reads an http or https URL.
fn parse_http_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|error| format!("{text:?}: {error}"))?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(format!("{text}: expected an http or https URL, not {other}")),
    }
}

fn parse_type(text: &str) -> Result<ThingTypeId, String> {
    parse_thing_type(text).map_err(|error| error.to_string())
}

impl ApplicationOptions {
    /// The connection, if the application is given; all four options or none.
    fn connection(&self) -> anyhow::Result<Option<Connection>> {
        match (&self.platform_url, self.app_id, &self.private_key, &self.certificate) {
            (None, None, None, None) => Ok(None),
            (Some(platform_url), Some(app_id), Some(private_key), Some(certificate)) => {
                let credentials = ApplicationCredentials::from_pem_file(app_id, private_key, certificate)
                    .context("loading the application's credentials")?;
                Ok(Some(Connection::new(platform_url.clone(), credentials)?))
            }
            _ => anyhow::bail!("give all of --platform-url, --app-id, --private-key and --certificate, or none"),
        }
    }

    /// The connection, which `command` needs.
    fn required(&self, command: &'static str) -> anyhow::Result<Connection> {
        self.connection()?.ok_or_else(|| haven_example_eventing::EventingError::NoApplication(command).into())
    }
}

fn type_label(type_id: ThingTypeId) -> String {
    match thing_type::by_id(type_id) {
        Some(thing_type) => format!("{} ({type_id})", thing_type.name),
        None => type_id.to_string(),
    }
}

/// Runs the command.
pub(crate) async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("EVENTING_SAMPLE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let arguments = Arguments::parse();
    let keyring_path = arguments.keyring.as_path();
    match arguments.command {
        Command::Subscribe { url, types, standard_webhooks } => {
            let connection = arguments.application.required("subscribe")?;
            let format = if standard_webhooks { DeliveryFormat::StandardWebhooks } else { DeliveryFormat::HealthVault };
            let subscribed =
                manager::subscribe(&connection, keyring_path, &NewSubscription { url, types, format }).await?;
            println!("subscription-id={}", subscribed.subscription_id);
            println!("key-version={}", subscribed.key_version);
        }
        Command::List => {
            let connection = arguments.application.required("list")?;
            let keyring = keyring::load(keyring_path)?;
            let subscriptions = manager::list(&connection).await?;
            if subscriptions.is_empty() {
                println!("no subscriptions");
            }
            for subscription in subscriptions {
                let version = subscription.shared_key.version_id.as_str();
                let kept = if keyring.key(version).is_some() { "in the keyring" } else { "NOT in the keyring" };
                println!("{}", subscription.id.as_deref().unwrap_or("(no id)"));
                println!("  url: {}", subscription.url);
                println!("  format: {}", subscription.delivery_format.as_str());
                println!("  key version: {version} ({kept})");
                let types: Vec<String> = watched_types(&subscription).into_iter().map(type_label).collect();
                println!("  types: {}", types.join(", "));
            }
        }
        Command::Update { subscription_id, url, types, format, rotate_key } => {
            let connection = arguments.application.required("update")?;
            let change = SubscriptionChange {
                url,
                types: (!types.is_empty()).then_some(types),
                format: format.map(|format| match format {
                    Format::Healthvault => DeliveryFormat::HealthVault,
                    Format::StandardWebhooks => DeliveryFormat::StandardWebhooks,
                }),
                rotate_key,
            };
            let updated = manager::update(&connection, keyring_path, &subscription_id, &change).await?;
            println!("subscription-id={}", updated.subscription_id);
            println!("key-version={}", updated.key_version);
        }
        Command::Delete { subscription_id } => {
            let connection = arguments.application.required("delete")?;
            manager::delete(&connection, keyring_path, &subscription_id).await?;
            println!("deleted {subscription_id}");
        }
        Command::Handle { listen } => {
            let connection = arguments.application.connection()?.map(Arc::new);
            if connection.is_none() {
                tracing::warn!("no application given: notifications are verified, but their things are not read");
            }
            let listener =
                tokio::net::TcpListener::bind(listen).await.with_context(|| format!("listening on {listen}"))?;
            tracing::info!(address = %listener.local_addr()?, keyring = %keyring_path.display(), "handling notifications");
            let config = HandlerConfig { keyring: keyring_path.to_owned(), connection };
            haven_example_eventing::serve(listener, config, report).await?;
        }
        Command::SendTest(options) => {
            let connection = arguments.application.connection()?;
            let target = match (options.target.to_subscription_url, options.target.to_handler, options.target.to_url) {
                (_, Some(address), _) => Target::Handler(address),
                (_, None, Some(url)) => Target::Url(url),
                (_, None, None) => Target::SubscriptionUrl,
            };
            let things = match (options.things, options.person_id, options.record_id) {
                (ThingsOption::Fake, ..) => ThingIds::Fake(options.count as usize),
                (ThingsOption::Empty, ..) => ThingIds::Empty,
                (ThingsOption::Actual, Some(person_id), Some(record_id)) => {
                    ThingIds::Actual { person_id, record_id, count: options.count }
                }
                (ThingsOption::Actual, ..) => anyhow::bail!("--things actual needs --person-id and --record-id"),
            };
            let test = TestNotification {
                subscription_id: options.subscription,
                target,
                mode: match options.mode {
                    ModeOption::Correct => Mode::Correct,
                    ModeOption::BadHmac => Mode::BadHmac,
                    ModeOption::BadKeyVersion => Mode::BadKeyVersion,
                },
                things,
                person_and_record: options.person_id.zip(options.record_id),
            };
            let sent = send_test(keyring_path, connection.as_ref(), &test).await?;
            let thing_ids: Vec<String> =
                sent.notification.record_change.thing_ids.iter().map(ToString::to_string).collect();
            println!("sent to {} ({}): HTTP {}", sent.url, sent.format.as_str(), sent.status);
            println!(
                "  person {} record {}",
                sent.notification.record_change.person_id, sent.notification.record_change.record_id
            );
            println!("  things: {}", if thing_ids.is_empty() { "(none)".to_owned() } else { thing_ids.join(", ") });
        }
    }
    Ok(())
}

/// Prints a changed thing on standard output and logs everything else.
fn report(event: HandlerEvent) {
    match event {
        HandlerEvent::Thing(thing) => println!("{thing}"),
        HandlerEvent::Verified(verified) => tracing::info!(?verified, "notification verified"),
        HandlerEvent::Discarded(discard) => tracing::warn!(reason = %discard, "notification discarded"),
        HandlerEvent::KeyringUnreadable(error) => tracing::error!(%error, "keyring unreadable; answered 500"),
        HandlerEvent::Busy => tracing::warn!("processing queue full; answered 503"),
        HandlerEvent::Unreadable(error) => tracing::warn!(%error, "verified body holds no readable notification"),
        HandlerEvent::NoThings { subscription_id, record_id } => {
            tracing::warn!(subscription = %subscription_id, record = %record_id, "notification names no thing");
        }
        HandlerEvent::ReadFailed { record_id, error } => {
            tracing::error!(record = %record_id, %error, "reading the changed things failed");
        }
    }
}
