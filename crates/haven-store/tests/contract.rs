//! The store contract: one suite, run against SQLite and against PostgreSQL (a fresh
//! schema per test, on the server named by `HAVEN_TEST_POSTGRES_URL`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr, reason = "a test fails by panicking")]

use haven_domain::alternate_id::{AlternateId, MAX_ALTERNATE_IDS_PER_RECORD};
use haven_domain::application::{AppCertificate, Application, MethodGroup, PersonApplicationSettings, Thumbprint};
use haven_domain::auth_rules::{AuthRule, Permissions, RuleSet, TargetSet};
use haven_domain::authorization::AppAuthorization;
use haven_domain::country::CountryCode;
use haven_domain::ids::{ApplicationId, BlobId, PersonId, RecordId, ThingId, VersionStamp};
use haven_domain::person::{EmailAddress, Person};
use haven_domain::record::{DEFAULT_RECORD_QUOTA_BYTES, Record, RecordMember, RecordState, Relationship};
use haven_domain::session::{AppSession, HmacAlgorithm, TokenHash, UserToken};
use haven_domain::thing::{
    AccessAvenue, Audit, AuditAction, CommonData, Thing, ThingDraft, ThingFlags, ThingKey, ThingQuery, ThingState,
};
use haven_domain::thing_type::{HEIGHT, WEIGHT};
use haven_domain::topology::InstanceId;
use haven_store::{
    ApplicationDataStore, ApplicationStore, AuthorizationStore, BlobStore, NewBlob, PersonStore, RecordStore,
    SessionStore, SqlStore, StoreConfig, StoreError, ThingChange, ThingStore,
};
use time::macros::datetime;
use time::{Duration, OffsetDateTime, PrimitiveDateTime};
use uuid::Uuid;

const NOW: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

/// A store with one person and their record.
struct Fixture {
    store: SqlStore,
    person: Person,
    record: Record,
    _directory: Option<tempfile::TempDir>,
    postgres: Option<StoreConfig>,
}

impl Fixture {
    async fn cleanup(self) {
        self.store.close().await;
        if let Some(config) = &self.postgres {
            haven_store::testing::drop_postgres_schema(config).await.unwrap();
        }
    }
}

async fn populate(store: SqlStore, directory: Option<tempfile::TempDir>, postgres: Option<StoreConfig>) -> Fixture {
    let person = Person {
        id: PersonId::from_uuid(Uuid::new_v4()),
        sign_in_email: EmailAddress::parse(&format!("ana.{}@example.org", Uuid::new_v4().simple())).unwrap(),
        given_name: "Ana".to_owned(),
        family_name: "López".to_owned(),
        birth_date: time::macros::date!(1980 - 02 - 29),
        country: CountryCode::parse("US").unwrap(),
        instance_id: InstanceId::parse("1").unwrap(),
        created_at: NOW,
    };
    store.create_person(&person).await.unwrap();
    let record = new_record(DEFAULT_RECORD_QUOTA_BYTES);
    store.create_record(&record, &custodian(&record, &person)).await.unwrap();
    Fixture { store, person, record, _directory: directory, postgres }
}

fn new_record(quota: u64) -> Record {
    Record {
        id: RecordId::from_uuid(Uuid::new_v4()),
        display_name: "Ana López".to_owned(),
        state: RecordState::Active,
        max_size_bytes: quota,
        size_bytes: 0,
        location_country: Some(CountryCode::parse("US").unwrap()),
        created_at: NOW,
        latest_operation_sequence: 0,
    }
}

fn custodian(record: &Record, person: &Person) -> RecordMember {
    RecordMember {
        record_id: record.id,
        person_id: person.id,
        is_custodian: true,
        relationship: Relationship::SELF,
        granted_at: NOW,
        expires_at: None,
    }
}

async fn sqlite() -> Fixture {
    let directory = tempfile::tempdir().unwrap();
    let store = SqlStore::open(&StoreConfig::sqlite(directory.path().join("haven.db"))).await.unwrap();
    populate(store, Some(directory), None).await
}

async fn postgres() -> Option<Fixture> {
    let url = haven_store::testing::postgres_url().unwrap_or_else(|message| panic!("{message}"))?;
    let config = haven_store::testing::fresh_postgres_schema(&url).await.unwrap();
    let store = SqlStore::open(&config).await.unwrap();
    Some(populate(store, None, Some(config)).await)
}

fn audit(fixture: &Fixture, at: OffsetDateTime) -> Audit {
    Audit {
        timestamp: at,
        application_id: None,
        person_id: Some(fixture.person.id),
        access_avenue: AccessAvenue::Online,
        action: AuditAction::Created,
    }
}

