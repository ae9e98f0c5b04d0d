//! The Platform: the HealthVault XML method API at `/platform/wildcat.ashx`, which
//! applications call. It parses the envelope (haven-wire), dispatches on the method name
//! and version, asks the domain and the store, and always answers HTTP 200 with the
//! HealthVault status code in the body, as every HealthVault client expects.

mod auth;
mod blobs;
mod crypto;
mod dispatch;
mod error;
mod limits;
mod methods;
mod peer;
mod people;
mod record_access;
mod service_definition;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use haven_domain::clock::Clock;
use haven_domain::topology::{InstanceId, Topology};
use haven_store::Store;
use time::OffsetDateTime;
use tower_http::decompression::RequestDecompressionLayer;

pub use auth::DEFAULT_MSG_TIME_WINDOW;
pub use peer::{PeerState, peer_routes};
pub use service_definition::{MAX_REQUEST_BYTES, PLATFORM_VERSION};

/// What the Platform needs to answer requests. One test may build two of these to run two
/// instances side by side; nothing is global.
#[derive(Debug, Clone)]
pub struct PlatformState {
    /// The instance this Platform belongs to.
    pub instance_id: InstanceId,
    /// The whole topology.
    pub topology: Arc<Topology>,
    /// The instance's store.
    pub store: Arc<dyn Store>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// How far a session call's `msg-time` may lie from the clock (see
    /// [`DEFAULT_MSG_TIME_WINDOW`]); unparseable times are accepted.
    pub msg_time_window: time::Duration,
    /// Which event notification URLs subscriptions may name: HTTPS under the application's
    /// action URL, or (development only) plain HTTP on loopback.
    pub eventing_urls: haven_domain::eventing::UrlPolicy,
    /// Where the records' access history goes (off the request path); `haven serve` shares one
    /// with the instance's Shell and flushes it at shutdown.
    pub access_log: haven_store::AccessLogWriter,
}

impl PlatformState {
    /// The state for the Platform of `instance_id`, with the default `msg-time` window and
    /// the strict rule for notification URLs (no loopback http).
    pub fn new(instance_id: InstanceId, topology: Arc<Topology>, store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self {
            instance_id,
            topology,
            clock,
            msg_time_window: DEFAULT_MSG_TIME_WINDOW,
            eventing_urls: haven_domain::eventing::UrlPolicy::default(),
            access_log: haven_store::AccessLogWriter::new(store.clone()),
            store,
        }
    }
}

/// State shared by the handlers.
#[derive(Debug, Clone)]
pub(crate) struct AppState {
    pub(crate) platform: PlatformState,
    /// When this process's service definition took effect (its `updated-date`): the
    /// topology and method list only change when the process restarts.
    pub(crate) definition_updated: OffsetDateTime,
}

/// The Platform's routes: `POST /platform/wildcat.ashx` and `GET /healthz`.
pub fn router(state: PlatformState) -> Router {
    let definition_updated = state.clock.now();
    Router::new()
        .route("/platform/wildcat.ashx", post(dispatch::wildcat))
        .route("/healthz", get(health))
        .merge(blobs::routes())
        // The .NET SDK compresses request bodies; the limit applies to what they expand to.
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .layer(RequestDecompressionLayer::new())
        .with_state(AppState { platform: state, definition_updated })
}

async fn health() -> &'static str {
    "ok"
}
