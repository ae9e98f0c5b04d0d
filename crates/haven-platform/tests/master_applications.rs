//! Master and child applications: AddApplication and UpdateApplication by a master (the
//! Master method group), GetApplicationInfo with `child-app-id`, and children living in the
//! one instance that created them.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::http::Request;
use haven_domain::application::{Application, MethodGroup};
use haven_domain::auth_rules::Permissions;
use haven_domain::ids::ApplicationId;
use haven_domain::thing_type::{HEIGHT, WEIGHT};
use haven_domain::topology::{EXAMPLE_TOML, InstanceId, Topology};
use haven_platform::{PlatformState, router};
use haven_store::{ApplicationStore, SqlStore, StoreConfig};
use haven_wire::methods::add_application::{
    AddApplicationRequest, AddApplicationResponse, ApplicationFields, AttachedContent, SupportedInstances,
};
use haven_wire::methods::get_application_info::ApplicationInfo;
use haven_wire::methods::update_application::UpdateApplicationRequest;
use haven_wire::{StatusCode, parse_response};
use openssl::pkey::{PKey, Private};
use support::{
    AppCredentials, Harness, application_only, cast_v1_request, generate_key, harness, info_of, register_application,
    self_signed_certificate, sign_with, thumbprint_of, types_rule,
};
use tower::ServiceExt;

const MASTER_SECRET: &[u8] = b"the master's secret";

/// The harness's application (every permission online, Read offline, on every type), made a
/// master.
async fn master(harness: &Harness) -> AppCredentials {
    let mut application = harness.store.application(harness.app_id).await.unwrap().unwrap();
    application.method_groups.insert(MethodGroup::Master);
    harness.store.put_application(&application).await.unwrap();
    harness.credentials()
}

/// A certificate over `key` as AddApplication carries it: its DER bytes.
fn certificate_der(key: &PKey<Private>, name: &str) -> Vec<u8> {
    self_signed_certificate(key, name).to_der().unwrap()
}

/// A child description: Weight online (read, create), Weight offline (read), an action URL.
fn child_fields(key: &PKey<Private>) -> ApplicationFields {
    ApplicationFields {
        name: Some("Dr. Lee's practice".to_owned()),
        public_keys: Some(vec![certificate_der(key, "lee")]),
        online_rules: Some(types_rule(Permissions::READ.union(Permissions::CREATE), &[WEIGHT])),
        offline_rules: Some(types_rule(Permissions::READ, &[WEIGHT])),
        action_url: Some("https://lee.example/hv".to_owned()),
        description: Some("Weights before your visits".to_owned()),
        auth_reason: Some("Dr. Lee reads your weight".to_owned()),
        large_logo: Some(AttachedContent { bytes: b"PNG".to_vec(), content_type: "image/png".to_owned() }),
        ..ApplicationFields::default()
    }
}

/// Posts a session call of `application` (already holding a CAST v1 session `token`).
async fn post_call(app: &axum::Router, method: &str, token: &str, info: &str) -> (StatusCode, String) {
    let body = support::call(method, 1, &application_only(token), MASTER_SECRET, info, |body| body);
    post(app, body).await
}

async fn post(app: &axum::Router, body: String) -> (StatusCode, String) {
    let response =
        app.clone().oneshot(Request::post("/platform/wildcat.ashx").body(Body::from(body)).unwrap()).await.unwrap();
    let text = String::from_utf8(to_bytes(response.into_body(), 1 << 20).await.unwrap().to_vec()).unwrap();
    (parse_response(&text).unwrap().status, text)
}