fn weight_draft(kg: &str, when: PrimitiveDateTime, client_id: Option<&str>) -> ThingDraft {
    ThingDraft {
        type_id: WEIGHT,
        flags: ThingFlags::default(),
        data_xml: format!(
            "<weight><when><date><y>{}</y><m>{}</m><d>{}</d></date><time><h>{}</h><m>{}</m></time></when><value><kg>{kg}</kg></value></weight>",
            when.year(),
            u8::from(when.month()),
            when.day(),
            when.hour(),
            when.minute()
        ),
        common: CommonData {
            client_thing_id: client_id.map(str::to_owned),
            note: Some("after breakfast".to_owned()),
            ..CommonData::default()
        },
        blobs: Vec::new(),
    }
}

fn height_draft(metres: &str, when: PrimitiveDateTime) -> ThingDraft {
    ThingDraft {
        type_id: HEIGHT,
        flags: ThingFlags::default(),
        data_xml: format!(
            "<height><when><date><y>{}</y><m>{}</m><d>{}</d></date></when><value><m>{metres}</m></value></height>",
            when.year(),
            u8::from(when.month()),
            when.day()
        ),
        common: CommonData::default(),
        blobs: Vec::new(),
    }
}

fn new_key() -> ThingKey {
    ThingKey { id: ThingId::from_uuid(Uuid::new_v4()), version: VersionStamp::from_uuid(Uuid::new_v4()) }
}

fn create(fixture: &Fixture, draft: ThingDraft, at: OffsetDateTime) -> Thing {
    Thing::create(fixture.record.id, new_key(), draft, audit(fixture, at)).unwrap()
}

async fn put(fixture: &Fixture, things: Vec<Thing>) -> Vec<ThingKey> {
    let changes: Vec<ThingChange> = things.into_iter().map(ThingChange::Create).collect();
    fixture.store.write_things(fixture.record.id, &changes).await.unwrap()
}

async fn sequence(fixture: &Fixture) -> u64 {
    fixture.store.record(fixture.record.id).await.unwrap().unwrap().latest_operation_sequence
}

async fn things_created_read_back(fixture: &Fixture) {
    let thing = create(fixture, weight_draft("72.5", datetime!(2026-11-20 7:30), Some("scale-1")), NOW);
    let keys = put(fixture, vec![thing.clone()]).await;
    assert_eq!(keys, vec![thing.key]);
    let stored = fixture.store.thing(fixture.record.id, thing.key.id).await.unwrap().unwrap();
    assert_eq!(stored, thing);
    assert_eq!(stored.eff_date, datetime!(2026-11-20 7:30));
    assert_eq!(stored.common.client_thing_id.as_deref(), Some("scale-1"));
    // A thing is only visible through its own record.
    let other = new_record(DEFAULT_RECORD_QUOTA_BYTES);
    fixture.store.create_record(&other, &custodian(&other, &fixture.person)).await.unwrap();
    assert!(fixture.store.thing(other.id, thing.key.id).await.unwrap().is_none());
    let record = fixture.store.record(fixture.record.id).await.unwrap().unwrap();
    assert_eq!(record.size_bytes, thing.size_bytes());
}

async fn update_with_current_stamp_makes_a_new_version(fixture: &Fixture) {
    let first = create(fixture, weight_draft("72.5", datetime!(2026-11-20 7:30), None), NOW);
    put(fixture, vec![first.clone()]).await;
    let second = first
        .revise(
            VersionStamp::from_uuid(Uuid::new_v4()),
            weight_draft("71.9", datetime!(2026-11-21 7:30), None),
            audit(fixture, NOW + Duration::hours(1)),
        )
        .unwrap();
    let keys = fixture
        .store
        .write_things(fixture.record.id, &[ThingChange::Revise { previous: first.key.version, thing: second.clone() }])
        .await
        .unwrap();
    assert_eq!(keys, vec![second.key]);
    let current = fixture.store.thing(fixture.record.id, first.key.id).await.unwrap().unwrap();
    assert_eq!(current, second);
    assert_eq!(current.created, first.created);
    let history = fixture.store.thing_history(fixture.record.id, first.key.id).await.unwrap();
    assert_eq!(history, vec![second.clone(), first.clone()]);
    let versions = fixture.store.thing_versions(fixture.record.id, &[first.key, second.key]).await.unwrap();
    assert_eq!(versions, vec![first, second]);
}

