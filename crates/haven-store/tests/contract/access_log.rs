//! The record's access history: entries read back whole, newest first, a page at a time
//! without losing entries that share an instant, per record, and removed by retention.

use haven_domain::access_log::{AccessKind, Accessor, MAX_LOGGED_TYPES, RecordAccess, RecordAccessId};
use haven_store::{AccessLogStore, AccessLogWriter};

use super::*;

fn access(record_id: RecordId, at: OffsetDateTime, accessor: Accessor, kind: AccessKind) -> RecordAccess {
    RecordAccess::new(RecordAccessId::from_uuid(Uuid::new_v4()), record_id, at, accessor, kind, "GetThings")
}

fn ids(accesses: &[RecordAccess]) -> Vec<RecordAccessId> {
    accesses.iter().map(|access| access.id).collect()
}

pub(crate) async fn record_accesses_read_back_newest_first(fixture: &Fixture) {
    let store = &fixture.store;
    let person_id = fixture.person.id;
    let application_id = ApplicationId::from_uuid(Uuid::new_v4());
    let shell = access(fixture.record.id, NOW, Accessor::Person(person_id), AccessKind::Write)
        .with_things([WEIGHT, HEIGHT, WEIGHT], 3);
    let online = access(
        fixture.record.id,
        NOW + Duration::minutes(1),
        Accessor::OnlineApplication { application_id, person_id },
        AccessKind::Read,
    )
    .with_things([WEIGHT], 1);
    let offline = access(
        fixture.record.id,
        NOW + Duration::minutes(2),
        Accessor::OfflineApplication { application_id, person_id: None },
        AccessKind::Read,
    );
    let many_types: Vec<ThingTypeId> = (0..40).map(|n| ThingTypeId::from_uuid(Uuid::from_u128(n))).collect();
    let wide = access(
        fixture.record.id,
        NOW + Duration::minutes(3),
        Accessor::OfflineApplication { application_id, person_id: Some(person_id) },
        AccessKind::Read,
    )
    .with_things(many_types, 40);
    for entry in [&shell, &online, &offline, &wide] {
        store.log_record_access(entry).await.unwrap();
    }

    let read = store.record_accesses(fixture.record.id, None, 10).await.unwrap();
    assert_eq!(read, vec![wide.clone(), offline.clone(), online.clone(), shell.clone()], "whole, newest first");
    assert_eq!(read[3].type_ids, {
        let mut types = vec![WEIGHT, HEIGHT];
        types.sort();
        types
    });
    assert_eq!(read[0].type_ids.len(), MAX_LOGGED_TYPES);
    assert_eq!(read[1].accessor(), Some(Accessor::OfflineApplication { application_id, person_id: None }));

    // Paging: `before` is the last entry's instant.
    let first = store.record_accesses(fixture.record.id, None, 2).await.unwrap();
    assert_eq!(ids(&first), vec![wide.id, offline.id]);
    let second = store.record_accesses(fixture.record.id, Some(first[1].at), 2).await.unwrap();
    assert_eq!(ids(&second), vec![online.id, shell.id]);
    assert!(store.record_accesses(fixture.record.id, Some(shell.at), 2).await.unwrap().is_empty());
    assert!(store.record_accesses(fixture.record.id, None, 0).await.unwrap().is_empty());

    // Another record's history is its own.
    let other = new_record(DEFAULT_RECORD_QUOTA_BYTES);
    store.create_record(&other, &custodian(&other, &fixture.person)).await.unwrap();
    assert!(store.record_accesses(other.id, None, 10).await.unwrap().is_empty());

    // A record that does not exist has no history to add to.
    let nowhere = access(RecordId::from_uuid(Uuid::new_v4()), NOW, Accessor::Person(person_id), AccessKind::Read);
    assert!(matches!(
        store.log_record_access(&nowhere).await,
        Err(StoreError::RecordNotFound(record_id)) if record_id == nowhere.record_id
    ));
}

