//! The Shell: the web pages people use, server-rendered HTML that works without JavaScript.
//! Accounts (sign-up, sign-in with lockout, sign-out, password change) live in
//! `accounts.rs`; every page request carries a [`visit::Visit`] (the browser's session and
//! who is signed in) attached by `visit::attach`, and every form its session's CSRF token.
//! Patient Connect and DOPU pickups (`/connect`, `/pickup`) live in `connect.rs`.

mod accounts;
mod bounce;
mod connect;
mod consent;
mod direct;
mod error;
mod form;
mod password;
mod peers;
mod records;
mod redirect;
mod sharing;
mod tokens;
mod visit;

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router, middleware};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use haven_domain::clock::Clock;
use haven_domain::topology::{Instance, InstanceId, Topology};
use haven_store::{AccessLogWriter, Store};

use crate::error::{ShellError, render};
use crate::visit::Visit;

pub use connect::{ANSWERED_STEP_LIFETIME, CODE_FAILURE_WINDOW, MAX_CODE_FAILURES};
pub use direct::{DirectSettings, MailSettings, MessageCenter};
pub use peers::{PEER_LOOKUP_TIMEOUT, PeerClientError, Peers};

/// Sign-in attempts allowed per minute from one network address, before the per-account
/// lockout ([`haven_domain::credential::MAX_FAILED_SIGN_INS`]) even comes into play.
pub const DEFAULT_SIGN_INS_PER_MINUTE_PER_ADDRESS: u32 = 30;

/// How the Shell behaves, from the instance's configuration.
#[derive(Debug, Clone)]
pub struct ShellSettings {
    /// Whether cookies are `Secure` (and the session cookie `__Host-` prefixed). True unless
    /// the Shell is served over plain HTTP, which only loopback development does.
    pub secure_cookies: bool,
    /// See [`DEFAULT_SIGN_INS_PER_MINUTE_PER_ADDRESS`].
    pub sign_ins_per_minute_per_address: NonZeroU32,
}

impl ShellSettings {
    /// Settings for a Shell served at `shell_url`: secure cookies unless it is plain HTTP.
    pub fn for_shell_url(shell_url: &url::Url) -> Self {
        Self {
            secure_cookies: shell_url.scheme() != "http",
            sign_ins_per_minute_per_address: NonZeroU32::new(DEFAULT_SIGN_INS_PER_MINUTE_PER_ADDRESS)
                .unwrap_or(NonZeroU32::MIN),
        }
    }
}

/// What the Shell needs to answer requests. Nothing is global: two instances' Shells can
/// run side by side in one test.
#[derive(Debug, Clone)]
pub struct ShellState {
    /// The instance this Shell belongs to.
    pub instance_id: InstanceId,
    /// The whole topology.
    pub topology: Arc<Topology>,
    /// The instance's store.
    pub store: Arc<dyn Store>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// Behaviour from the configuration.
    pub settings: ShellSettings,
    /// Rate limiters, made by [`router`].
    limits: Arc<Limits>,
    /// Patient Connect and DOPU attempts and answered codes (this process's memory).
    connect: Arc<connect::ConnectMemory>,
    /// How to ask the other instances where an account lives; `None` when the deployment
    /// has no federation key (a single instance), so there is no one to ask.
    peers: Option<Peers>,
    /// How the instance sends e-mail; `None` when it sends none.
    mail: Option<MailSettings>,
    /// The instance's Direct domain; `None` when Direct messaging is not enabled here.
    direct: Option<Arc<DirectSettings>>,
    /// Where the records' access history goes, off the request path.
    access_log: AccessLogWriter,
}

impl ShellState {
    /// The state for a Shell of `instance_id`.
    pub fn new(
        instance_id: InstanceId,
        topology: Arc<Topology>,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        settings: ShellSettings,
    ) -> Self {
        let limits = Arc::new(Limits {
            sign_in: RateLimiter::keyed(Quota::per_minute(settings.sign_ins_per_minute_per_address)),
        });
        let connect = Arc::new(connect::ConnectMemory::default());
        let access_log = AccessLogWriter::new(store.clone());
        Self {
            instance_id,
            topology,
            store,
            clock,
            settings,
            limits,
            connect,
            peers: None,
            mail: None,
            direct: None,
            access_log,
        }
    }

    /// The same state, asking the topology's other instances through `peers` where accounts
    /// live (sign-in and sign-up bounce, one address per deployment).
    #[must_use]
    pub fn with_peers(mut self, peers: Peers) -> Self {
        self.peers = Some(peers);
        self
    }

