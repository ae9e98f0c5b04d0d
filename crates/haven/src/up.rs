//! `haven up`: a complete local deployment for a first look. On first run it creates, in
//! the data directory (default `./haven-data`), a topology with a US and an EU instance,
//! one configuration file and one SQLite database per instance, a demo application
//! registered in both with a freshly generated key pair, and a local Direct PKI (`direct/`)
//! for the US instance's Direct messaging. Both instances save their mail in `mail/`. Every
//! later run reuses the files as they are.

use std::path::{Path, PathBuf};

use anyhow::Context;
use haven_domain::application::{Application, MethodGroup};
use haven_domain::auth_rules::{AuthRule, Permissions, RuleSet, TargetSet};
use haven_domain::clock::{Clock, SystemClock};
use haven_domain::ids::ApplicationId;
use haven_domain::thing_type;
use haven_store::{ApplicationStore, SqlStore};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::certificate::{self, DirectName};
use crate::config::{self, ListenAddress, MailTransport};

/// Default data directory, relative to where `haven up` runs.
pub const DEFAULT_DATA_DIR: &str = "haven-data";

/// Default ports of the local deployment.
pub mod ports {
    /// US Shell.
    pub const US_SHELL: u16 = 8110;
    /// US Platform.
    pub const US_PLATFORM: u16 = 8111;
    /// EU Shell.
    pub const EU_SHELL: u16 = 8120;
    /// EU Platform.
    pub const EU_PLATFORM: u16 = 8121;
    /// US Direct SMTP listener.
    pub const US_DIRECT_SMTP: u16 = 8125;
}

/// The US instance's Direct domain.
pub const US_DIRECT_DOMAIN: &str = "direct.us.haven.localhost";

/// The demo provider's Direct address: its certificate and key (`direct/provider.pem`,
/// `direct/provider.key`) let a developer send the US instance signed, encrypted messages.
pub const DEMO_PROVIDER_ADDRESS: &str = "dr.demo@provider.haven.localhost";

/// The demo provider's domain, which its certificate names too.
pub const DEMO_PROVIDER_DOMAIN: &str = "provider.haven.localhost";

/// The folder of the data directory where both instances save outgoing mail as `.eml` files.
pub const MAIL_FOLDER: &str = "mail";

/// The directory of the data directory holding the Direct certificates and keys.
pub const DIRECT_DIR: &str = "direct";

/// Where the demo application sends people back to; the sample web application
/// (`examples/weight-web`) listens here.
pub const DEMO_ACTION_URL: &str = "http://127.0.0.1:8130/action";

/// The instance configuration files of a deployment directory, US first.
pub fn config_paths(data_dir: &Path) -> [PathBuf; 2] {
    [data_dir.join("us.toml"), data_dir.join("eu.toml")]
}

/// What `demo-app/app.toml` records about the demo application.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct DemoApplication {
    /// Its id.
    pub application_id: ApplicationId,
    /// Its name.
    pub name: String,
    /// SHA-1 thumbprint of its certificate.
    pub thumbprint: String,
    /// Private key file, relative to the demo-app directory.
    pub private_key: String,
    /// Certificate file (PEM), relative to the demo-app directory.
    pub certificate: String,
}

fn topology_text() -> String {
    format!(
        r#"# Haven topology of the local deployment made by `haven up`.
# Every instance loads this same file.

[[instance]]
id = "1"
name = "US"
description = "US instance (local)"
platform-url = "http://127.0.0.1:{us_platform}/"
shell-url = "http://127.0.0.1:{us_shell}/"
min-signup-age = 13

[[instance]]
id = "2"
name = "EU"
description = "EU instance (local)"
platform-url = "http://127.0.0.1:{eu_platform}/"
shell-url = "http://127.0.0.1:{eu_shell}/"
min-signup-age = 16

[countries]
# No instance accepts accounts from these countries.
unsupported = ["CA", "FR", "CU", "IR", "KP", "SD", "SY"]
# Every supported country not assigned below.
default-instance = "2"

[[countries.assign]]
instance = "1"
countries = ["US", "PR", "GU", "VI", "AS", "MP", "UM"]
"#,
        us_platform = ports::US_PLATFORM,
        us_shell = ports::US_SHELL,
        eu_platform = ports::EU_PLATFORM,
        eu_shell = ports::EU_SHELL,
    )
}