async fn stale_stamp_is_rejected_and_nothing_written(fixture: &Fixture) {
    let first = create(fixture, weight_draft("72.5", datetime!(2026-11-20 7:30), None), NOW);
    put(fixture, vec![first.clone()]).await;
    let second = first
        .revise(
            VersionStamp::from_uuid(Uuid::new_v4()),
            weight_draft("71", datetime!(2026-11-21 7:00), None),
            audit(fixture, NOW),
        )
        .unwrap();
    fixture
        .store
        .write_things(fixture.record.id, &[ThingChange::Revise { previous: first.key.version, thing: second.clone() }])
        .await
        .unwrap();
    let sequence_before = sequence(fixture).await;
    // A writer who still holds the first version tries to update it.
    let stale = first
        .revise(
            VersionStamp::from_uuid(Uuid::new_v4()),
            weight_draft("99", datetime!(2026-11-22 7:00), None),
            audit(fixture, NOW),
        )
        .unwrap();
    let error = fixture
        .store
        .write_things(fixture.record.id, &[ThingChange::Revise { previous: first.key.version, thing: stale.clone() }])
        .await
        .unwrap_err();
    match error {
        StoreError::VersionStampMismatch { thing_id, current, given } => {
            assert_eq!(thing_id, first.key.id);
            assert_eq!(current, second.key.version);
            assert_eq!(given, first.key.version);
        }
        other => panic!("expected a version stamp mismatch, got {other:?}"),
    }
    assert_eq!(fixture.store.thing(fixture.record.id, first.key.id).await.unwrap().unwrap(), second);
    assert_eq!(fixture.store.thing_history(fixture.record.id, first.key.id).await.unwrap().len(), 2);
    assert!(fixture.store.thing_versions(fixture.record.id, &[stale.key]).await.unwrap().is_empty());
    assert_eq!(sequence(fixture).await, sequence_before);
}

async fn delete_creates_a_deleted_version_and_keeps_history(fixture: &Fixture) {
    let thing = create(fixture, weight_draft("72.5", datetime!(2026-11-20 7:30), None), NOW);
    put(fixture, vec![thing.clone()]).await;
    let deleted =
        thing.delete(VersionStamp::from_uuid(Uuid::new_v4()), audit(fixture, NOW + Duration::minutes(5))).unwrap();
    fixture
        .store
        .write_things(fixture.record.id, &[ThingChange::Revise { previous: thing.key.version, thing: deleted.clone() }])
        .await
        .unwrap();
    let current = fixture.store.thing(fixture.record.id, thing.key.id).await.unwrap().unwrap();
    assert_eq!(current.state, ThingState::Deleted);
    assert_eq!(current.updated.action, AuditAction::Deleted);
    let history = fixture.store.thing_history(fixture.record.id, thing.key.id).await.unwrap();
    assert_eq!(
        history.iter().map(|version| version.state).collect::<Vec<_>>(),
        vec![ThingState::Deleted, ThingState::Active]
    );
    // Deleted things leave default queries and stop counting against the quota.
    let active = fixture.store.query_things(fixture.record.id, &ThingQuery::default()).await.unwrap();
    assert!(active.is_empty());
    let deleted_only = ThingQuery { states: vec![ThingState::Deleted], ..ThingQuery::default() };
    assert_eq!(fixture.store.query_things(fixture.record.id, &deleted_only).await.unwrap(), vec![deleted]);
    assert_eq!(fixture.store.record(fixture.record.id).await.unwrap().unwrap().size_bytes, 0);
}

async fn queries_filter_limit_and_order(fixture: &Fixture) {
    let early = NOW - Duration::days(10);
    let weights = vec![
        create(fixture, weight_draft("70", datetime!(2026-11-01 8:00), Some("w-1")), early),
        create(fixture, weight_draft("71", datetime!(2026-11-10 8:00), Some("w-2")), early),
        create(fixture, weight_draft("72", datetime!(2026-11-20 8:00), Some("w-3")), NOW),
    ];
    let height = create(fixture, height_draft("1.70", datetime!(2026-11-15 0:00)), NOW);
    put(fixture, weights.clone()).await;
    put(fixture, vec![height.clone()]).await;

    let query = |query: ThingQuery| async move { fixture.store.query_things(fixture.record.id, &query).await.unwrap() };
    let ids = |things: Vec<Thing>| things.into_iter().map(|thing| thing.key.id).collect::<Vec<_>>();

    let all = query(ThingQuery::default()).await;
    assert_eq!(
        ids(all),
        vec![weights[2].key.id, height.key.id, weights[1].key.id, weights[0].key.id],
        "newest effective date first"
    );

    let by_type = query(ThingQuery { type_ids: vec![WEIGHT], ..ThingQuery::default() }).await;
    assert_eq!(ids(by_type), vec![weights[2].key.id, weights[1].key.id, weights[0].key.id]);

    let newest = query(ThingQuery { type_ids: vec![WEIGHT], limit: Some(1), ..ThingQuery::default() }).await;
    assert_eq!(ids(newest), vec![weights[2].key.id]);

    let range = query(ThingQuery {
        eff_date_min: Some(datetime!(2026-11-05 0:00)),
        eff_date_max: Some(datetime!(2026-11-15 0:00)),
        ..ThingQuery::default()
    })
    .await;
    assert_eq!(ids(range), vec![height.key.id, weights[1].key.id], "range bounds are inclusive");

    let recent = query(ThingQuery { updated_min: Some(NOW - Duration::days(1)), ..ThingQuery::default() }).await;
    assert_eq!(ids(recent), vec![weights[2].key.id, height.key.id]);

    let by_client_id =
        query(ThingQuery { client_thing_ids: vec!["w-2".to_owned(), "nope".to_owned()], ..ThingQuery::default() })
            .await;
    assert_eq!(ids(by_client_id), vec![weights[1].key.id]);

    let by_id = query(ThingQuery { thing_ids: vec![weights[0].key.id], ..ThingQuery::default() }).await;
    assert_eq!(ids(by_id), vec![weights[0].key.id]);

    let by_author = query(ThingQuery {
        created_by_person: Some(fixture.person.id),
        type_ids: vec![HEIGHT],
        ..ThingQuery::default()
    })
    .await;
    assert_eq!(ids(by_author), vec![height.key.id]);
    let by_app = query(ThingQuery {
        created_by_application: Some(ApplicationId::from_uuid(Uuid::new_v4())),
        ..ThingQuery::default()
    })
    .await;
    assert!(by_app.is_empty());

    let deleted = weights[0].delete(VersionStamp::from_uuid(Uuid::new_v4()), audit(fixture, NOW)).unwrap();
    fixture
        .store
        .write_things(fixture.record.id, &[ThingChange::Revise { previous: weights[0].key.version, thing: deleted }])
        .await
        .unwrap();
    let active = query(ThingQuery { type_ids: vec![WEIGHT], ..ThingQuery::default() }).await;
    assert_eq!(ids(active), vec![weights[2].key.id, weights[1].key.id]);
    let every_state = query(ThingQuery { type_ids: vec![WEIGHT], states: Vec::new(), ..ThingQuery::default() }).await;
    assert_eq!(every_state.len(), 3);
}