pub(crate) async fn a_page_never_splits_one_instant(fixture: &Fixture) {
    let store = &fixture.store;
    let accessor = Accessor::Person(fixture.person.id);
    let newest = access(fixture.record.id, NOW + Duration::seconds(1), accessor, AccessKind::Read);
    let same_instant: Vec<RecordAccess> =
        (0..3).map(|_| access(fixture.record.id, NOW, accessor, AccessKind::Read)).collect();
    let oldest = access(fixture.record.id, NOW - Duration::seconds(1), accessor, AccessKind::Write);
    for entry in same_instant.iter().chain([&newest, &oldest]) {
        store.log_record_access(entry).await.unwrap();
    }

    // A page of two ends inside the run of three at NOW: it takes the whole run.
    let first = store.record_accesses(fixture.record.id, None, 2).await.unwrap();
    assert_eq!(first.len(), 4, "{first:?}");
    assert_eq!(first[0].id, newest.id);
    let mut run: Vec<RecordAccessId> = ids(&first[1..]);
    run.sort();
    let mut expected = ids(&same_instant);
    expected.sort();
    assert_eq!(run, expected);
    let second = store.record_accesses(fixture.record.id, Some(NOW), 2).await.unwrap();
    assert_eq!(ids(&second), vec![oldest.id], "nothing skipped, nothing repeated");
}

pub(crate) async fn old_record_accesses_are_deleted(fixture: &Fixture) {
    let store = &fixture.store;
    let accessor = Accessor::Person(fixture.person.id);
    let old = access(fixture.record.id, NOW - Duration::days(400), accessor, AccessKind::Read);
    let recent = access(fixture.record.id, NOW, accessor, AccessKind::Read);
    store.log_record_access(&old).await.unwrap();
    store.log_record_access(&recent).await.unwrap();
    assert_eq!(store.delete_record_accesses_before(old.at).await.unwrap(), 0, "the cutoff itself is kept");
    assert_eq!(store.delete_record_accesses_before(NOW - Duration::days(365)).await.unwrap(), 1);
    assert_eq!(ids(&store.record_accesses(fixture.record.id, None, 10).await.unwrap()), vec![recent.id]);
}

/// A batch is written whole or not at all; the writer takes entries off the caller's path,
/// writes them in order by the time a flush returns, and a bad entry costs only itself.
pub(crate) async fn batches_and_the_writer_lose_no_good_entry(fixture: &Fixture) {
    let store = &fixture.store;
    let person = Accessor::Person(fixture.person.id);
    let first = access(fixture.record.id, NOW, person, AccessKind::Read);
    let second = access(fixture.record.id, NOW + Duration::seconds(1), person, AccessKind::Write);
    let nowhere = access(RecordId::from_uuid(Uuid::new_v4()), NOW, person, AccessKind::Read);
    assert!(
        matches!(
            store.log_record_accesses(&[first.clone(), nowhere.clone()]).await,
            Err(StoreError::RecordNotFound(_))
        ),
        "one bad entry fails the batch"
    );
    assert!(store.record_accesses(fixture.record.id, None, 10).await.unwrap().is_empty(), "and writes none of it");
    store.log_record_accesses(&[first.clone(), second.clone()]).await.unwrap();
    assert_eq!(ids(&store.record_accesses(fixture.record.id, None, 10).await.unwrap()), [second.id, first.id]);

    let writer = AccessLogWriter::new(std::sync::Arc::new(store.clone()));
    writer.flush().await;
    let queued: Vec<RecordAccess> = (0..300)
        .map(|n| {
            access(fixture.record.id, NOW + Duration::minutes(1) + Duration::milliseconds(n), person, AccessKind::Read)
        })
        .collect();
    writer.log(nowhere).await;
    for entry in &queued {
        writer.log(entry.clone()).await;
    }
    writer.flush().await;
    let written = store.record_accesses(fixture.record.id, None, 1000).await.unwrap();
    assert_eq!(written.len(), 302, "every good entry, across batches of at most ACCESS_LOG_BATCH");
    assert_eq!(written[0].id, queued[299].id);
}
