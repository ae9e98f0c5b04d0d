//! GetAuthorizedPeople and QueryPermissions through the router.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use haven_domain::auth_rules::Permissions;
use haven_wire::methods::get_authorized_people::GetAuthorizedPeopleResponse;
use haven_wire::methods::query_permissions::QueryPermissionsResponse;
use haven_wire::{StatusCode, parse_response};
use support::{authorize, call, harness, offline, online, record_call};

const SECRET: &[u8] = b"123456789";

#[tokio::test]
async fn authorized_people_are_listed_with_their_records() {
    let harness = harness().await;
    let session = harness.session(1).await;
    let (account, _) = authorize(&harness, true).await;
    let app_only = format!("<auth-token>{}</auth-token>", session.token);
    let (status, text) = harness
        .post(call(
            "GetAuthorizedPeople",
            1,
            &app_only,
            SECRET,
            "<info><parameters><num-results>5</num-results></parameters></info>",
            |body| body,
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let page =
        GetAuthorizedPeopleResponse::parse_info_xml(parse_response(&text).unwrap().info.unwrap().inner_xml).unwrap();
    assert_eq!(page.people.len(), 1);
    assert_eq!(page.people[0].person_id, account.person.id);
    assert_eq!(page.people[0].records[0].id, account.record.id);
    assert!(!page.more_results);

    // After the last person, the next page is empty.
    let after =
        format!("<info><parameters><person-id-cursor>{}</person-id-cursor></parameters></info>", account.person.id);
    let (_, text) = harness.post(call("GetAuthorizedPeople", 1, &app_only, SECRET, &after, |body| body)).await;
    let next =
        GetAuthorizedPeopleResponse::parse_info_xml(parse_response(&text).unwrap().info.unwrap().inner_xml).unwrap();
    assert!(next.people.is_empty());
}

#[tokio::test]
async fn permissions_are_reported_per_avenue() {
    let harness = harness().await;
    let session = harness.session(1).await;
    let (account, user_token) = authorize(&harness, true).await;
    let record = account.record.id.to_string();
    let info = "<info><thing-type-id>3d34d87e-7fc1-4153-800f-f56592cb0d17</thing-type-id></info>";
    for auth in [online(&session.token, &user_token), offline(&session.token, account.person.id)] {
        let (status, text) = harness.post(record_call("QueryPermissions", 1, &record, &auth, SECRET, info)).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        let answer =
            QueryPermissionsResponse::parse_info_xml(parse_response(&text).unwrap().info.unwrap().inner_xml).unwrap();
        assert_eq!(answer.permissions.len(), 1);
        assert_eq!(answer.permissions[0].online, Permissions::ALL);
        assert_eq!(answer.permissions[0].offline, Permissions::READ);
    }
}
