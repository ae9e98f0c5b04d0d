//! The subscribers' receiver: an HTTP server on a loopback socket in this process that
//! reads each HealthVault-format notification body, notes when every notification in it
//! arrived, and answers 200 at once (400 to a body it cannot read, which the worker retries).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use axum::extract::State;
use axum::http::StatusCode;
use haven_domain::eventing::SubscriptionId;
use haven_wire::notification::parse_notifications;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use url::Url;

use super::tally::Receipt;

/// The path notifications are POSTed to.
const PATH: &str = "/hv/events";

#[derive(Debug, Default)]
struct ReceiverState {
    receipts: Mutex<Vec<Receipt>>,
    /// Bodies that were not a `wc:notifications` document.
    unreadable: AtomicUsize,
    arrived: Notify,
}

/// A running receiver; stops when dropped.
#[derive(Debug)]
pub struct Receiver {
    url: Url,
    state: Arc<ReceiverState>,
    server: JoinHandle<()>,
}

impl Receiver {
    /// Starts listening on 127.0.0.1 at a port the system picks.
    pub async fn start() -> Result<Self> {
        let state = Arc::new(ReceiverState::default());
        let router = axum::Router::new().route(PATH, axum::routing::post(receive)).with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.context("binding a loopback port")?;
        let url = Url::parse(&format!("http://{}{PATH}", listener.local_addr()?))?;
        let server = tokio::spawn(async move {
            // The server runs until it is aborted; an accept error ends it, and the
            // notifications it then misses show as lost.
            let _ = axum::serve(listener, router).await;
        });
        Ok(Self { url, state, server })
    }

    /// Where subscriptions send their notifications.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// Notifications received so far, counting duplicates.
    pub fn count(&self) -> usize {
        self.state.receipts.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// Everything received so far, in order of arrival.
    pub fn receipts(&self) -> Vec<Receipt> {
        self.state.receipts.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Bodies it could not read.
    pub fn unreadable(&self) -> usize {
        self.state.unreadable.load(Ordering::Relaxed)
    }

    /// Waits until `count` notifications have arrived or `limit` has passed; returns
    /// whether they arrived.
    pub async fn wait_for(&self, count: usize, limit: Duration) -> bool {
        tokio::time::timeout(limit, async {
            loop {
                let arrived = self.state.arrived.notified();
                if self.count() >= count {
                    return;
                }
                arrived.await;
            }
        })
        .await
        .is_ok()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn receive(State(state): State<Arc<ReceiverState>>, body: String) -> StatusCode {
    let at = Instant::now();
    let Ok(notifications) = parse_notifications(&body) else {
        state.unreadable.fetch_add(1, Ordering::Relaxed);
        return StatusCode::BAD_REQUEST;
    };
    let mut receipts = Vec::new();
    for notification in notifications {
        let Ok(subscription_id) = uuid::Uuid::parse_str(&notification.subscription_id) else {
            state.unreadable.fetch_add(1, Ordering::Relaxed);
            return StatusCode::BAD_REQUEST;
        };
        let subscription_id = SubscriptionId::from_uuid(subscription_id);
        receipts.extend(notification.record_change.thing_ids.into_iter().map(|thing_id| Receipt {
            subscription_id,
            thing_id,
            at,
        }));
    }
    state.receipts.lock().unwrap_or_else(PoisonError::into_inner).extend(receipts);
    state.arrived.notify_waiters();
    StatusCode::OK
}
