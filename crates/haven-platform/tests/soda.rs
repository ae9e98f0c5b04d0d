//! SODA through the router: NewApplicationCreationInfo creates a provisional child of a SODA
//! master; the child signs in (CreateAuthenticatedSessionToken v2 with `hmacSig`) only after
//! its creation is completed, and only with its own secret.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use haven_domain::application::{Application, MethodGroup, SodaSecret};
use haven_domain::auth_rules::{Permissions, RuleSet};
use haven_domain::clock::Clock;
use haven_domain::ids::ApplicationId;
use haven_domain::session::TokenHash;
use haven_domain::soda::SODA_CREATION_TOKEN_LIFETIME;
use haven_store::{ApplicationStore, SodaStore};
use haven_wire::StatusCode;
use haven_wire::methods::create_authenticated_session_token::SessionTokenResponse;
use haven_wire::methods::new_application_creation_info::NewApplicationCreationInfo;
use haven_wire::parse_response;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use support::{Harness, all_types, application_only, call, harness, info_of};

/// Registers a SODA master: a copy of the harness's application with no certificate, only
/// offline rules and the SODA method group.
async fn register_soda_master(harness: &Harness) -> Application {
    let mut master = harness.store.application(harness.app_id).await.unwrap().expect("the harness's application");
    master.id = ApplicationId::from_uuid(uuid::Uuid::new_v4());
    master.name = "Pocket tracker".to_owned();
    master.certificates = Vec::new();
    master.online_rules = RuleSet::default();
    master.offline_rules = all_types(Permissions::READ);
    master.method_groups = [MethodGroup::Soda].into_iter().collect();
    master.is_soda = true;
    harness.store.put_application(&master).await.unwrap();
    master
}

/// NewApplicationCreationInfo as the .NET SDK sends it: anonymous, `header_app_id` (if any)
/// in the header, `<info />`.
fn creation_request(header_app_id: Option<ApplicationId>) -> String {
    let app_id = header_app_id.map(|id| format!("<app-id>{id}</app-id>")).unwrap_or_default();
    format!(
        r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header><method>NewApplicationCreationInfo</method><method-version>1</method-version>{app_id}<language>en</language><country>US</country><msg-time>2026-11-21T12:00:00Z</msg-time><msg-ttl>1800</msg-ttl><version>foo v1.0</version></header><info /></wc-request:request>"#
    )
}

/// CAST v2 for `app_id`, `<content>` signed with HMAC-SHA256 under `secret` (`hmacSig`), the
/// session to use HMAC-SHA1 as the test harness signs calls.
fn cast_hmac(app_id: ApplicationId, secret: &[u8]) -> String {
    let content = format!(
        "<content><app-id>{app_id}</app-id><hmac>HMACSHA1</hmac><signing-time>2026-11-21T11:59:00Z</signing-time></content>"
    );
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).unwrap();
    mac.update(content.as_bytes());
    let signature = STANDARD.encode(mac.finalize().into_bytes());
    format!(
        r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header><method>CreateAuthenticatedSessionToken</method><method-version>2</method-version><app-id>{app_id}</app-id><language>en</language><country>US</country><msg-time>2026-11-21T12:00:00Z</msg-time><msg-ttl>1800</msg-ttl><version>foo v1.0</version></header><info><auth-info><app-id>{app_id}</app-id><credential><appserver2><hmacSig algName="HMACSHA256">{signature}</hmacSig>{content}</appserver2></credential></auth-info></info></wc-request:request>"#
    )
}

/// Asks for a new instance of `master` and reads the answer.
async fn create_instance(harness: &Harness, master: ApplicationId) -> NewApplicationCreationInfo {
    let (status, text) = harness.post(creation_request(Some(master))).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let info = parse_response(&text).unwrap().info.unwrap();
    assert_eq!(info.schema(), Some("NewApplicationCreationInfo"));
    NewApplicationCreationInfo::parse_info_xml(info.inner_xml).unwrap()
}

/// The error message of a refusal.
fn message_of(text: &str) -> String {
    parse_response(text).unwrap().error_message.map(|message| message.to_string()).unwrap_or_default()
}

