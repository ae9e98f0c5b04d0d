//! `InstanceDirectory` against two real Platforms, US (`1`, the application's default) and
//! EU (`2`), each with its own SQLite store and both in one topology: the EU instance is
//! found through the US Platform's service definition, which is fetched once and then asked
//! again only with its `updated-date`.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use std::sync::Arc;
use std::time::Duration;

use haven_domain::account::NewAccount;
use haven_domain::topology::InstanceId;
use haven_sdk::{CallAs, InstanceDirectory, InstanceSettings, SdkError};
use support::{RequestLog, TestApplication, bind, connected_person, serve_platform, store, test_application};
use url::Url;

/// Two instances with the application live in both, Sam's account in the US and Eva's in
/// the EU.
struct Deployment {
    application: TestApplication,
    us_platform: Url,
    eu_platform: Url,
    us_log: RequestLog,
    eu_log: RequestLog,
    sam: NewAccount,
    eva: NewAccount,
    _directories: [tempfile::TempDir; 2],
}

async fn deployment() -> Deployment {
    let application = test_application(&["1", "2"]);
    let (us_listener, us_address) = bind().await;
    let (eu_listener, eu_address) = bind().await;
    let topology = Arc::new(support::two_instances(us_address, eu_address));

    let us_directory = tempfile::tempdir().unwrap();
    let us_store = store(&us_directory, &application.application).await;
    let sam = connected_person(&us_store, &topology, "1", &application.application, ("Sam", "US"), "c2Ft").await;
    let eu_directory = tempfile::tempdir().unwrap();
    let eu_store = store(&eu_directory, &application.application).await;
    let eva = connected_person(&eu_store, &topology, "2", &application.application, ("Eva", "NL"), "ZXZh").await;

    let us_log = serve_platform(us_listener, "1", topology.clone(), us_store);
    let eu_log = serve_platform(eu_listener, "2", topology, eu_store);
    Deployment {
        application,
        us_platform: Url::parse(&format!("http://{us_address}/")).unwrap(),
        eu_platform: Url::parse(&format!("http://{eu_address}/")).unwrap(),
        us_log,
        eu_log,
        sam,
        eva,
        _directories: [us_directory, eu_directory],
    }
}

impl Deployment {
    /// A directory whose default instance is the US.
    fn directory(&self, multi_instance_aware: bool, max_age: Duration) -> InstanceDirectory {
        let settings = InstanceSettings {
            multi_instance_aware,
            service_definition_max_age: max_age,
            ..InstanceSettings::new(self.us_platform.clone(), Url::parse("http://us-shell.example/").unwrap())
        };
        InstanceDirectory::new(settings, self.application.credentials.clone()).unwrap()
    }
}

fn instance(id: &str) -> InstanceId {
    InstanceId::parse(id).unwrap()
}

/// The parameters inside a redirect's `targetqs`.
fn targetqs(url: &Url) -> Vec<(String, String)> {
    let (_, inner) = url.query_pairs().find(|(name, _)| name == "targetqs").unwrap();
    url::form_urlencoded::parse(inner.as_bytes()).into_owned().collect()
}

#[tokio::test]
async fn the_eu_instance_is_reached_through_the_us_service_definition() {
    let deployment = deployment().await;
    let directory = deployment.directory(true, haven_sdk::SERVICE_DEFINITION_MAX_AGE);
    assert_eq!(directory.default_instance_id().await.unwrap(), instance("1"));

    let eu = directory.connection(&instance("2")).await.unwrap();
    assert_eq!(eu.method_url().as_str(), format!("{}platform/wildcat.ashx", deployment.eu_platform));
    let eva = eu.person_info(&CallAs::Offline(deployment.eva.person.id)).await.unwrap();
    assert_eq!(eva.name, "Eva Doe");
    // Eva's account is not in the US.
    let us = directory.connection(&instance("1")).await.unwrap();
    assert!(us.person_info(&CallAs::Offline(deployment.eva.person.id)).await.is_err());
    let sam = us.person_info(&CallAs::Offline(deployment.sam.person.id)).await.unwrap();
    assert_eq!(sam.name, "Sam Doe");

    // One connection per instance, shared; the definition was fetched once, from the US.
    assert!(Arc::ptr_eq(&eu, &directory.connection(&instance("2")).await.unwrap()));
    assert!(Arc::ptr_eq(&us, &directory.default_connection()));
    let names: Vec<_> = directory.instances().await.unwrap().into_iter().map(|instance| instance.name).collect();
    assert_eq!(names, ["US", "EU"]);
    assert_eq!(deployment.us_log.count("GetServiceDefinition", None), 1);
    assert_eq!(deployment.eu_log.count("GetServiceDefinition", None), 0);
    assert_eq!(deployment.eu_log.count("CreateAuthenticatedSessionToken", None), 1);
    assert_eq!(deployment.eu_log.count("GetPersonInfo", None), 1);

    // A person of the EU signs out at the EU Shell; everyone starts at the US one.
    let sign_out =
        directory.instance_shell_redirect_url(&instance("2"), "APPSIGNOUT", &[("credtoken", "ZXZh")]).await.unwrap();
    assert!(sign_out.as_str().starts_with("http://eu-shell.example/redirect.aspx?target=APPSIGNOUT&"), "{sign_out}");
    assert_eq!(targetqs(&sign_out), [("credtoken".into(), "ZXZh".into()), ("aib".into(), "true".into())]);
    let connect = directory.shell_redirect_url("APPAUTH", &[("appid", "x")]);
    assert!(connect.as_str().starts_with("http://us-shell.example/redirect.aspx?target=APPAUTH&"), "{connect}");
    assert_eq!(targetqs(&connect), [("appid".into(), "x".into()), ("aib".into(), "true".into())]);
}

