//! A real Platform (the router on a loopback socket over a SQLite store in a temporary
//! directory, plain-HTTP loopback notification URLs allowed as in development) with the sample
//! registered as an application in the Eventing method group and one person who authorized it
//! offline on weights; and the sample's notification handler on its own loopback socket.
#![allow(dead_code, reason = "each test binary uses part of the harness")]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use haven_domain::account::NewAccount;
use haven_domain::application::{AppCertificate, Application, MethodGroup, Thumbprint};
use haven_domain::auth_rules::{AuthRule, Permissions, RuleSet, TargetSet};
use haven_domain::clock::SystemClock;
use haven_domain::eventing::UrlPolicy;
use haven_domain::ids::{ApplicationId, PersonId, RecordId, ThingId};
use haven_domain::thing::{CommonData, ThingDraft, ThingFlags};
use haven_domain::thing_type::WEIGHT;
use haven_domain::topology::{EXAMPLE_TOML, InstanceId, Topology};
use haven_example_eventing::{HandlerConfig, HandlerEvent, keyring};
use haven_sdk::{ApplicationCredentials, CallAs, Connection};
use haven_store::{ApplicationStore, SqlStore, StoreConfig};
use haven_testkit::fixtures::{authorize_declared_rules, open_test_account};
use haven_wire::methods::subscription::DeliveryFormat;
use openssl::asn1::Asn1Time;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::{X509, X509NameBuilder};
use time::OffsetDateTime;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use url::Url;

/// How long a test waits for the handler to report something.
pub const EVENT_DEADLINE: Duration = Duration::from_secs(20);

/// A subscription id for tests that need no Platform.
pub const SUBSCRIPTION: &str = "6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f";

/// The Platform of instance 1 with the sample registered and one person connected.
pub struct Platform {
    /// Root URL of the Platform.
    pub url: Url,
    /// The sample's credentials.
    pub credentials: ApplicationCredentials,
    /// The person's account.
    pub account: NewAccount,
    /// The Platform's store.
    pub store: SqlStore,
    /// The temporary directory, also where the keyring goes.
    pub directory: tempfile::TempDir,
}

/// Weights: `permissions`.
fn weight_rules(permissions: Permissions) -> RuleSet {
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

/// A new RSA key and a self-signed certificate for it.
fn self_signed_certificate() -> (PKey<Private>, X509) {
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "WildcatApp-eventing-sample-test").unwrap();
    let name = name.build();
    let mut builder = X509::builder().unwrap();
    builder.set_subject_name(&name).unwrap();
    builder.set_issuer_name(&name).unwrap();
    builder.set_pubkey(&key).unwrap();
    builder.set_not_before(&Asn1Time::days_from_now(0).unwrap()).unwrap();
    builder.set_not_after(&Asn1Time::days_from_now(30).unwrap()).unwrap();
    builder.sign(&key, MessageDigest::sha256()).unwrap();
    (key, builder.build())
}

/// Starts the Platform with the sample registered (web defaults and Eventing; offline read
/// and create of weights) and Sam Doe, who authorized it offline.
pub async fn platform() -> Platform {
    let application_id = ApplicationId::from_uuid(uuid::Uuid::new_v4());
    let (private_key, certificate) = self_signed_certificate();
    let digest: [u8; 20] = certificate.digest(MessageDigest::sha1()).unwrap().as_ref().try_into().unwrap();
    let mut method_groups = MethodGroup::web_defaults();
    method_groups.insert(MethodGroup::Eventing);
    let application = Application {
        id: application_id,
        name: "Eventing sample".to_owned(),
        description: String::new(),
        certificates: vec![AppCertificate {
            thumbprint: Thumbprint::from_sha1(&digest),
            der: certificate.to_der().unwrap(),
        }],
        action_url: Some(Url::parse("https://app.example/hv/action").unwrap()),
        online_rules: weight_rules(Permissions::ALL),
        offline_rules: weight_rules(Permissions::READ.union(Permissions::CREATE)),
        method_groups,
        supported_instances: [InstanceId::parse("1").unwrap()].into_iter().collect(),
        master_id: None,
        is_soda: false,
        soda_secret: None,
        created_at: OffsetDateTime::now_utc(),
    };
    let credentials = ApplicationCredentials::from_pem(
        application.id,
        &private_key.private_key_to_pem_pkcs8().unwrap(),
        &certificate.to_pem().unwrap(),
    )
    .unwrap();

    let topology = Arc::new(Topology::from_toml("topology.toml", EXAMPLE_TOML).unwrap());
    let directory = tempfile::tempdir().unwrap();
    let store = SqlStore::open(&StoreConfig::sqlite(directory.path().join("haven.db"))).await.unwrap();
    let now = OffsetDateTime::now_utc();
    store.put_application(&application).await.unwrap();
    let account = open_test_account(&store, &topology, "1", ("Sam", "US"), now).await.unwrap();
    authorize_declared_rules(&store, &account, &application, now).await.unwrap();

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let router = haven_platform::router(haven_platform::PlatformState {
        eventing_urls: UrlPolicy { allow_loopback_http: true },
        ..haven_platform::PlatformState::new(
            InstanceId::parse("1").unwrap(),
            topology,
            Arc::new(store.clone()),
            Arc::new(SystemClock),
        )
    });
    let url = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    Platform { url, credentials, account, store, directory }
}

