//! The peer account lookup: only a correctly signed, recent request from another instance of
//! the deployment gets an answer, and the answer is only whether the account exists.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use haven_domain::clock::{Clock, ManualClock};
use haven_domain::country::CountryCode;
use haven_domain::federation::{
    FederationKey, PEER_INSTANCE_HEADER, PEER_REQUEST_WINDOW, PEER_SIGNATURE_HEADER, PEER_TIMESTAMP_HEADER,
};
use haven_domain::ids::PersonId;
use haven_domain::person::{EmailAddress, Person};
use haven_domain::topology::{EXAMPLE_TOML, InstanceId, Topology};
use haven_platform::{PeerState, peer_routes};
use haven_store::{PersonStore, SqlStore, Store, StoreConfig};
use time::OffsetDateTime;
use time::macros::datetime;
use tower::ServiceExt;

const NOW: OffsetDateTime = datetime!(2026-11-22 12:00 UTC);

struct Peer {
    router: axum::Router,
    key: FederationKey,
    _directory: tempfile::TempDir,
}

async fn instance_one() -> Peer {
    let directory = tempfile::tempdir().unwrap();
    let store = SqlStore::open(&StoreConfig::sqlite(directory.path().join("us.db"))).await.unwrap();
    store
        .create_person(&Person {
            id: PersonId::from_uuid(uuid::Uuid::new_v4()),
            sign_in_email: EmailAddress::parse("ana@example.org").unwrap(),
            given_name: "Ana".to_owned(),
            family_name: "Rivera".to_owned(),
            birth_date: time::macros::date!(1984 - 03 - 09),
            country: CountryCode::parse("US").unwrap(),
            instance_id: InstanceId::parse("1").unwrap(),
            created_at: NOW,
        })
        .await
        .unwrap();
    let key = FederationKey::from_hex(&"5a".repeat(32)).unwrap();
    let store: Arc<dyn Store> = Arc::new(store);
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(NOW));
    let router = peer_routes(PeerState {
        instance_id: InstanceId::parse("1").unwrap(),
        topology: Arc::new(Topology::from_toml("topology.toml", EXAMPLE_TOML).unwrap()),
        store,
        clock,
        key: key.clone(),
    });
    Peer { router, key, _directory: directory }
}

async fn ask(peer: &Peer, sender: &str, timestamp: i64, body: &str, signature: Option<String>) -> (StatusCode, String) {
    let mut request = Request::post("/peer/account-lookup")
        .header("content-type", "application/json")
        .header(PEER_INSTANCE_HEADER, sender)
        .header(PEER_TIMESTAMP_HEADER, timestamp.to_string());
    if let Some(signature) = signature {
        request = request.header(PEER_SIGNATURE_HEADER, signature);
    }
    let response = peer.router.clone().oneshot(request.body(Body::from(body.to_owned())).unwrap()).await.unwrap();
    let status = response.status();
    (status, String::from_utf8(to_bytes(response.into_body(), 1 << 16).await.unwrap().to_vec()).unwrap())
}

#[tokio::test]
async fn a_signed_peer_learns_only_whether_the_account_exists() {
    let peer = instance_one().await;
    let now = NOW.unix_timestamp();
    for (email, exists) in [("ana@example.org", true), ("ANA@example.org", true), ("bob@example.org", false)] {
        let body = format!("{{\"email\":\"{email}\"}}");
        let signature = peer.key.sign("2", now, body.as_bytes());
        let (status, answer) = ask(&peer, "2", now, &body, Some(signature)).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer, format!("{{\"exists\":{exists}}}"), "nothing but whether it exists");
    }
}

#[tokio::test]
async fn unsigned_badly_signed_stale_and_foreign_requests_are_refused() {
    let peer = instance_one().await;
    let now = NOW.unix_timestamp();
    let body = "{\"email\":\"ana@example.org\"}";
    let cases = [
        ("2", now, None, "must be signed"),
        ("2", now, Some(peer.key.sign("2", now, b"{\"email\":\"bob@example.org\"}")), "does not match"),
        (
            "2",
            now,
            Some(FederationKey::from_hex(&"77".repeat(32)).unwrap().sign("2", now, body.as_bytes())),
            "does not match",
        ),
        (
            "2",
            now - PEER_REQUEST_WINDOW.whole_seconds() - 1,
            Some(peer.key.sign("2", now - PEER_REQUEST_WINDOW.whole_seconds() - 1, body.as_bytes())),
            "too old",
        ),
        ("1", now, Some(peer.key.sign("1", now, body.as_bytes())), "not another instance"),
        ("9", now, Some(peer.key.sign("9", now, body.as_bytes())), "not another instance"),
    ];
    for (sender, timestamp, signature, reason) in cases {
        let (status, answer) = ask(&peer, sender, timestamp, body, signature).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{sender} {reason}: {answer}");
        assert!(answer.contains(reason), "{answer}");
        assert!(!answer.contains("exists"), "{answer}");
    }
    let signature = peer.key.sign("2", now, b"not json");
    let (status, _) = ask(&peer, "2", now, "not json", Some(signature)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
