//! Test harness: starts real `haven serve` processes, each with its own directory,
//! configuration and database, as a deployment of several instances.
//!
//! The harness binds every listening socket itself (on 127.0.0.1, port 0) before any
//! process starts, writes the topology with those real addresses, and hands each process
//! its two sockets the way a service manager does (`LISTEN_FDS`), so there is no window in
//! which a port could be taken and no port numbers are guessed. It then waits for each
//! instance's `/healthz`, with a deadline.
#![allow(clippy::print_stderr)]

pub mod fixtures;
pub mod pki;
mod relay;
pub use relay::{FakeRelay, RelayedMail};

use std::ffi::OsStr;
use std::net::{SocketAddr, TcpListener};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use command_fds::{CommandFdExt, FdMapping};

/// How long an instance may take to answer its health check after starting.
pub const STARTUP_DEADLINE: Duration = Duration::from_secs(60);

/// Which database an instance uses.
#[derive(Debug, Clone)]
pub enum Database {
    /// A SQLite file in the instance's directory.
    Sqlite,
    /// A PostgreSQL schema (made fresh by the caller).
    Postgres {
        /// Server URL.
        url: String,
        /// Schema name.
        schema: String,
    },
}

/// One instance to start.
#[derive(Debug, Clone)]
pub struct InstanceSpec {
    /// Instance id, e.g. "1".
    pub id: String,
    /// Instance name, e.g. "US".
    pub name: String,
    /// Countries assigned to it explicitly.
    pub countries: Vec<String>,
    /// Its database.
    pub database: Database,
    /// Whether its configuration allows `haven dev grant` (`[development] test-grants`).
    pub test_grants: bool,
    /// Whether event subscriptions may name plain-HTTP loopback receivers (`[development]
    /// eventing-loopback-http`).
    pub eventing_loopback_http: bool,
    /// Where the instance's mail goes (`[mail]`), if anywhere.
    pub mail: Option<MailSpec>,
    /// Its Direct messaging domain (`[direct]`), if any; the harness hands it an SMTP socket.
    pub direct: Option<DirectSpec>,
}

/// Where an instance's mail goes.
#[derive(Debug, Clone)]
pub enum MailSpec {
    /// A development mail folder (absolute path).
    Folder(PathBuf),
    /// A plain-SMTP relay on loopback, such as a [`FakeRelay`].
    Relay(SocketAddr),
}

/// An instance's Direct domain: its certificate files and its senders' anchors (absolute
/// paths, such as a [`pki::Pki`]'s).
#[derive(Debug, Clone)]
pub struct DirectSpec {
    /// The Direct domain.
    pub domain: String,
    /// The domain certificate (PEM).
    pub certificate: PathBuf,
    /// Its private key (PEM).
    pub private_key: PathBuf,
    /// The trust anchor files.
    pub trust_anchors: Vec<PathBuf>,
    /// Providers' certificates replies may be encrypted to.
    pub recipient_certificates: Vec<PathBuf>,
}

impl InstanceSpec {
    /// The US instance (id 1) of HealthVault's topology, on SQLite.
    pub fn us() -> Self {
        Self {
            id: "1".to_owned(),
            name: "US".to_owned(),
            countries: ["US", "PR", "GU", "VI", "AS", "MP", "UM"].map(str::to_owned).to_vec(),
            database: Database::Sqlite,
            test_grants: false,
            eventing_loopback_http: false,
            mail: None,
            direct: None,
        }
    }

    /// The EU instance (id 2), on SQLite; every country not assigned elsewhere goes here.
    pub fn eu() -> Self {
        Self {
            id: "2".to_owned(),
            name: "EU".to_owned(),
            countries: Vec::new(),
            database: Database::Sqlite,
            test_grants: false,
            eventing_loopback_http: false,
            mail: None,
            direct: None,
        }
    }
}

/// A `haven` process started by the harness; killed when dropped.
#[derive(Debug)]
pub struct HavenProcess {
    child: Child,
    log_path: PathBuf,
}

impl HavenProcess {
    /// Starts `haven` with `arguments`, handing it `sockets` as inherited sockets 0, 1, ...
    /// (file descriptors 3, 4, ... with `LISTEN_FDS`), its output going to `log_path`.
    pub fn spawn(
        haven: &Path,
        arguments: &[&OsStr],
        sockets: Vec<TcpListener>,
        log_path: &Path,
    ) -> anyhow::Result<Self> {
        let log = std::fs::File::create(log_path)?;
        let mappings = sockets
            .into_iter()
            .enumerate()
            .map(|(index, socket)| FdMapping { parent_fd: OwnedFd::from(socket), child_fd: 3 + index as i32 })
            .collect::<Vec<_>>();
        let socket_count = mappings.len().to_string();
        let mut command = Command::new(haven);
        command
            .args(arguments)
            .env_remove("LISTEN_PID")
            .env("HAVEN_LOG", "info")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        if mappings.is_empty() {
            command.env_remove("LISTEN_FDS");
        } else {
            command.env("LISTEN_FDS", socket_count).fd_mappings(mappings)?;
        }
        let child = command.spawn().with_context(|| format!("starting {}", haven.display()))?;
        Ok(Self { child, log_path: log_path.to_path_buf() })
    }

