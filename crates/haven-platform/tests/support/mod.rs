//! Shared by the Platform's integration tests: the router in-process on a real SQLite
//! store, an application with a generated certificate, and requests signed the way the
//! Python clients sign them. This file holds the harness; `requests.rs` builds signed
//! request envelopes, `keys.rs` application keys and certificates, and `grants.rs` what the
//! Shell and operators would have set up (accounts, applications, grants, things).
#![allow(dead_code, reason = "each test binary uses part of the harness")]

mod grants;
mod keys;
mod requests;

pub use grants::*;
pub use keys::*;
pub use requests::*;

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::http::Request;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use haven_domain::application::{AppCertificate, Application, MethodGroup, Thumbprint};
use haven_domain::clock::Clock;
use haven_domain::clock::ManualClock;
use haven_domain::ids::ApplicationId;
use haven_domain::topology::{EXAMPLE_TOML, InstanceId, Topology};
use haven_platform::{PlatformState, router};
use haven_store::{
    ApplicationStore, AuthorizationStore, PersonStore, RecordStore, SessionStore, SqlStore, StoreConfig,
};
use haven_wire::methods::create_authenticated_session_token::SessionTokenResponse;
use haven_wire::{StatusCode, parse_response};
use hmac::{Hmac, KeyInit, Mac};
use openssl::asn1::Asn1Time;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::sign::Signer;
use openssl::x509::{X509, X509NameBuilder};
use sha1::{Digest, Sha1};
use time::macros::datetime;
use tower::ServiceExt;

pub struct Harness {
    pub app: axum::Router,
    pub store: SqlStore,
    pub clock: Arc<ManualClock>,
    pub key: PKey<Private>,
    pub thumbprint: String,
    pub app_id: ApplicationId,
    /// The Platform's access-history writer, to flush before reading the history.
    pub access_log: haven_store::AccessLogWriter,
    _directory: tempfile::TempDir,
}

pub async fn harness() -> Harness {
    harness_with_key(generate_key()).await
}

/// A harness whose application's certificate is over `key`, for tests that build many
/// harnesses and generate their keys once.
pub async fn harness_with_key(key: PKey<Private>) -> Harness {
    harness_with(key, haven_domain::eventing::UrlPolicy::default()).await
}

/// A harness whose Platform accepts event notification URLs as `policy` says.
pub async fn harness_with_eventing_urls(policy: haven_domain::eventing::UrlPolicy) -> Harness {
    harness_with(generate_key(), policy).await
}

async fn harness_with(key: PKey<Private>, eventing_urls: haven_domain::eventing::UrlPolicy) -> Harness {
    let directory = tempfile::tempdir().unwrap();
    let store = SqlStore::open(&StoreConfig::sqlite(directory.path().join("haven.db"))).await.unwrap();
    let certificate = self_signed_certificate(&key, "WildcatApp-test");
    let thumbprint = thumbprint_of(&certificate);
    let app_id = ApplicationId::from_uuid(uuid::Uuid::new_v4());
    store
        .put_application(&Application {
            id: app_id,
            name: "Tracker".to_owned(),
            description: String::new(),
            certificates: vec![AppCertificate { thumbprint: thumbprint.clone(), der: certificate.to_der().unwrap() }],
            action_url: Some(url::Url::parse("https://tracker.example/hv").unwrap()),
            online_rules: all_types(haven_domain::auth_rules::Permissions::ALL),
            offline_rules: all_types(haven_domain::auth_rules::Permissions::READ),
            method_groups: MethodGroup::web_defaults(),
            supported_instances: [InstanceId::parse("1").unwrap()].into_iter().collect(),
            master_id: None,
            is_soda: false,
            soda_secret: None,
            created_at: datetime!(2026-11-01 0:00 UTC),
        })
        .await
        .unwrap();
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-21 12:00 UTC)));
    let state = PlatformState {
        eventing_urls,
        ..PlatformState::new(
            InstanceId::parse("1").unwrap(),
            Arc::new(Topology::from_toml("topology.toml", EXAMPLE_TOML).unwrap()),
            Arc::new(store.clone()),
            clock.clone(),
        )
    };
    let access_log = state.access_log.clone();
    let app = router(state);
    Harness { app, store, clock, key, thumbprint: thumbprint.to_string(), app_id, access_log, _directory: directory }
}

impl Harness {
    pub async fn post(&self, body: String) -> (StatusCode, String) {
        let response = self
            .app
            .clone()
            .oneshot(Request::post("/platform/wildcat.ashx").body(Body::from(body)).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let text = String::from_utf8(to_bytes(response.into_body(), 1 << 20).await.unwrap().to_vec()).unwrap();
        (parse_response(&text).unwrap().status, text)
    }

    pub fn sign(&self, content: &str) -> String {
        sign_with(&self.key, content)
    }

    pub fn cast_v1(&self, secret: &[u8], content_override: Option<&str>) -> String {
        cast_v1_request(&self.credentials(), secret, content_override)
    }

    /// The harness's application as `AppCredentials`.
    pub fn credentials(&self) -> AppCredentials {
        AppCredentials { app_id: self.app_id, key: self.key.clone(), thumbprint: self.thumbprint.clone() }
    }

    /// Starts a CAST v1 session for `application` with the client-chosen `secret`.
    pub async fn session_as(&self, application: &AppCredentials, secret: &[u8]) -> SessionTokenResponse {
        let (status, text) = self.post(cast_v1_request(application, secret, None)).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        let info = parse_response(&text).unwrap().info.unwrap();
        SessionTokenResponse::parse_info_xml(1, info.inner_xml).unwrap()
    }

    pub fn cast_v2(&self, signing_time: &str) -> String {
        let app_id = self.app_id;
        let content = format!(
            "<content><app-id>{app_id}</app-id><hmac>HMACSHA1</hmac><signing-time>{signing_time}</signing-time></content>"
        );
        let signature = self.sign(&content);
        format!(
            r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header><method>CreateAuthenticatedSessionToken</method><method-version>2</method-version><app-id>{app_id}</app-id><msg-time>2026-11-21T12:00:00Z</msg-time><msg-ttl>36000</msg-ttl><version>1.0</version></header><info><auth-info><app-id>{app_id}</app-id><credential><appserver2><sig digestMethod="SHA1" sigMethod="RSA-SHA1" thumbprint="{}">{signature}</sig>{content}</appserver2></credential></auth-info></info></wc-request:request>"#,
            self.thumbprint
        )
    }

    pub async fn session(&self, version: u32) -> SessionTokenResponse {
        let body = if version == 1 { self.cast_v1(b"123456789", None) } else { self.cast_v2("2026-11-21T11:59:00Z") };
        let (status, text) = self.post(body).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        let info = parse_response(&text).unwrap().info.unwrap();
        SessionTokenResponse::parse_info_xml(version, info.inner_xml).unwrap()
    }
}
