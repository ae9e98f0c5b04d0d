//! Real Platforms (the router on a loopback socket over a SQLite store in a temporary
//! directory) with the sample registered as an application, one person in each who
//! authorized it (online: weights, all permissions; offline: weights, read) and a user token
//! standing in for the one the Shell issues; and the sample application itself, served on
//! its own loopback socket.
#![allow(dead_code, reason = "each test binary uses part of the harness")]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use haven_domain::account::NewAccount;
use haven_domain::application::{Application, MethodGroup};
use haven_domain::auth_rules::{AuthRule, Permissions, RuleSet, TargetSet};
use haven_domain::authorization::AppAuthorization;
use haven_domain::clock::SystemClock;
use haven_domain::ids::ApplicationId;
use haven_domain::thing::{CommonData, ThingDraft, ThingFlags};
use haven_domain::thing_type::WEIGHT;
use haven_domain::topology::{EXAMPLE_TOML, InstanceId, Topology};
use haven_example_weight_web::Config;
use haven_sdk::{ApplicationCredentials, CallAs, Connection};
use haven_store::{ApplicationStore, AuthorizationStore, SqlStore, StoreConfig};
use haven_testkit::fixtures::{authorize_declared_rules, issue_user_token, open_test_account};
use time::OffsetDateTime;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use url::Url;

/// The user token the Shell would have handed the sample on AppAuthSuccess, for Sam (in
/// [`platform`], and in the US instance of [`two_platforms`]).
pub const USER_TOKEN: &str = "d2VpZ2h0LXdlYiB1c2VyIHRva2Vu";

/// The user token of Eva, whose account is in the EU instance of [`two_platforms`].
pub const EU_USER_TOKEN: &str = "ZXUgd2VpZ2h0LXdlYiB1c2VyIHRva2Vu";

/// The default instance's Shell in every configuration here (never visited).
pub const SHELL_URL: &str = "http://shell.example/";

/// The EU instance's Shell in [`two_platforms`] (never visited).
pub const EU_SHELL_URL: &str = "http://eu-shell.example/";

/// One instance's Platform with the sample registered and one person connected.
pub struct Platform {
    /// Root URL of the Platform.
    pub url: Url,
    /// The sample's credentials.
    pub credentials: ApplicationCredentials,
    /// The person's account.
    pub account: NewAccount,
    /// The user token the Shell issued the person.
    pub user_token: &'static str,
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

/// The sample's registration (live in instances 1 and 2) and its credentials.
fn sample_application() -> (Application, ApplicationCredentials) {
    let application_id = ApplicationId::from_uuid(uuid::Uuid::new_v4());
    let pair = haven::certificate::generate(application_id).unwrap();
    let application = Application {
        id: application_id,
        name: "Weight sample".to_owned(),
        description: String::new(),
        certificates: vec![haven::certificate::app_certificate(&pair.certificate).unwrap()],
        action_url: Some(Url::parse("http://127.0.0.1:8130/action").unwrap()),
        online_rules: weight_rules(Permissions::ALL),
        offline_rules: weight_rules(Permissions::READ.union(Permissions::CREATE)),
        method_groups: MethodGroup::web_defaults(),
        supported_instances: ["1", "2"].into_iter().map(|id| InstanceId::parse(id).unwrap()).collect(),
        master_id: None,
        is_soda: false,
        soda_secret: None,
        created_at: OffsetDateTime::now_utc(),
    };
    let credentials = ApplicationCredentials::from_pem(
        application.id,
        &pair.private_key.private_key_to_pem_pkcs8().unwrap(),
        &pair.certificate.to_pem().unwrap(),
    )
    .unwrap();
    (application, credentials)
}

/// Who is connected in an instance: a given name (the family name is Doe), the country of
/// the account (which places it in the instance) and their user token.
struct Person {
    given_name: &'static str,
    country: &'static str,
    user_token: &'static str,
}

/// Starts the Platform of instance 1 alone (in the example topology) with the sample
/// registered and Sam Doe connected.
pub async fn platform() -> Platform {
    let (application, credentials) = sample_application();
    let topology = Arc::new(Topology::from_toml("topology.toml", EXAMPLE_TOML).unwrap());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sam = Person { given_name: "Sam", country: "US", user_token: USER_TOKEN };
    start_platform(listener, "1", topology, &application, &credentials, sam).await
}

/// Starts two Platforms in one topology, US (`1`, with Sam Doe connected) and EU (`2`, with
/// Eva Doe), the sample registered in both; the EU Shell is at [`EU_SHELL_URL`].
pub async fn two_platforms() -> (Platform, Platform) {
    let (application, credentials) = sample_application();
    let us_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let eu_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let text = format!(
        r#"
[[instance]]
id = "1"
name = "US"
description = "US instance"
platform-url = "http://{}/"
shell-url = "{SHELL_URL}"
min-signup-age = 13

[[instance]]
id = "2"
name = "EU"
description = "EU instance"
platform-url = "http://{}/"
shell-url = "{EU_SHELL_URL}"
min-signup-age = 16

[countries]
default-instance = "2"

[[countries.assign]]
instance = "1"
countries = ["US"]
"#,
        us_listener.local_addr().unwrap(),
        eu_listener.local_addr().unwrap()
    );
    let topology = Arc::new(Topology::from_toml("topology.toml", &text).unwrap());
    let sam = Person { given_name: "Sam", country: "US", user_token: USER_TOKEN };
    let eva = Person { given_name: "Eva", country: "NL", user_token: EU_USER_TOKEN };
    let us = start_platform(us_listener, "1", topology.clone(), &application, &credentials, sam).await;
    let eu = start_platform(eu_listener, "2", topology, &application, &credentials, eva).await;
    (us, eu)
}

/// Serves the Platform of `instance` on `listener`, over a new store holding `application`
/// and `person`, who authorized it.
async fn start_platform(
    listener: TcpListener,
    instance: &str,
    topology: Arc<Topology>,
    application: &Application,
    credentials: &ApplicationCredentials,
    person: Person,
) -> Platform {
    let directory = tempfile::tempdir().unwrap();
    let store = SqlStore::open(&StoreConfig::sqlite(directory.path().join("haven.db"))).await.unwrap();
    let now = OffsetDateTime::now_utc();
    store.put_application(application).await.unwrap();

    let account =
        open_test_account(&store, &topology, instance, (person.given_name, person.country), now).await.unwrap();
    authorize_declared_rules(&store, &account, application, now).await.unwrap();
    issue_user_token(&store, &account, application, person.user_token, now).await.unwrap();

    let router = haven_platform::router(haven_platform::PlatformState::new(
        InstanceId::parse(instance).unwrap(),
        topology,
        Arc::new(store.clone()),
        Arc::new(SystemClock),
    ));
    let url = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });

    let connection = Connection::new(url.clone(), credentials.clone()).unwrap();
    Platform {
        url,
        credentials: credentials.clone(),
        account,
        user_token: person.user_token,
        connection,
        store,
        directory,
    }
}