    /// What the process has written so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Waits until every URL's `/healthz` answers 200, failing if the process exits first
    /// or the deadline passes.
    pub async fn wait_until_healthy(&mut self, root_urls: &[String]) -> anyhow::Result<()> {
        let client = http_client()?;
        let deadline = Instant::now() + STARTUP_DEADLINE;
        for url in root_urls {
            let health = format!("{url}healthz");
            loop {
                if let Some(status) = self.child.try_wait()? {
                    bail!("haven exited with {status} before {health} answered:\n{}", self.log());
                }
                match client.get(&health).send().await {
                    Ok(response) if response.status().is_success() => break,
                    _ if Instant::now() > deadline => {
                        bail!("{health} did not answer within {STARTUP_DEADLINE:?}:\n{}", self.log())
                    }
                    // Polling the health endpoint is how readiness is observed; the pause
                    // only spaces the attempts.
                    _ => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            }
        }
        Ok(())
    }
}

impl Drop for HavenProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A running `haven serve` process of a [`Deployment`].
#[derive(Debug)]
pub struct RunningInstance {
    /// Instance id.
    pub id: String,
    /// Its configuration file.
    pub config_path: PathBuf,
    /// Root URL of its Platform, e.g. `http://127.0.0.1:40123/`.
    pub platform_url: String,
    /// Root URL of its Shell.
    pub shell_url: String,
    /// Its Direct SMTP listener, when the spec has a Direct domain.
    pub smtp_address: Option<SocketAddr>,
    /// The process.
    pub process: HavenProcess,
}

impl RunningInstance {
    /// The XML method endpoint.
    pub fn wildcat_url(&self) -> String {
        format!("{}platform/wildcat.ashx", self.platform_url)
    }
}

/// Binds a listening socket on a free loopback port, for handing to a `haven` process.
pub fn loopback_socket() -> anyhow::Result<(TcpListener, SocketAddr)> {
    let socket = TcpListener::bind("127.0.0.1:0")?;
    let address = socket.local_addr()?;
    Ok((socket, address))
}

/// Several instances sharing one topology, each a separate process.
#[derive(Debug)]
pub struct Deployment {
    /// The instances, in the order given.
    pub instances: Vec<RunningInstance>,
    /// The topology file they share.
    pub topology_path: PathBuf,
    directory: tempfile::TempDir,
}

impl Deployment {
    /// The deployment's working directory (configs, databases, logs).
    pub fn directory(&self) -> &Path {
        self.directory.path()
    }

    /// The instance with this id.
    pub fn instance(&self, id: &str) -> &RunningInstance {
        match self.instances.iter().find(|instance| instance.id == id) {
            Some(instance) => instance,
            None => panic!("the deployment has no instance {id}"),
        }
    }