async fn personal_flag_can_be_excluded(fixture: &Fixture) {
    let mut private = weight_draft("80", datetime!(2026-11-18 8:00), None);
    private.flags = ThingFlags::PERSONAL;
    let private = create(fixture, private, NOW);
    let public = create(fixture, weight_draft("81", datetime!(2026-11-19 8:00), None), NOW);
    put(fixture, vec![private.clone(), public.clone()]).await;
    let for_apps = ThingQuery { exclude_flags: ThingFlags::PERSONAL, ..ThingQuery::default() };
    let visible = fixture.store.query_things(fixture.record.id, &for_apps).await.unwrap();
    assert_eq!(visible, vec![public]);
    assert_eq!(fixture.store.query_things(fixture.record.id, &ThingQuery::default()).await.unwrap().len(), 2);
}

async fn operation_log_grows_by_one_per_change(fixture: &Fixture) {
    assert_eq!(sequence(fixture).await, 0);
    let first = create(fixture, weight_draft("70", datetime!(2026-11-01 8:00), None), NOW);
    let second = create(fixture, weight_draft("71", datetime!(2026-11-02 8:00), None), NOW);
    put(fixture, vec![first.clone(), second.clone()]).await;
    assert_eq!(sequence(fixture).await, 2);
    let revised = first
        .revise(
            VersionStamp::from_uuid(Uuid::new_v4()),
            weight_draft("69", datetime!(2026-11-01 8:00), None),
            audit(fixture, NOW),
        )
        .unwrap();
    let deleted = second.delete(VersionStamp::from_uuid(Uuid::new_v4()), audit(fixture, NOW)).unwrap();
    fixture
        .store
        .write_things(
            fixture.record.id,
            &[
                ThingChange::Revise { previous: first.key.version, thing: revised.clone() },
                ThingChange::Revise { previous: second.key.version, thing: deleted.clone() },
            ],
        )
        .await
        .unwrap();
    assert_eq!(sequence(fixture).await, 4);
    let operations = fixture.store.record_operations(fixture.record.id, 0, 100).await.unwrap();
    assert_eq!(operations.iter().map(|operation| operation.sequence).collect::<Vec<_>>(), vec![1, 2, 3, 4]);
    assert_eq!(
        operations.iter().map(|operation| (operation.thing_key, operation.action)).collect::<Vec<_>>(),
        vec![
            (first.key, AuditAction::Created),
            (second.key, AuditAction::Created),
            (revised.key, AuditAction::Updated),
            (deleted.key, AuditAction::Deleted),
        ]
    );
    assert_eq!(operations[0].type_id, WEIGHT);
    assert_eq!(operations[0].eff_date, datetime!(2026-11-01 8:00));
    let tail = fixture.store.record_operations(fixture.record.id, 2, 1).await.unwrap();
    assert_eq!(tail.iter().map(|operation| operation.sequence).collect::<Vec<_>>(), vec![3]);
}

