//! A real Platform (the router on a loopback socket over a SQLite store in a temporary
//! directory) with the sample registered as an application, one person who authorized it
//! (online: weights, all permissions; offline: weights, read) and a user token standing in
//! for the one the Shell issues; and the sample application itself, served on its own
//! loopback socket.
#![allow(dead_code, reason = "each test binary uses part of the harness")]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use haven_domain::account::{AccountRequest, NewAccount, NewAccountIds, open_account};
use haven_domain::application::{Application, MethodGroup};
use haven_domain::auth_rules::{AuthRule, Permissions, RuleSet, TargetSet};
use haven_domain::authorization::AppAuthorization;
use haven_domain::clock::SystemClock;
use haven_domain::ids::{ApplicationId, PersonId, RecordId};
use haven_domain::session::{TokenHash, USER_TOKEN_LIFETIME, UserToken};
use haven_domain::thing::{CommonData, ThingDraft, ThingFlags};
use haven_domain::thing_type::WEIGHT;
use haven_domain::topology::{EXAMPLE_TOML, InstanceId, Topology};
use haven_example_weight_web::Config;
use haven_sdk::{ApplicationCredentials, CallAs, Connection};
use haven_store::{
    ApplicationStore, AuthorizationStore, PersonStore, RecordStore, SessionStore, SqlStore, StoreConfig,
};
use time::OffsetDateTime;
use tokio::task::JoinHandle;
use url::Url;

/// The user token the Shell would have handed the sample on AppAuthSuccess.
pub const USER_TOKEN: &str = "d2VpZ2h0LXdlYiB1c2VyIHRva2Vu";

/// The Platform with the sample's application and one connected person.
pub struct Platform {
    /// Root URL of the Platform (instance 1).
    pub url: Url,
    /// The sample's credentials.
    pub credentials: ApplicationCredentials,
    /// The person's account.
    pub account: NewAccount,
    /// A connection as the sample, to put weights with.
    pub connection: Connection,
    /// The Platform's store, to change what the person granted.
    pub store: SqlStore,
    /// The temporary directory, also where the sample's data file goes.
    pub directory: tempfile::TempDir,
}

/// One rule: `permissions` on weights.
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

/// Starts the Platform of instance 1 with the sample registered and Sam Doe connected.
pub async fn platform() -> Platform {
    let directory = tempfile::tempdir().unwrap();
    let store = SqlStore::open(&StoreConfig::sqlite(directory.path().join("haven.db"))).await.unwrap();
    let now = OffsetDateTime::now_utc();

    let application_id = ApplicationId::from_uuid(uuid::Uuid::new_v4());
    let pair = haven::certificate::generate(application_id).unwrap();
    let application = Application {
        id: application_id,
        name: "Weight sample".to_owned(),
        description: String::new(),
        certificates: vec![haven::certificate::app_certificate(&pair.certificate).unwrap()],
        action_url: Some(Url::parse("http://127.0.0.1:8130/action").unwrap()),
        online_rules: weight_rules(Permissions::ALL),
        offline_rules: weight_rules(Permissions::READ),
        method_groups: MethodGroup::web_defaults(),
        supported_instances: [InstanceId::parse("1").unwrap()].into_iter().collect(),
        master_id: None,
        is_soda: false,
        soda_secret: None,
        created_at: now,
    };
    store.put_application(&application).await.unwrap();

    let topology = Topology::from_toml("topology.toml", EXAMPLE_TOML).unwrap();
    let account = open_account(
        AccountRequest {
            email: haven_domain::person::EmailAddress::parse("sam@example.org").unwrap(),
            given_name: "Sam".to_owned(),
            family_name: "Doe".to_owned(),
            birth_date: time::macros::date!(1985 - 07 - 14),
            country: haven_domain::country::CountryCode::parse("US").unwrap(),
        },
        &topology,
        &InstanceId::parse("1").unwrap(),
        NewAccountIds {
            person_id: PersonId::from_uuid(uuid::Uuid::new_v4()),
            record_id: RecordId::from_uuid(uuid::Uuid::new_v4()),
        },
        now,
    )
    .unwrap();
    store.create_person(&account.person).await.unwrap();
    store.create_record(&account.record, &account.custodian).await.unwrap();
    store
        .put_authorization(&AppAuthorization {
            person_id: account.person.id,
            record_id: account.record.id,
            application_id: application.id,
            online: Some(application.online_rules.clone()),
            offline: Some(application.offline_rules.clone()),
            granted_at: now,
            expires_at: None,
            revoked_at: None,
        })
        .await
        .unwrap();
    store
        .create_user_token(&UserToken {
            token_hash: TokenHash::of_token(USER_TOKEN),
            person_id: account.person.id,
            application_id: application.id,
            selected_record_id: Some(account.record.id),
            created_at: now,
            expires_at: now + USER_TOKEN_LIFETIME,
            revoked_at: None,
        })
        .await
        .unwrap();

    let router = haven_platform::router(haven_platform::PlatformState {
        instance_id: InstanceId::parse("1").unwrap(),
        topology: Arc::new(topology),
        store: Arc::new(store.clone()),
        clock: Arc::new(SystemClock),
        msg_time_window: haven_platform::DEFAULT_MSG_TIME_WINDOW,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });

    let credentials = ApplicationCredentials::from_pem(
        application.id,
        &pair.private_key.private_key_to_pem_pkcs8().unwrap(),
        &pair.certificate.to_pem().unwrap(),
    )
    .unwrap();
    let url = Url::parse(&format!("http://{address}/")).unwrap();
    let connection = Connection::new(url.clone(), credentials.clone()).unwrap();
    Platform { url, credentials, account, connection, store, directory }
}

