//! Things: writes with version stamps, history, queries, the operation log, all-or-nothing
//! batches and the record quota.

use super::*;

fn audit(fixture: &Fixture, at: OffsetDateTime) -> Audit {
    Audit {
        timestamp: at,
        application_id: None,
        person_id: Some(fixture.person.id),
        access_avenue: AccessAvenue::Online,
        action: AuditAction::Created,
    }
}

pub(crate) fn weight_draft(kg: &str, when: PrimitiveDateTime, client_id: Option<&str>) -> ThingDraft {
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
        updated_end_date: None,
    }
}

pub(crate) fn height_draft(metres: &str, when: PrimitiveDateTime) -> ThingDraft {
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
        updated_end_date: None,
    }
}

fn new_key() -> ThingKey {
    ThingKey { id: ThingId::from_uuid(Uuid::new_v4()), version: VersionStamp::from_uuid(Uuid::new_v4()) }
}

pub(crate) fn create(fixture: &Fixture, draft: ThingDraft, at: OffsetDateTime) -> Thing {
    Thing::create(fixture.record.id, new_key(), draft, audit(fixture, at)).unwrap()
}

pub(crate) async fn put(fixture: &Fixture, things: Vec<Thing>) -> Vec<ThingKey> {
    let changes: Vec<ThingChange> = things.into_iter().map(ThingChange::Create).collect();
    fixture.store.write_things(fixture.record.id, &changes).await.unwrap()
}

async fn sequence(fixture: &Fixture) -> u64 {
    fixture.store.record(fixture.record.id).await.unwrap().unwrap().latest_operation_sequence
}

pub(crate) async fn things_created_read_back(fixture: &Fixture) {
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

pub(crate) async fn update_with_current_stamp_makes_a_new_version(fixture: &Fixture) {
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

pub(crate) async fn stale_stamp_is_rejected_and_nothing_written(fixture: &Fixture) {
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

pub(crate) async fn delete_creates_a_deleted_version_and_keeps_history(fixture: &Fixture) {
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

pub(crate) async fn queries_filter_limit_and_order(fixture: &Fixture) {
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

pub(crate) async fn updated_end_date_is_stored_and_filtered(fixture: &Fixture) {
    let ending = |kg, when, end| ThingDraft { updated_end_date: end, ..weight_draft(kg, when, None) };
    let ended = create(fixture, ending("70", datetime!(2026-11-01 8:00), Some(datetime!(2026-11-10 0:00))), NOW);
    let ending_later =
        create(fixture, ending("71", datetime!(2026-11-02 8:00), Some(datetime!(2027-01-31 23:59:59.5))), NOW);
    let open_ended = create(fixture, ending("72", datetime!(2026-11-03 8:00), None), NOW);
    put(fixture, vec![ended.clone(), ending_later.clone(), open_ended.clone()]).await;
    let stored = fixture.store.thing(fixture.record.id, ending_later.key.id).await.unwrap().unwrap();
    assert_eq!(stored.updated_end_date, Some(datetime!(2027-01-31 23:59:59.5)), "a wall-clock time, kept to the µs");
    assert_eq!(fixture.store.thing(fixture.record.id, open_ended.key.id).await.unwrap().unwrap(), open_ended);

    let query = |query: ThingQuery| async move { fixture.store.query_things(fixture.record.id, &query).await.unwrap() };
    let ids = |things: Vec<Thing>| things.into_iter().map(|thing| thing.key.id).collect::<Vec<_>>();
    // Still relevant on 2026-11-21: ending later, or never.
    let current = query(ThingQuery { updated_end_date_min: Some(datetime!(2026-11-21 0:00)), ..ThingQuery::default() });
    assert_eq!(ids(current.await), vec![open_ended.key.id, ending_later.key.id]);
    // No longer relevant: ended by then. Things without an end date never match a maximum.
    let past = query(ThingQuery { updated_end_date_max: Some(datetime!(2026-11-21 0:00)), ..ThingQuery::default() });
    assert_eq!(ids(past.await), vec![ended.key.id]);
    let bounds = query(ThingQuery {
        updated_end_date_min: Some(datetime!(2026-11-10 0:00)),
        updated_end_date_max: Some(datetime!(2027-01-31 23:59:59.5)),
        ..ThingQuery::default()
    });
    assert_eq!(ids(bounds.await), vec![ending_later.key.id, ended.key.id], "bounds are inclusive");

    // A revision that sends no end date keeps it; one past 9999-12-31T00:00 clears it. The
    // history keeps each version's end date.
    let kept = ended
        .revise(
            VersionStamp::from_uuid(Uuid::new_v4()),
            weight_draft("69", datetime!(2026-11-01 8:00), None),
            audit(fixture, NOW),
        )
        .unwrap();
    let cleared = kept
        .revise(
            VersionStamp::from_uuid(Uuid::new_v4()),
            ending("68", datetime!(2026-11-01 8:00), Some(datetime!(9999-12-31 23:59:59))),
            audit(fixture, NOW),
        )
        .unwrap();
    assert_eq!(kept.updated_end_date, ended.updated_end_date);
    assert_eq!(cleared.updated_end_date, None);
    for (previous, thing) in [(&ended, &kept), (&kept, &cleared)] {
        fixture
            .store
            .write_things(
                fixture.record.id,
                &[ThingChange::Revise { previous: previous.key.version, thing: thing.clone() }],
            )
            .await
            .unwrap();
    }
    assert_eq!(fixture.store.thing(fixture.record.id, ended.key.id).await.unwrap().unwrap(), cleared);
    let history = fixture.store.thing_history(fixture.record.id, ended.key.id).await.unwrap();
    assert_eq!(
        history.iter().map(|version| version.updated_end_date).collect::<Vec<_>>(),
        vec![None, Some(datetime!(2026-11-10 0:00)), Some(datetime!(2026-11-10 0:00))]
    );
    let past = query(ThingQuery { updated_end_date_max: Some(datetime!(2026-11-21 0:00)), ..ThingQuery::default() });
    assert!(past.await.is_empty(), "the cleared thing no longer ends");
}

pub(crate) async fn personal_flag_can_be_excluded(fixture: &Fixture) {
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

pub(crate) async fn operation_log_grows_by_one_per_change(fixture: &Fixture) {
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

pub(crate) async fn batch_with_one_bad_change_writes_nothing(fixture: &Fixture) {
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

pub(crate) async fn quota_is_enforced(fixture: &Fixture) {
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

pub(crate) async fn unknown_record_is_refused(fixture: &Fixture) {
    let missing = RecordId::from_uuid(Uuid::new_v4());
    let thing =
        Thing::create(missing, new_key(), weight_draft("70", datetime!(2026-11-01 8:00), None), audit(fixture, NOW))
            .unwrap();
    let error = fixture.store.write_things(missing, &[ThingChange::Create(thing)]).await.unwrap_err();
    assert!(matches!(error, StoreError::RecordNotFound(id) if id == missing), "{error:?}");
}