async fn batch_with_one_bad_change_writes_nothing(fixture: &Fixture) {
    let existing = create(fixture, weight_draft("70", datetime!(2026-11-01 8:00), None), NOW);
    put(fixture, vec![existing.clone()]).await;
    let record_before = fixture.store.record(fixture.record.id).await.unwrap().unwrap();

    let good = create(fixture, weight_draft("71", datetime!(2026-11-02 8:00), None), NOW);
    // Same thing id as an existing thing: a create that must fail.
    let duplicate = Thing {
        key: ThingKey { id: existing.key.id, version: VersionStamp::from_uuid(Uuid::new_v4()) },
        ..good.clone()
    };
    let error = fixture
        .store
        .write_things(fixture.record.id, &[ThingChange::Create(good.clone()), ThingChange::Create(duplicate)])
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::DuplicateThing(id) if id == existing.key.id), "{error:?}");

    // An update of a thing that does not exist.
    let ghost = create(fixture, weight_draft("1", datetime!(2026-11-03 8:00), None), NOW);
    let error = fixture
        .store
        .write_things(
            fixture.record.id,
            &[
                ThingChange::Create(good.clone()),
                ThingChange::Revise { previous: ghost.key.version, thing: ghost.clone() },
            ],
        )
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::ThingNotFound(id) if id == ghost.key.id), "{error:?}");

    assert!(fixture.store.thing(fixture.record.id, good.key.id).await.unwrap().is_none());
    assert_eq!(fixture.store.record(fixture.record.id).await.unwrap().unwrap(), record_before);
    assert_eq!(fixture.store.record_operations(fixture.record.id, 0, 100).await.unwrap().len(), 1);
    assert_eq!(fixture.store.query_things(fixture.record.id, &ThingQuery::default()).await.unwrap(), vec![existing]);
}

async fn quota_is_enforced(fixture: &Fixture) {
    let one_thing = create(fixture, weight_draft("70", datetime!(2026-11-01 8:00), None), NOW).size_bytes();
    // Room for one thing, not two.
    let quota = one_thing * 3 / 2;
    let small = new_record(quota);
    fixture.store.create_record(&small, &custodian(&small, &fixture.person)).await.unwrap();
    let thing = |kg: &str| {
        Thing::create(small.id, new_key(), weight_draft(kg, datetime!(2026-11-01 8:00), None), audit(fixture, NOW))
            .unwrap()
    };
    fixture.store.write_things(small.id, &[ThingChange::Create(thing("70"))]).await.unwrap();
    let error = fixture.store.write_things(small.id, &[ThingChange::Create(thing("71"))]).await.unwrap_err();
    assert!(matches!(error, StoreError::QuotaExceeded { quota: refused_at, .. } if refused_at == quota), "{error:?}");
    let record = fixture.store.record(small.id).await.unwrap().unwrap();
    assert_eq!(record.latest_operation_sequence, 1);
    assert_eq!(record.size_bytes, one_thing);
}

async fn unknown_record_is_refused(fixture: &Fixture) {
    let missing = RecordId::from_uuid(Uuid::new_v4());
    let thing =
        Thing::create(missing, new_key(), weight_draft("70", datetime!(2026-11-01 8:00), None), audit(fixture, NOW))
            .unwrap();
    let error = fixture.store.write_things(missing, &[ThingChange::Create(thing)]).await.unwrap_err();
    assert!(matches!(error, StoreError::RecordNotFound(id) if id == missing), "{error:?}");
}

async fn persons_and_records(fixture: &Fixture) {
    let stored = fixture.store.person(fixture.person.id).await.unwrap().unwrap();
    assert_eq!(stored, fixture.person);
    let by_email = fixture.store.person_by_email(&fixture.person.sign_in_email).await.unwrap().unwrap();
    assert_eq!(by_email.id, fixture.person.id);
    let same_email = Person { id: PersonId::from_uuid(Uuid::new_v4()), ..fixture.person.clone() };
    assert!(matches!(fixture.store.create_person(&same_email).await, Err(StoreError::DuplicateEmail)));

    let child = Record { display_name: "Mia López".to_owned(), ..new_record(DEFAULT_RECORD_QUOTA_BYTES) };
    let membership = RecordMember {
        relationship: Relationship::CHILD,
        granted_at: NOW + Duration::seconds(1),
        ..custodian(&child, &fixture.person)
    };
    fixture.store.create_record(&child, &membership).await.unwrap();
    let records = fixture.store.records_for_person(fixture.person.id).await.unwrap();
    assert_eq!(records.iter().map(|(record, _)| record.id).collect::<Vec<_>>(), vec![fixture.record.id, child.id]);
    assert_eq!(records[1].1.relationship, Relationship::CHILD);

    let viewer = Person {
        id: PersonId::from_uuid(Uuid::new_v4()),
        sign_in_email: EmailAddress::parse(&format!("viewer.{}@example.org", Uuid::new_v4().simple())).unwrap(),
        ..fixture.person.clone()
    };
    fixture.store.create_person(&viewer).await.unwrap();
    let shared = RecordMember {
        is_custodian: false,
        relationship: Relationship::OTHER,
        expires_at: Some(NOW + Duration::days(7)),
        ..custodian(&child, &viewer)
    };
    fixture.store.put_record_member(&shared).await.unwrap();
    assert_eq!(fixture.store.record_member(child.id, viewer.id).await.unwrap(), Some(shared.clone()));
    assert_eq!(fixture.store.record_members(child.id).await.unwrap().len(), 2);

    let orphan = RecordMember { person_id: PersonId::from_uuid(Uuid::new_v4()), ..shared };
    assert!(matches!(fixture.store.put_record_member(&orphan).await, Err(StoreError::MissingReference(_))));
    let bad_record = new_record(1);
    let missing_person =
        RecordMember { person_id: PersonId::from_uuid(Uuid::new_v4()), ..custodian(&bad_record, &fixture.person) };
    assert!(matches!(
        fixture.store.create_record(&bad_record, &missing_person).await,
        Err(StoreError::PersonNotFound(_))
    ));
    assert!(fixture.store.record(bad_record.id).await.unwrap().is_none(), "a failed create leaves no record");
}

