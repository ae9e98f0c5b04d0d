//! The record's access history as the Platform writes it: one entry per successful method
//! that reads or writes things (online: the application and the person of the user token;
//! offline: the application and the person the call named), one per blob download as the
//! reader the URL was handed to, and none for a refused call. Also: the audits GetThings
//! writes for versions the person wrote in the Shell.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use axum::body::{Body, to_bytes};
use axum::http::Request;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use haven_domain::access_log::{AccessKind, Accessor, RecordAccess};
use haven_domain::auth_rules::Permissions;
use haven_domain::ids::{ApplicationId, RecordId, ThingTypeId};
use haven_domain::thing::AccessAvenue;
use haven_domain::thing_type::{FILE, HEIGHT, WEIGHT};
use haven_store::AccessLogStore;
use haven_wire::methods::get_things::GetThingsResponse;
use haven_wire::thing_xml::BlobData;
use haven_wire::{StatusCode, parse_response};
use support::{Harness, all_types, authorize, declare_rules, grant_rules, harness, offline, online, record_call};
use time::Duration;
use tower::ServiceExt;

const SECRET: &[u8] = b"123456789";

fn weight_thing(kg: &str, day: u8) -> String {
    format!(
        "<thing><type-id>{WEIGHT}</type-id><data-xml><weight><when><date><y>2026</y><m>11</m><d>{day}</d></date></when><value><kg>{kg}</kg></value></weight></data-xml></thing>"
    )
}

fn weights_group() -> String {
    format!(
        "<info><group><filter><type-id>{WEIGHT}</type-id></filter><format><section>core</section><xml/></format></group></info>"
    )
}

async fn call(harness: &Harness, method: &str, version: u32, record: RecordId, auth: &str, info: &str) -> String {
    // Each call a second after the last, so the history's order is the calls' order.
    harness.clock.advance(Duration::seconds(1));
    let (status, text) = harness.post(record_call(method, version, &record.to_string(), auth, SECRET, info)).await;
    assert_eq!(status, StatusCode::OK, "{method}: {text}");
    text
}

/// The record's history, oldest first.
async fn history(harness: &Harness, record: RecordId) -> Vec<RecordAccess> {
    harness.access_log.flush().await;
    let mut accesses = harness.store.record_accesses(record, None, 100).await.unwrap();
    accesses.reverse();
    accesses
}

/// What an entry says, without its id and time.
fn summary(access: &RecordAccess) -> (Option<Accessor>, AccessKind, &str, Vec<ThingTypeId>, u32) {
    (access.accessor(), access.kind, access.operation.as_str(), access.type_ids.clone(), access.thing_count)
}

#[tokio::test]
async fn things_read_and_written_online_and_offline_are_logged() {
    let harness = harness().await;
    let session = harness.session(1).await;
    let (account, user_token) = authorize(&harness, true).await;
    // Offline writes too, for this test.
    declare_rules(&harness, harness.app_id, all_types(Permissions::ALL), all_types(Permissions::ALL)).await;
    grant_rules(
        &harness,
        harness.app_id,
        account.person.id,
        account.record.id,
        Some(all_types(Permissions::ALL)),
        Some(all_types(Permissions::ALL)),
    )
    .await;
    let record = account.record.id;
    let person_id = account.person.id;
    let application_id: ApplicationId = harness.app_id;
    let online_auth = online(&session.token, &user_token);
    let offline_auth = offline(&session.token, person_id);

    let put = format!("<info>{}{}</info>", weight_thing("72.5", 19), weight_thing("72.1", 20));
    let text = call(&harness, "PutThings", 2, record, &online_auth, &put).await;
    let keys = haven_wire::methods::put_things::PutThingsResponse::parse_info_xml(
        parse_response(&text).unwrap().info.unwrap().inner_xml,
    )
    .unwrap()
    .keys;
    call(&harness, "GetThings", 3, record, &online_auth, &weights_group()).await;
    call(&harness, "PutThings", 2, record, &offline_auth, &format!("<info>{}</info>", weight_thing("71.9", 21))).await;
    call(&harness, "GetThings", 1, record, &offline_auth, &weights_group()).await;
    let remove = format!("<info><thing-id version-stamp=\"{}\">{}</thing-id></info>", keys[0].version, keys[0].id);
    call(&harness, "RemoveThings", 1, record, &online_auth, &remove).await;
    call(
        &harness,
        "GetRecordOperations",
        1,
        record,
        &offline_auth,
        "<info><record-operation-sequence-number>0</record-operation-sequence-number></info>",
    )
    .await;

    let online_app = Some(Accessor::OnlineApplication { application_id, person_id });
    let offline_app = Some(Accessor::OfflineApplication { application_id, person_id: Some(person_id) });
    let accesses = history(&harness, record).await;
    assert_eq!(
        accesses.iter().map(summary).collect::<Vec<_>>(),
        vec![
            (online_app, AccessKind::Write, "PutThings", vec![WEIGHT], 2),
            (online_app, AccessKind::Read, "GetThings", vec![WEIGHT], 2),
            (offline_app, AccessKind::Write, "PutThings", vec![WEIGHT], 1),
            (offline_app, AccessKind::Read, "GetThings", vec![WEIGHT], 3),
            (online_app, AccessKind::Write, "RemoveThings", vec![WEIGHT], 1),
            // Four changes to three things.
            (offline_app, AccessKind::Read, "GetRecordOperations", vec![WEIGHT], 3),
        ]
    );
    assert_eq!(accesses[2].avenue, AccessAvenue::Offline);
    assert!(accesses.windows(2).all(|pair| pair[0].at < pair[1].at), "each at the time it was served");
}

