//! The delivery worker against a real store (SQLite in a temporary directory, and PostgreSQL
//! when `HAVEN_TEST_POSTGRES_URL` names a server: a fresh schema per test), a manual clock,
//! and a receiver listening on a loopback socket that records what it is sent and answers
//! the statuses a test chooses. This file holds the fixture and the receiver, and runs every
//! test on both engines.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr, reason = "a test fails by panicking")]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use haven_domain::application::{AppCertificate, Application, MethodGroup, Thumbprint};
use haven_domain::auth_rules::{AuthRule, Permissions, RuleSet, TargetSet};
use haven_domain::authorization::AppAuthorization;
use haven_domain::clock::{Clock, ManualClock};
use haven_domain::country::CountryCode;
use haven_domain::eventing::{
    DeliveryFormat, KeyVersion, MAX_SUBSCRIPTIONS_PER_APPLICATION, NotificationKey, Subscription, SubscriptionId,
};
use haven_domain::ids::{ApplicationId, PersonId, RecordId, ThingId, VersionStamp};
use haven_domain::person::{EmailAddress, Person};
use haven_domain::record::{DEFAULT_RECORD_QUOTA_BYTES, Record, RecordMember, RecordState, Relationship};
use haven_domain::thing::{AccessAvenue, Audit, AuditAction, CommonData, Thing, ThingDraft, ThingFlags, ThingKey};
use haven_domain::thing_type::WEIGHT;
use haven_domain::topology::InstanceId;
use haven_eventing::{DeliverySettings, DeliveryWorker};
use haven_store::{
    ApplicationStore, AuthorizationStore, EventStore, PersonStore, RecordStore, SqlStore, StoreConfig,
    StoredNotification, ThingChange, ThingStore,
};
use time::OffsetDateTime;
use time::macros::datetime;
use tokio::sync::Notify;
use url::Url;
use uuid::Uuid;

mod healthvault;
mod retries;
mod running;
mod sharing;
mod webhooks;

const NOW: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

/// How long a test waits for something that should happen at once.
const PATIENCE: std::time::Duration = std::time::Duration::from_secs(10);

/// A store with one person and their record, and a clock standing at [`NOW`].
struct Fixture {
    store: Arc<SqlStore>,
    clock: Arc<ManualClock>,
    person: Person,
    record: Record,
    config: StoreConfig,
    _directory: Option<tempfile::TempDir>,
}

impl Fixture {
    async fn sqlite() -> Self {
        let directory = tempfile::tempdir().unwrap();
        let config = StoreConfig::sqlite(directory.path().join("haven.db"));
        Self::populate(config, Some(directory)).await
    }

    async fn postgres() -> Option<Self> {
        let url = haven_store::testing::postgres_url().unwrap_or_else(|message| panic!("{message}"))?;
        let config = haven_store::testing::fresh_postgres_schema(&url).await.unwrap();
        Some(Self::populate(config, None).await)
    }

    async fn populate(config: StoreConfig, directory: Option<tempfile::TempDir>) -> Self {
        let store = SqlStore::open(&config).await.unwrap();
        let person = Person {
            id: PersonId::from_uuid(Uuid::new_v4()),
            sign_in_email: EmailAddress::parse(&format!("ana.{}@example.org", Uuid::new_v4().simple())).unwrap(),
            given_name: "Ana".to_owned(),
            family_name: "López".to_owned(),
            birth_date: time::macros::date!(1980 - 02 - 29),
            country: CountryCode::parse("US").unwrap(),
            instance_id: InstanceId::parse("1").unwrap(),
            created_at: NOW,
        };
        store.create_person(&person).await.unwrap();
        let record = Record {
            id: RecordId::from_uuid(Uuid::new_v4()),
            display_name: "Ana López".to_owned(),
            state: RecordState::Active,
            max_size_bytes: DEFAULT_RECORD_QUOTA_BYTES,
            size_bytes: 0,
            location_country: Some(CountryCode::parse("US").unwrap()),
            created_at: NOW,
            latest_operation_sequence: 0,
        };
        let custodian = RecordMember {
            record_id: record.id,
            person_id: person.id,
            is_custodian: true,
            relationship: Relationship::SELF,
            granted_at: NOW,
            expires_at: None,
            access: None,
        };
        store.create_record(&record, &custodian).await.unwrap();
        Self {
            store: Arc::new(store),
            clock: Arc::new(ManualClock::new(NOW)),
            person,
            record,
            config,
            _directory: directory,
        }
    }

