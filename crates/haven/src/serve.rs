//! Running instances: open the store, bind (or inherit) the two listeners, serve the
//! Platform and the Shell until a shutdown signal, then finish in-flight requests.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, bail};
use haven_domain::clock::{Clock, SystemClock};
use haven_domain::eventing::UrlPolicy;
use haven_eventing::DeliverySettings;
use haven_platform::PlatformState;
use haven_shell::{PEER_LOOKUP_TIMEOUT, Peers, ShellSettings, ShellState};
use haven_store::{SqlStore, Store};
use listenfd::ListenFd;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use crate::config::{InstanceConfig, ListenAddress};

/// An instance whose listeners are bound and whose store is open, ready to serve.
pub struct PreparedInstance {
    config: InstanceConfig,
    store: SqlStore,
    platform: TcpListener,
    shell: TcpListener,
    /// The Direct SMTP listener, when `[direct]` is configured.
    smtp: Option<TcpListener>,
}

impl std::fmt::Debug for PreparedInstance {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("PreparedInstance").field("instance", &self.config.instance_id).finish_non_exhaustive()
    }
}

impl PreparedInstance {
    /// The Platform's bound address.
    pub fn platform_address(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.platform.local_addr()?)
    }

    /// The Shell's bound address.
    pub fn shell_address(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.shell.local_addr()?)
    }

    /// The Direct SMTP listener's bound address, when Direct messaging is enabled.
    pub fn smtp_address(&self) -> anyhow::Result<Option<SocketAddr>> {
        Ok(self.smtp.as_ref().map(TcpListener::local_addr).transpose()?)
    }

    /// The configuration.
    pub fn config(&self) -> &InstanceConfig {
        &self.config
    }
}

async fn listener(address: ListenAddress, sockets: &mut ListenFd, what: &str) -> anyhow::Result<TcpListener> {
    match address {
        ListenAddress::Bind(address) => {
            TcpListener::bind(address).await.with_context(|| format!("cannot listen on {address} for the {what}"))
        }
        ListenAddress::Inherited(index) => {
            let Some(listener) = sockets
                .take_tcp_listener(index)
                .with_context(|| format!("inherited socket {index} for the {what} is not a TCP listener"))?
            else {
                bail!(
                    "the {what} is configured to use inherited socket {index}, but no such socket was passed (LISTEN_FDS)"
                );
            };
            listener.set_nonblocking(true)?;
            Ok(TcpListener::from_std(listener)?)
        }
    }
}

/// Opens the store and binds both listeners; fails before serving anything if either
/// cannot be done, so a half-configured instance never runs.
/// The listeners come first: a refused start leaves no database file behind.
pub async fn prepare(config: InstanceConfig, sockets: &mut ListenFd) -> anyhow::Result<PreparedInstance> {
    if config.development.test_grants {
        tracing::warn!(
            config = %config.path.display(),
            "[development] test-grants is on: `haven dev grant` can issue user tokens without consent; never use this in production"
        );
    }
    let platform = listener(config.platform_listen, sockets, "Platform").await?;
    let shell = listener(config.shell_listen, sockets, "Shell").await?;
    let smtp = match &config.direct {
        Some(direct) => Some(listener(direct.smtp_listen, sockets, "Direct SMTP listener").await?),
        None => None,
    };
    let store = SqlStore::open(&config.database)
        .await
        .with_context(|| format!("{}: cannot open the database", config.path.display()))?;
    Ok(PreparedInstance { config, store, platform, shell, smtp })
}

