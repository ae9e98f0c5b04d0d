//! The two questions an instance answers its peers, each signed with the deployment's
//! federation key (see `haven_domain::federation`) and each answered with a yes or no:
//!
//! - does an account with this sign-in address live here? `POST /peer/account-lookup` with
//!   `{"email": "..."}` answers `{"exists": bool}`;
//! - is a connect request or package with this identity code usable here? `POST
//!   /peer/code-lookup` with `{"code_hash": "<hex SHA-256 of the canonical code>"}` answers
//!   `{"held": bool}`, so a Shell can tell a person which instance holds their code.
//!
//! Nothing else about a person, or about what a code names, is ever returned. Unsigned, badly
//! signed, stale, self-sent or unknown-instance requests are refused with 401 and a reason.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use haven_domain::clock::Clock;
use haven_domain::connect::PackageStatus;
use haven_domain::federation::{
    ACCOUNT_LOOKUP_PATH, AccountLookup, AccountLookupAnswer, CODE_LOOKUP_PATH, CodeLookup, CodeLookupAnswer,
    FederationKey, PEER_INSTANCE_HEADER, PEER_SIGNATURE_HEADER, PEER_TIMESTAMP_HEADER, is_fresh,
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
    Router::new()
        .route(ACCOUNT_LOOKUP_PATH, post(account_lookup))
        .route(CODE_LOOKUP_PATH, post(code_lookup))
        .with_state(state)
}

fn refuse(status: StatusCode, reason: &str) -> Response {
    (status, axum::Json(serde_json::json!({ "error": reason }))).into_response()
}

/// Checks that a peer request is signed by another instance of the deployment, recently;
/// returns the sender's id, or the status and reason to refuse it with.
fn authenticate<'h>(
    state: &PeerState,
    headers: &'h HeaderMap,
    body: &[u8],
) -> Result<&'h str, (StatusCode, &'static str)> {
    if body.len() > MAX_LOOKUP_BYTES {
        return Err((StatusCode::PAYLOAD_TOO_LARGE, "the lookup is too large"));
    }
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).map(str::trim);
    let (Some(sender), Some(timestamp), Some(signature)) =
        (header(PEER_INSTANCE_HEADER), header(PEER_TIMESTAMP_HEADER), header(PEER_SIGNATURE_HEADER))
    else {
        return Err((StatusCode::UNAUTHORIZED, "peer requests must be signed by an instance of this deployment"));
    };
    let Ok(timestamp) = timestamp.parse::<i64>() else {
        return Err((StatusCode::UNAUTHORIZED, "the peer timestamp is not a number of seconds"));
    };
    let known_peer = InstanceId::parse(sender)
        .ok()
        .filter(|sender| *sender != state.instance_id && state.topology.instance(sender).is_some());
    if known_peer.is_none() {
        tracing::warn!(sender, "peer request from an instance that is not a peer");
        return Err((StatusCode::UNAUTHORIZED, "the sender is not another instance of this deployment"));
    }
    if !is_fresh(timestamp, state.clock.now()) {
        return Err((StatusCode::UNAUTHORIZED, "the peer request is too old or from the future"));
    }
    if !state.key.verify(sender, timestamp, body, signature) {
        tracing::warn!(sender, "peer request with a bad signature");
        return Err((StatusCode::UNAUTHORIZED, "the peer signature does not match the federation key"));
    }
    Ok(sender)
}