    /// Starts `haven serve` (the binary at `haven`) once per spec and waits until all
    /// answer their health checks.
    pub async fn start(haven: &Path, specs: &[InstanceSpec]) -> anyhow::Result<Self> {
        let directory = tempfile::Builder::new().prefix("haven-test-").tempdir()?;
        let mut sockets = Vec::new();
        let mut addresses = Vec::new();
        for _ in specs {
            let (platform, platform_address) = loopback_socket()?;
            let (shell, shell_address) = loopback_socket()?;
            sockets.push((platform, shell));
            addresses.push((platform_address, shell_address));
        }
        let topology_path = directory.path().join("topology.toml");
        std::fs::write(&topology_path, topology(specs, &addresses))?;
        // Every instance of a deployment shares one federation key; a fixed one is fine for
        // tests (`FEDERATION_KEY_HEX`), which sign peer requests with it.
        std::fs::write(directory.path().join("federation.key"), FEDERATION_KEY_HEX)?;

        let mut instances = Vec::new();
        for ((spec, (platform, shell)), (platform_address, shell_address)) in
            specs.iter().zip(sockets).zip(addresses.iter().copied())
        {
            let instance_dir = directory.path().join(format!("instance-{}", spec.id));
            std::fs::create_dir_all(&instance_dir)?;
            let config_path = instance_dir.join("haven.toml");
            std::fs::write(&config_path, instance_config(spec))?;
            let arguments = [OsStr::new("serve"), OsStr::new("--config"), config_path.as_os_str()];
            let mut handed = vec![platform, shell];
            let mut smtp_address = None;
            if spec.direct.is_some() {
                let (smtp, address) = loopback_socket()?;
                handed.push(smtp);
                smtp_address = Some(address);
            }
            let process = HavenProcess::spawn(haven, &arguments, handed, &instance_dir.join("haven.log"))?;
            instances.push(RunningInstance {
                id: spec.id.clone(),
                config_path,
                platform_url: format!("http://{platform_address}/"),
                shell_url: format!("http://{shell_address}/"),
                smtp_address,
                process,
            });
        }
        for instance in &mut instances {
            let urls = [instance.platform_url.clone(), instance.shell_url.clone()];
            instance.process.wait_until_healthy(&urls).await?;
        }
        Ok(Self { instances, topology_path, directory })
    }
}
/// The federation key of every test deployment (hex), so tests can sign peer requests.
pub const FEDERATION_KEY_HEX: &str = "7e57000000000000000000000000000000000000000000000000000000007e57";

/// An HTTP client for talking to instances (loopback only, no redirects followed).
pub fn http_client() -> anyhow::Result<reqwest::Client> {
    // reqwest is built without a default TLS provider; install ring once per process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()?)
}

fn topology(specs: &[InstanceSpec], addresses: &[(SocketAddr, SocketAddr)]) -> String {
    let mut text = String::new();
    for (spec, (platform, shell)) in specs.iter().zip(addresses) {
        text.push_str(&format!(
            "[[instance]]\nid = \"{id}\"\nname = \"{name}\"\ndescription = \"{name} instance (test)\"\nplatform-url = \"http://{platform}/\"\nshell-url = \"http://{shell}/\"\nmin-signup-age = 13\n\n",
            id = spec.id,
            name = spec.name,
        ));
    }
    let default =
        specs.iter().find(|spec| spec.countries.is_empty()).or(specs.first()).map_or("1", |spec| spec.id.as_str());
    text.push_str(&format!(
        "[countries]\nunsupported = [\"CA\", \"FR\", \"CU\", \"IR\", \"KP\", \"SD\", \"SY\"]\ndefault-instance = \"{default}\"\n\n"
    ));
    for spec in specs.iter().filter(|spec| !spec.countries.is_empty()) {
        let countries: Vec<String> = spec.countries.iter().map(|country| format!("\"{country}\"")).collect();
        text.push_str(&format!(
            "[[countries.assign]]\ninstance = \"{}\"\ncountries = [{}]\n\n",
            spec.id,
            countries.join(", ")
        ));
    }
    text
}

fn instance_config(spec: &InstanceSpec) -> String {
    let database = match &spec.database {
        Database::Sqlite => "sqlite = \"haven.db\"".to_owned(),
        Database::Postgres { url, schema } => format!("postgres-url = \"{url}\"\npostgres-schema = \"{schema}\""),
    };
    let mut development = String::new();
    if spec.test_grants || spec.eventing_loopback_http {
        development.push_str("\n[development]\n");
    }
    if spec.test_grants {
        development.push_str("test-grants = true\n");
    }
    if spec.eventing_loopback_http {
        development.push_str("eventing-loopback-http = true\n");
    }
    let mail = match &spec.mail {
        None => String::new(),
        Some(MailSpec::Folder(folder)) => {
            format!("\n[mail]\nfrom = \"no-reply@haven.test\"\nfolder = {}\n", toml_string(folder))
        }
        Some(MailSpec::Relay(address)) => {
            format!("\n[mail]\nfrom = \"no-reply@haven.test\"\nrelay = \"{address}\"\nrelay-security = \"none\"\n")
        }
    };
    let direct = match &spec.direct {
        None => String::new(),
        Some(direct) => {
            let list = |paths: &[PathBuf]| paths.iter().map(|path| toml_string(path)).collect::<Vec<_>>().join(", ");
            format!(
                "\n[direct]\ndomain = \"{}\"\ncertificate = {}\nprivate-key = {}\ntrust-anchors = [{}]\n\
                 recipient-certificates = [{}]\nsmtp-listen = \"systemd:2\"\n",
                direct.domain,
                toml_string(&direct.certificate),
                toml_string(&direct.private_key),
                list(&direct.trust_anchors),
                list(&direct.recipient_certificates),
            )
        }
    };
    format!(
        "instance-id = \"{}\"\ntopology = \"../topology.toml\"\n\n[platform]\nlisten = \"systemd:0\"\n\n[shell]\nlisten = \"systemd:1\"\n\n[database]\n{database}\n\n[federation]\nkey-file = \"../federation.key\"\n{mail}{direct}{development}",
        spec.id
    )
}

/// A path as a TOML basic string.
fn toml_string(path: &Path) -> String {
    let text = path.display().to_string();
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}