    /// The same state, writing the access history through `access_log` (to share one writer
    /// with the instance's Platform, so that one flush at shutdown covers both).
    #[must_use]
    pub fn with_access_log(mut self, access_log: AccessLogWriter) -> Self {
        self.access_log = access_log;
        self
    }

    /// Returns once every access-history entry logged so far is written.
    pub async fn flush_access_log(&self) {
        self.access_log.flush().await;
    }

    /// The same state, sending e-mail (invitations, notifications) with `mail`.
    #[must_use]
    pub fn with_mail(mut self, mail: MailSettings) -> Self {
        self.mail = Some(mail);
        self
    }

    /// The same state, with Direct messaging for `direct`'s domain: the message center's pages,
    /// and replies sent with the mail settings.
    #[must_use]
    pub fn with_direct(mut self, direct: DirectSettings) -> Self {
        self.direct = Some(Arc::new(direct));
        self
    }

    /// The message center that the SMTP listener delivers into, when Direct messaging and mail
    /// are both set up.
    pub fn message_center(&self) -> Option<MessageCenter> {
        match (&self.direct, &self.mail) {
            (Some(_), Some(mail)) => Some(MessageCenter::new(self.clone(), mail.clone())),
            _ => None,
        }
    }

    fn instance(&self) -> Option<&Instance> {
        self.topology.instance(&self.instance_id)
    }

    /// This instance's name for people ("US"), or its id if the topology lacks it.
    pub(crate) fn instance_name(&self) -> String {
        self.instance().map_or_else(|| self.instance_id.to_string(), |instance| instance.name.clone())
    }

    /// The full address of `path` (relative, such as `messages/<id>`) on this Shell, for links in
    /// e-mail; the path alone if the topology lacks this instance.
    pub(crate) fn shell_link(&self, path: &str) -> String {
        match self.instance() {
            Some(instance) => instance.shell_url.join(path).map_or_else(|_| path.to_owned(), |url| url.to_string()),
            None => path.to_owned(),
        }
    }
}

/// Per-address rate limiters (in memory: each process limits what it sees).
struct Limits {
    sign_in: DefaultKeyedRateLimiter<IpAddr>,
}

impl std::fmt::Debug for Limits {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Limits").finish_non_exhaustive()
    }
}

/// The frame every page shares: the instance's name, who is signed in, and the CSRF token
/// for the sign-out button.
#[derive(Debug, Clone)]
pub(crate) struct Chrome {
    /// The instance's name.
    pub(crate) instance_name: String,
    /// The signed-in person's name.
    pub(crate) person_name: Option<String>,
    /// The session's CSRF token.
    pub(crate) csrf: String,
    /// Whether the instance has a message center (Direct messaging) to link to.
    pub(crate) messages: bool,
}

/// The Shell's routes. Serve them with `into_make_service_with_connect_info::<SocketAddr>()`
/// so sign-in and identity-code attempts can be rate-limited per address.
pub fn router(state: ShellState) -> Router {
    let pages = Router::new()
        .route("/", get(home))
        .route("/signup", get(accounts::sign_up_form).post(accounts::sign_up))
        .route("/signin", get(accounts::sign_in_form).post(accounts::sign_in))
        .route("/signout", axum::routing::post(accounts::sign_out))
        .route("/account", get(accounts::account))
        .route("/account/password", get(accounts::password_form).post(accounts::change_password))
        .merge(records::routes())
        .merge(redirect::routes())
        .merge(connect::routes())
        .merge(direct::routes())
        .merge(sharing::routes())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), visit::attach));
    Router::new()
        .merge(pages)
        .route("/healthz", get(health))
        .route("/static/haven.css", get(stylesheet))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Headers on every Shell response: no framing (clickjacking), no sniffing, no referrer
/// beyond the origin, and a content policy that allows only this origin's styles and no
/// scripts at all.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::X_FRAME_OPTIONS, header::HeaderValue::from_static("DENY"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, header::HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, header::HeaderValue::from_static("strict-origin-when-cross-origin"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    }
    response
}

async fn health() -> &'static str {
    "ok"
}

async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/haven.css"),
    )
        .into_response()
}

async fn not_found() -> ShellError {
    ShellError::NotFound
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    chrome: Chrome,
    instance: &'a Instance,
    others: Vec<&'a Instance>,
}

async fn home(State(state): State<ShellState>, Extension(visit): Extension<Visit>) -> Result<Response, ShellError> {
    let instance = state
        .instance()
        .ok_or_else(|| ShellError::Internal("this instance is missing from the topology".to_owned()))?;
    let others = state.topology.instances().iter().filter(|other| other.id != instance.id).collect();
    Ok(render(&HomePage { chrome: visit.chrome(&state), instance, others })?.into_response())
}