/// Writes a new random federation key, readable only by its owner.
fn write_federation_key(path: &Path) -> anyhow::Result<()> {
    let mut bytes = [0u8; haven_domain::federation::MIN_FEDERATION_KEY_BYTES];
    getrandom::fill(&mut bytes)
        .map_err(|error| anyhow::anyhow!("the operating system's random source failed: {error}"))?;
    let key = haven_domain::federation::FederationKey::from_random(bytes);
    write_private_file(path, format!("{}\n", key.to_hex()).as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

/// Creates `path` with mode 0600 and writes `content`.
fn write_private_file(path: &Path, content: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(content)?;
    file.sync_all()
}

/// An instance of the local deployment, as its configuration file describes it.
struct LocalInstance {
    id: &'static str,
    shell_port: u16,
    platform_port: u16,
    database: &'static str,
    /// The address its mail comes from.
    mail_from: &'static str,
    /// Whether it has Direct messaging (with the files of [`write_direct_files`]).
    direct: bool,
}

const US: LocalInstance = LocalInstance {
    id: "1",
    shell_port: ports::US_SHELL,
    platform_port: ports::US_PLATFORM,
    database: "us.db",
    mail_from: "no-reply@us.haven.localhost",
    direct: true,
};

// HealthVault's Direct messaging was US-only; the EU instance sends mail but has no Direct domain.
const EU: LocalInstance = LocalInstance {
    id: "2",
    shell_port: ports::EU_SHELL,
    platform_port: ports::EU_PLATFORM,
    database: "eu.db",
    mail_from: "no-reply@eu.haven.localhost",
    direct: false,
};

fn instance_config_text(instance: &LocalInstance) -> String {
    let LocalInstance { id: instance_id, shell_port, platform_port, database, mail_from, direct } = instance;
    let mut text = format!(
        r#"# Configuration of instance {instance_id} of the local deployment (see README, "Configuration").
instance-id = "{instance_id}"
topology = "topology.toml"

[platform]
listen = "127.0.0.1:{platform_port}"

[shell]
listen = "127.0.0.1:{shell_port}"

[database]
sqlite = "{database}"

[federation]
key-file = "federation.key"

# Outgoing mail (invitations, new-message notifications, Direct replies) is not sent: each
# message is saved as an .eml file in this folder, which both instances share.
[mail]
from = "{mail_from}"
folder = "{MAIL_FOLDER}"
"#
    );
    if *direct {
        text.push_str(&format!(
            r#"
# Direct messaging, with the local PKI `haven up` made in {DIRECT_DIR}/: the domain's certificate
# and key, and the trust anchors (the local anchor, and the demo provider's certificate so
# that replies to it can be encrypted).
[direct]
domain = "{US_DIRECT_DOMAIN}"
certificate = "{DIRECT_DIR}/domain.pem"
private-key = "{DIRECT_DIR}/domain.key"
trust-anchors = ["{DIRECT_DIR}/anchors.pem"]
recipient-certificates = []
smtp-listen = "127.0.0.1:{smtp_port}"
"#,
            smtp_port = ports::US_DIRECT_SMTP,
        ));
    }
    text
}

/// Writes the local Direct PKI into `directory`, made afresh: the trust anchor (`anchor.pem`,
/// and `anchor.key` to issue more certificates), the US domain's certificate and key
/// (`domain.pem`, `domain.key`), the demo provider's (`provider.pem`, `provider.key`), and
/// `anchors.pem`, the US instance's trust file: the anchor, then the provider's certificate,
/// so that replies to the provider can be encrypted. Keys are PKCS #8 PEM, mode 0600.
fn write_direct_files(directory: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(directory).with_context(|| format!("creating {}", directory.display()))?;
    let anchor = certificate::generate_direct_anchor("Haven local Direct trust anchor")?;
    let domain =
        certificate::generate_direct_certificate(&anchor, US_DIRECT_DOMAIN, &[DirectName::Domain(US_DIRECT_DOMAIN)])?;
    let provider = certificate::generate_direct_certificate(
        &anchor,
        "Demo provider",
        &[DirectName::Address(DEMO_PROVIDER_ADDRESS), DirectName::Domain(DEMO_PROVIDER_DOMAIN)],
    )?;
    for (name, pair) in [("anchor", &anchor), ("domain", &domain), ("provider", &provider)] {
        certificate::write_private_key(&pair.private_key, &directory.join(format!("{name}.key")))?;
        let path = directory.join(format!("{name}.pem"));
        std::fs::write(&path, pair.certificate.to_pem()?).with_context(|| format!("writing {}", path.display()))?;
    }
    let anchors = [anchor.certificate.to_pem()?, provider.certificate.to_pem()?].concat();
    let path = directory.join("anchors.pem");
    std::fs::write(&path, anchors).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

fn demo_rules() -> (RuleSet, RuleSet) {
    let target = |types: &[haven_domain::ids::ThingTypeId]| TargetSet {
        type_ids: types.iter().copied().collect(),
        date_ranges: Vec::new(),
    };
    let rule = |name: &str, reason: &str, permissions, types: &[_], optional| AuthRule {
        name: name.to_owned(),
        reason: reason.to_owned(),
        is_optional: optional,
        is_incremental: false,
        display_flags: 0,
        permissions,
        target_sets: vec![target(types)],
        exception_sets: Vec::new(),
    };
    let measurements = [thing_type::WEIGHT, thing_type::HEIGHT, thing_type::BLOOD_PRESSURE];
    let online = RuleSet {
        rules: vec![
            rule(
                "measurements",
                "To show and record your weight, height and blood pressure.",
                Permissions::READ.union(Permissions::CREATE).union(Permissions::UPDATE),
                &measurements,
                false,
            ),
            rule("delete", "To remove measurements you entered by mistake.", Permissions::DELETE, &measurements, true),
        ],
    };
    let offline = RuleSet {
        rules: vec![rule(
            "weight",
            "To chart your weight, and add the weights you type in it, while you are away.",
            Permissions::READ.union(Permissions::CREATE),
            &[thing_type::WEIGHT],
            false,
        )],
    };
    (online, offline)
}

/// Creates the deployment if the directory has none yet. Returns whether it was created.
pub async fn ensure_deployment(data_dir: &Path) -> anyhow::Result<bool> {
    let topology_path = data_dir.join("topology.toml");
    if topology_path.exists() {
        return Ok(false);
    }
    std::fs::create_dir_all(data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
    std::fs::write(&topology_path, topology_text())?;
    write_federation_key(&data_dir.join("federation.key"))?;
    write_direct_files(&data_dir.join(DIRECT_DIR))?;
    let [us, eu] = config_paths(data_dir);
    std::fs::write(&us, instance_config_text(&US))?;
    std::fs::write(&eu, instance_config_text(&EU))?;

    let clock = SystemClock;
    let application_id = ApplicationId::from_uuid(uuid::Uuid::new_v4());
    let pair = certificate::generate(application_id)?;
    let demo_dir = data_dir.join("demo-app");
    certificate::write_files(&pair, &demo_dir)?;
    let app_certificate = certificate::app_certificate(&pair.certificate)?;
    let (online_rules, offline_rules) = demo_rules();
    let application = Application {
        id: application_id,
        name: "Haven demo application".to_owned(),
        description: "A sample web application that charts your measurements.".to_owned(),
        certificates: vec![app_certificate.clone()],
        action_url: Some(Url::parse(DEMO_ACTION_URL)?),
        online_rules,
        offline_rules,
        method_groups: MethodGroup::web_defaults(),
        supported_instances: ["1", "2"]
            .into_iter()
            .map(haven_domain::topology::InstanceId::parse)
            .collect::<Result<_, _>>()?,
        master_id: None,
        is_soda: false,
        soda_secret: None,
        created_at: clock.now(),
    };
    application.validate()?;
    for path in [&us, &eu] {
        let instance = config::load(path)?;
        let store = SqlStore::open(&instance.database).await?;
        store.put_application(&application).await?;
        store.close().await;
    }
    let demo = DemoApplication {
        application_id,
        name: application.name.clone(),
        thumbprint: app_certificate.thumbprint.to_string(),
        private_key: "private-key.pem".to_owned(),
        certificate: "certificate.pem".to_owned(),
    };
    std::fs::write(demo_dir.join("app.toml"), toml::to_string(&demo)?)?;
    Ok(true)
}

/// Reads `demo-app/app.toml`.
pub fn demo_application(data_dir: &Path) -> anyhow::Result<DemoApplication> {
    let path = data_dir.join("demo-app").join("app.toml");
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let name = path.display().to_string();
    let source = haven_domain::source::SourceText::new(&name, &text);
    Ok(source.parse()?)
}

/// What the deployment's instances do with mail and Direct messaging, for `haven up`'s
/// summary: where mail goes, the Direct domain and its SMTP address, and the demo provider's
/// files. A deployment an older `haven up` made has neither, and is left so: the summary says
/// how to get them.
pub fn messaging_summary(data_dir: &Path) -> anyhow::Result<String> {
    let mut mail_lines = String::new();
    let mut direct_lines = String::new();
    for path in config_paths(data_dir) {
        let instance_config = config::load(&path)?;
        let name = &instance_config.instance().name;
        if let Some(mail) = &instance_config.mail {
            let destination = match &mail.transport {
                MailTransport::Folder(folder) => format!("saved as .eml files in {}", folder.display()),
                MailTransport::Relay(relay) => format!("sent through the relay {}:{}", relay.host, relay.port),
            };
            mail_lines.push_str(&format!("Mail ({name}, from {}): {destination}\n", mail.from));
        }
        if let Some(direct) = &instance_config.direct {
            let smtp = match direct.smtp_listen {
                ListenAddress::Bind(address) => address.to_string(),
                ListenAddress::Inherited(index) => format!("inherited socket {index}"),
            };
            direct_lines.push_str(&format!("Direct messaging ({name}): domain {}, SMTP {smtp}\n", direct.domain));
        }
    }
    if direct_lines.is_empty() {
        direct_lines = format!(
            "No Direct messaging: this deployment was made by an older haven up; delete {} to get Direct messaging\n",
            data_dir.display()
        );
    } else {
        direct_lines.push_str(&format!(
            "  demo provider {DEMO_PROVIDER_ADDRESS}: certificate and key in {} (provider.pem, provider.key)\n",
            data_dir.join(DIRECT_DIR).display()
        ));
    }
    Ok(mail_lines + &direct_lines)
}
