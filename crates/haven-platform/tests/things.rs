//! GetThings, PutThings and RemoveThings through the router, with the authorization checks
//! that guard them.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use haven_domain::thing::ThingKey;
use haven_wire::methods::get_things::{GetThingsResponse, ThingsGroupResult};
use haven_wire::methods::put_things::PutThingsResponse;
use haven_wire::{StatusCode, parse_response};
use support::{Harness, authorize, harness, offline, online, record_call};
use time::macros::datetime;

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

/// `thing` with an `updated-end-date` (last, as thing.xsd's `Thing2` orders it).
fn ending(thing: &str, end: &str) -> String {
    thing.replace("</thing>", &format!("<updated-end-date>{end}</updated-end-date></thing>"))
}

/// The first group of a GetThings answer.
fn first_group(text: &str) -> ThingsGroupResult {
    let info = parse_response(text).unwrap().info.unwrap();
    GetThingsResponse::parse_info_xml(info.inner_xml).unwrap().groups.remove(0)
}

/// PutThings stores a thing's updated-end-date and GetThings returns it and filters on it: an
/// update that leaves it out keeps it, and a date after 9999-12-31T00:00:00 clears it.
#[tokio::test]
async fn updated_end_date_is_stored_returned_and_filtered() {
    let harness = harness().await;
    let session = harness.session(1).await;
    let (account, user_token) = authorize(&harness, true).await;
    let auth = online(&session.token, &user_token);
    let record = account.record.id.to_string();

    let things = [
        ending(&weight_thing("70", 10), "2026-11-15T00:00:00"),
        // Like eff-date, a wall-clock time: the offset is not applied.
        ending(&weight_thing("71", 11), "2027-06-30T12:00:00+02:00"),
        weight_thing("72", 12),
    ];
    let (status, text) = put(&harness, &auth, &record, &things.concat()).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let [ended, current, open_ended] = keys(&text)[..] else { panic!("three keys expected: {text}") };

    let group = |filter: &str| {
        format!(
            "<group><filter><type-id>{WEIGHT}</type-id>{filter}</filter><format><section>core</section><xml/></format></group>"
        )
    };
    let (status, text) = get(&harness, &auth, &record, 3, &group("")).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(text.contains("<updated-end-date>2027-06-30T12:00:00</updated-end-date>"), "{text}");
    let read = first_group(&text);
    assert_eq!(
        read.things.iter().map(|thing| (thing.key, thing.updated_end_date)).collect::<Vec<_>>(),
        vec![
            (open_ended, None),
            (current, Some(datetime!(2027-06-30 12:00))),
            (ended, Some(datetime!(2026-11-15 0:00))),
        ]
    );

    // Still relevant on 2026-11-21 (ends later, or never), and no longer relevant by then.
    let ids = |text: &str| first_group(text).things.iter().map(|thing| thing.key.id).collect::<Vec<_>>();
    let relevant = group("<updated-end-date-min>2026-11-21T00:00:00Z</updated-end-date-min>");
    let (status, text) = get(&harness, &auth, &record, 3, &relevant).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(ids(&text), vec![open_ended.id, current.id]);
    let ended_by = group("<updated-end-date-max>2026-11-21T00:00:00Z</updated-end-date-max>");
    let (_, text) = get(&harness, &auth, &record, 3, &ended_by).await;
    assert_eq!(ids(&text), vec![ended.id]);
    let between = group(
        "<updated-end-date-max>2027-06-30T12:00:00</updated-end-date-max><updated-end-date-min>2026-11-15T00:00:00</updated-end-date-min>",
    );
    let (_, text) = get(&harness, &auth, &record, 3, &between).await;
    assert_eq!(ids(&text), vec![current.id, ended.id], "the bounds are inclusive");

    // GetThings v1's `Thing` has no updated-end-date; its unprocessed keys carry it.
    let keys_only = format!(
        "<group max-full=\"0\"><filter><type-id>{WEIGHT}</type-id></filter><format><section>core</section></format></group>"
    );
    let (status, text) = get(&harness, &auth, &record, 1, &keys_only).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let unprocessed = first_group(&text).unprocessed;
    assert_eq!(
        unprocessed.iter().map(|key| key.updated_end_date).collect::<Vec<_>>(),
        vec![None, Some(datetime!(2027-06-30 12:00)), Some(datetime!(2026-11-15 0:00))]
    );
    let (_, text) = get(&harness, &auth, &record, 1, &group("")).await;
    assert!(!text.contains("updated-end-date"), "{text}");

    // An update without an updated-end-date keeps it; the .NET SDK's DateTime.MaxValue clears it.
    let update = |key: ThingKey, kg: &str| {
        format!(
            "<thing><thing-id version-stamp=\"{}\">{}</thing-id><type-id>{WEIGHT}</type-id><data-xml><weight><when><date><y>2026</y><m>11</m><d>11</d></date></when><value><kg>{kg}</kg></value></weight></data-xml></thing>",
            key.version, key.id
        )
    };
    let (status, text) = put(&harness, &auth, &record, &update(current, "70.5")).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let kept = keys(&text)[0];
    let (_, text) = get(&harness, &auth, &record, 3, &group("")).await;
    let read = first_group(&text);
    let thing = read.things.iter().find(|thing| thing.key == kept).unwrap();
    assert_eq!(thing.updated_end_date, Some(datetime!(2027-06-30 12:00)));

    let (status, text) =
        put(&harness, &auth, &record, &ending(&update(kept, "70.4"), "9999-12-31T23:59:59.9999999")).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let cleared = keys(&text)[0];
    let (_, text) = get(&harness, &auth, &record, 3, &group("")).await;
    let read = first_group(&text);
    assert_eq!(read.things.iter().find(|thing| thing.key == cleared).unwrap().updated_end_date, None);
    let (_, text) = get(&harness, &auth, &record, 3, &relevant).await;
    assert_eq!(ids(&text), vec![open_ended.id, current.id], "a cleared end date never ends");
    let (_, text) = get(&harness, &auth, &record, 3, &ended_by).await;
    assert_eq!(ids(&text), vec![ended.id]);

    // A date that is not one is refused.
    let (status, _) = put(&harness, &auth, &record, &ending(&weight_thing("73", 13), "someday")).await;
    assert_eq!(status, StatusCode::INVALID_XML);
}