fn application() -> Application {
    Application {
        id: ApplicationId::from_uuid(Uuid::new_v4()),
        name: "Weight tracker".to_owned(),
        description: "Charts weight".to_owned(),
        certificates: vec![AppCertificate { thumbprint: Thumbprint::from_sha1(&[7; 20]), der: vec![1, 2, 3] }],
        action_url: Some(url::Url::parse("https://tracker.example/hv").unwrap()),
        online_rules: RuleSet {
            rules: vec![AuthRule {
                name: "weights".to_owned(),
                reason: "to chart your weight".to_owned(),
                is_optional: false,
                is_incremental: false,
                display_flags: 0,
                permissions: Permissions::READ.union(Permissions::CREATE),
                target_sets: vec![TargetSet { type_ids: [WEIGHT].into_iter().collect(), date_ranges: Vec::new() }],
                exception_sets: Vec::new(),
            }],
        },
        offline_rules: RuleSet::default(),
        method_groups: MethodGroup::web_defaults(),
        supported_instances: [InstanceId::parse("1").unwrap()].into_iter().collect(),
        master_id: None,
        is_soda: false,
        created_at: NOW,
    }
}

async fn applications_and_authorizations(fixture: &Fixture) {
    let mut app = application();
    fixture.store.put_application(&app).await.unwrap();
    assert_eq!(fixture.store.application(app.id).await.unwrap(), Some(app.clone()));
    app.supported_instances.insert(InstanceId::parse("2").unwrap());
    fixture.store.put_application(&app).await.unwrap();
    assert_eq!(fixture.store.application(app.id).await.unwrap(), Some(app.clone()));
    assert_eq!(fixture.store.applications().await.unwrap(), vec![app.clone()]);
    assert!(fixture.store.application(ApplicationId::from_uuid(Uuid::new_v4())).await.unwrap().is_none());

    let mut grant = AppAuthorization {
        person_id: fixture.person.id,
        record_id: fixture.record.id,
        application_id: app.id,
        online: Some(app.online_rules.clone()),
        offline: None,
        granted_at: NOW,
        expires_at: None,
        revoked_at: None,
    };
    fixture.store.put_authorization(&grant).await.unwrap();
    assert_eq!(
        fixture.store.authorization(fixture.person.id, fixture.record.id, app.id).await.unwrap(),
        Some(grant.clone())
    );
    grant.revoked_at = Some(NOW + Duration::days(1));
    fixture.store.put_authorization(&grant).await.unwrap();
    assert_eq!(fixture.store.authorizations_for_application(app.id).await.unwrap(), vec![grant.clone()]);
    assert_eq!(fixture.store.authorizations_for_record(fixture.record.id).await.unwrap(), vec![grant.clone()]);
    assert_eq!(fixture.store.authorizations_of_person(fixture.person.id, app.id).await.unwrap(), vec![grant.clone()]);
    assert!(
        fixture
            .store
            .authorizations_of_person(fixture.person.id, ApplicationId::from_uuid(Uuid::new_v4()))
            .await
            .unwrap()
            .is_empty()
    );

    let unknown_app = AppAuthorization { application_id: ApplicationId::from_uuid(Uuid::new_v4()), ..grant };
    assert!(matches!(fixture.store.put_authorization(&unknown_app).await, Err(StoreError::MissingReference(_))));
}

