//! A real Platform (the router on a loopback socket over a SQLite store in a temporary
//! directory) with a SODA master registered (offline rule: weights, read and create) and one
//! person; and the Shell's part of CREATEAPPLICATION done through the store.
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
use haven_domain::session::TokenHash;
use haven_domain::thing_type::WEIGHT;
use haven_domain::topology::{EXAMPLE_TOML, InstanceId, Topology};
use haven_example_soda_cli::ConnectRequest;
use haven_store::{ApplicationStore, AuthorizationStore, SodaStore, SqlStore, StoreConfig};
use haven_testkit::fixtures::open_test_account;
use time::OffsetDateTime;
use url::Url;

/// The Shell the sample sends people to; never visited here.
pub const SHELL_URL: &str = "http://shell.example/";

/// The Platform with a SODA master and one person.
pub struct Platform {
    /// Root URL of the Platform (instance 1).
    pub url: Url,
    /// The SODA master.
    pub master: Application,
    /// The person's account.
    pub account: NewAccount,
    /// The Platform's store, standing in for the Shell.
    pub store: SqlStore,
    /// The temporary directory, also where the state file goes.
    pub directory: tempfile::TempDir,
}

/// Starts the Platform of instance 1 with the master registered and Sam Doe's account.
pub async fn platform() -> Platform {
    let directory = tempfile::tempdir().unwrap();
    let store = SqlStore::open(&StoreConfig::sqlite(directory.path().join("haven.db"))).await.unwrap();
    let now = OffsetDateTime::now_utc();
    let master = Application {
        id: ApplicationId::from_uuid(uuid::Uuid::new_v4()),
        name: "Pocket weights".to_owned(),
        description: "Your weight from the command line".to_owned(),
        certificates: Vec::new(),
        action_url: None,
        online_rules: RuleSet::default(),
        offline_rules: RuleSet {
            rules: vec![AuthRule {
                name: "weights".to_owned(),
                reason: String::new(),
                is_optional: false,
                is_incremental: false,
                display_flags: 0,
                permissions: Permissions::READ.union(Permissions::CREATE),
                target_sets: vec![TargetSet { type_ids: [WEIGHT].into_iter().collect(), date_ranges: Vec::new() }],
                exception_sets: Vec::new(),
            }],
        },
        method_groups: [MethodGroup::Soda].into_iter().collect(),
        supported_instances: [InstanceId::parse("1").unwrap()].into_iter().collect(),
        master_id: None,
        is_soda: true,
        soda_secret: None,
        created_at: now,
    };
    store.put_application(&master).await.unwrap();

    let topology = Topology::from_toml("topology.toml", EXAMPLE_TOML).unwrap();
    let account = open_test_account(&store, &topology, "1", ("Sam", "US"), now).await.unwrap();

    let router = haven_platform::router(haven_platform::PlatformState::new(
        InstanceId::parse("1").unwrap(),
        Arc::new(topology),
        Arc::new(store.clone()),
        Arc::new(SystemClock),
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let url = Url::parse(&format!("http://{address}/")).unwrap();
    Platform { url, master, account, store, directory }
}

impl Platform {
    /// Where the sample keeps its instance.
    pub fn state_file(&self) -> PathBuf {
        self.directory.path().join("soda.json")
    }

    /// `connect` to this Platform as "Sam's laptop", with the state file above.
    pub fn connect_request(&self) -> ConnectRequest {
        ConnectRequest {
            platform_url: self.url.clone(),
            shell_url: Url::parse(SHELL_URL).unwrap(),
            master_application_id: self.master.id,
            device_name: "Sam's laptop".to_owned(),
            multi_record: false,
            state_file: self.state_file(),
        }
    }

    /// What the Shell does when Sam completes CREATEAPPLICATION at `shell_url_to_open`:
    /// completes the creation with the token the URL carries, and authorizes the child on
    /// Sam's record with its offline rules. Returns the `targetqs` parameters.
    pub async fn complete_creation_in_shell(
        &self,
        shell_url_to_open: &Url,
        child_id: ApplicationId,
    ) -> BTreeMap<String, String> {
        let parameters = targetqs(shell_url_to_open);
        let now = OffsetDateTime::now_utc();
        let completed = self
            .store
            .complete_soda_creation(TokenHash::of_token(&parameters["appCreationToken"]), now)
            .await
            .unwrap()
            .expect("the token in the URL is the pending creation's");
        assert_eq!(completed.application_id, child_id);
        assert_eq!(completed.master_id, self.master.id);
        let child = self.store.application(child_id).await.unwrap().unwrap();
        self.store
            .put_authorization(&AppAuthorization {
                person_id: self.account.person.id,
                record_id: self.account.record.id,
                application_id: child.id,
                online: None,
                offline: Some(child.offline_rules.clone()),
                granted_at: now,
                expires_at: None,
                revoked_at: None,
            })
            .await
            .unwrap();
        parameters
    }
}

/// The parameters inside a CREATEAPPLICATION URL's `targetqs`, decoded as the Shell decodes
/// them (the outer query, then `targetqs`), checking the rest of the URL.
pub fn targetqs(url: &Url) -> BTreeMap<String, String> {
    assert_eq!(url.as_str().split('?').next().unwrap(), format!("{SHELL_URL}redirect.aspx"));
    let outer: BTreeMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(outer.get("target").map(String::as_str), Some("CREATEAPPLICATION"), "{url}");
    assert_eq!(outer.len(), 2, "{url}");
    url::form_urlencoded::parse(outer["targetqs"].as_bytes()).into_owned().collect()
}