    async fn cleanup(self) {
        self.store.close().await;
        haven_store::testing::drop_postgres_schema(&self.config).await.unwrap();
    }

    /// A worker over this fixture's store and clock.
    fn worker(&self, settings: DeliverySettings) -> DeliveryWorker {
        DeliveryWorker::new(self.store.clone(), self.clock.clone(), settings).unwrap()
    }

    /// A new application, authorized on the record to read weights offline, subscribed to
    /// weights at `url` in `format`.
    async fn subscribe(&self, url: &Url, format: DeliveryFormat) -> Subscription {
        let application = application();
        self.store.put_application(&application).await.unwrap();
        let offline = RuleSet {
            rules: vec![AuthRule {
                name: "sync".to_owned(),
                reason: String::new(),
                is_optional: false,
                is_incremental: false,
                display_flags: 0,
                permissions: Permissions::READ,
                target_sets: vec![TargetSet { type_ids: [WEIGHT].into_iter().collect(), date_ranges: Vec::new() }],
                exception_sets: Vec::new(),
            }],
        };
        let authorization = AppAuthorization {
            person_id: self.person.id,
            record_id: self.record.id,
            application_id: application.id,
            online: Some(application.online_rules.clone()),
            offline: Some(offline),
            granted_at: NOW,
            expires_at: None,
            revoked_at: None,
        };
        self.store.put_authorization(&authorization).await.unwrap();
        let subscription = Subscription {
            id: SubscriptionId::from_uuid(Uuid::new_v4()),
            application_id: application.id,
            url: url.clone(),
            key: NotificationKey::new(Uuid::new_v4().as_bytes().repeat(4)).unwrap(),
            key_version: KeyVersion::parse("key-2026").unwrap(),
            type_filters: vec![[WEIGHT].into_iter().collect()],
            format,
            created_at: NOW,
        };
        self.store.add_subscription(&subscription, MAX_SUBSCRIPTIONS_PER_APPLICATION).await.unwrap();
        subscription
    }

    /// Writes a weight at the clock's time, queuing its notifications; returns its id.
    async fn write_weight(&self, kg: &str) -> ThingId {
        let now = self.clock.now();
        let when = time::PrimitiveDateTime::new(now.date(), now.time());
        let draft = ThingDraft {
            type_id: WEIGHT,
            flags: ThingFlags::default(),
            data_xml: format!(
                "<weight><when><date><y>{}</y><m>{}</m><d>{}</d></date><time><h>{}</h><m>{}</m></time></when>\
                 <value><kg>{kg}</kg></value></weight>",
                when.year(),
                u8::from(when.month()),
                when.day(),
                when.hour(),
                when.minute()
            ),
            common: CommonData::default(),
            blobs: Vec::new(),
            updated_end_date: None,
        };
        let key = ThingKey { id: ThingId::from_uuid(Uuid::new_v4()), version: VersionStamp::from_uuid(Uuid::new_v4()) };
        let audit = Audit {
            timestamp: now,
            application_id: None,
            person_id: Some(self.person.id),
            access_avenue: AccessAvenue::Online,
            action: AuditAction::Created,
        };
        let thing = Thing::create(self.record.id, key, draft, audit).unwrap();
        self.store.write_things(self.record.id, &[ThingChange::Create(thing)]).await.unwrap();
        key.id
    }

    /// The subscription's only notification, as stored.
    async fn only_notification(&self, subscription: &Subscription) -> StoredNotification {
        let mut stored = self.store.notifications_of_subscription(subscription.id).await.unwrap();
        assert_eq!(stored.len(), 1, "{stored:?}");
        stored.remove(0)
    }
}

