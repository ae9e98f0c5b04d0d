//! The one question an instance answers its peers: does an account with this sign-in address
//! live here? `POST /peer/account-lookup` with `{"email": "..."}`, signed with the
//! deployment's federation key (see `haven_domain::federation`), answers `{"exists": bool}`.
//! Nothing else about a person is ever returned. Unsigned, badly signed, stale, self-sent or
//! unknown-instance requests are refused with 401 and a reason.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use haven_domain::clock::Clock;
use haven_domain::federation::{
    ACCOUNT_LOOKUP_PATH, AccountLookup, AccountLookupAnswer, FederationKey, PEER_INSTANCE_HEADER,
    PEER_SIGNATURE_HEADER, PEER_TIMESTAMP_HEADER, is_fresh,
};
use haven_domain::person::EmailAddress;
use haven_domain::topology::{InstanceId, Topology};
use haven_store::Store;

/// The largest lookup body accepted.
const MAX_LOOKUP_BYTES: usize = 4 * 1024;

/// What the peer routes need.
#[derive(Debug, Clone)]
pub struct PeerState {
    /// This instance.
    pub instance_id: InstanceId,
    /// The topology: only its instances are peers.
    pub topology: Arc<Topology>,
    /// This instance's store.
    pub store: Arc<dyn Store>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// The deployment's federation key.
    pub key: FederationKey,
}

/// The peer routes, served on the Platform origin beside the method API.
pub fn peer_routes(state: PeerState) -> Router {
    Router::new().route(ACCOUNT_LOOKUP_PATH, post(account_lookup)).with_state(state)
}

fn refuse(status: StatusCode, reason: &str) -> Response {
    (status, axum::Json(serde_json::json!({ "error": reason }))).into_response()
}

async fn account_lookup(State(state): State<PeerState>, headers: HeaderMap, body: Bytes) -> Response {
    if body.len() > MAX_LOOKUP_BYTES {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, "the lookup is too large");
    }
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).map(str::trim);
    let (Some(sender), Some(timestamp), Some(signature)) =
        (header(PEER_INSTANCE_HEADER), header(PEER_TIMESTAMP_HEADER), header(PEER_SIGNATURE_HEADER))
    else {
        return refuse(StatusCode::UNAUTHORIZED, "peer requests must be signed by an instance of this deployment");
    };
    let Ok(timestamp) = timestamp.parse::<i64>() else {
        return refuse(StatusCode::UNAUTHORIZED, "the peer timestamp is not a number of seconds");
    };
    let known_peer = InstanceId::parse(sender)
        .ok()
        .filter(|sender| *sender != state.instance_id && state.topology.instance(sender).is_some());
    if known_peer.is_none() {
        tracing::warn!(sender, "peer request from an instance that is not a peer");
        return refuse(StatusCode::UNAUTHORIZED, "the sender is not another instance of this deployment");
    }
    if !is_fresh(timestamp, state.clock.now()) {
        return refuse(StatusCode::UNAUTHORIZED, "the peer request is too old or from the future");
    }
    if !state.key.verify(sender, timestamp, &body, signature) {
        tracing::warn!(sender, "peer request with a bad signature");
        return refuse(StatusCode::UNAUTHORIZED, "the peer signature does not match the federation key");
    }
    let Ok(lookup) = serde_json::from_slice::<AccountLookup>(&body) else {
        return refuse(StatusCode::BAD_REQUEST, "the body must be {\"email\": \"...\"}");
    };
    let exists = match EmailAddress::parse(&lookup.email) {
        Ok(email) => match state.store.person_by_email(&email).await {
            Ok(person) => person.is_some(),
            Err(error) => {
                tracing::error!(%error, "account lookup failed");
                return refuse(StatusCode::SERVICE_UNAVAILABLE, "the instance cannot reach its storage");
            }
        },
        Err(_) => false,
    };
    tracing::info!(sender, exists, "answered a peer's account lookup");
    axum::Json(AccountLookupAnswer { exists }).into_response()
}
