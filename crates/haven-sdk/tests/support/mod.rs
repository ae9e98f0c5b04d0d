//! What the SDK's tests share: an application with a fresh certificate, people who
//! authorized it, and real Platforms (the router on a loopback socket over a SQLite store in
//! a temporary directory) that log the requests they receive.
#![allow(dead_code, reason = "each test binary uses part of the support")]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use haven_domain::account::NewAccount;
use haven_domain::application::{AppCertificate, Application, MethodGroup, Thumbprint};
use haven_domain::auth_rules::{AuthRule, Permissions, RuleSet, TargetSet};
use haven_domain::clock::SystemClock;
use haven_domain::ids::ApplicationId;
use haven_domain::thing_type::WEIGHT;
use haven_domain::topology::{InstanceId, Topology};
use haven_sdk::ApplicationCredentials;
use haven_store::{ApplicationStore, SqlStore, StoreConfig};
use haven_testkit::fixtures::{authorize_declared_rules, issue_user_token, open_test_account};
use openssl::asn1::Asn1Time;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::x509::{X509, X509NameBuilder};
use time::OffsetDateTime;

/// One rule: `permissions` on weights.
pub fn weight_rules(permissions: Permissions) -> RuleSet {
    RuleSet {
        rules: vec![AuthRule {
            name: "weights".to_owned(),
            reason: String::new(),
            is_optional: false,
            is_incremental: false,
            display_flags: 0,
            permissions,
            target_sets: vec![TargetSet { type_ids: [WEIGHT].into_iter().collect(), date_ranges: Vec::new() }],
            exception_sets: Vec::new(),
        }],
    }
}

/// A web application (online: weights, all permissions; offline: weights, read) and the
/// credentials it signs in with.
pub struct TestApplication {
    /// The registration, to put in each instance's store.
    pub application: Application,
    /// Its id, key and certificate.
    pub credentials: ApplicationCredentials,
}

/// A new application with a fresh self-signed certificate, live in `instances`.
pub fn test_application(instances: &[&str]) -> TestApplication {
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "WildcatApp-sdk-test").unwrap();
    let name = name.build();
    let mut builder = X509::builder().unwrap();
    builder.set_subject_name(&name).unwrap();
    builder.set_issuer_name(&name).unwrap();
    builder.set_pubkey(&key).unwrap();
    builder.set_not_before(&Asn1Time::days_from_now(0).unwrap()).unwrap();
    builder.set_not_after(&Asn1Time::days_from_now(30).unwrap()).unwrap();
    builder.sign(&key, MessageDigest::sha256()).unwrap();
    let certificate = builder.build();
    let digest: [u8; 20] = certificate.digest(MessageDigest::sha1()).unwrap().as_ref().try_into().unwrap();
    let application = Application {
        id: ApplicationId::from_uuid(uuid::Uuid::new_v4()),
        name: "SDK test".to_owned(),
        description: String::new(),
        certificates: vec![AppCertificate {
            thumbprint: Thumbprint::from_sha1(&digest),
            der: certificate.to_der().unwrap(),
        }],
        action_url: Some(url::Url::parse("https://sdk.example/hv").unwrap()),
        online_rules: weight_rules(Permissions::ALL),
        offline_rules: weight_rules(Permissions::READ),
        method_groups: MethodGroup::web_defaults(),
        supported_instances: instances.iter().map(|id| InstanceId::parse(id).unwrap()).collect(),
        master_id: None,
        is_soda: false,
        soda_secret: None,
        created_at: OffsetDateTime::now_utc(),
    };
    let credentials = ApplicationCredentials::from_pem(
        application.id,
        &key.private_key_to_pem_pkcs8().unwrap(),
        &certificate.to_pem().unwrap(),
    )
    .unwrap();
    TestApplication { application, credentials }
}

/// A fresh SQLite store in `directory`, with `application` registered.
pub async fn store(directory: &tempfile::TempDir, application: &Application) -> SqlStore {
    let store = SqlStore::open(&StoreConfig::sqlite(directory.path().join("haven.db"))).await.unwrap();
    store.put_application(application).await.unwrap();
    store
}

/// Opens an account for `given_name` Doe from `country` in `instance` (which must be the
/// instance the topology places that country in), authorizes `application` on the person's
/// record online and offline, and issues `user_token` as the Shell would.
pub async fn connected_person(
    store: &SqlStore,
    topology: &Topology,
    instance: &str,
    application: &Application,
    (given_name, country): (&str, &str),
    user_token: &str,
) -> NewAccount {
    let now = OffsetDateTime::now_utc();
    let account = open_test_account(store, topology, instance, (given_name, country), now).await.unwrap();
    authorize_declared_rules(store, &account, application, now).await.unwrap();
    issue_user_token(store, &account, application, user_token, now).await.unwrap();
    account
}

/// The bodies of the requests a Platform received, oldest first.
#[derive(Debug, Clone, Default)]
pub struct RequestLog(Arc<Mutex<Vec<String>>>);

impl RequestLog {
    /// How many requests arrived.
    pub fn total(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    /// How many requests called `method` and, if given, contained `text`.
    pub fn count(&self, method: &str, text: Option<&str>) -> usize {
        let method = format!("<method>{method}</method>");
        let bodies = self.0.lock().unwrap();
        bodies.iter().filter(|body| body.contains(&method) && text.is_none_or(|text| body.contains(text))).count()
    }
}

/// Keeps each request's body in the log, then passes the request on.
async fn log_request(State(log): State<RequestLog>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    log.0.lock().unwrap().push(String::from_utf8_lossy(&bytes).into_owned());
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// A loopback socket for a Platform, bound before the topology naming it is written.
pub async fn bind() -> (tokio::net::TcpListener, SocketAddr) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    (listener, address)
}

/// Serves the Platform of `instance` on `listener` until the test ends; returns the log of
/// the requests it receives.
pub fn serve_platform(
    listener: tokio::net::TcpListener,
    instance: &str,
    topology: Arc<Topology>,
    store: SqlStore,
) -> RequestLog {
    let log = RequestLog::default();
    let router = haven_platform::router(haven_platform::PlatformState::new(
        InstanceId::parse(instance).unwrap(),
        topology,
        Arc::new(store),
        Arc::new(SystemClock),
    ))
    .layer(axum::middleware::from_fn_with_state(log.clone(), log_request));
    tokio::spawn(async move { axum::serve(listener, router).await });
    log
}

/// A topology of two instances, US (`1`, for people from the US) and EU (`2`, for everyone
/// else), with their Platforms at these addresses.
pub fn two_instances(us_platform: SocketAddr, eu_platform: SocketAddr) -> Topology {
    let text = format!(
        r#"
[[instance]]
id = "1"
name = "US"
description = "US instance"
platform-url = "http://{us_platform}/"
shell-url = "http://us-shell.example/"
min-signup-age = 13

[[instance]]
id = "2"
name = "EU"
description = "EU instance"
platform-url = "http://{eu_platform}/"
shell-url = "http://eu-shell.example/"
min-signup-age = 16

[countries]
default-instance = "2"

[[countries.assign]]
instance = "1"
countries = ["US"]
"#
    );
    Topology::from_toml("topology.toml", &text).unwrap()
}