impl Platform {
    /// The sample's configuration: this Platform as the default instance, multi-instance
    /// aware, with the Shell at [`SHELL_URL`] and a data file in the temporary directory.
    pub fn config(&self) -> Config {
        Config {
            shell_url: Url::parse(SHELL_URL).unwrap(),
            platform_url: self.url.clone(),
            multi_instance_aware: true,
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

    /// Where the sample keeps its connections.
    pub fn data_file(&self) -> PathBuf {
        self.directory.path().join("weight-web.json")
    }

    /// The `data-xml` of every weight in the person's record.
    pub async fn weights(&self) -> Vec<String> {
        let call_as = CallAs::Online(self.user_token.to_owned());
        let things = self.connection.things_of_type(&call_as, self.account.record.id, WEIGHT).await.unwrap();
        things.into_iter().filter_map(|thing| thing.data_xml).collect()
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
            .put_things(&CallAs::Online(self.user_token.to_owned()), self.account.record.id, vec![(None, draft)])
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

/// The parameters inside the `targetqs` of the page's link with `id`, checking that the link
/// goes to `target` on the redirect interface of the Shell at `shell_url`.
pub fn shell_link(page: &str, id: &str, shell_url: &str, target: &str) -> BTreeMap<String, String> {
    let marker = format!(r#"id="{id}" href=""#);
    let start = page.find(&marker).unwrap_or_else(|| panic!("no {id} link in {page}"));
    let rest = &page[start + marker.len()..];
    let href = rest[..rest.find('"').unwrap()].replace("&amp;", "&").replace("&#38;", "&");
    let link = Url::parse(&href).unwrap();
    assert_eq!(link.as_str().split('?').next().unwrap(), format!("{shell_url}redirect.aspx"));
    let query: BTreeMap<_, _> = link.query_pairs().into_owned().collect();
    assert_eq!(query.get("target").map(String::as_str), Some(target));
    url::form_urlencoded::parse(query.get("targetqs").unwrap().as_bytes()).into_owned().collect()
}

/// The `actionqs` of the page's "Connect" link (`id="connect"`), checking the rest of it:
/// APPAUTH at [`SHELL_URL`] for this application, allowing the Shell to send the person to
/// another instance (`aib=true`).
pub fn connect_state(page: &str, application_id: ApplicationId) -> String {
    let targetqs = shell_link(page, "connect", SHELL_URL, "APPAUTH");
    assert_eq!(targetqs.get("appid"), Some(&application_id.to_string()));
    assert_eq!(targetqs.get("aib").map(String::as_str), Some("true"));
    let state = targetqs.get("actionqs").unwrap().clone();
    assert!(state.len() >= 32, "{state}");
    state
}

/// An HTTP client that does not follow redirects.
fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}