async fn session(app: &axum::Router, credentials: &AppCredentials) -> String {
    let (status, text) = post(app, cast_v1_request(credentials, MASTER_SECRET, None)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let info = info_of(&text);
    haven_wire::methods::create_authenticated_session_token::SessionTokenResponse::parse_info_xml(1, &info)
        .unwrap()
        .token
}

async fn add_child(app: &axum::Router, token: &str, fields: ApplicationFields) -> (StatusCode, String) {
    let info = AddApplicationRequest { version: 1, fields }.to_info_xml();
    post_call(app, "AddApplication", token, &info).await
}

/// A CAST v2 request for `application` (RSA-SHA1 over `content`).
fn cast_v2_request(application: &AppCredentials) -> String {
    let app_id = application.app_id;
    let content = format!(
        "<content><app-id>{app_id}</app-id><hmac>HMACSHA256</hmac><signing-time>2026-11-21T11:59:00Z</signing-time></content>"
    );
    let signature = sign_with(&application.key, &content);
    format!(
        r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header><method>CreateAuthenticatedSessionToken</method><method-version>2</method-version><app-id>{app_id}</app-id><msg-time>2026-11-21T12:00:00Z</msg-time><msg-ttl>36000</msg-ttl><version>1.0</version></header><info><auth-info><app-id>{app_id}</app-id><credential><appserver2><sig digestMethod="SHA1" sigMethod="RSA-SHA1" thumbprint="{}">{signature}</sig>{content}</appserver2></credential></auth-info></info></wc-request:request>"#,
        application.thumbprint
    )
}

fn child_credentials(app_id: ApplicationId, key: &PKey<Private>) -> AppCredentials {
    let thumbprint = thumbprint_of(&self_signed_certificate(key, "lee")).to_string();
    AppCredentials { app_id, key: key.clone(), thumbprint }
}

async fn applications(harness: &Harness) -> Vec<Application> {
    harness.store.applications().await.unwrap()
}

#[tokio::test]
async fn a_master_adds_a_child_that_signs_in_with_its_own_certificate() {
    let harness = harness().await;
    let credentials = master(&harness).await;
    let token = session(&harness.app, &credentials).await;
    let child_key = generate_key();

    let (status, text) = add_child(&harness.app, &token, child_fields(&child_key)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let child_id = AddApplicationResponse::parse_info_xml(&info_of(&text)).unwrap().id;
    let child = harness.store.application(child_id).await.unwrap().expect("the child is stored");
    assert_eq!(child.master_id, Some(harness.app_id));
    assert_eq!(child.name, "Dr. Lee's practice");
    assert_eq!(child.description, "Weights before your visits");
    assert_eq!(child.action_url.as_ref().map(url::Url::as_str), Some("https://lee.example/hv"));
    assert_eq!(child.online_rules.permissions_for(WEIGHT), Permissions::READ.union(Permissions::CREATE));
    assert_eq!(child.offline_rules.permissions_for(WEIGHT), Permissions::READ);
    assert_eq!(child.offline_rules.permissions_for(HEIGHT), Permissions::NONE);
    assert_eq!(child.certificates.len(), 1);
    assert_eq!(child.certificates[0].der, certificate_der(&child_key, "lee"));
    assert_eq!(child.method_groups, MethodGroup::web_defaults());
    assert_eq!(child.supported_instances, [InstanceId::parse("1").unwrap()].into_iter().collect());

    let child_credentials = child_credentials(child_id, &child_key);
    let (status, text) = post(&harness.app, cast_v1_request(&child_credentials, b"child secret", None)).await;
    assert_eq!(status, StatusCode::OK, "CAST v1 of the child: {text}");
    let (status, text) = post(&harness.app, cast_v2_request(&child_credentials)).await;
    assert_eq!(status, StatusCode::OK, "CAST v2 of the child: {text}");
    // The child cannot sign in with its master's key.
    let borrowed = AppCredentials { app_id: child_id, ..credentials.clone() };
    let (status, _) = post(&harness.app, cast_v1_request(&borrowed, b"child secret", None)).await;
    assert_eq!(status, StatusCode::BAD_CERT);

    // The child is no master: it cannot add applications of its own.
    let child_token = session(&harness.app, &child_credentials).await;
    let (status, text) = add_child(&harness.app, &child_token, child_fields(&child_key)).await;
    assert_eq!(status, StatusCode::ACCESS_DENIED, "{text}");

    // Statements instead of an action URL are accepted (and not kept); neither is refused.
    let with_statements = ApplicationFields {
        action_url: None,
        online_rules: Some(Default::default()),
        privacy_statement: Some(AttachedContent { bytes: b"Private".to_vec(), content_type: "text/plain".to_owned() }),
        terms_of_use: Some(AttachedContent { bytes: b"Terms".to_vec(), content_type: "text/plain".to_owned() }),
        supported_instances: Some(SupportedInstances { all: true, instance_ids: Default::default() }),
        ..child_fields(&child_key)
    };
    let (status, text) = add_child(&harness.app, &token, with_statements.clone()).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let second = AddApplicationResponse::parse_info_xml(&info_of(&text)).unwrap().id;
    let second = harness.store.application(second).await.unwrap().unwrap();
    assert_eq!(second.supported_instances.len(), 2, "support-all-instances names both instances");
    let before = applications(&harness).await;
    let (status, text) =
        add_child(&harness.app, &token, ApplicationFields { terms_of_use: None, ..with_statements }).await;
    assert_eq!(status, StatusCode::INVALID_XML, "{text}");
    assert!(text.contains("action-url"), "{text}");
    assert_eq!(applications(&harness).await, before);
}

#[tokio::test]
async fn an_application_outside_the_master_group_is_refused() {
    let harness = harness().await;
    let token = session(&harness.app, &harness.credentials()).await;
    let before = applications(&harness).await;
    let (status, text) = add_child(&harness.app, &token, child_fields(&generate_key())).await;
    assert_eq!(status, StatusCode::ACCESS_DENIED, "{text}");
    assert!(text.contains("method groups"), "{text}");
    let update = UpdateApplicationRequest {
        version: 1,
        id: harness.app_id,
        fields: ApplicationFields { name: Some("Renamed".to_owned()), ..ApplicationFields::default() },
    };
    let (status, _) = post_call(&harness.app, "UpdateApplication", &token, &update.to_info_xml()).await;
    assert_eq!(status, StatusCode::ACCESS_DENIED);
    assert_eq!(applications(&harness).await, before);
}

#[tokio::test]
async fn bad_descriptions_are_refused_and_write_nothing() {
    let harness = harness().await;
    let credentials = master(&harness).await;
    let token = session(&harness.app, &credentials).await;
    let key = generate_key();
    let before = applications(&harness).await;

    let not_a_certificate =
        ApplicationFields { public_keys: Some(vec![vec![0x30, 0x03, 1, 2, 3]]), ..child_fields(&key) };
    let (status, text) = add_child(&harness.app, &token, not_a_certificate).await;
    assert_eq!(status, StatusCode::INVALID_PUBLIC_KEY, "{text}");
    assert!(text.contains("not an X.509 certificate"), "{text}");

    let no_certificate = ApplicationFields { public_keys: Some(Vec::new()), ..child_fields(&key) };
    let (status, _) = add_child(&harness.app, &token, no_certificate).await;
    assert_eq!(status, StatusCode::INVALID_PUBLIC_KEY);

    // Rule XML that is not rule XML, and rules that break the domain's rules.
    let info = AddApplicationRequest { version: 1, fields: child_fields(&key) }.to_info_xml();
    let bad_permission = info.replacen("<permission>Read</permission>", "<permission>Everything</permission>", 1);
    let (status, text) = post_call(&harness.app, "AddApplication", &token, &bad_permission).await;
    assert_eq!(status, StatusCode::INVALID_XML, "{text}");
    let unnamed_rule = info.replacen(r#"<rule name="some-types">"#, "<rule>", 1);
    let (status, text) = post_call(&harness.app, "AddApplication", &token, &unnamed_rule).await;
    assert_eq!(status, StatusCode::INVALID_APPAUTH, "{text}");

    // Rules beyond the master's: it reads offline, the child asks to delete.
    let beyond =
        ApplicationFields { offline_rules: Some(types_rule(Permissions::ALL, &[WEIGHT])), ..child_fields(&key) };
    let (status, text) = add_child(&harness.app, &token, beyond).await;
    assert_eq!(status, StatusCode::INVALID_APPAUTH, "{text}");
    assert!(text.contains("offline"), "{text}");

    let unknown_instance = ApplicationFields {
        supported_instances: Some(SupportedInstances {
            all: false,
            instance_ids: [InstanceId::parse("9").unwrap()].into_iter().collect(),
        }),
        ..child_fields(&key)
    };
    let (status, text) = add_child(&harness.app, &token, unknown_instance).await;
    assert_eq!(status, StatusCode::INVALID_XML, "{text}");

    let ftp = ApplicationFields { action_url: Some("ftp://lee.example/".to_owned()), ..child_fields(&key) };
    let (status, _) = add_child(&harness.app, &token, ftp).await;
    assert_eq!(status, StatusCode::INVALID_XML);

    assert_eq!(applications(&harness).await, before, "nothing was written");
}

#[tokio::test]
async fn a_master_updates_only_its_children() {
    let harness = harness().await;
    let credentials = master(&harness).await;
    let token = session(&harness.app, &credentials).await;
    let key = generate_key();
    let (_, text) = add_child(&harness.app, &token, child_fields(&key)).await;
    let child_id = AddApplicationResponse::parse_info_xml(&info_of(&text)).unwrap().id;

    let new_key = generate_key();
    let update = UpdateApplicationRequest {
        version: 1,
        id: child_id,
        fields: ApplicationFields {
            name: Some("Lee & Partners".to_owned()),
            offline_rules: Some(types_rule(Permissions::READ, &[WEIGHT, HEIGHT])),
            public_keys: Some(vec![certificate_der(&new_key, "lee")]),
            ..ApplicationFields::default()
        },
    };
    let (status, text) = post_call(&harness.app, "UpdateApplication", &token, &update.to_info_xml()).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let child = harness.store.application(child_id).await.unwrap().unwrap();
    assert_eq!(child.name, "Lee & Partners", "the Shell's consent screen reads this copy");
    assert_eq!(child.offline_rules.permissions_for(HEIGHT), Permissions::READ);
    assert_eq!(child.description, "Weights before your visits", "what the update leaves out stays");
    assert_eq!(child.online_rules.permissions_for(WEIGHT), Permissions::READ.union(Permissions::CREATE));
    assert_eq!(child.certificates[0].der, certificate_der(&new_key, "lee"));
    let (status, _) = post(&harness.app, cast_v1_request(&child_credentials(child_id, &new_key), b"s", None)).await;
    assert_eq!(status, StatusCode::OK);

    // Not its child: another application, and an application nobody registered.
    let stranger = register_application(&harness, "Stranger", &[MethodGroup::Basic], None).await;
    let before = applications(&harness).await;
    let rename = |id| UpdateApplicationRequest {
        version: 2,
        id,
        fields: ApplicationFields { name: Some("Mine now".to_owned()), ..ApplicationFields::default() },
    };
    let (status, text) = post_call(&harness.app, "UpdateApplication", &token, &rename(stranger).to_info_xml()).await;
    assert_eq!(status, StatusCode::ACCESS_DENIED, "{text}");
    let nobody = ApplicationId::from_uuid(uuid::Uuid::new_v4());
    let (status, _) = post_call(&harness.app, "UpdateApplication", &token, &rename(nobody).to_info_xml()).await;
    assert_eq!(status, StatusCode::INVALID_APP);
    // A bad update of its own child changes nothing.
    let bad = UpdateApplicationRequest {
        version: 1,
        id: child_id,
        fields: ApplicationFields {
            name: Some("Renamed".to_owned()),
            public_keys: Some(vec![b"not DER".to_vec()]),
            ..ApplicationFields::default()
        },
    };
    let (status, _) = post_call(&harness.app, "UpdateApplication", &token, &bad.to_info_xml()).await;
    assert_eq!(status, StatusCode::INVALID_PUBLIC_KEY);
    assert_eq!(applications(&harness).await, before);
}

#[tokio::test]
async fn get_application_info_reads_a_child_for_its_master_only() {
    let harness = harness().await;
    let credentials = master(&harness).await;
    let token = session(&harness.app, &credentials).await;
    let (_, text) = add_child(&harness.app, &token, child_fields(&generate_key())).await;
    let child_id = AddApplicationResponse::parse_info_xml(&info_of(&text)).unwrap().id;
    let ask = format!("<info><child-app-id>{child_id}</child-app-id></info>");

    let (status, text) = post_call(&harness.app, "GetApplicationInfo", &token, &ask).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let info = ApplicationInfo::parse_info_xml(&info_of(&text)).unwrap();
    assert_eq!(info.id, child_id);
    assert_eq!(info.name, "Dr. Lee's practice");
    assert_eq!(info.master_app_id, Some(harness.app_id));
    assert_eq!(info.offline_rules.permissions_for(WEIGHT), Permissions::READ);
    assert!(info.methods.contains(&"GetThings".to_owned()) && !info.methods.contains(&"AddApplication".to_owned()));

    let other_key = generate_key();
    let other = support::register_application_with_key(&harness, "Other", other_key).await;
    let other_token = session(&harness.app, &other).await;
    let (status, _) = post_call(&harness.app, "GetApplicationInfo", &other_token, &ask).await;
    assert_eq!(status, StatusCode::ACCESS_DENIED);

    // A master in the Master group alone reads its children back too.
    let mut application = harness.store.application(harness.app_id).await.unwrap().unwrap();
    application.method_groups = [MethodGroup::Master].into_iter().collect();
    harness.store.put_application(&application).await.unwrap();
    let token = session(&harness.app, &credentials).await;
    let (status, text) = post_call(&harness.app, "GetApplicationInfo", &token, &ask).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(ApplicationInfo::parse_info_xml(&info_of(&text)).unwrap().id, child_id);
}

/// A second instance beside the harness's (instance 1): its own store and Platform.
struct SecondInstance {
    app: axum::Router,
    store: SqlStore,
    _directory: tempfile::TempDir,
}

async fn second_instance(harness: &Harness) -> SecondInstance {
    let directory = tempfile::tempdir().unwrap();
    let store = SqlStore::open(&StoreConfig::sqlite(directory.path().join("haven.db"))).await.unwrap();
    let app = router(PlatformState::new(
        InstanceId::parse("2").unwrap(),
        Arc::new(Topology::from_toml("topology.toml", EXAMPLE_TOML).unwrap()),
        Arc::new(store.clone()),
        harness.clock.clone(),
    ));
    SecondInstance { app, store, _directory: directory }
}

#[tokio::test]
async fn a_child_lives_only_in_the_instance_that_added_it() {
    let harness = harness().await;
    let credentials = master(&harness).await;
    let second = second_instance(&harness).await;

    // The master is absent from instance 2: it cannot even start a session to provision there.
    let (status, _) = post(&second.app, cast_v1_request(&credentials, MASTER_SECRET, None)).await;
    assert_eq!(status, StatusCode::INVALID_APP);

    let token = session(&harness.app, &credentials).await;
    let key = generate_key();
    let (_, text) = add_child(&harness.app, &token, child_fields(&key)).await;
    let first_child = AddApplicationResponse::parse_info_xml(&info_of(&text)).unwrap().id;
    assert!(second.store.application(first_child).await.unwrap().is_none());
    assert!(second.store.applications().await.unwrap().is_empty());

    // The operator registers the master in instance 2 (live there); it adds the child there too.
    let mut registration = harness.store.application(harness.app_id).await.unwrap().unwrap();
    registration.supported_instances = [InstanceId::parse("2").unwrap()].into_iter().collect();
    second.store.put_application(&registration).await.unwrap();
    let second_token = session(&second.app, &credentials).await;
    let (status, _) = post(&second.app, cast_v1_request(&child_credentials(first_child, &key), b"s", None)).await;
    assert_eq!(status, StatusCode::INVALID_APP, "instance 1's child does not exist in instance 2");
    let ask = format!("<info><child-app-id>{first_child}</child-app-id></info>");
    let (status, _) = post_call(&second.app, "GetApplicationInfo", &second_token, &ask).await;
    assert_eq!(status, StatusCode::ACCESS_DENIED);

    let (status, text) = add_child(&second.app, &second_token, child_fields(&key)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let second_child = AddApplicationResponse::parse_info_xml(&info_of(&text)).unwrap().id;
    assert_ne!(second_child, first_child);
    let stored = second.store.application(second_child).await.unwrap().unwrap();
    assert_eq!(stored.master_id, Some(harness.app_id));
    assert_eq!(stored.supported_instances, [InstanceId::parse("2").unwrap()].into_iter().collect());
    assert!(harness.store.application(second_child).await.unwrap().is_none());
    let (status, text) = post(&second.app, cast_v2_request(&child_credentials(second_child, &key))).await;
    assert_eq!(status, StatusCode::OK, "{text}");
}
