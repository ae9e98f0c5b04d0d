//! The instance configuration file read by `haven serve --config FILE`.
//!
//! ```toml
//! # Which instance of the topology this process serves.
//! instance-id = "1"
//! # The topology shared by every instance (relative to this file).
//! topology = "topology.toml"
//!
//! [platform]
//! # Address for the Platform (XML method API). "systemd:N" takes the N-th socket handed
//! # over by a service manager (LISTEN_FDS), as systemd socket activation does.
//! listen = "127.0.0.1:8111"
//!
//! [shell]
//! listen = "127.0.0.1:8110"
//!
//! [database]
//! # Either an embedded SQLite file (relative to this file; its directory must exist)...
//! sqlite = "us.db"
//! # ...or PostgreSQL:
//! # postgres-url = "postgres://haven@db.internal/haven"
//! # postgres-schema = "haven_us"
//! # max-connections = 8
//!
//! # Instances of one deployment recognise each other with a shared key (64 or more hex
//! # digits in a file every instance's configuration names; relative to this file). Without
//! # it the instance answers no peer and asks none.
//! [federation]
//! key-file = "federation.key"
//!
//! # Outgoing mail (invitations, new-message notifications, Direct replies): an SMTP relay...
//! [mail]
//! from = "no-reply@haven.example"
//! relay = "smtp.example.org:587"
//! # "starttls" (the default), "tls" (implicit TLS), or "none" (plain SMTP, loopback hosts only).
//! relay-security = "starttls"
//! # Optional SMTP AUTH, the password in a file (relative to this file).
//! # relay-username = "haven"
//! # relay-password-file = "relay.password"
//! # ...or, for development, a folder where each mail is saved as an .eml file:
//! # folder = "mail"
//!
//! # Direct messaging (needs [mail]): providers' S/MIME mail to people's Direct addresses.
//! [direct]
//! domain = "direct.haven.example"
//! # The domain's certificate (then any intermediates) and its unencrypted private key, PEM.
//! certificate = "direct/domain.pem"
//! private-key = "direct/domain.key"
//! # CA certificates a sender's signing certificate must chain to: files, each one anchor or a
//! # bundle. Providers' own certificates in these files are also used to encrypt replies.
//! trust-anchors = ["direct/anchors.pem"]
//! # Optional: more providers' certificates that replies may be encrypted to.
//! recipient-certificates = []
//! # The SMTP listener ("systemd:N" as for the other listeners).
//! smtp-listen = "0.0.0.0:25"
//! # Optional: the host name in the greeting (default: the domain), the largest message
//! # (default 25 MiB), and STARTTLS with a certificate and key (PEM), required or offered.
//! # smtp-hostname = "mx.direct.haven.example"
//! # max-message-bytes = 26214400
//! # tls-certificate = "direct/smtp.pem"
//! # tls-private-key = "direct/smtp.key"
//! # require-tls = false
//!
//! # Development only; never in production.
//! [development]
//! # Allow `haven dev grant` to open accounts, grant applications and issue user tokens
//! # from the command line, without the Shell. Default false.
//! test-grants = false
//! ```

mod direct;
mod mail;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use haven_domain::federation::FederationKey;
use haven_domain::source::{SourceError, SourceText};
use haven_domain::topology::{Instance, InstanceId, Topology};
use haven_store::{PostgresConfig, SqliteConfig, StoreConfig};
use serde::Deserialize;
use toml::Spanned;

pub use direct::DirectConfig;
pub use mail::{MailConfig, MailTransport};

/// Where a listener gets its socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenAddress {
    /// Bind this address (port 0 picks a free port; the bound address is logged).
    Bind(SocketAddr),
    /// Take the N-th socket passed by the parent process (LISTEN_FDS protocol).
    Inherited(usize),
}

/// A validated instance configuration with its topology loaded.
#[derive(Debug, Clone)]
pub struct InstanceConfig {
    /// The file it was read from.
    pub path: PathBuf,
    /// The instance this process serves.
    pub instance_id: InstanceId,
    /// The topology file's path.
    pub topology_path: PathBuf,
    /// The topology.
    pub topology: Topology,
    /// Platform listener.
    pub platform_listen: ListenAddress,
    /// Shell listener.
    pub shell_listen: ListenAddress,
    /// The database.
    pub database: StoreConfig,
    /// The deployment's federation key (`[federation] key-file`), if configured.
    pub federation_key: Option<FederationKey>,
    /// Outgoing mail (`[mail]`), if configured.
    pub mail: Option<MailConfig>,
    /// Direct messaging (`[direct]`), if enabled.
    pub direct: Option<DirectConfig>,
    /// Development-only switches.
    pub development: DevelopmentConfig,
}

