//! GetThings, PutThings and RemoveThings through the router, with the authorization checks
//! that guard them.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use haven_domain::thing::ThingKey;
use haven_wire::methods::get_things::GetThingsResponse;
use haven_wire::methods::put_things::PutThingsResponse;
use haven_wire::{StatusCode, parse_response};
use support::{Harness, authorize, harness, offline, online, record_call};

const WEIGHT: &str = "3d34d87e-7fc1-4153-800f-f56592cb0d17";
const SECRET: &[u8] = b"123456789";

fn weight_thing(kg: &str, day: u8) -> String {
    format!(
        "<thing><type-id>{WEIGHT}</type-id><thing-state>Active</thing-state><flags>0</flags><data-xml><weight><when><date><y>2026</y><m>11</m><d>{day}</d></date><time><h>7</h><m>30</m></time></when><value><kg>{kg}</kg></value></weight><common><note>scale</note></common></data-xml></thing>"
    )
}

async fn put(harness: &Harness, auth: &str, record: &str, things: &str) -> (StatusCode, String) {
    let info = format!("<info>{things}</info>");
    harness.post(record_call("PutThings", 2, record, auth, SECRET, &info)).await
}

async fn get(harness: &Harness, auth: &str, record: &str, version: u32, group: &str) -> (StatusCode, String) {
    let info = format!("<info>{group}</info>");
    harness.post(record_call("GetThings", version, record, auth, SECRET, &info)).await
}

fn keys(text: &str) -> Vec<ThingKey> {
    let info = parse_response(text).unwrap().info.unwrap();
    PutThingsResponse::parse_info_xml(info.inner_xml).unwrap().keys
}

#[tokio::test]
async fn put_get_update_and_remove_a_weight() {
    let harness = harness().await;
    let session = harness.session(1).await;
    let (account, user_token) = authorize(&harness, true).await;
    let auth = online(&session.token, &user_token);
    let record = account.record.id.to_string();

    let (status, text) = put(&harness, &auth, &record, &(weight_thing("72.5", 19) + &weight_thing("72.1", 20))).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let created = keys(&text);
    assert_eq!(created.len(), 2);

    let group = format!(
        "<group max=\"10\"><filter><type-id>{WEIGHT}</type-id></filter><format><section>core</section><xml/></format></group>"
    );
    let (status, text) = get(&harness, &auth, &record, 3, &group).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let info = parse_response(&text).unwrap().info.unwrap();
    assert_eq!(info.schema(), Some("GetThings3"));
    let groups = GetThingsResponse::parse_info_xml(info.inner_xml).unwrap();
    let things = &groups.groups[0].things;
    assert_eq!(things.iter().map(|thing| thing.key).collect::<Vec<_>>(), vec![created[1], created[0]], "newest first");

    // Update the first with its current stamp, then again with the stale one.
    let update = format!(
        "<thing><thing-id version-stamp=\"{}\">{}</thing-id><type-id>{WEIGHT}</type-id><data-xml><weight><when><date><y>2026</y><m>11</m><d>19</d></date></when><value><kg>71.0</kg></value></weight></data-xml></thing>",
        created[0].version, created[0].id
    );
    let (status, text) = put(&harness, &auth, &record, &update).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(keys(&text)[0].id, created[0].id);
    let (status, _) = put(&harness, &auth, &record, &update).await;
    assert_eq!(status, StatusCode::VERSION_STAMP_MISMATCH);

    // Offline: read allowed, write not.
    let offline_auth = offline(&session.token, account.person.id);
    let (status, text) = get(&harness, &offline_auth, &record, 1, &group).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let (status, _) = put(&harness, &offline_auth, &record, &weight_thing("70", 21)).await;
    assert_eq!(status, StatusCode::ACCESS_DENIED);

    // Remove the second.
    let remove =
        format!("<info><thing-id version-stamp=\"{}\">{}</thing-id></info>", created[1].version, created[1].id);
    let (status, text) = harness.post(record_call("RemoveThings", 1, &record, &auth, SECRET, &remove)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let (_, text) = get(&harness, &auth, &record, 3, &group).await;
    let groups = GetThingsResponse::parse_info_xml(parse_response(&text).unwrap().info.unwrap().inner_xml).unwrap();
    assert_eq!(groups.groups[0].things.len(), 1);
}

#[tokio::test]
async fn bad_writes_change_nothing() {
    let harness = harness().await;
    let session = harness.session(1).await;
    let (account, user_token) = authorize(&harness, false).await;
    let auth = online(&session.token, &user_token);
    let record = account.record.id.to_string();

    let invalid = weight_thing("-3", 20);
    let (status, text) = put(&harness, &auth, &record, &(weight_thing("70", 19) + &invalid)).await;
    assert_eq!(status, StatusCode::INVALID_XML, "{text}");
    let unknown_type = weight_thing("70", 19).replace(WEIGHT, "11111111-2222-3333-4444-555555555555");
    assert_eq!(put(&harness, &auth, &record, &unknown_type).await.0, StatusCode::INVALID_THING_TYPE);

    let group =
        format!("<group><filter><type-id>{WEIGHT}</type-id></filter><format><section>core</section></format></group>");
    let (_, text) = get(&harness, &auth, &record, 3, &group).await;
    let groups = GetThingsResponse::parse_info_xml(parse_response(&text).unwrap().info.unwrap().inner_xml).unwrap();
    assert!(groups.groups[0].things.is_empty(), "the valid thing of the failed batch was not written");

    let too_many = "<group/>".repeat(31);
    assert_eq!(get(&harness, &auth, &record, 3, &too_many).await.0, StatusCode::TOO_MANY_GROUPS_IN_QUERY);
}