impl Platform {
    /// The sample's configuration: this Platform as instance 1, a Shell that is never
    /// visited, and a data file in the temporary directory.
    pub fn config(&self) -> Config {
        Config {
            shell_url: Url::parse("http://shell.example/").unwrap(),
            platforms: BTreeMap::from([(InstanceId::parse("1").unwrap(), self.url.clone())]),
            credentials: self.credentials.clone(),
            data_file: self.data_file(),
        }
    }

    /// Withdraws the application's offline access to the person's record (online stays).
    pub async fn withdraw_offline_access(&self) {
        let now = OffsetDateTime::now_utc();
        self.store
            .put_authorization(&AppAuthorization {
                person_id: self.account.person.id,
                record_id: self.account.record.id,
                application_id: self.credentials.application_id,
                online: Some(weight_rules(Permissions::ALL)),
                offline: None,
                granted_at: now,
                expires_at: None,
                revoked_at: None,
            })
            .await
            .unwrap();
    }

    /// Where the sample keeps its connection.
    pub fn data_file(&self) -> PathBuf {
        self.directory.path().join("weight-web.json")
    }

    /// Puts a weight in the person's record (online, as the sample could).
    pub async fn put_weight(&self, date: (i32, u8, u8), time: (u8, u8), kilograms: &str) {
        let (year, month, day) = date;
        let (hour, minute) = time;
        let draft = ThingDraft {
            type_id: WEIGHT,
            flags: ThingFlags::default(),
            data_xml: format!(
                "<weight><when><date><y>{year}</y><m>{month}</m><d>{day}</d></date><time><h>{hour}</h><m>{minute}</m></time></when><value><kg>{kilograms}</kg></value></weight>"
            ),
            common: CommonData::default(),
            blobs: Vec::new(),
            updated_end_date: None,
        };
        self.connection
            .put_things(&CallAs::Online(USER_TOKEN.to_owned()), self.account.record.id, vec![(None, draft)])
            .await
            .unwrap();
    }
}

/// The sample, served by `haven_example_weight_web::serve` on a loopback socket.
pub struct Sample {
    /// Its root URL.
    pub url: Url,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Sample {
    /// Serves the sample with `config`.
    pub async fn start(config: Config) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        let task = tokio::spawn(haven_example_weight_web::serve(listener, config));
        Self { url, task }
    }

    /// Stops serving (the process's memory of issued `actionqs` values goes with it).
    pub async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
    }

    /// GETs `path_and_query`; returns the status and the page.
    pub async fn get(&self, path_and_query: &str) -> (u16, String) {
        let response = client().get(self.url.join(path_and_query).unwrap()).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }

    /// POSTs `fields` as a form to `path`; returns the status and the page.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        let response = client()
            .post(self.url.join(path).unwrap())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }

    /// GETs the start page and returns the `actionqs` its "Connect to Haven" link carries,
    /// checking the link is the Shell's APPAUTH for this application.
    pub async fn issued_state(&self, application_id: ApplicationId) -> String {
        let (status, page) = self.get("/").await;
        assert_eq!(status, 200, "{page}");
        connect_state(&page, application_id)
    }
}

/// The `actionqs` of the page's "Connect" link (`id="connect"`), checking the rest of it.
pub fn connect_state(page: &str, application_id: ApplicationId) -> String {
    let start = page.find(r#"id="connect" href=""#).unwrap_or_else(|| panic!("no connect link in {page}"));
    let rest = &page[start + r#"id="connect" href=""#.len()..];
    let href = rest[..rest.find('"').unwrap()].replace("&amp;", "&").replace("&#38;", "&");
    let link = Url::parse(&href).unwrap();
    assert_eq!(link.as_str().split('?').next().unwrap(), "http://shell.example/redirect.aspx");
    let query: BTreeMap<_, _> = link.query_pairs().into_owned().collect();
    assert_eq!(query.get("target").map(String::as_str), Some("APPAUTH"));
    let targetqs: BTreeMap<_, _> =
        url::form_urlencoded::parse(query.get("targetqs").unwrap().as_bytes()).into_owned().collect();
    assert_eq!(targetqs.get("appid"), Some(&application_id.to_string()));
    let state = targetqs.get("actionqs").unwrap().clone();
    assert!(state.len() >= 32, "{state}");
    state
}

/// An HTTP client that does not follow redirects.
fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}
