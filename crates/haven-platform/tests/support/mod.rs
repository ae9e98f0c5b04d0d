//! Shared by the Platform's integration tests: the router in-process on a real SQLite
//! store, an application with a generated certificate, and requests signed the way the
//! Python clients sign them.
#![allow(dead_code, reason = "each test binary uses part of the harness")]

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
    _directory: tempfile::TempDir,
}

pub async fn harness() -> Harness {
    harness_with_key(generate_key()).await
}

/// A harness whose application's certificate is over `key`, for tests that build many
/// harnesses and generate their keys once.
pub async fn harness_with_key(key: PKey<Private>) -> Harness {
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
    let app = router(PlatformState {
        instance_id: InstanceId::parse("1").unwrap(),
        topology: Arc::new(Topology::from_toml("topology.toml", EXAMPLE_TOML).unwrap()),
        store: Arc::new(store.clone()),
        clock: clock.clone(),
        msg_time_window: haven_platform::DEFAULT_MSG_TIME_WINDOW,
    });
    Harness { app, store, clock, key, thumbprint: thumbprint.to_string(), app_id, _directory: directory }
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

/// A session call as pyhealthvault builds it: HMACSHA1 over the header string, SHA1 info hash.
pub fn session_call(token: &str, secret: &[u8], info: &str, tamper: impl Fn(String) -> String) -> String {
    call(
        "GetServiceDefinition",
        2,
        &format!("<auth-token>{token}</auth-token><offline-person-info><offline-person-id/></offline-person-info>"),
        secret,
        info,
        tamper,
    )
}

/// Any method within a session; `auth_session` is the inside of `<auth-session>`.
pub fn call(
    method: &str,
    version: u32,
    auth_session: &str,
    secret: &[u8],
    info: &str,
    tamper: impl Fn(String) -> String,
) -> String {
    signed_call(method, version, None, auth_session, secret, info, tamper)
}

/// A call about one record (`<record-id>` in the signed header).
pub fn record_call(
    method: &str,
    version: u32,
    record_id: &str,
    auth_session: &str,
    secret: &[u8],
    info: &str,
) -> String {
    signed_call(method, version, Some(record_id), auth_session, secret, info, |body| body)
}

/// Any call within a session, about one record when `record_id` is given, signed with
/// `secret`; `tamper` edits the finished envelope.
pub fn signed_call(
    method: &str,
    version: u32,
    record_id: Option<&str>,
    auth_session: &str,
    secret: &[u8],
    info: &str,
    tamper: impl Fn(String) -> String,
) -> String {
    let info_hash = STANDARD.encode(Sha1::digest(info.as_bytes()));
    let record = record_id.map(|id| format!("<record-id>{id}</record-id>")).unwrap_or_default();
    let header = format!(
        r#"<header><method>{method}</method><method-version>{version}</method-version>{record}<auth-session>{auth_session}</auth-session><language>en</language><country>US</country><msg-time>2026-11-21T12:01:00</msg-time><msg-ttl>36000</msg-ttl><version>1.0</version><info-hash><hash-data algName="SHA1">{info_hash}</hash-data></info-hash></header>"#
    );
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(secret).unwrap();
    mac.update(header.as_bytes());
    let hmac = STANDARD.encode(mac.finalize().into_bytes());
    tamper(format!(
        r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><auth><hmac-data algName="HMACSHA1">{hmac}</hmac-data></auth>{header}{info}</wc-request:request>"#
    ))
}

/// Opens an account for Ana in the US instance, authorizes the application on her record
/// (online always, offline if asked) and issues her a user token; returns the token.
pub async fn authorize(harness: &Harness, offline: bool) -> (haven_domain::account::NewAccount, String) {
    use haven_domain::account::{AccountRequest, NewAccountIds, open_account};
    let topology = Topology::from_toml("topology.toml", EXAMPLE_TOML).unwrap();
    let now = harness.clock.now();
    let account = open_account(
        AccountRequest {
            email: haven_domain::person::EmailAddress::parse("ana@example.org").unwrap(),
            given_name: "Ana".to_owned(),
            family_name: "López".to_owned(),
            birth_date: time::macros::date!(1980 - 02 - 29),
            country: haven_domain::country::CountryCode::parse("US").unwrap(),
        },
        &topology,
        &InstanceId::parse("1").unwrap(),
        NewAccountIds {
            person_id: haven_domain::ids::PersonId::from_uuid(uuid::Uuid::new_v4()),
            record_id: haven_domain::ids::RecordId::from_uuid(uuid::Uuid::new_v4()),
        },
        now,
    )
    .unwrap();
    harness.store.create_person(&account.person).await.unwrap();
    harness.store.create_record(&account.record, &account.custodian).await.unwrap();
    harness
        .store
        .put_authorization(&haven_domain::authorization::AppAuthorization {
            person_id: account.person.id,
            record_id: account.record.id,
            application_id: harness.app_id,
            online: Some(all_types(haven_domain::auth_rules::Permissions::ALL)),
            offline: offline.then(|| all_types(haven_domain::auth_rules::Permissions::READ)),
            granted_at: now,
            expires_at: None,
            revoked_at: None,
        })
        .await
        .unwrap();
    let token = "dXNlciB0b2tlbiBmb3IgdGVzdHM=".to_owned();
    let hash = haven_domain::session::TokenHash(sha2::Sha256::digest(token.as_bytes()).into());
    harness
        .store
        .create_user_token(&haven_domain::session::UserToken {
            token_hash: hash,
            person_id: account.person.id,
            application_id: harness.app_id,
            selected_record_id: Some(account.record.id),
            created_at: now,
            expires_at: now + haven_domain::session::USER_TOKEN_LIFETIME,
            revoked_at: None,
        })
        .await
        .unwrap();
    (account, token)
}

/// One rule giving `permissions` on every thing type.
pub fn all_types(permissions: haven_domain::auth_rules::Permissions) -> haven_domain::auth_rules::RuleSet {
    haven_domain::auth_rules::RuleSet {
        rules: vec![haven_domain::auth_rules::AuthRule {
            name: "everything".to_owned(),
            reason: String::new(),
            is_optional: false,
            is_incremental: false,
            display_flags: 0,
            permissions,
            target_sets: vec![Default::default()],
            exception_sets: Vec::new(),
        }],
    }
}

/// The inside of `<auth-session>` for an online call.
pub fn online(session_token: &str, user_token: &str) -> String {
    format!("<auth-token>{session_token}</auth-token><user-auth-token>{user_token}</user-auth-token>")
}

/// The inside of `<auth-session>` for an offline call.
pub fn offline(session_token: &str, person_id: haven_domain::ids::PersonId) -> String {
    format!(
        "<auth-token>{session_token}</auth-token><offline-person-info><offline-person-id>{person_id}</offline-person-id></offline-person-info>"
    )
}

/// Opens an account in the US instance for another person (their own record), with no
/// authorization yet.
pub async fn open_account(harness: &Harness, email: &str, given_name: &str) -> haven_domain::account::NewAccount {
    use haven_domain::account::{AccountRequest, NewAccountIds};
    let topology = Topology::from_toml("topology.toml", EXAMPLE_TOML).unwrap();
    let account = haven_domain::account::open_account(
        AccountRequest {
            email: haven_domain::person::EmailAddress::parse(email).unwrap(),
            given_name: given_name.to_owned(),
            family_name: "Test".to_owned(),
            birth_date: time::macros::date!(1990 - 05 - 17),
            country: haven_domain::country::CountryCode::parse("US").unwrap(),
        },
        &topology,
        &InstanceId::parse("1").unwrap(),
        NewAccountIds {
            person_id: haven_domain::ids::PersonId::from_uuid(uuid::Uuid::new_v4()),
            record_id: haven_domain::ids::RecordId::from_uuid(uuid::Uuid::new_v4()),
        },
        harness.clock.now(),
    )
    .unwrap();
    harness.store.create_person(&account.person).await.unwrap();
    harness.store.create_record(&account.record, &account.custodian).await.unwrap();
    account
}

/// Authorizes `application_id` on a person's record now: online with every permission,
/// offline (reading) if asked.
pub async fn grant(
    harness: &Harness,
    application_id: ApplicationId,
    person_id: haven_domain::ids::PersonId,
    record_id: haven_domain::ids::RecordId,
    offline: bool,
) {
    harness
        .store
        .put_authorization(&haven_domain::authorization::AppAuthorization {
            person_id,
            record_id,
            application_id,
            online: Some(all_types(haven_domain::auth_rules::Permissions::ALL)),
            offline: offline.then(|| all_types(haven_domain::auth_rules::Permissions::READ)),
            granted_at: harness.clock.now(),
            expires_at: None,
            revoked_at: None,
        })
        .await
        .unwrap();
}

/// Withdraws the person's authorization of the harness's application on the record now.
pub async fn revoke(harness: &Harness, person_id: haven_domain::ids::PersonId, record_id: haven_domain::ids::RecordId) {
    let mut authorization =
        harness.store.authorization(person_id, record_id, harness.app_id).await.unwrap().expect("an authorization");
    authorization.revoked_at = Some(harness.clock.now());
    harness.store.put_authorization(&authorization).await.unwrap();
}

/// Issues the person a user token (`token`) for the harness's application, with `record_id`
/// selected.
pub async fn issue_user_token(
    harness: &Harness,
    person_id: haven_domain::ids::PersonId,
    record_id: haven_domain::ids::RecordId,
    token: &str,
) {
    let now = harness.clock.now();
    harness
        .store
        .create_user_token(&haven_domain::session::UserToken {
            token_hash: haven_domain::session::TokenHash(sha2::Sha256::digest(token.as_bytes()).into()),
            person_id,
            application_id: harness.app_id,
            selected_record_id: Some(record_id),
            created_at: now,
            expires_at: now + haven_domain::session::USER_TOKEN_LIFETIME,
            revoked_at: None,
        })
        .await
        .unwrap();
}

/// Registers another application: a copy of the harness's with a new id, a name, method
/// groups and (for a child) its master.
pub async fn register_application(
    harness: &Harness,
    name: &str,
    method_groups: &[MethodGroup],
    master_id: Option<ApplicationId>,
) -> ApplicationId {
    let mut application = harness.store.application(harness.app_id).await.unwrap().expect("the harness's application");
    application.id = ApplicationId::from_uuid(uuid::Uuid::new_v4());
    application.name = name.to_owned();
    application.method_groups = method_groups.iter().copied().collect();
    application.master_id = master_id;
    harness.store.put_application(&application).await.unwrap();
    application.id
}

/// The inner XML of a successful answer's `wc:info` (empty when there is none).
pub fn info_of(text: &str) -> String {
    let response = parse_response(text).unwrap();
    assert_eq!(response.status, StatusCode::OK, "{text}");
    response.info.map(|info| info.inner_xml.to_owned()).unwrap_or_default()
}

/// The inside of `<auth-session>` for a call by the application alone.
pub fn application_only(session_token: &str) -> String {
    format!("<auth-token>{session_token}</auth-token>")
}

/// An application's identity as a client holds it: its id, its certificate's private key and
/// the certificate's thumbprint.
#[derive(Debug, Clone)]
pub struct AppCredentials {
    pub app_id: ApplicationId,
    pub key: PKey<Private>,
    pub thumbprint: String,
}

/// A fresh RSA key for an application certificate.
pub fn generate_key() -> PKey<Private> {
    PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap()
}

/// A self-signed certificate over `key`, valid for 30 days from today.
pub fn self_signed_certificate(key: &PKey<Private>, common_name: &str) -> X509 {
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", common_name).unwrap();
    let name = name.build();
    let mut builder = X509::builder().unwrap();
    builder.set_subject_name(&name).unwrap();
    builder.set_issuer_name(&name).unwrap();
    builder.set_pubkey(key).unwrap();
    builder.set_not_before(&Asn1Time::days_from_now(0).unwrap()).unwrap();
    builder.set_not_after(&Asn1Time::days_from_now(30).unwrap()).unwrap();
    builder.sign(key, MessageDigest::sha256()).unwrap();
    builder.build()
}

/// The SHA-1 thumbprint of a certificate.
pub fn thumbprint_of(certificate: &X509) -> Thumbprint {
    let digest: [u8; 20] = certificate.digest(MessageDigest::sha1()).unwrap().as_ref().try_into().unwrap();
    Thumbprint::from_sha1(&digest)
}

/// RSA-SHA1 over `content`, base64 wrapped at 76 characters as python-healthvault does.
pub fn sign_with(key: &PKey<Private>, content: &str) -> String {
    let mut signer = Signer::new(MessageDigest::sha1(), key).unwrap();
    signer.update(content.as_bytes()).unwrap();
    // python-healthvault wraps base64 at 76 characters; so do we, to prove it is accepted.
    let encoded = STANDARD.encode(signer.sign_to_vec().unwrap());
    encoded.as_bytes().chunks(76).map(|chunk| std::str::from_utf8(chunk).unwrap()).collect::<Vec<_>>().join("\n")
}

/// A CAST v1 request for `application`, signed with its key; `content_override` replaces the
/// signed `<content>` in what is sent.
pub fn cast_v1_request(application: &AppCredentials, secret: &[u8], content_override: Option<&str>) -> String {
    let app_id = application.app_id;
    let content = format!(
        r#"<content><app-id>{app_id}</app-id><shared-secret><hmac-alg algName="HMACSHA1">{}</hmac-alg></shared-secret></content>"#,
        STANDARD.encode(secret)
    );
    let signature = sign_with(&application.key, &content);
    let sent = content_override.unwrap_or(&content);
    format!(
        r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header><method>CreateAuthenticatedSessionToken</method><method-version>1</method-version><app-id>{app_id}</app-id><language>en</language><country>US</country><msg-time>2008-06-21T03:13:50.750-04:00</msg-time><msg-ttl>36000</msg-ttl><version>0.1.5</version></header><info><auth-info><app-id>{app_id}</app-id><credential><appserver><sig digestMethod="SHA1" sigMethod="RSA-SHA1" thumbprint="{}">{signature}</sig>{sent}</appserver></credential></auth-info></info></wc-request:request>"#,
        application.thumbprint
    )
}

/// Registers another application with a certificate of its own over `key`: a copy of the
/// harness's registration (rules, method groups, instances) under a new id and name.
pub async fn register_application_with_key(harness: &Harness, name: &str, key: PKey<Private>) -> AppCredentials {
    let certificate = self_signed_certificate(&key, name);
    let thumbprint = thumbprint_of(&certificate);
    let mut application = harness.store.application(harness.app_id).await.unwrap().expect("the harness's application");
    application.id = ApplicationId::from_uuid(uuid::Uuid::new_v4());
    application.name = name.to_owned();
    application.certificates =
        vec![AppCertificate { thumbprint: thumbprint.clone(), der: certificate.to_der().unwrap() }];
    application.master_id = None;
    harness.store.put_application(&application).await.unwrap();
    AppCredentials { app_id: application.id, key, thumbprint: thumbprint.to_string() }
}

/// One rule giving `permissions` on the listed thing types only.
pub fn types_rule(
    permissions: haven_domain::auth_rules::Permissions,
    type_ids: &[haven_domain::ids::ThingTypeId],
) -> haven_domain::auth_rules::RuleSet {
    haven_domain::auth_rules::RuleSet {
        rules: vec![haven_domain::auth_rules::AuthRule {
            name: "some-types".to_owned(),
            reason: String::new(),
            is_optional: false,
            is_incremental: false,
            display_flags: 0,
            permissions,
            target_sets: vec![haven_domain::auth_rules::TargetSet {
                type_ids: type_ids.iter().copied().collect(),
                date_ranges: Vec::new(),
            }],
            exception_sets: Vec::new(),
        }],
    }
}

/// Replaces the rules an application declares for online and offline access.
pub async fn declare_rules(
    harness: &Harness,
    application_id: ApplicationId,
    online: haven_domain::auth_rules::RuleSet,
    offline: haven_domain::auth_rules::RuleSet,
) {
    let mut application = harness.store.application(application_id).await.unwrap().expect("a registered application");
    application.online_rules = online;
    application.offline_rules = offline;
    harness.store.put_application(&application).await.unwrap();
}

/// Puts the person's authorization of `application_id` on the record now, with the rules
/// given for each avenue (`None`: that avenue is not granted), replacing any earlier one.
pub async fn grant_rules(
    harness: &Harness,
    application_id: ApplicationId,
    person_id: haven_domain::ids::PersonId,
    record_id: haven_domain::ids::RecordId,
    online: Option<haven_domain::auth_rules::RuleSet>,
    offline: Option<haven_domain::auth_rules::RuleSet>,
) {
    harness
        .store
        .put_authorization(&haven_domain::authorization::AppAuthorization {
            person_id,
            record_id,
            application_id,
            online,
            offline,
            granted_at: harness.clock.now(),
            expires_at: None,
            revoked_at: None,
        })
        .await
        .unwrap();
}

/// Creates another record with `custodian` as its custodian (say, their child's), with no
/// authorization of any application.
pub async fn add_record(
    harness: &Harness,
    custodian: haven_domain::ids::PersonId,
    display_name: &str,
) -> haven_domain::ids::RecordId {
    let now = harness.clock.now();
    let record = haven_domain::record::Record {
        id: haven_domain::ids::RecordId::from_uuid(uuid::Uuid::new_v4()),
        display_name: display_name.to_owned(),
        state: haven_domain::record::RecordState::Active,
        max_size_bytes: haven_domain::record::DEFAULT_RECORD_QUOTA_BYTES,
        size_bytes: 0,
        location_country: Some(haven_domain::country::CountryCode::parse("US").unwrap()),
        created_at: now,
        latest_operation_sequence: 0,
    };
    let member = haven_domain::record::RecordMember {
        record_id: record.id,
        person_id: custodian,
        is_custodian: true,
        relationship: haven_domain::record::Relationship::CHILD,
        granted_at: now,
        expires_at: None,
    };
    harness.store.create_record(&record, &member).await.unwrap();
    record.id
}

/// Writes a thing into a record as the person does in the Shell (no application), straight
/// to the store; returns its key.
pub async fn seed_thing(
    harness: &Harness,
    person_id: haven_domain::ids::PersonId,
    record_id: haven_domain::ids::RecordId,
    type_id: haven_domain::ids::ThingTypeId,
    data_xml: &str,
) -> haven_domain::thing::ThingKey {
    use haven_domain::thing::{AccessAvenue, Audit, AuditAction, CommonData, Thing, ThingDraft, ThingFlags, ThingKey};
    use haven_store::ThingStore;
    let key = ThingKey {
        id: haven_domain::ids::ThingId::from_uuid(uuid::Uuid::new_v4()),
        version: haven_domain::ids::VersionStamp::from_uuid(uuid::Uuid::new_v4()),
    };
    let draft = ThingDraft {
        type_id,
        flags: ThingFlags::default(),
        data_xml: data_xml.to_owned(),
        common: CommonData::default(),
        blobs: Vec::new(),
        updated_end_date: None,
    };
    let audit = Audit {
        timestamp: harness.clock.now(),
        application_id: None,
        person_id: Some(person_id),
        access_avenue: AccessAvenue::Online,
        action: AuditAction::Created,
    };
    let thing = Thing::create(record_id, key, draft, audit).unwrap();
    harness.store.write_things(record_id, &[haven_store::ThingChange::Create(thing)]).await.unwrap()[0]
}
