//! The SDK against the real Platform (router on a loopback socket, SQLite store): sessions,
//! online and offline calls, writes, and paging through more things than one answer holds.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

use std::sync::Arc;

use haven_domain::account::{AccountRequest, NewAccount, NewAccountIds, open_account};
use haven_domain::application::{AppCertificate, Application, MethodGroup, Thumbprint};
use haven_domain::auth_rules::{AuthRule, Permissions, RuleSet, TargetSet};
use haven_domain::authorization::AppAuthorization;
use haven_domain::clock::SystemClock;
use haven_domain::ids::{ApplicationId, PersonId, RecordId};
use haven_domain::session::{TokenHash, USER_TOKEN_LIFETIME, UserToken};
use haven_domain::thing::{CommonData, ThingDraft, ThingFlags};
use haven_domain::thing_type::WEIGHT;
use haven_domain::topology::{EXAMPLE_TOML, InstanceId, Topology};
use haven_sdk::{ApplicationCredentials, CallAs, Connection};
use haven_store::{
    ApplicationStore, AuthorizationStore, PersonStore, RecordStore, SessionStore, SqlStore, StoreConfig,
};
use haven_wire::StatusCode;
use openssl::asn1::Asn1Time;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::x509::{X509, X509NameBuilder};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

struct Fixture {
    connection: Connection,
    account: NewAccount,
    user_token: String,
    _directory: tempfile::TempDir,
}

fn rules(permissions: Permissions) -> RuleSet {
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

async fn fixture() -> Fixture {
    let directory = tempfile::tempdir().unwrap();
    let store = SqlStore::open(&StoreConfig::sqlite(directory.path().join("haven.db"))).await.unwrap();
    let now = OffsetDateTime::now_utc();

    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "WildcatApp-sdk-test").unwrap();
    let name = name.build();
    let mut builder = X509::builder().unwrap();
    builder.set_subject_name(&name).unwrap();
    builder.set_issuer_name(&name).unwrap();
    builder.set_pubkey(&key).unwrap();
    builder.set_not_before(&Asn1Time::days_from_now(0).unwrap()).unwrap();
    builder.set_not_after(&Asn1Time::days_from_now(30).unwrap()).unwrap();
    builder.sign(&key, MessageDigest::sha256()).unwrap();
    let certificate = builder.build();
    let digest: [u8; 20] = certificate.digest(MessageDigest::sha1()).unwrap().as_ref().try_into().unwrap();
    let application = Application {
        id: ApplicationId::from_uuid(uuid::Uuid::new_v4()),
        name: "SDK test".to_owned(),
        description: String::new(),
        certificates: vec![AppCertificate {
            thumbprint: Thumbprint::from_sha1(&digest),
            der: certificate.to_der().unwrap(),
        }],
        action_url: Some(url::Url::parse("https://sdk.example/hv").unwrap()),
        online_rules: rules(Permissions::ALL),
        offline_rules: rules(Permissions::READ),
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
            email: haven_domain::person::EmailAddress::parse("sdk@example.org").unwrap(),
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
    let user_token = "c2RrIHVzZXIgdG9rZW4=".to_owned();
    store
        .create_user_token(&UserToken {
            token_hash: TokenHash(Sha256::digest(user_token.as_bytes()).into()),
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
        store: Arc::new(store),
        clock: Arc::new(SystemClock),
        msg_time_window: haven_platform::DEFAULT_MSG_TIME_WINDOW,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });

    let credentials = ApplicationCredentials::from_pem(
        application.id,
        &key.private_key_to_pem_pkcs8().unwrap(),
        &certificate.to_pem().unwrap(),
    )
    .unwrap();
    let connection = Connection::new(url::Url::parse(&format!("http://{address}/")).unwrap(), credentials).unwrap();
    Fixture { connection, account, user_token, _directory: directory }
}

fn weight(index: usize) -> ThingDraft {
    let day = 1 + index % 28;
    let minute = index % 60;
    ThingDraft {
        type_id: WEIGHT,
        flags: ThingFlags::default(),
        data_xml: format!(
            "<weight><when><date><y>2026</y><m>10</m><d>{day}</d></date><time><h>{}</h><m>{minute}</m></time></when><value><kg>{}.5</kg></value></weight>",
            index % 24,
            60 + index % 20
        ),
        common: CommonData::default(),
        blobs: Vec::new(),
        updated_end_date: None,
    }
}

#[tokio::test]
async fn the_sdk_reads_and_writes_through_the_platform() {
    let fixture = fixture().await;
    let connection = &fixture.connection;
    let definition = connection.service_definition().await.unwrap();
    assert_eq!(definition.instances.unwrap().current_instance_id.as_str(), "1");

    let online = CallAs::Online(fixture.user_token.clone());
    let person = connection.person_info(&online).await.unwrap();
    assert_eq!(person.person_id, fixture.account.person.id);
    let record = fixture.account.record.id;

    // More things than one answer returns whole (240), so the paging helper must follow keys.
    let too_many: Vec<_> = (0..300).map(|index| (None, weight(index))).collect();
    let refused = connection.put_things(&online, record, too_many).await.unwrap_err();
    assert_eq!(refused.status(), Some(StatusCode::TOO_MANY_THINGS_SPECIFIED));
    let mut keys =
        connection.put_things(&online, record, (0..150).map(|index| (None, weight(index))).collect()).await.unwrap();
    keys.extend(
        connection.put_things(&online, record, (150..300).map(|index| (None, weight(index))).collect()).await.unwrap(),
    );
    assert_eq!(keys.len(), 300);
    let offline = CallAs::Offline(fixture.account.person.id);
    let things = connection.things_of_type(&offline, record, WEIGHT).await.unwrap();
    assert_eq!(things.len(), 300);
    let mut returned: Vec<_> = things.iter().map(|thing| thing.key).collect();
    returned.sort_by_key(|key| key.id);
    let mut written = keys.clone();
    written.sort_by_key(|key| key.id);
    assert_eq!(returned, written);

    // Offline the application may only read.
    let refused = connection.put_things(&offline, record, vec![(None, weight(1))]).await.unwrap_err();
    assert_eq!(refused.status(), Some(StatusCode::ACCESS_DENIED));

    connection.remove_things(&online, record, keys[..10].to_vec()).await.unwrap();
    assert_eq!(connection.things_of_type(&online, record, WEIGHT).await.unwrap().len(), 290);
}

#[tokio::test]
async fn the_sdk_selects_the_instance_for_a_country() {
    let fixture = fixture().await;
    let connection = &fixture.connection;
    let country = |code: &str| haven_domain::country::CountryCode::parse(code).unwrap();
    let eu = connection.select_instance(country("NL"), None).await.unwrap().unwrap();
    assert_eq!((eu.id.as_str(), eu.name.as_str()), ("2", "EU"));
    assert_eq!(eu.platform_url, "http://127.0.0.1:8121/platform/wildcat.ashx");
    let us = connection.select_instance(country("US"), Some("WA")).await.unwrap().unwrap();
    assert_eq!(us.id.as_str(), "1");
    assert_eq!(connection.select_instance(country("CA"), None).await.unwrap(), None);
    let refused = connection.select_instance(country("US"), Some("WASH")).await.unwrap_err();
    assert_eq!(refused.status(), Some(StatusCode::INVALID_XML));
}
