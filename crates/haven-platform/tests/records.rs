//! GetAuthorizedRecords, GetUpdatedRecordsForApplication and GetRecordOperations through the
//! router.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use haven_domain::auth_rules::{AuthRule, Permissions, RuleSet, TargetSet};
use haven_domain::ids::RecordId;
use haven_domain::thing::AuditAction;
use haven_domain::thing_type::{HEIGHT, WEIGHT};
use haven_store::AuthorizationStore;
use haven_wire::StatusCode;
use haven_wire::methods::get_authorized_records::GetAuthorizedRecordsResponse;
use haven_wire::methods::get_record_operations::GetRecordOperationsResponse;
use haven_wire::methods::get_updated_records_for_application::GetUpdatedRecordsResponse;
use haven_wire::methods::put_things::PutThingsResponse;
use support::{
    Harness, application_only, authorize, call, grant, harness, info_of, offline, online, open_account, record_call,
    revoke,
};
use time::Duration;
use time::macros::datetime;

const SECRET: &[u8] = b"123456789";

fn weight(day: u8) -> String {
    format!(
        "<thing><type-id>{WEIGHT}</type-id><data-xml><weight><when><date><y>2026</y><m>11</m><d>{day}</d></date></when><value><kg>70.5</kg></value></weight></data-xml></thing>"
    )
}

fn height(day: u8) -> String {
    format!(
        "<thing><type-id>{HEIGHT}</type-id><data-xml><height><when><date><y>2026</y><m>11</m><d>{day}</d></date></when><value><m>1.75</m></value></height></data-xml></thing>"
    )
}