impl Platform {
    /// A new connection as the sample.
    pub fn connection(&self) -> Connection {
        Connection::new(self.url.clone(), self.credentials.clone()).unwrap()
    }

    /// The sample's keyring, in the temporary directory.
    pub fn keyring(&self) -> PathBuf {
        self.directory.path().join("keyring.json")
    }

    /// The person.
    pub fn person_id(&self) -> PersonId {
        self.account.person.id
    }

    /// Their record.
    pub fn record_id(&self) -> RecordId {
        self.account.record.id
    }

    /// Puts a weight in the record, offline as the sample; returns the new thing's id.
    pub async fn put_weight(&self, kilograms: &str) -> ThingId {
        let draft = ThingDraft {
            type_id: WEIGHT,
            flags: ThingFlags::default(),
            data_xml: format!(
                "<weight><when><date><y>2026</y><m>11</m><d>21</d></date><time><h>7</h><m>30</m></time></when><value><kg>{kilograms}</kg></value></weight>"
            ),
            common: CommonData::default(),
            blobs: Vec::new(),
            updated_end_date: None,
        };
        let keys = self
            .connection()
            .put_things(&CallAs::Offline(self.person_id()), self.record_id(), vec![(None, draft)])
            .await
            .unwrap();
        keys[0].id
    }
}

/// The sample's handler on a loopback socket, and what it reports.
pub struct Handler {
    /// Where it listens.
    pub address: SocketAddr,
    events: mpsc::UnboundedReceiver<HandlerEvent>,
}

impl Handler {
    /// Serves the handler with the keyring at `keyring` and, if given, the application to
    /// read things with.
    pub async fn start(keyring: &Path, connection: Option<Connection>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (router, events) = haven_example_eventing::handler(HandlerConfig {
            keyring: keyring.to_owned(),
            connection: connection.map(Arc::new),
        });
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { address, events }
    }

    /// The handler's root URL.
    pub fn url(&self) -> Url {
        Url::parse(&format!("http://{}/", self.address)).unwrap()
    }

    /// The next event, failing the test if none comes within [`EVENT_DEADLINE`].
    pub async fn next_event(&mut self) -> HandlerEvent {
        tokio::time::timeout(EVENT_DEADLINE, self.events.recv())
            .await
            .expect("the handler reported nothing in time")
            .expect("the handler stopped")
    }

    /// Fails the test if the handler has reported anything not yet taken.
    pub fn assert_quiet(&mut self) {
        if let Ok(event) = self.events.try_recv() {
            panic!("unexpected handler event {event:?}");
        }
    }
}

/// A keyring at `path` holding a new key for [`SUBSCRIPTION`] in `format`; returns the key
/// version.
pub fn keyring_with_subscription(path: &Path, format: DeliveryFormat) -> String {
    let now = OffsetDateTime::now_utc();
    let key = keyring::generate_key(now).unwrap();
    keyring::update(path, |keyring| keyring.assign(SUBSCRIPTION, &key.version, &key.key, format, now)).unwrap();
    key.version.as_str().to_owned()
}
