//! What the Shell and operators would have done: accounts, records, registered
//! applications with their rules, consent grants, user tokens and seeded things.

use super::*;

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
        access: None,
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
