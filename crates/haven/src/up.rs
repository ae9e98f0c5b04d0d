//! `haven up`: a complete local deployment for a first look. On first run it creates, in
//! the data directory (default `./haven-data`), a topology with a US and an EU instance,
//! one configuration file and one SQLite database per instance, and a demo application
//! registered in both with a freshly generated key pair. Every later run reuses them.

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

use crate::certificate;
use crate::config;

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
}

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

fn instance_config_text(instance_id: &str, shell_port: u16, platform_port: u16, database: &str) -> String {
    format!(
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
"#
    )
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
    let [us, eu] = config_paths(data_dir);
    std::fs::write(&us, instance_config_text("1", ports::US_SHELL, ports::US_PLATFORM, "us.db"))?;
    std::fs::write(&eu, instance_config_text("2", ports::EU_SHELL, ports::EU_PLATFORM, "eu.db"))?;

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