/// The `[development]` table: switches for tests and local development. A production
/// instance leaves it out (everything defaults to off).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DevelopmentConfig {
    /// `test-grants`: `haven dev grant` may open accounts, authorize applications and issue
    /// user tokens (wctokens) directly in the database, bypassing sign-in and consent.
    pub test_grants: bool,
    /// `eventing-loopback-http`: event subscriptions may name plain-HTTP loopback URLs
    /// (`http://127.0.0.1:...`), without the action-URL root rule, for receivers on the
    /// developer's machine.
    pub eventing_loopback_http: bool,
}

impl InstanceConfig {
    /// This instance's entry in the topology.
    pub fn instance(&self) -> &Instance {
        // Validation guarantees the instance is listed; fall back to the first one rather
        // than panic if that ever changes.
        self.topology.instance(&self.instance_id).unwrap_or(&self.topology.instances()[0])
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    instance_id: Spanned<String>,
    topology: Spanned<String>,
    platform: RawListener,
    shell: RawListener,
    database: Spanned<RawDatabase>,
    #[serde(default)]
    federation: Option<RawFederation>,
    #[serde(default)]
    mail: Option<mail::RawMail>,
    #[serde(default)]
    direct: Option<Spanned<direct::RawDirect>>,
    #[serde(default)]
    development: RawDevelopment,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawFederation {
    key_file: Spanned<String>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawDevelopment {
    #[serde(default)]
    test_grants: bool,
    #[serde(default)]
    eventing_loopback_http: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawListener {
    listen: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawDatabase {
    sqlite: Option<Spanned<String>>,
    postgres_url: Option<Spanned<String>>,
    postgres_schema: Option<String>,
    max_connections: Option<Spanned<u32>>,
}

/// Reads and validates an instance configuration file and the topology it names. Every
/// error names the file, the line where known, the field and what is wrong.
pub fn load(path: &Path) -> Result<InstanceConfig, SourceError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|error| SourceError {
        source_name: name.clone(),
        line: None,
        message: format!("cannot read the configuration file: {error}"),
    })?;
    let source = SourceText::new(&name, &text);
    let raw: RawConfig = source.parse()?;
    let base = path.parent().unwrap_or(Path::new("."));

    let instance_id = InstanceId::parse(raw.instance_id.get_ref())
        .map_err(|error| source.error(raw.instance_id.span(), format!("instance-id: {error}")))?;

    let topology_path = base.join(raw.topology.get_ref());
    let topology_text = std::fs::read_to_string(&topology_path).map_err(|error| {
        source.error(raw.topology.span(), format!("topology: cannot read {}: {error}", topology_path.display()))
    })?;
    let topology = Topology::from_toml(&topology_path.display().to_string(), &topology_text)?;
    if topology.instance(&instance_id).is_none() {
        return Err(source.error(
            raw.instance_id.span(),
            format!("instance-id: the topology {} lists no instance {instance_id}", topology_path.display()),
        ));
    }

    let platform_listen = listen_address(&source, "platform.listen", &raw.platform.listen)?;
    let shell_listen = listen_address(&source, "shell.listen", &raw.shell.listen)?;
    if platform_listen == shell_listen
        && !matches!(platform_listen, ListenAddress::Bind(address) if address.port() == 0)
    {
        return Err(source.error(raw.shell.listen.span(), "shell.listen: must differ from platform.listen"));
    }

    let database_span = raw.database.span();
    let database = raw.database.into_inner();
    let max_connections = match &database.max_connections {
        Some(spanned) if *spanned.get_ref() == 0 => {
            return Err(source.error(spanned.span(), "database.max-connections: must be at least 1"));
        }
        Some(spanned) => *spanned.get_ref(),
        None => haven_store::DEFAULT_MAX_CONNECTIONS,
    };
    let database = match (database.sqlite, database.postgres_url) {
        (Some(sqlite), None) => {
            if database.postgres_schema.is_some() {
                return Err(source.error(database_span, "database.postgres-schema: only applies with postgres-url"));
            }
            let file = base.join(sqlite.get_ref());
            let directory = file.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
            if !directory.is_dir() {
                return Err(source.error(
                    sqlite.span(),
                    format!("database.sqlite: the directory {} does not exist", directory.display()),
                ));
            }
            StoreConfig::Sqlite(SqliteConfig { path: file, max_connections })
        }
        (None, Some(url)) => {
            if !(url.get_ref().starts_with("postgres://") || url.get_ref().starts_with("postgresql://")) {
                return Err(source.error(url.span(), "database.postgres-url: must start with postgres://"));
            }
            StoreConfig::Postgres(PostgresConfig {
                url: url.into_inner(),
                schema: database.postgres_schema,
                max_connections,
            })
        }
        (Some(_), Some(_)) => {
            return Err(source.error(database_span, "database: give either sqlite or postgres-url, not both"));
        }
        (None, None) => {
            return Err(source.error(database_span, "database: give sqlite = \"FILE\" or postgres-url = \"URL\""));
        }
    };

    let federation_key = match &raw.federation {
        None => None,
        Some(federation) => {
            let key_path = base.join(federation.key_file.get_ref());
            let text = std::fs::read_to_string(&key_path).map_err(|error| {
                source.error(
                    federation.key_file.span(),
                    format!("federation.key-file: cannot read {}: {error}", key_path.display()),
                )
            })?;
            let key = FederationKey::from_hex(&text).map_err(|error| {
                source
                    .error(federation.key_file.span(), format!("federation.key-file: {}: {error}", key_path.display()))
            })?;
            Some(key)
        }
    };
    // Without the key an instance cannot ask its peers where accounts live, so it could open
    // a second account for an address that already has one elsewhere.
    if federation_key.is_none() && topology.instances().len() > 1 {
        return Err(source.error(
            raw.topology.span(),
            "the topology lists several instances, so instances must know each other: add [federation] \
             key-file = \"FILE\" naming the deployment's shared key (64 hex digits; `haven up` writes one)",
        ));
    }

    let mail = raw.mail.map(|raw_mail| mail::read(&source, base, raw_mail)).transpose()?;
    let direct = match raw.direct {
        None => None,
        Some(raw_direct) => {
            if mail.is_none() {
                return Err(source.error(
                    raw_direct.span(),
                    "direct: needs a [mail] table, to tell people of new messages and to send replies",
                ));
            }
            Some(direct::read(&source, base, raw_direct.into_inner())?)
        }
    };

    Ok(InstanceConfig {
        path: path.to_path_buf(),
        instance_id,
        topology_path,
        topology,
        platform_listen,
        shell_listen,
        database,
        federation_key,
        mail,
        direct,
        development: DevelopmentConfig {
            test_grants: raw.development.test_grants,
            eventing_loopback_http: raw.development.eventing_loopback_http,
        },
    })
}

fn listen_address(
    source: &SourceText<'_>,
    field: &str,
    spanned: &Spanned<String>,
) -> Result<ListenAddress, SourceError> {
    let text = spanned.get_ref().trim();
    if let Some(index) = text.strip_prefix("systemd:") {
        return index
            .parse()
            .map(ListenAddress::Inherited)
            .map_err(|_| source.error(spanned.span(), format!("{field}: {text:?}: systemd:N needs a socket number")));
    }
    text.parse().map(ListenAddress::Bind).map_err(|_| {
        source.error(spanned.span(), format!("{field}: {text:?} is not an address like 127.0.0.1:8111 or systemd:0"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOPOLOGY: &str = r#"
[[instance]]
id = "1"
name = "US"
description = "US instance"
platform-url = "http://127.0.0.1:8111/"
shell-url = "http://127.0.0.1:8110/"
min-signup-age = 13

[countries]
default-instance = "1"
"#;

    const CONFIG: &str = r#"instance-id = "1"
topology = "topology.toml"

[platform]
listen = "127.0.0.1:8111"

[shell]
listen = "systemd:1"

[database]
sqlite = "data/us.db"
"#;

    fn write(config: &str) -> (tempfile::TempDir, PathBuf) {
        let directory = tempfile::tempdir().unwrap();
        std::fs::create_dir(directory.path().join("data")).unwrap();
        std::fs::write(directory.path().join("topology.toml"), TOPOLOGY).unwrap();
        let path = directory.path().join("us.toml");
        std::fs::write(&path, config).unwrap();
        (directory, path)
    }

    #[test]
    fn a_valid_file_loads() {
        let (directory, path) = write(CONFIG);
        let config = load(&path).unwrap();
        assert_eq!(config.instance().name, "US");
        assert_eq!(config.platform_listen, ListenAddress::Bind("127.0.0.1:8111".parse().unwrap()));
        assert_eq!(config.shell_listen, ListenAddress::Inherited(1));
        assert_eq!(config.database, StoreConfig::sqlite(directory.path().join("data/us.db")));
    }

    #[test]
    fn the_federation_key_is_read_and_checked() {
        let with_key = format!("{CONFIG}\n[federation]\nkey-file = \"federation.key\"\n");
        let (directory, path) = write(&with_key);
        assert!(load(&path).unwrap_err().message.contains("federation.key-file: cannot read"), "a missing file");
        std::fs::write(directory.path().join("federation.key"), "abc").unwrap();
        assert!(load(&path).unwrap_err().message.contains("hexadecimal"));
        std::fs::write(directory.path().join("federation.key"), "ab".repeat(16)).unwrap();
        assert!(load(&path).unwrap_err().message.contains("at least 32 bytes"));
        std::fs::write(directory.path().join("federation.key"), format!("{}\n", "ab".repeat(32))).unwrap();
        let config = load(&path).unwrap();
        assert_eq!(config.federation_key.map(|key| key.to_hex()), Some("ab".repeat(32)));
        assert!(load(&write(CONFIG).1).unwrap().federation_key.is_none(), "optional for a single instance");
    }

    #[test]
    fn several_instances_need_the_federation_key() {
        let (directory, path) = write(CONFIG);
        std::fs::write(directory.path().join("topology.toml"), haven_domain::topology::EXAMPLE_TOML).unwrap();
        let error = load(&path).unwrap_err();
        assert!(error.message.contains("add [federation] key-file"), "{error}");
        assert_eq!(error.line, Some(2), "at the topology line");
        let with_key = format!("{CONFIG}\n[federation]\nkey-file = \"federation.key\"\n");
        std::fs::write(&path, with_key).unwrap();
        std::fs::write(directory.path().join("federation.key"), "ab".repeat(32)).unwrap();
        assert!(load(&path).unwrap().federation_key.is_some());
    }

    fn error_for(config: &str) -> SourceError {
        let (_directory, path) = write(config);
        load(&path).unwrap_err()
    }

    #[test]
    fn missing_database_directory_is_named_with_its_line() {
        let error = error_for(&CONFIG.replace("data/us.db", "nowhere/us.db"));
        assert_eq!(error.line, Some(11));
        assert!(error.source_name.ends_with("us.toml"), "{error}");
        assert!(error.message.starts_with("database.sqlite: the directory"), "{error}");
        assert!(error.message.contains("nowhere"), "{error}");
    }

    #[test]
    fn malformed_values_and_unknown_fields_are_named() {
        let address = error_for(&CONFIG.replace("127.0.0.1:8111", "localhost"));
        assert_eq!(address.line, Some(5));
        assert!(address.message.starts_with("platform.listen: "), "{address}");
        let unknown = error_for(&CONFIG.replace("[shell]", "[shell]\nport = 3"));
        assert!(unknown.message.contains("port"), "{unknown}");
        let syntax = error_for("instance-id = \n");
        assert_eq!(syntax.line, Some(1));
    }

    #[test]
    fn instance_missing_from_topology_is_refused() {
        let error = error_for(&CONFIG.replace("instance-id = \"1\"", "instance-id = \"9\""));
        assert_eq!(error.line, Some(1));
        assert!(error.message.contains("lists no instance 9"), "{error}");
    }

    #[test]
    fn bad_topology_is_reported_with_its_own_file_and_line() {
        let (directory, path) = write(CONFIG);
        std::fs::write(
            directory.path().join("topology.toml"),
            TOPOLOGY.replace("default-instance = \"1\"", "default-instance = \"1\"\nunsupported = [\"XX\"]"),
        )
        .unwrap();
        let error = load(&path).unwrap_err();
        assert!(error.source_name.ends_with("topology.toml"), "{error}");
        assert_eq!(error.line, Some(12));
        assert!(error.message.contains("XX"), "{error}");
    }

    #[test]
    fn test_grants_are_off_unless_the_development_table_turns_them_on() {
        let (_directory, path) = write(CONFIG);
        assert!(!load(&path).unwrap().development.test_grants);
        let (_directory, path) = write(&format!("{CONFIG}\n[development]\ntest-grants = true\n"));
        assert!(load(&path).unwrap().development.test_grants);
        let unknown = error_for(&format!("{CONFIG}\n[development]\nskip-consent = true\n"));
        assert!(unknown.message.contains("skip-consent"), "{unknown}");
    }

    #[test]
    fn loopback_notification_urls_are_off_unless_the_development_table_turns_them_on() {
        let (_directory, path) = write(CONFIG);
        assert!(!load(&path).unwrap().development.eventing_loopback_http);
        let (_directory, path) = write(&format!("{CONFIG}\n[development]\neventing-loopback-http = true\n"));
        assert!(load(&path).unwrap().development.eventing_loopback_http);
    }

    #[test]
    fn database_must_be_exactly_one_engine() {
        let both = error_for(
            &CONFIG.replace("sqlite = \"data/us.db\"", "sqlite = \"data/us.db\"\npostgres-url = \"postgres://x/y\""),
        );
        assert!(both.message.contains("not both"), "{both}");
        let neither = error_for(&CONFIG.replace("sqlite = \"data/us.db\"", ""));
        assert!(neither.message.contains("give sqlite"), "{neither}");
    }

    #[test]
    fn mail_goes_to_a_relay_or_a_folder() {
        let folder = load(&write(&format!("{CONFIG}\n[mail]\nfrom = \"no-reply@haven.test\"\nfolder = \"mail\"\n")).1);
        let mail = folder.unwrap().mail.unwrap();
        assert!(matches!(mail.transport, MailTransport::Folder(ref path) if path.ends_with("mail")));
        let relay = format!(
            "{CONFIG}\n[mail]\nfrom = \"no-reply@haven.test\"\nrelay = \"127.0.0.1:2525\"\nrelay-security = \"none\"\n"
        );
        assert!(matches!(load(&write(&relay).1).unwrap().mail.unwrap().transport, MailTransport::Relay(_)));
        let remote_plain = relay.replace("127.0.0.1:2525", "smtp.example.org:25");
        assert!(error_for(&remote_plain).message.contains("mail.relay"), "plain SMTP only to loopback");
        let bad_from = error_for(&format!("{CONFIG}\n[mail]\nfrom = \"nobody\"\nfolder = \"mail\"\n"));
        assert!(bad_from.message.starts_with("mail.from"), "{bad_from}");
        let neither = error_for(&format!("{CONFIG}\n[mail]\nfrom = \"no-reply@haven.test\"\n"));
        assert!(neither.message.contains("give relay"), "{neither}");
    }

    #[test]
    fn direct_needs_mail_and_readable_certificates() {
        let pki = haven_testkit::pki::Pki::new();
        let direct = format!(
            "\n[direct]\ndomain = \"Direct.Haven.Test\"\ncertificate = \"{}\"\nprivate-key = \"{}\"\n\
             trust-anchors = [\"{}\"]\nsmtp-listen = \"127.0.0.1:0\"\n",
            pki.instance.certificate.display(),
            pki.instance.key.display(),
            pki.trusted_anchor.display()
        );
        let without_mail = error_for(&format!("{CONFIG}{direct}"));
        assert!(without_mail.message.contains("needs a [mail] table"), "{without_mail}");
        let mail = "\n[mail]\nfrom = \"no-reply@haven.test\"\nfolder = \"mail\"\n";
        let config = load(&write(&format!("{CONFIG}{mail}{direct}")).1).unwrap();
        let loaded = config.direct.unwrap();
        assert_eq!(loaded.domain, "direct.haven.test");
        assert_eq!(loaded.smtp.max_message_bytes, haven_direct::smtp::DEFAULT_MAX_MESSAGE_BYTES);
        let wrong_key =
            direct.replace(&pki.instance.key.display().to_string(), &pki.other_instance.key.display().to_string());
        let error = error_for(&format!("{CONFIG}{mail}{wrong_key}"));
        assert!(error.message.contains("does not belong"), "{error}");
        let no_anchor = direct.replace(&pki.trusted_anchor.display().to_string(), "missing.pem");
        assert!(error_for(&format!("{CONFIG}{mail}{no_anchor}")).message.starts_with("direct.trust-anchors"));
        let tls_required = format!("{CONFIG}{mail}{direct}require-tls = true\n");
        assert!(error_for(&tls_required).message.contains("needs tls-certificate"));
    }
}