async fn put(harness: &Harness, auth: &str, record: RecordId, things: &str) -> PutThingsResponse {
    let info = format!("<info>{things}</info>");
    let (status, text) = harness.post(record_call("PutThings", 2, &record.to_string(), auth, SECRET, &info)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    PutThingsResponse::parse_info_xml(&info_of(&text)).unwrap()
}

async fn operations(harness: &Harness, auth: &str, record: RecordId, since: u64) -> GetRecordOperationsResponse {
    let info = format!("<info><record-operation-sequence-number>{since}</record-operation-sequence-number></info>");
    let (status, text) =
        harness.post(record_call("GetRecordOperations", 1, &record.to_string(), auth, SECRET, &info)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    GetRecordOperationsResponse::parse_info_xml(&info_of(&text)).unwrap()
}

#[tokio::test]
async fn authorized_records_are_those_asked_for_that_the_person_authorized() {
    let harness = harness().await;
    let session = harness.session(1).await;
    let (account, user_token) = authorize(&harness, false).await;
    let other = open_account(&harness, "bruno@example.org", "Bruno").await;
    grant(&harness, harness.app_id, other.person.id, other.record.id, true).await;
    let unknown = RecordId::from_uuid(uuid::Uuid::new_v4());
    let info = format!("<info><id>{unknown}</id><id>{}</id><id>{}</id></info>", other.record.id, account.record.id);

    let online_auth = online(&session.token, &user_token);
    let (status, text) = harness.post(call("GetAuthorizedRecords", 1, &online_auth, SECRET, &info, |body| body)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let answer = GetAuthorizedRecordsResponse::parse_info_xml(&info_of(&text)).unwrap();
    assert_eq!(answer.records.iter().map(|record| record.id).collect::<Vec<_>>(), vec![account.record.id]);

    // Ana granted no offline access: offline, she cannot be reached at all.
    let offline_auth = offline(&session.token, account.person.id);
    let (status, text) = harness.post(call("GetAuthorizedRecords", 1, &offline_auth, SECRET, &info, |body| body)).await;
    assert_eq!(status, StatusCode::ACCESS_DENIED, "{text}");

    // Bruno did; and once he revokes, he can no longer be reached offline.
    let bruno = offline(&session.token, other.person.id);
    let (_, text) = harness.post(call("GetAuthorizedRecords", 1, &bruno, SECRET, &info, |body| body)).await;
    let answer = GetAuthorizedRecordsResponse::parse_info_xml(&info_of(&text)).unwrap();
    assert_eq!(answer.records.iter().map(|record| record.id).collect::<Vec<_>>(), vec![other.record.id]);
    revoke(&harness, other.person.id, other.record.id).await;
    let (status, text) = harness.post(call("GetAuthorizedRecords", 1, &bruno, SECRET, &info, |body| body)).await;
    assert_eq!(status, StatusCode::ACCESS_DENIED, "{text}");

    // The method needs a person.
    let app_only = application_only(&session.token);
    assert_eq!(
        harness.post(call("GetAuthorizedRecords", 1, &app_only, SECRET, &info, |body| body)).await.0,
        StatusCode::ACCESS_DENIED
    );
}

#[tokio::test]
async fn updated_records_are_those_with_changes_since_the_date() {
    let harness = harness().await;
    let session = harness.session(1).await;
    let (account, user_token) = authorize(&harness, true).await;
    let other = open_account(&harness, "bruno@example.org", "Bruno").await;
    grant(&harness, harness.app_id, other.person.id, other.record.id, true).await;
    let stranger = open_account(&harness, "carla@example.org", "Carla").await;
    let auth = online(&session.token, &user_token);
    let app_only = application_only(&session.token);
    let updated = |version: u32, since: Option<&str>| {
        let info =
            since.map_or("<info/>".to_owned(), |since| format!("<info><update-date>{since}</update-date></info>"));
        call("GetUpdatedRecordsForApplication", version, &app_only, SECRET, &info, |body| body)
    };

    // Without a date: every authorized record, unchanged ones dated by their creation.
    let (status, text) = harness.post(updated(2, None)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let all = GetUpdatedRecordsResponse::parse_info_xml(&info_of(&text)).unwrap().records;
    let mut ids: Vec<RecordId> = all.iter().map(|record| record.record_id).collect();
    ids.sort();
    let mut expected = vec![account.record.id, other.record.id];
    expected.sort();
    assert_eq!(ids, expected, "not {}", stranger.record.id);
    assert!(all.iter().all(|record| record.latest_operation_sequence == Some(0)));

    // Ana's record changes at 12:10; Bruno's does not.
    harness.clock.advance(Duration::minutes(10));
    put(&harness, &auth, account.record.id, &(weight(19) + &weight(20))).await;
    let (_, text) = harness.post(updated(2, Some("2026-11-21T12:05:00Z"))).await;
    let changed = GetUpdatedRecordsResponse::parse_info_xml(&info_of(&text)).unwrap().records;
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0].record_id, account.record.id);
    assert_eq!(changed[0].person_id, account.person.id);
    assert_eq!(changed[0].update_date, datetime!(2026-11-21 12:10 UTC));
    assert_eq!(changed[0].latest_operation_sequence, Some(2));

    // Version 1 answers record ids with their dates; a later date finds nothing.
    let (status, text) = harness.post(updated(1, Some("2026-11-21T12:10:00Z"))).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let version_1 = GetUpdatedRecordsResponse::parse_version_1_info_xml(&info_of(&text)).unwrap();
    assert_eq!(version_1.len(), 1);
    assert_eq!(version_1[0].record_id, account.record.id);
    let (_, text) = harness.post(updated(2, Some("2026-11-21T12:10:01Z"))).await;
    assert!(GetUpdatedRecordsResponse::parse_info_xml(&info_of(&text)).unwrap().records.is_empty());

    // A revoked authorization drops the record.
    revoke(&harness, account.person.id, account.record.id).await;
    let (_, text) = harness.post(updated(2, Some("2026-11-21T12:05:00Z"))).await;
    assert!(GetUpdatedRecordsResponse::parse_info_xml(&info_of(&text)).unwrap().records.is_empty());
}

#[tokio::test]
async fn record_operations_are_paged_from_a_sequence_number() {
    let harness = harness().await;
    let session = harness.session(1).await;
    let (account, user_token) = authorize(&harness, true).await;
    let auth = online(&session.token, &user_token);
    let record = account.record.id;

    let empty = operations(&harness, &auth, record, 0).await;
    assert_eq!(empty.latest_sequence, 0);
    assert!(empty.operations.is_empty());

    let created = put(&harness, &auth, record, &(weight(19) + &height(19))).await.keys;
    let remove =
        format!("<info><thing-id version-stamp=\"{}\">{}</thing-id></info>", created[0].version, created[0].id);
    let (status, text) =
        harness.post(record_call("RemoveThings", 1, &record.to_string(), &auth, SECRET, &remove)).await;
    assert_eq!(status, StatusCode::OK, "{text}");

    let log = operations(&harness, &auth, record, 0).await;
    assert_eq!(log.latest_sequence, 3);
    let summary: Vec<_> =
        log.operations.iter().map(|operation| (operation.sequence, operation.action, operation.type_id)).collect();
    assert_eq!(
        summary,
        vec![(1, AuditAction::Created, WEIGHT), (2, AuditAction::Created, HEIGHT), (3, AuditAction::Deleted, WEIGHT)]
    );
    assert_eq!(log.operations[0].key, created[0]);
    assert_eq!(log.operations[0].eff_date, Some(datetime!(2026-11-19 0:00)));
    let after_two = operations(&harness, &auth, record, 2).await;
    assert_eq!(after_two.operations.iter().map(|operation| operation.sequence).collect::<Vec<_>>(), vec![3]);
    assert_eq!(after_two.latest_sequence, 3);

    // Offline calls read the log too (the offline grant reads every type).
    let offline_log = operations(&harness, &offline(&session.token, account.person.id), record, 0).await;
    assert_eq!(offline_log.operations.len(), 3);
}

#[tokio::test]
async fn record_operations_leave_out_types_the_application_may_not_read() {
    let harness = harness().await;
    let session = harness.session(1).await;
    let (account, user_token) = authorize(&harness, false).await;
    let auth = online(&session.token, &user_token);
    let record = account.record.id;

    // More heights than one answer holds, then a weight.
    let limit = 500;
    let heights: Vec<String> = (0..limit + 1).map(|index| height(1 + (index % 28) as u8)).collect();
    for batch in heights.chunks(250) {
        put(&harness, &auth, record, &batch.concat()).await;
    }
    put(&harness, &auth, record, &weight(20)).await;
    let full = operations(&harness, &auth, record, 0).await;
    assert_eq!(full.operations.len(), limit, "at most {limit} operations per answer");
    assert_eq!(full.latest_sequence, limit as u64 + 2);
    let rest = operations(&harness, &auth, record, limit as u64).await;
    assert_eq!(rest.operations.iter().map(|operation| operation.sequence).collect::<Vec<_>>(), vec![501, 502]);

    // Ana now lets the application read weights only: the heights disappear from the log,
    // and the one weight is found past them in a single call.
    let mut authorization =
        harness.store.authorization(account.person.id, record, harness.app_id).await.unwrap().expect("granted");
    authorization.online = Some(RuleSet {
        rules: vec![AuthRule {
            name: "weights".to_owned(),
            reason: String::new(),
            is_optional: false,
            is_incremental: false,
            display_flags: 0,
            permissions: Permissions::READ,
            target_sets: vec![TargetSet { type_ids: [WEIGHT].into_iter().collect(), date_ranges: Vec::new() }],
            exception_sets: Vec::new(),
        }],
    });
    harness.store.put_authorization(&authorization).await.unwrap();
    let weights_only = operations(&harness, &auth, record, 0).await;
    assert_eq!(weights_only.operations.iter().map(|operation| operation.type_id).collect::<Vec<_>>(), vec![WEIGHT]);
    assert_eq!(weights_only.operations[0].sequence, 502);
    assert_eq!(weights_only.latest_sequence, 502);

    // With nothing it may read, the application is refused.
    authorization.online = Some(RuleSet::default());
    harness.store.put_authorization(&authorization).await.unwrap();
    let info = "<info><record-operation-sequence-number>0</record-operation-sequence-number></info>";
    let (status, text) =
        harness.post(record_call("GetRecordOperations", 1, &record.to_string(), &auth, SECRET, info)).await;
    assert_eq!(status, StatusCode::ACCESS_DENIED, "{text}");
}