/// Serves prepared instances until Ctrl-C or SIGTERM, then lets in-flight requests finish.
pub async fn run(instances: Vec<PreparedInstance>) -> anyhow::Result<()> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let (shutdown_sender, shutdown) = tokio::sync::watch::channel(false);
    let mut servers = JoinSet::new();
    let mut access_logs = Vec::new();
    for instance in instances {
        let instance_id = instance.config.instance_id.clone();
        let topology = Arc::new(instance.config.topology.clone());
        let store: Arc<dyn Store> = Arc::new(instance.store);
        let eventing_urls = UrlPolicy { allow_loopback_http: instance.config.development.eventing_loopback_http };
        let platform_state = PlatformState {
            eventing_urls,
            ..PlatformState::new(instance_id.clone(), topology.clone(), store.clone(), clock.clone())
        };
        // The Platform and the Shell share one access-history writer, flushed at shutdown.
        let access_log = platform_state.access_log.clone();
        access_logs.push(access_log.clone());
        let mut platform = haven_platform::router(platform_state);
        if let Some(key) = &instance.config.federation_key {
            platform = platform.merge(haven_platform::peer_routes(haven_platform::PeerState {
                instance_id: instance_id.clone(),
                topology: topology.clone(),
                store: store.clone(),
                clock: clock.clone(),
                key: key.clone(),
            }));
        }
        let settings = shell_settings(&instance.config)?;
        let mut shell_state = ShellState::new(instance_id.clone(), topology, store.clone(), clock.clone(), settings)
            .with_access_log(access_log);
        if let Some(key) = &instance.config.federation_key {
            shell_state = shell_state.with_peers(Peers::new(key.clone(), PEER_LOOKUP_TIMEOUT)?);
        }
        if let Some(mail) = &instance.config.mail {
            shell_state = shell_state.with_mail(mail.settings().context("setting up outgoing mail")?);
        }
        if let Some(direct) = &instance.config.direct {
            shell_state = shell_state.with_direct(direct.shell_settings());
        }
        if let (Some(direct), Some(smtp)) = (&instance.config.direct, instance.smtp) {
            let message_center =
                shell_state.message_center().context("Direct messaging needs [mail] to tell people of new messages")?;
            let mut stop = shutdown.clone();
            tracing::info!(instance = %instance_id, address = ?smtp.local_addr().ok(), domain = %direct.domain, "Direct SMTP listener ready");
            let listening = haven_direct::smtp::serve(
                smtp,
                direct.smtp.clone(),
                direct.identity.clone(),
                direct.anchors.clone(),
                Arc::new(message_center),
                async move {
                    // A closed channel also means shut down.
                    let _ = stop.wait_for(|stopping| *stopping).await;
                },
            );
            servers.spawn(async move {
                listening.await;
                Ok(())
            });
        }
        let shell = haven_shell::router(shell_state);
        // Each process delivers event notifications; over one PostgreSQL, processes share
        // the work without sending one twice (see haven_eventing).
        let worker = haven_eventing::DeliveryWorker::new(store.clone(), clock.clone(), DeliverySettings::default())
            .context("starting the event notification worker")?;
        let stop_worker = shutdown.clone();
        servers.spawn(async move {
            worker.run(stop_worker).await;
            Ok(())
        });
        let sweeper = sweep_expired_sessions(instance_id.clone(), store, clock.clone(), shutdown.clone());
        servers.spawn(async move {
            sweeper.await;
            Ok(())
        });
        for (listener, router, what) in [(instance.platform, platform, "Platform"), (instance.shell, shell, "Shell")] {
            let mut stop = shutdown.clone();
            let name = format!("instance {instance_id} {what}");
            servers.spawn(async move {
                // The peer's address lets the Shell rate-limit sign-in per address.
                axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
                    .with_graceful_shutdown(async move {
                        // A closed channel also means shut down.
                        let _ = stop.wait_for(|stopping| *stopping).await;
                    })
                    .await
                    .with_context(|| format!("{name} failed"))
            });
        }
    }
    let mut result = Ok(());
    tokio::select! {
        () = shutdown_signal() => tracing::info!("shutting down"),
        Some(finished) = servers.join_next() => {
            result = finished.context("a server task panicked").and_then(|served| served);
            if result.is_ok() {
                result = Err(anyhow::anyhow!("a server stopped unexpectedly"));
            }
        }
    }
    let _ = shutdown_sender.send(true);
    while let Some(finished) = servers.join_next().await {
        if let Err(error) = finished.context("a server task panicked").and_then(|served| served) {
            tracing::error!(%error, "server stopped with an error");
        }
    }
    // The access history still queued is written before the process ends.
    for access_log in &access_logs {
        access_log.flush().await;
    }
    result
}

/// How often an instance deletes ended application sessions and browser sessions (visitors'
/// sessions last two hours, so a bot's visits do not pile up), expired connect requests
/// and packages (Patient Connect and DOPU), and Direct messages held past their 30 days.
pub const SESSION_SWEEP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Deletes ended sessions, and connect requests and packages whose time is over, every
/// [`SESSION_SWEEP_INTERVAL`] until shutdown. Several processes over one database may sweep
/// at once; the deletes are idempotent.
async fn sweep_expired_sessions(
    instance_id: haven_domain::topology::InstanceId,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut ticks = tokio::time::interval(SESSION_SWEEP_INTERVAL);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stop.wait_for(|stopping| *stopping) => return,
        }
        let now = clock.now();
        match (store.delete_expired_app_sessions(now).await, store.delete_expired_web_sessions(now).await) {
            (Ok(application_sessions), Ok(browser_sessions)) => {
                tracing::debug!(instance = %instance_id, application_sessions, browser_sessions, "ended sessions deleted");
            }
            (Err(error), _) | (_, Err(error)) => {
                tracing::warn!(instance = %instance_id, %error, "deleting ended sessions failed; trying again later");
            }
        }
        match store.delete_expired_held_direct_messages(now).await {
            Ok(held_messages) => {
                tracing::debug!(instance = %instance_id, held_messages, "expired held Direct messages deleted");
            }
            Err(error) => {
                tracing::warn!(instance = %instance_id, %error, "deleting expired held Direct messages failed; trying again later");
            }
        }
        match store.delete_expired_connect_items(now).await {
            Ok(connect_items) => {
                tracing::debug!(instance = %instance_id, connect_items, "expired connect requests and packages deleted");
            }
            Err(error) => {
                tracing::warn!(instance = %instance_id, %error, "deleting expired connect requests and packages failed; trying again later");
            }
        }
    }
}

/// The Shell's settings for an instance: secure cookies unless its Shell URL is plain HTTP.
fn shell_settings(config: &InstanceConfig) -> anyhow::Result<ShellSettings> {
    let instance = config
        .topology
        .instance(&config.instance_id)
        .with_context(|| format!("instance {} is missing from the topology", config.instance_id))?;
    Ok(ShellSettings::for_shell_url(&instance.shell_url))
}

async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