async fn account_lookup(State(state): State<PeerState>, headers: HeaderMap, body: Bytes) -> Response {
    let sender = match authenticate(&state, &headers, &body) {
        Ok(sender) => sender,
        Err((status, reason)) => return refuse(status, reason),
    };
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

/// `POST /peer/code-lookup`: whether a connect request that still accepts answers, or a
/// package waiting for its pickup (or only allocated, its code already handed out), has this
/// code hash here. Expired, locked and picked-up items count as not held: the person could not
/// use them there either.
async fn code_lookup(State(state): State<PeerState>, headers: HeaderMap, body: Bytes) -> Response {
    let sender = match authenticate(&state, &headers, &body) {
        Ok(sender) => sender,
        Err((status, reason)) => return refuse(status, reason),
    };
    let Some(code_hash) = serde_json::from_slice::<CodeLookup>(&body).ok().and_then(|lookup| lookup.hash()) else {
        return refuse(StatusCode::BAD_REQUEST, "the body must be {\"code_hash\": \"<64 hex digits>\"}");
    };
    let now = state.clock.now();
    let held =
        async {
            if let Some(request) = state.store.connect_request_by_code(code_hash).await? {
                return Ok(request.accepts_answers_at(now));
            }
            let package = state.store.connect_package_by_code(code_hash).await?;
            Ok::<_, haven_store::StoreError>(package.is_some_and(|package| {
                matches!(package.status_at(now), PackageStatus::Pending | PackageStatus::Allocated)
            }))
        };
    let held = match held.await {
        Ok(held) => held,
        Err(error) => {
            tracing::error!(%error, "code lookup failed");
            return refuse(StatusCode::SERVICE_UNAVAILABLE, "the instance cannot reach its storage");
        }
    };
    tracing::info!(sender, held, "answered a peer's code lookup");
    axum::Json(CodeLookupAnswer { held }).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{Body, to_bytes};
    use axum::http::Request;
    use haven_domain::application::{AppCertificate, Application, MethodGroup, Thumbprint};
    use haven_domain::auth_rules::RuleSet;
    use haven_domain::clock::ManualClock;
    use haven_domain::connect::{
        ConnectPackage, ConnectPackageId, ConnectRequest, ConnectRequestId, IdentityCode, PENDING_LIFETIME,
        PackageContents,
    };
    use haven_domain::ids::ApplicationId;
    use haven_domain::topology::EXAMPLE_TOML;
    use haven_store::{ApplicationStore, ConnectStore, SqlStore, StoreConfig};
    use time::OffsetDateTime;
    use time::macros::datetime;
    use tower::ServiceExt;

    const NOW: OffsetDateTime = datetime!(2026-11-22 12:00 UTC);

    fn code(seed: u8) -> IdentityCode {
        IdentityCode::from_random([seed; 16])
    }

    /// Instance 1 holding a pending request (code 1), an allocated package (code 2), a filled
    /// package (code 3) and an expired request (code 4).
    async fn instance_one() -> (Router, FederationKey, Arc<ManualClock>, tempfile::TempDir) {
        let directory = tempfile::tempdir().unwrap();
        let store = SqlStore::open(&StoreConfig::sqlite(directory.path().join("us.db"))).await.unwrap();
        let application = Application {
            id: ApplicationId::from_uuid(uuid::Uuid::new_v4()),
            name: "Clinic".to_owned(),
            description: String::new(),
            certificates: vec![AppCertificate { thumbprint: Thumbprint::from_sha1(&[7; 20]), der: vec![0x30] }],
            action_url: None,
            online_rules: RuleSet::default(),
            offline_rules: RuleSet::default(),
            method_groups: MethodGroup::web_defaults(),
            supported_instances: [InstanceId::parse("1").unwrap()].into_iter().collect(),
            master_id: None,
            is_soda: false,
            soda_secret: None,
            created_at: NOW,
        };
        store.put_application(&application).await.unwrap();
        let request = |code: &IdentityCode, external_id: &str, created_at: OffsetDateTime| ConnectRequest {
            id: ConnectRequestId::from_uuid(uuid::Uuid::new_v4()),
            application_id: application.id,
            code_hash: code.hash(),
            friendly_name: "Ana".to_owned(),
            question: "First pet?".to_owned(),
            answer_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
            external_id: external_id.to_owned(),
            created_at,
            failed_attempts: 0,
            last_validated_at: None,
        };
        store.create_connect_request(&request(&code(1), "p-1", NOW), NOW).await.unwrap();
        let expired_at = NOW - PENDING_LIFETIME;
        store.create_connect_request(&request(&code(4), "p-4", expired_at), expired_at).await.unwrap();
        for (seed, contents) in [
            (2, None),
            (
                3,
                Some(PackageContents {
                    friendly_name: "Ana".to_owned(),
                    question: "First pet?".to_owned(),
                    external_id: "p-3".to_owned(),
                    parameters_xml: "<password-protected-package/>".to_owned(),
                    ciphertext: vec![7; 64],
                    created_at: NOW,
                }),
            ),
        ] {
            let package = ConnectPackage {
                id: ConnectPackageId::from_uuid(uuid::Uuid::new_v4()),
                application_id: application.id,
                code_hash: code(seed).hash(),
                created_at: NOW,
                contents,
                failed_attempts: 0,
                picked_up: None,
            };
            store.create_connect_package(&package, &[]).await.unwrap();
        }
        let key = FederationKey::from_hex(&"5a".repeat(32)).unwrap();
        let clock = Arc::new(ManualClock::new(NOW));
        let store: Arc<dyn Store> = Arc::new(store);
        let clock_dyn: Arc<dyn Clock> = clock.clone();
        let router = peer_routes(PeerState {
            instance_id: InstanceId::parse("1").unwrap(),
            topology: Arc::new(Topology::from_toml("topology.toml", EXAMPLE_TOML).unwrap()),
            store,
            clock: clock_dyn,
            key: key.clone(),
        });
        (router, key, clock, directory)
    }

    async fn ask(router: &Router, key: &FederationKey, at: OffsetDateTime, body: &str) -> (StatusCode, String) {
        let timestamp = at.unix_timestamp();
        let request = Request::post(CODE_LOOKUP_PATH)
            .header("content-type", "application/json")
            .header(PEER_INSTANCE_HEADER, "2")
            .header(PEER_TIMESTAMP_HEADER, timestamp.to_string())
            .header(PEER_SIGNATURE_HEADER, key.sign("2", timestamp, body.as_bytes()))
            .body(Body::from(body.to_owned()))
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        (status, String::from_utf8(to_bytes(response.into_body(), 1 << 16).await.unwrap().to_vec()).unwrap())
    }

    fn lookup(seed: u8) -> String {
        serde_json::to_string(&CodeLookup::for_hash(code(seed).hash())).unwrap()
    }

    #[tokio::test]
    async fn a_peer_learns_only_whether_a_usable_code_is_held() {
        let (router, key, clock, _directory) = instance_one().await;
        for (seed, held) in [(1, true), (2, true), (3, true), (4, false), (5, false)] {
            let (status, answer) = ask(&router, &key, NOW, &lookup(seed)).await;
            assert_eq!(status, StatusCode::OK, "{answer}");
            assert_eq!(answer, format!("{{\"held\":{held}}}"), "code {seed}: nothing but a yes or no");
        }
        // Four weeks on, nothing pending is left.
        clock.advance(PENDING_LIFETIME);
        let later = NOW + PENDING_LIFETIME;
        assert_eq!(ask(&router, &key, later, &lookup(1)).await.1, "{\"held\":false}");
        assert_eq!(ask(&router, &key, later, &lookup(3)).await.1, "{\"held\":false}");
    }

    #[tokio::test]
    async fn code_lookups_must_be_signed_and_well_formed() {
        let (router, key, _clock, _directory) = instance_one().await;
        let other = FederationKey::from_hex(&"77".repeat(32)).unwrap();
        let (status, answer) = ask(&router, &other, NOW, &lookup(1)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
        assert!(!answer.contains("held"), "{answer}");
        let (status, _) = ask(&router, &key, NOW, "{\"code_hash\":\"JKYZ-QNMN-VHRX-ZGNR-GZNH\"}").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, _) = ask(&router, &key, NOW, "{\"email\":\"ana@example.org\"}").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
}