#[tokio::test]
async fn a_soda_master_creates_a_provisional_child() {
    let harness = harness().await;
    let master = register_soda_master(&harness).await;
    let created = create_instance(&harness, master.id).await;
    assert_ne!(created.app_id, master.id);
    assert_eq!(created.shared_secret.len(), 32);
    assert!(!created.app_token.is_empty());

    let child = harness.store.application(created.app_id).await.unwrap().expect("the child is registered");
    assert_eq!(child.master_id, Some(master.id));
    assert!(child.is_soda);
    assert_eq!((child.name.as_str(), &child.description), (master.name.as_str(), &master.description));
    assert_eq!(child.offline_rules, master.offline_rules);
    assert_eq!(child.method_groups, master.method_groups);
    assert_eq!(child.supported_instances, master.supported_instances);
    assert!(child.certificates.is_empty());
    assert_eq!(child.soda_secret, Some(SodaSecret::new(created.shared_secret.clone())));

    let creation = harness
        .store
        .soda_creation(TokenHash::of_token(&created.app_token))
        .await
        .unwrap()
        .expect("the token is stored by its hash");
    assert_eq!((creation.application_id, creation.master_id), (child.id, master.id));
    assert_eq!(creation.expires_at, harness.clock.now() + SODA_CREATION_TOKEN_LIFETIME);
    assert!(creation.is_pending_at(harness.clock.now()));

    let second = create_instance(&harness, master.id).await;
    assert_ne!(second.app_id, created.app_id, "each copy gets its own identity");
    assert_ne!(second.shared_secret, created.shared_secret);
    assert_ne!(second.app_token, created.app_token);
}

#[tokio::test]
async fn only_registered_soda_masters_create_children() {
    let harness = harness().await;
    let master = register_soda_master(&harness).await;
    let child = create_instance(&harness, master.id).await;
    let unknown = ApplicationId::from_uuid(uuid::Uuid::new_v4());
    let cases = [
        (Some(harness.app_id), "not a SODA application"),
        (Some(unknown), "not registered"),
        (Some(child.app_id), "not its master"),
        (None, "names no application"),
    ];
    for (header_app_id, expected) in cases {
        let (status, text) = harness.post(creation_request(header_app_id)).await;
        assert_eq!(status, StatusCode::INVALID_APP, "{text}");
        assert!(message_of(&text).contains(expected), "{expected:?} in {text}");
    }
    let version_two = creation_request(Some(master.id))
        .replace("<method-version>1</method-version>", "<method-version>2</method-version>");
    assert_eq!(harness.post(version_two).await.0, StatusCode::INVALID_METHOD);
    // Only the first child exists.
    let children = harness.store.applications().await.unwrap();
    assert_eq!(children.iter().filter(|application| application.master_id.is_some()).count(), 1);
}

#[tokio::test]
async fn a_child_signs_in_with_its_secret_once_its_creation_is_complete() {
    let harness = harness().await;
    let master = register_soda_master(&harness).await;
    let created = create_instance(&harness, master.id).await;

    let (status, text) = harness.post(cast_hmac(created.app_id, &created.shared_secret)).await;
    assert_eq!(status, StatusCode::INVALID_APP, "{text}");
    assert!(message_of(&text).contains("CREATEAPPLICATION"), "{text}");

    let completed = harness
        .store
        .complete_soda_creation(TokenHash::of_token(&created.app_token), harness.clock.now())
        .await
        .unwrap();
    assert!(completed.is_some_and(|creation| creation.is_completed()));

    let (status, text) = harness.post(cast_hmac(created.app_id, b"not the child's secret")).await;
    assert_eq!(status, StatusCode::BAD_SIG, "{text}");
    assert!(message_of(&text).contains("hmacSig"), "{text}");
    let tampered = cast_hmac(created.app_id, &created.shared_secret).replace("11:59:00Z", "11:58:00Z");
    assert_eq!(harness.post(tampered).await.0, StatusCode::BAD_SIG, "the HMAC covers the bytes of <content>");
    let unsupported =
        cast_hmac(created.app_id, &created.shared_secret).replace(r#"algName="HMACSHA256""#, r#"algName="HMACMD5""#);
    assert_eq!(harness.post(unsupported).await.0, StatusCode::BAD_SIG);
    // A web application has no shared secret to sign with.
    let (status, text) = harness.post(cast_hmac(harness.app_id, &created.shared_secret)).await;
    assert_eq!(status, StatusCode::BAD_SIG, "{text}");
    assert!(message_of(&text).contains("no shared secret"), "{text}");

    let (status, text) = harness.post(cast_hmac(created.app_id, &created.shared_secret)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let session = SessionTokenResponse::parse_info_xml(2, &info_of(&text)).unwrap();
    assert_eq!(session.app_id, created.app_id);
    let session_secret = session.shared_secret.expect("a v2 session secret");
    assert_ne!(session_secret, created.shared_secret, "the session has a secret of its own");

    // The session works like any offline application's.
    let body = call(
        "GetAuthorizedPeople",
        1,
        &application_only(&session.token),
        &session_secret,
        "<info><parameters/></info>",
        |body| body,
    );
    let (status, text) = harness.post(body).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    // A child is not a master: it cannot create children, even within its session.
    let body =
        call("NewApplicationCreationInfo", 1, &application_only(&session.token), &session_secret, "<info/>", |body| {
            body
        });
    assert_eq!(harness.post(body).await.0, StatusCode::INVALID_APP);
}
