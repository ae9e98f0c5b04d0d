//! CreateAuthenticatedSessionToken and the authentication of session calls, through the
//! router in-process, on a real SQLite store, signing as the Python clients do.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use haven_store::ApplicationStore;
use haven_wire::{StatusCode, parse_response};
use support::{authorize, call, harness, session_call};
use time::Duration;

#[tokio::test]
async fn version_1_sessions_use_the_client_secret() {
    let harness = harness().await;
    let session = harness.session(1).await;
    assert_eq!(session.app_id, harness.app_id);
    assert!(session.shared_secret.is_none());
    let (status, text) = harness.post(session_call(&session.token, b"123456789", "<info/>", |body| body)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
}

#[tokio::test]
async fn version_2_sessions_use_the_server_secret() {
    let harness = harness().await;
    let session = harness.session(2).await;
    let secret = session.shared_secret.expect("v2 issues a secret");
    assert_eq!(secret.len(), 32);
    let (status, text) = harness.post(session_call(&session.token, &secret, "<info/>", |body| body)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
}

#[tokio::test]
async fn bad_signatures_unknown_applications_and_stale_signing_times_are_refused() {
    let harness = harness().await;
    let tampered = format!(
        r#"<content><app-id>{}</app-id><shared-secret><hmac-alg algName="HMACSHA1">{}</hmac-alg></shared-secret></content>"#,
        harness.app_id,
        STANDARD.encode(b"a secret I did not sign")
    );
    assert_eq!(harness.post(harness.cast_v1(b"123456789", Some(&tampered))).await.0, StatusCode::BAD_SIG);

    let unknown_app = harness
        .cast_v1(b"123456789", None)
        .replace(&harness.app_id.to_string(), "11111111-2222-3333-4444-555555555555");
    assert_eq!(harness.post(unknown_app).await.0, StatusCode::INVALID_APP);

    let unknown_certificate = harness.cast_v1(b"123456789", None).replace(&harness.thumbprint, &"AB".repeat(20));
    assert_eq!(harness.post(unknown_certificate).await.0, StatusCode::BAD_CERT);

    assert_eq!(harness.post(harness.cast_v2("2026-11-19T12:00:00Z")).await.0, StatusCode::REQUEST_TIMED_OUT);
}

#[tokio::test]
async fn session_calls_are_checked() {
    let harness = harness().await;
    let session = harness.session(1).await;
    let secret = b"123456789";

    let wrong_secret = session_call(&session.token, b"not the secret", "<info/>", |body| body);
    assert_eq!(harness.post(wrong_secret).await.0, StatusCode::BAD_SIG);

    let changed_header =
        session_call(&session.token, secret, "<info/>", |body| body.replace("<language>en", "<language>fr"));
    assert_eq!(harness.post(changed_header).await.0, StatusCode::BAD_SIG);

    let changed_info = session_call(&session.token, secret, "<info/>", |body| body.replace("<info/>", "<info></info>"));
    assert_eq!(harness.post(changed_info).await.0, StatusCode::BAD_SIG);

    let unknown_token = session_call("bm90IGEgdG9rZW4=", secret, "<info/>", |body| body);
    assert_eq!(harness.post(unknown_token).await.0, StatusCode::INVALID_TOKEN);

    let no_hmac = session_call(&session.token, secret, "<info/>", |body| {
        let start = body.find("<auth>").unwrap();
        let end = body.find("</auth>").unwrap() + "</auth>".len();
        format!("{}{}", &body[..start], &body[end..])
    });
    assert_eq!(harness.post(no_hmac).await.0, StatusCode::BAD_SIG);

    harness.clock.advance(haven_domain::session::APP_SESSION_LIFETIME + Duration::seconds(1));
    let expired = session_call(&session.token, secret, "<info/>", |body| body);
    assert_eq!(harness.post(expired).await.0, StatusCode::AUTHENTICATED_SESSION_TOKEN_EXPIRED);
}

fn person_info(text: &str) -> haven_wire::methods::get_person_info::PersonInfo {
    let info = parse_response(text).unwrap().info.unwrap();
    assert_eq!(info.schema(), Some("GetPersonInfo"));
    haven_wire::methods::get_person_info::PersonInfo::parse_info_xml(info.inner_xml).unwrap()
}

#[tokio::test]
async fn get_person_info_online_and_offline() {
    let harness = harness().await;
    let session = harness.session(1).await;
    let secret = b"123456789";
    let (account, user_token) = authorize(&harness, true).await;

    let online = format!("<auth-token>{}</auth-token><user-auth-token>{user_token}</user-auth-token>", session.token);
    let (status, text) = harness.post(call("GetPersonInfo", 1, &online, secret, "<info/>", |body| body)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let person = person_info(&text);
    assert_eq!(person.person_id, account.person.id);
    assert_eq!(person.name, "Ana López");
    assert_eq!(person.selected_record_id, Some(account.record.id));
    assert_eq!(person.records.len(), 1);
    assert!(person.records[0].is_custodian);

    let offline = format!(
        "<auth-token>{}</auth-token><offline-person-info><offline-person-id>{}</offline-person-id></offline-person-info>",
        session.token, account.person.id
    );
    let (status, text) = harness.post(call("GetPersonInfo", 1, &offline, secret, "<info/>", |body| body)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(person_info(&text).records.len(), 1);

    let app_only = format!("<auth-token>{}</auth-token>", session.token);
    assert_eq!(
        harness.post(call("GetPersonInfo", 1, &app_only, secret, "<info/>", |body| body)).await.0,
        StatusCode::ACCESS_DENIED
    );

    let stranger = format!(
        "<auth-token>{}</auth-token><offline-person-info><offline-person-id>{}</offline-person-id></offline-person-info>",
        session.token,
        uuid::Uuid::new_v4()
    );
    assert_eq!(
        harness.post(call("GetPersonInfo", 1, &stranger, secret, "<info/>", |body| body)).await.0,
        StatusCode::ACCESS_DENIED,
        "an unknown person answers like one who never authorized the application"
    );

    let forged =
        format!("<auth-token>{}</auth-token><user-auth-token>bm90IGEgdG9rZW4=</user-auth-token>", session.token);
    assert_eq!(
        harness.post(call("GetPersonInfo", 1, &forged, secret, "<info/>", |body| body)).await.0,
        StatusCode::CREDENTIAL_TOKEN_EXPIRED
    );
}

#[tokio::test]
async fn offline_calls_need_an_offline_grant() {
    let harness = harness().await;
    let session = harness.session(1).await;
    let (account, _) = authorize(&harness, false).await;
    let offline = format!(
        "<auth-token>{}</auth-token><offline-person-info><offline-person-id>{}</offline-person-id></offline-person-info>",
        session.token, account.person.id
    );
    let (status, text) = harness.post(call("GetPersonInfo", 1, &offline, b"123456789", "<info/>", |body| body)).await;
    assert_eq!(status, StatusCode::ACCESS_DENIED, "{text}");
}

#[tokio::test]
async fn method_groups_gate_which_methods_an_application_may_call() {
    use haven_domain::application::MethodGroup;
    use haven_store::ApplicationStore;
    let harness = harness().await;
    let session = harness.session(1).await;
    let (_, user_token) = authorize(&harness, false).await;
    let online = support::online(&session.token, &user_token);
    let (status, text) = harness.post(call("GetPersonInfo", 1, &online, b"123456789", "<info/>", |body| body)).await;
    assert_eq!(status, StatusCode::OK, "{text}");

    let mut application = harness.store.application(harness.app_id).await.unwrap().unwrap();
    application.method_groups = [MethodGroup::Eventing].into_iter().collect();
    harness.store.put_application(&application).await.unwrap();
    let (status, text) = harness.post(call("GetPersonInfo", 1, &online, b"123456789", "<info/>", |body| body)).await;
    assert_eq!(status, StatusCode::ACCESS_DENIED, "{text}");
    assert!(text.contains("method groups"), "{text}");
}

#[tokio::test]
async fn a_session_ends_when_its_application_is_taken_out_of_the_instance() {
    let harness = harness().await;
    let session = harness.session(1).await;
    let call = || session_call(&session.token, b"123456789", "<info/>", |body| body);
    assert_eq!(harness.post(call()).await.0, StatusCode::OK, "live here");

    // The operator makes the application live in the EU only (`haven app go-live --instances 2`).
    let mut application = harness.store.application(harness.app_id).await.unwrap().unwrap();
    application.supported_instances = [haven_domain::topology::InstanceId::parse("2").unwrap()].into_iter().collect();
    harness.store.put_application(&application).await.unwrap();
    let (status, text) = harness.post(call()).await;
    assert_eq!(status, StatusCode::INVALID_APP, "{text}");
    assert!(text.contains("not live in this instance"), "{text}");
}