fn application() -> Application {
    Application {
        id: ApplicationId::from_uuid(Uuid::new_v4()),
        name: "Weight tracker".to_owned(),
        description: "Charts weight".to_owned(),
        certificates: vec![AppCertificate { thumbprint: Thumbprint::from_sha1(&[7; 20]), der: vec![1, 2, 3] }],
        action_url: Some(Url::parse("http://127.0.0.1/hv").unwrap()),
        online_rules: RuleSet::default(),
        offline_rules: RuleSet::default(),
        method_groups: MethodGroup::web_defaults(),
        supported_instances: [InstanceId::parse("1").unwrap()].into_iter().collect(),
        master_id: None,
        is_soda: false,
        soda_secret: None,
        created_at: NOW,
    }
}

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    body: Bytes,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).unwrap_or_else(|| panic!("no {name} header")).to_str().unwrap()
    }

    fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap()
    }
}

#[derive(Debug, Default)]
struct ReceiverState {
    received: Mutex<Vec<Received>>,
    /// Statuses to answer, in order; then `otherwise`.
    statuses: Mutex<VecDeque<u16>>,
    otherwise: u16,
    arrived: Notify,
}

/// A webhook receiver on a loopback socket: records every POST and answers the scripted
/// statuses.
struct Receiver {
    url: Url,
    state: Arc<ReceiverState>,
    server: tokio::task::JoinHandle<()>,
}

impl Receiver {
    /// Answers `first` in order, then `otherwise` to every later request.
    async fn start(first: &[u16], otherwise: u16) -> Self {
        let state = Arc::new(ReceiverState {
            statuses: Mutex::new(first.iter().copied().collect()),
            otherwise,
            ..ReceiverState::default()
        });
        let router = axum::Router::new().route("/hv/events", axum::routing::post(receive)).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}/hv/events", listener.local_addr().unwrap())).unwrap();
        let server = tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Self { url, state, server }
    }

    fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    /// Waits (at most [`PATIENCE`]) until `count` requests have arrived.
    async fn wait_for(&self, count: usize) -> Vec<Received> {
        tokio::time::timeout(PATIENCE, async {
            loop {
                let arrived = self.state.arrived.notified();
                let received = self.received();
                if received.len() >= count {
                    return received;
                }
                arrived.await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{count} requests did not arrive; got {}", self.received().len()))
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn receive(State(state): State<Arc<ReceiverState>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    state.received.lock().unwrap().push(Received { headers, body });
    state.arrived.notify_waiters();
    let status = state.statuses.lock().unwrap().pop_front().unwrap_or(state.otherwise);
    StatusCode::from_u16(status).unwrap()
}

/// A loopback URL on which nothing listens: a port bound and released at once.
async fn closed_port_url() -> Url {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    Url::parse(&format!("http://{address}/hv/events")).unwrap()
}

/// Runs every test against one engine.
macro_rules! delivery_suite {
    ($engine:ident, $open:expr) => {
        mod $engine {
            use super::*;
            delivery_suite!(@tests $open;
                healthvault::a_weight_write_is_posted_once_signed,
                healthvault::notifications_of_one_subscription_share_a_post,
                retries::a_500_is_retried_after_the_first_delay_then_delivered,
                retries::a_receiver_that_always_fails_is_abandoned_at_the_deadline,
                retries::a_notification_reached_after_its_deadline_is_abandoned_unsent,
                retries::a_closed_port_is_retried_not_lost,
                webhooks::standard_webhooks_deliveries_are_signed_json,
                sharing::two_workers_deliver_each_notification_once,
                running::the_running_worker_is_woken_by_a_write_and_stops_on_shutdown
            );
        }
    };
    (@tests $open:expr; $($module:ident :: $test:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $test() {
                let Some(fixture) = $open.await else {
                    eprintln!(
                        "skipped: {} is not set, so the PostgreSQL suite cannot run",
                        haven_store::testing::POSTGRES_URL_VARIABLE
                    );
                    return;
                };
                super::$module::$test(&fixture).await;
                fixture.cleanup().await;
            }
        )*
    };
}

delivery_suite!(on_sqlite, async { Some(Fixture::sqlite().await) });
delivery_suite!(on_postgres, Fixture::postgres());