async fn sessions_and_user_tokens(fixture: &Fixture) {
    let app = application();
    fixture.store.put_application(&app).await.unwrap();
    let session = AppSession::start(TokenHash([1; 32]), app.id, vec![9; 20], HmacAlgorithm::HmacSha256, NOW);
    fixture.store.create_app_session(&session).await.unwrap();
    assert_eq!(fixture.store.app_session(TokenHash([1; 32])).await.unwrap(), Some(session.clone()));
    assert!(fixture.store.app_session(TokenHash([2; 32])).await.unwrap().is_none());
    let orphan = AppSession {
        token_hash: TokenHash([3; 32]),
        application_id: ApplicationId::from_uuid(Uuid::new_v4()),
        ..session.clone()
    };
    assert!(matches!(fixture.store.create_app_session(&orphan).await, Err(StoreError::MissingReference(_))));
    assert_eq!(fixture.store.delete_expired_app_sessions(NOW).await.unwrap(), 0);
    assert_eq!(fixture.store.delete_expired_app_sessions(session.expires_at).await.unwrap(), 1);
    assert!(fixture.store.app_session(TokenHash([1; 32])).await.unwrap().is_none());

    let token = UserToken {
        token_hash: TokenHash([4; 32]),
        person_id: fixture.person.id,
        application_id: app.id,
        selected_record_id: Some(fixture.record.id),
        created_at: NOW,
        expires_at: NOW + Duration::hours(1),
        revoked_at: None,
    };
    fixture.store.create_user_token(&token).await.unwrap();
    assert_eq!(fixture.store.user_token(TokenHash([4; 32])).await.unwrap(), Some(token.clone()));
    assert!(fixture.store.revoke_user_token(TokenHash([4; 32]), NOW + Duration::minutes(5)).await.unwrap());
    assert!(
        !fixture.store.revoke_user_token(TokenHash([4; 32]), NOW + Duration::minutes(6)).await.unwrap(),
        "already revoked"
    );
    let revoked = fixture.store.user_token(TokenHash([4; 32])).await.unwrap().unwrap();
    assert_eq!(revoked.revoked_at, Some(NOW + Duration::minutes(5)));
    assert!(!revoked.is_active_at(NOW + Duration::minutes(10)));
}

async fn alternate_ids_and_application_settings(fixture: &Fixture) {
    let app = application();
    fixture.store.put_application(&app).await.unwrap();
    let (person, record) = (fixture.person.id, fixture.record.id);
    let first = AlternateId::parse("Patient-42").unwrap();
    let second = AlternateId::parse("patient-42").unwrap();
    fixture.store.associate_alternate_id(app.id, &first, person, record, NOW).await.unwrap();
    fixture.store.associate_alternate_id(app.id, &second, person, record, NOW + Duration::seconds(1)).await.unwrap();
    assert!(matches!(
        fixture.store.associate_alternate_id(app.id, &first, person, record, NOW).await,
        Err(StoreError::DuplicateAlternateId)
    ));
    assert_eq!(fixture.store.alternate_ids(app.id, person, record).await.unwrap(), vec![first.clone(), second.clone()]);
    assert_eq!(fixture.store.alternate_id_owner(app.id, &first).await.unwrap(), Some((person, record)));
    assert!(fixture.store.disassociate_alternate_id(app.id, &first, person, record).await.unwrap());
    assert!(!fixture.store.disassociate_alternate_id(app.id, &first, person, record).await.unwrap());
    assert!(fixture.store.alternate_id_owner(app.id, &first).await.unwrap().is_none());
    for index in 0..(MAX_ALTERNATE_IDS_PER_RECORD - 1) {
        let id = AlternateId::parse(&format!("bulk-{index}")).unwrap();
        fixture.store.associate_alternate_id(app.id, &id, person, record, NOW).await.unwrap();
    }
    assert!(matches!(
        fixture
            .store
            .associate_alternate_id(app.id, &AlternateId::parse("one-too-many").unwrap(), person, record, NOW)
            .await,
        Err(StoreError::AlternateIdLimit { .. })
    ));

    assert!(fixture.store.application_settings(person, app.id).await.unwrap().is_none());
    let mut settings = PersonApplicationSettings {
        person_id: person,
        application_id: app.id,
        settings_xml: Some("<app-settings><theme>dark</theme></app-settings>".to_owned()),
        selected_record_id: Some(record),
        updated_at: NOW,
    };
    fixture.store.put_application_settings(&settings).await.unwrap();
    assert_eq!(fixture.store.application_settings(person, app.id).await.unwrap(), Some(settings.clone()));
    settings.settings_xml = None;
    settings.updated_at = NOW + Duration::hours(1);
    fixture.store.put_application_settings(&settings).await.unwrap();
    assert_eq!(fixture.store.application_settings(person, app.id).await.unwrap(), Some(settings));
}

