//! The SDK as a SODA application against the real Platform (router on a loopback socket,
//! SQLite store): a master asks for an instance, the instance cannot sign in until its
//! creation is completed (here through the store, as the Shell will), then signs in with its
//! shared secret and calls like any offline application.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

use std::collections::BTreeSet;
use std::sync::Arc;

use haven_domain::application::{Application, MethodGroup};
use haven_domain::auth_rules::RuleSet;
use haven_domain::clock::SystemClock;
use haven_domain::ids::ApplicationId;
use haven_domain::session::TokenHash;
use haven_domain::topology::{EXAMPLE_TOML, InstanceId, Topology};
use haven_sdk::{ApplicationCredentials, CallAs, Connection};
use haven_store::{ApplicationStore, SodaStore, SqlStore, StoreConfig};
use haven_wire::StatusCode;
use time::OffsetDateTime;

#[tokio::test]
async fn a_soda_instance_is_created_then_signs_in_with_its_secret() {
    let directory = tempfile::tempdir().unwrap();
    let store = SqlStore::open(&StoreConfig::sqlite(directory.path().join("haven.db"))).await.unwrap();
    let master = Application {
        id: ApplicationId::from_uuid(uuid::Uuid::new_v4()),
        name: "Pocket tracker".to_owned(),
        description: "Your weight on your phone".to_owned(),
        certificates: Vec::new(),
        action_url: None,
        online_rules: RuleSet::default(),
        offline_rules: RuleSet::default(),
        method_groups: [MethodGroup::Soda].into_iter().collect(),
        supported_instances: [InstanceId::parse("1").unwrap()].into_iter().collect::<BTreeSet<_>>(),
        master_id: None,
        is_soda: true,
        soda_secret: None,
        created_at: OffsetDateTime::now_utc(),
    };
    store.put_application(&master).await.unwrap();
    let router = haven_platform::router(haven_platform::PlatformState::new(
        InstanceId::parse("1").unwrap(),
        Arc::new(Topology::from_toml("topology.toml", EXAMPLE_TOML).unwrap()),
        Arc::new(store.clone()),
        Arc::new(SystemClock),
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let platform = url::Url::parse(&format!("http://{address}/")).unwrap();

    let master_connection = Connection::new(platform.clone(), ApplicationCredentials::soda_master(master.id)).unwrap();
    let instance = master_connection.new_application_creation_info().await.unwrap();
    assert_ne!(instance.application_id, master.id);
    assert!(!format!("{instance:?}").contains(&instance.app_token), "the token stays out of debug output");
    let refused = master_connection.call("GetAuthorizedPeople", 1, &CallAs::Application, None, "<info/>").await;
    assert!(
        matches!(&refused, Err(haven_sdk::SdkError::Credentials(message)) if message.contains("SODA master")),
        "{refused:?}"
    );

    let connection = Connection::new(platform, instance.credentials()).unwrap();
    assert_eq!(connection.credentials().thumbprint(), None);
    let info = "<info><parameters/></info>";
    let pending = connection.call("GetAuthorizedPeople", 1, &CallAs::Application, None, info).await.unwrap_err();
    assert_eq!(pending.status(), Some(StatusCode::INVALID_APP), "{pending}");

    let completed = store
        .complete_soda_creation(TokenHash::of_token(&instance.app_token), OffsetDateTime::now_utc())
        .await
        .unwrap();
    assert!(completed.is_some());
    connection.call("GetAuthorizedPeople", 1, &CallAs::Application, None, info).await.unwrap();
}