#[tokio::test]
async fn refused_calls_leave_no_entry() {
    let harness = harness().await;
    let session = harness.session(1).await;
    // Online only: offline calls are refused.
    let (account, user_token) = authorize(&harness, false).await;
    let record = account.record.id.to_string();
    let offline_auth = offline(&session.token, account.person.id);
    let (status, _) = harness.post(record_call("GetThings", 3, &record, &offline_auth, SECRET, &weights_group())).await;
    assert_eq!(status, StatusCode::ACCESS_DENIED);
    let put = format!("<info>{}</info>", weight_thing("70", 19));
    let (status, _) = harness.post(record_call("PutThings", 2, &record, &offline_auth, SECRET, &put)).await;
    assert_eq!(status, StatusCode::ACCESS_DENIED);

    // Online, but for types the application may not read or write.
    let online_auth = online(&session.token, &user_token);
    grant_rules(
        &harness,
        harness.app_id,
        account.person.id,
        account.record.id,
        Some(support::types_rule(Permissions::ALL, &[HEIGHT])),
        None,
    )
    .await;
    let (status, _) = harness.post(record_call("GetThings", 3, &record, &online_auth, SECRET, &weights_group())).await;
    assert_eq!(status, StatusCode::ACCESS_DENIED);
    let (status, _) = harness.post(record_call("PutThings", 2, &record, &online_auth, SECRET, &put)).await;
    assert_eq!(status, StatusCode::ACCESS_DENIED);

    assert!(history(&harness, account.record.id).await.is_empty());
}

#[tokio::test]
async fn blob_uploads_and_downloads_are_logged_for_their_caller() {
    let harness = harness().await;
    let session = harness.session(1).await;
    let (account, user_token) = authorize(&harness, false).await;
    let record = account.record.id;
    let auth = online(&session.token, &user_token);
    let content = b"results: all fine";

    call(&harness, "BeginPutBlob", 1, record, &auth, "<info/>").await;
    let file = format!(
        "<info><thing><type-id>{FILE}</type-id><data-xml><file><name>scan.txt</name><size>17</size></file></data-xml><blob-payload><blob><blob-info><name></name><content-type>text/plain</content-type></blob-info><content-length>17</content-length><base64data>{}</base64data></blob></blob-payload></thing></info>",
        STANDARD.encode(content)
    );
    call(&harness, "PutThings", 2, record, &auth, &file).await;
    let streamed = format!(
        "<info><group><filter><type-id>{FILE}</type-id></filter><format><section>core</section><section>blobpayload</section><xml/><blob-payload-request><blob-format><blob-format-spec>streamed</blob-format-spec></blob-format></blob-payload-request></format></group></info>"
    );
    let text = call(&harness, "GetThings", 3, record, &auth, &streamed).await;
    let answer = GetThingsResponse::parse_info_xml(parse_response(&text).unwrap().info.unwrap().inner_xml).unwrap();
    let BlobData::Url(url) = &answer.groups[0].things[0].blobs[0].data else { panic!("a download URL") };

    harness.clock.advance(Duration::seconds(1));
    let parsed = url::Url::parse(url).unwrap();
    let download = Request::get(format!("{}?{}", parsed.path(), parsed.query().unwrap())).body(Body::empty()).unwrap();
    let response = harness.app.clone().oneshot(download).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(to_bytes(response.into_body(), 1 << 20).await.unwrap().as_ref(), content);

    let reader = Some(Accessor::OnlineApplication { application_id: harness.app_id, person_id: account.person.id });
    assert_eq!(
        history(&harness, record).await.iter().map(summary).collect::<Vec<_>>(),
        vec![
            (reader, AccessKind::Write, "BeginPutBlob", vec![], 0),
            (reader, AccessKind::Write, "PutThings", vec![FILE], 1),
            (reader, AccessKind::Read, "GetThings", vec![FILE], 1),
            (reader, AccessKind::Read, "blob download", vec![], 0),
        ]
    );

    // An unknown or expired URL reads nothing and logs nothing.
    harness.clock.advance(haven_domain::blob::BLOB_READ_TOKEN_LIFETIME);
    let expired = Request::get(format!("{}?{}", parsed.path(), parsed.query().unwrap())).body(Body::empty()).unwrap();
    assert_eq!(harness.app.clone().oneshot(expired).await.unwrap().status(), 404);
    assert_eq!(history(&harness, record).await.len(), 4);
}

/// GetThings' audits for a version the person wrote in the Shell: the person with their name,
/// the nil GUID for the application (there was none), online.
#[tokio::test]
async fn shell_written_versions_have_audits() {
    let harness = harness().await;
    let session = harness.session(1).await;
    let (account, user_token) = authorize(&harness, false).await;
    let weight = "<weight><when><date><y>2026</y><m>11</m><d>19</d></date></when><value><kg>70</kg></value></weight>";
    support::seed_thing(&harness, account.person.id, account.record.id, WEIGHT, weight).await;
    let group = format!(
        "<info><group><filter><type-id>{WEIGHT}</type-id></filter><format><section>core</section><section>audits</section></format></group></info>"
    );
    let text = call(&harness, "GetThings", 3, account.record.id, &online(&session.token, &user_token), &group).await;
    let answer = GetThingsResponse::parse_info_xml(parse_response(&text).unwrap().info.unwrap().inner_xml).unwrap();
    let created = answer.groups[0].things[0].created.as_ref().expect("a created audit");
    assert_eq!(created.person_id, account.person.id);
    assert_eq!(created.person_name.as_deref(), Some("Ana López"));
    assert_eq!(created.application_id.to_string(), "00000000-0000-0000-0000-000000000000");
    assert_eq!(created.access_avenue, Some(AccessAvenue::Online));
    let updated = answer.groups[0].things[0].updated.as_ref().expect("an updated audit");
    assert_eq!(updated.person_id, account.person.id, "the first version's update audit is its creation's");
}