#[tokio::test]
async fn an_unknown_instance_is_looked_up_once_more_then_refused() {
    let deployment = deployment().await;
    let directory = deployment.directory(true, haven_sdk::SERVICE_DEFINITION_MAX_AGE);
    // Fetched just now, the definition is not asked again.
    let error = directory.connection(&instance("7")).await.unwrap_err();
    assert!(matches!(&error, SdkError::UnknownInstance(id) if id.as_str() == "7"), "{error}");
    assert_eq!(error.to_string(), "the service definition lists no instance 7");
    assert_eq!(deployment.us_log.count("GetServiceDefinition", None), 1);

    // Held from before, it is asked once more, only whether anything changed.
    let error = directory.connection(&instance("7")).await.unwrap_err();
    assert!(matches!(&error, SdkError::UnknownInstance(_)), "{error}");
    assert_eq!(deployment.us_log.count("GetServiceDefinition", None), 2);
    assert_eq!(deployment.us_log.count("GetServiceDefinition", Some("<updated-date>")), 1);

    // A known instance costs nothing more.
    directory.connection(&instance("2")).await.unwrap();
    assert_eq!(deployment.us_log.count("GetServiceDefinition", None), 2);
}

#[tokio::test]
async fn an_old_definition_is_asked_again_with_its_updated_date() {
    let deployment = deployment().await;
    let directory = deployment.directory(true, Duration::ZERO);
    let eu = directory.connection(&instance("2")).await.unwrap();
    let again = directory.connection(&instance("2")).await.unwrap();
    assert!(Arc::ptr_eq(&eu, &again), "an unchanged definition keeps the connection");
    assert_eq!(deployment.us_log.count("GetServiceDefinition", None), 2);
    assert_eq!(deployment.us_log.count("GetServiceDefinition", Some("<updated-date>")), 1);

    // What the directory relies on: the same updated-date is answered with nothing, an older
    // one with the whole definition.
    let us = directory.default_connection();
    let definition = us.service_definition().await.unwrap();
    assert_eq!(us.service_definition_changed_since(definition.updated_date).await.unwrap(), None);
    let older = definition.updated_date - time::Duration::seconds(1);
    assert_eq!(us.service_definition_changed_since(older).await.unwrap(), Some(definition));
}

#[tokio::test]
async fn a_single_instance_application_uses_its_default_instance_only() {
    let deployment = deployment().await;
    let directory = deployment.directory(false, haven_sdk::SERVICE_DEFINITION_MAX_AGE);
    let error = directory.connection(&instance("2")).await.unwrap_err();
    assert!(
        matches!(&error, SdkError::InstanceNotServed { instance_id, default_instance_id }
            if instance_id.as_str() == "2" && default_instance_id.as_str() == "1"),
        "{error}"
    );
    assert!(directory.instance_shell_redirect_url(&instance("2"), "APPSIGNOUT", &[]).await.is_err());
    let us = directory.connection(&instance("1")).await.unwrap();
    assert_eq!(us.person_info(&CallAs::Offline(deployment.sam.person.id)).await.unwrap().name, "Sam Doe");
    assert_eq!(deployment.eu_log.total(), 0, "nothing is sent to the EU");

    let connect = directory.shell_redirect_url("APPAUTH", &[("appid", "x")]);
    assert_eq!(targetqs(&connect), [("appid".into(), "x".into()), ("aib".into(), "false".into())]);
}