async fn blobs_upload_in_chunks_and_read_by_token(fixture: &Fixture) {
    let app = application();
    fixture.store.put_application(&app).await.unwrap();
    let blob = NewBlob {
        id: BlobId::from_uuid(Uuid::new_v4()),
        record_id: fixture.record.id,
        application_id: Some(app.id),
        created_at: NOW,
    };
    fixture.store.begin_blob(&blob, TokenHash([5; 32]), NOW + Duration::hours(1)).await.unwrap();
    let uploading = fixture.store.blob_for_upload(TokenHash([5; 32])).await.unwrap().unwrap();
    assert!(!uploading.complete);
    assert_eq!(uploading.upload_expires_at, Some(NOW + Duration::hours(1)));
    assert_eq!(fixture.store.append_blob_chunk(blob.id, 0, b"hello, ").await.unwrap(), 7);
    assert!(matches!(
        fixture.store.append_blob_chunk(blob.id, 3, b"overlap").await,
        Err(StoreError::BlobRangeMismatch { expected: 7, given: 3, .. })
    ));
    assert_eq!(fixture.store.append_blob_chunk(blob.id, 7, b"world").await.unwrap(), 12);
    fixture.store.complete_blob(blob.id, &[9; 32]).await.unwrap();
    assert!(matches!(fixture.store.append_blob_chunk(blob.id, 12, b"!").await, Err(StoreError::BlobComplete(_))));
    let completed = fixture.store.blob_for_upload(TokenHash([5; 32])).await.unwrap().unwrap();
    assert!(completed.complete, "the upload token still names the blob, now complete");
    let stored = fixture.store.blob(blob.id).await.unwrap().unwrap();
    assert!(stored.complete);
    assert_eq!(stored.length, 12);
    assert_eq!(stored.hash, Some(vec![9; 32]));
    assert_eq!(fixture.store.blob_content(blob.id).await.unwrap(), b"hello, world");

    fixture.store.create_blob_read_token(TokenHash([6; 32]), blob.id, NOW + Duration::minutes(10)).await.unwrap();
    assert_eq!(fixture.store.blob_for_read(TokenHash([6; 32]), NOW).await.unwrap().map(|blob| blob.id), Some(blob.id));
    assert!(
        fixture.store.blob_for_read(TokenHash([6; 32]), NOW + Duration::minutes(10)).await.unwrap().is_none(),
        "expired"
    );
    assert!(fixture.store.blob_for_read(TokenHash([7; 32]), NOW).await.unwrap().is_none());

    let inline = NewBlob { id: BlobId::from_uuid(Uuid::new_v4()), ..blob };
    fixture.store.create_complete_blob(&inline, b"inline bytes", &[1; 32]).await.unwrap();
    assert_eq!(fixture.store.blob_content(inline.id).await.unwrap(), b"inline bytes");
    assert_eq!(fixture.store.blob(inline.id).await.unwrap().unwrap().length, 12);
}

async fn down_migrations_reverse_up_migrations(fixture: &Fixture) {
    let migrated = fixture.store.schema_summary().await.unwrap();
    assert!(migrated.iter().any(|table| table.starts_with("things(id, record_id, version_stamp")), "{migrated:?}");
    fixture.store.revert_all_migrations().await.unwrap();
    assert_eq!(
        fixture.store.schema_summary().await.unwrap(),
        Vec::<String>::new(),
        "down-migrations leave no table behind"
    );
    fixture.store.apply_migrations().await.unwrap();
    assert_eq!(fixture.store.schema_summary().await.unwrap(), migrated);
}

/// Runs every contract test against one engine.
macro_rules! contract_suite {
    ($engine:ident, $open:expr) => {
        mod $engine {
            use super::*;
            contract_suite!(@tests $open;
                things_created_read_back,
                update_with_current_stamp_makes_a_new_version,
                stale_stamp_is_rejected_and_nothing_written,
                delete_creates_a_deleted_version_and_keeps_history,
                queries_filter_limit_and_order,
                personal_flag_can_be_excluded,
                operation_log_grows_by_one_per_change,
                batch_with_one_bad_change_writes_nothing,
                quota_is_enforced,
                unknown_record_is_refused,
                persons_and_records,
                applications_and_authorizations,
                sessions_and_user_tokens,
                alternate_ids_and_application_settings,
                blobs_upload_in_chunks_and_read_by_token,
                down_migrations_reverse_up_migrations
            );
        }
    };
    (@tests $open:expr; $($test:ident),*) => {
        $(
            #[tokio::test]
            async fn $test() {
                let Some(fixture) = $open.await else {
                    eprintln!("skipped: {} is not set, so the PostgreSQL suite cannot run", haven_store::testing::POSTGRES_URL_VARIABLE);
                    return;
                };
                super::$test(&fixture).await;
                fixture.cleanup().await;
            }
        )*
    };
}

contract_suite!(on_sqlite, async { Some(sqlite().await) });
contract_suite!(on_postgres, postgres());

/// Both engines' migrations produce the same tables and columns.
#[tokio::test]
async fn engines_have_the_same_schema() {
    let Some(postgres) = postgres().await else {
        eprintln!("skipped: {} is not set", haven_store::testing::POSTGRES_URL_VARIABLE);
        return;
    };
    let sqlite = sqlite().await;
    assert_eq!(sqlite.store.schema_summary().await.unwrap(), postgres.store.schema_summary().await.unwrap());
    sqlite.cleanup().await;
    postgres.cleanup().await;
}

/// A SQLite database whose directory is missing is refused with the directory's name.
#[tokio::test]
async fn missing_database_directory_is_named() {
    let directory = tempfile::tempdir().unwrap();
    let missing = directory.path().join("no-such-dir");
    let error = SqlStore::open(&StoreConfig::sqlite(missing.join("haven.db"))).await.unwrap_err();
    assert!(matches!(&error, StoreError::MissingDirectory(path) if path == &missing), "{error:?}");
    assert!(error.to_string().contains("no-such-dir"), "{error}");
}
