//! AssociateAlternateId, DisassociateAlternateId, GetAlternateIds and
//! GetPersonAndRecordForAlternateId through the router.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use haven_domain::alternate_id::MAX_ALTERNATE_IDS_PER_RECORD;
use haven_wire::StatusCode;
use haven_wire::methods::get_alternate_ids::GetAlternateIdsResponse;
use haven_wire::methods::get_person_and_record_for_alternate_id::GetPersonAndRecordForAlternateIdResponse;
use support::{
    Harness, application_only, authorize, call, grant, harness, info_of, offline, online, open_account, record_call,
    revoke,
};

const SECRET: &[u8] = b"123456789";

fn alternate_id_info(alternate_id: &str) -> String {
    format!("<info><alternate-id>{alternate_id}</alternate-id></info>")
}

async fn alternate_ids(harness: &Harness, auth: &str, record: &str) -> Vec<String> {
    let (status, text) = harness.post(record_call("GetAlternateIds", 1, record, auth, SECRET, "<info/>")).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let answer = GetAlternateIdsResponse::parse_info_xml(&info_of(&text)).unwrap();
    answer.alternate_ids.iter().map(|id| id.as_str().to_owned()).collect()
}

#[tokio::test]
async fn alternate_ids_are_associated_listed_and_removed() {
    let harness = harness().await;
    let session = harness.session(1).await;
    let (account, user_token) = authorize(&harness, true).await;
    let auth = online(&session.token, &user_token);
    let record = account.record.id.to_string();
    let associate = |id: &str| record_call("AssociateAlternateId", 1, &record, &auth, SECRET, &alternate_id_info(id));

    assert!(alternate_ids(&harness, &auth, &record).await.is_empty());
    for id in ["patient-42", "Patient-42"] {
        let (status, text) = harness.post(associate(id)).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        harness.clock.advance(time::Duration::seconds(1));
    }
    assert_eq!(
        alternate_ids(&harness, &auth, &record).await,
        ["patient-42", "Patient-42"],
        "case-sensitive, oldest first"
    );
    let (status, text) = harness.post(associate("patient-42")).await;
    assert_eq!(status, StatusCode::DUPLICATE_ALTERNATE_ID, "{text}");

    // Offline calls see the same ids; the application may not reuse one for another record.
    let offline_auth = offline(&session.token, account.person.id);
    assert_eq!(alternate_ids(&harness, &offline_auth, &record).await.len(), 2);
    let other = open_account(&harness, "bruno@example.org", "Bruno").await;
    grant(&harness, harness.app_id, other.person.id, other.record.id, true).await;
    let other_auth = offline(&session.token, other.person.id);
    let other_record = other.record.id.to_string();
    let (status, _) = harness
        .post(record_call(
            "AssociateAlternateId",
            1,
            &other_record,
            &other_auth,
            SECRET,
            &alternate_id_info("patient-42"),
        ))
        .await;
    assert_eq!(status, StatusCode::DUPLICATE_ALTERNATE_ID);
    // Nor remove it through another person's record.
    let (status, _) = harness
        .post(record_call(
            "DisassociateAlternateId",
            1,
            &other_record,
            &other_auth,
            SECRET,
            &alternate_id_info("patient-42"),
        ))
        .await;
    assert_eq!(status, StatusCode::ALTERNATE_ID_NOT_FOUND);

    let disassociate =
        |id: &str| record_call("DisassociateAlternateId", 1, &record, &auth, SECRET, &alternate_id_info(id));
    let (status, text) = harness.post(disassociate("patient-42")).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(alternate_ids(&harness, &auth, &record).await, ["Patient-42"]);
    let (status, text) = harness.post(disassociate("patient-42")).await;
    assert_eq!(status, StatusCode::ALTERNATE_ID_NOT_FOUND, "{text}");
    assert!(text.contains("alternate id"), "the message says what is missing: {text}");

    // Blank ids are refused by the wire, and a record the application may not reach by the
    // record checks.
    let (status, _) = harness.post(associate("   ")).await;
    assert_eq!(status, StatusCode::INVALID_XML);
    let (status, _) = harness
        .post(record_call("AssociateAlternateId", 1, &other_record, &auth, SECRET, &alternate_id_info("elsewhere")))
        .await;
    assert_eq!(status, StatusCode::ACCESS_DENIED);
}

#[tokio::test]
async fn a_record_holds_a_limited_number_of_alternate_ids() {
    let harness = harness().await;
    let session = harness.session(1).await;
    let (account, user_token) = authorize(&harness, false).await;
    let auth = online(&session.token, &user_token);
    let record = account.record.id.to_string();
    for index in 0..MAX_ALTERNATE_IDS_PER_RECORD {
        let info = alternate_id_info(&format!("id-{index}"));
        let (status, text) = harness.post(record_call("AssociateAlternateId", 1, &record, &auth, SECRET, &info)).await;
        assert_eq!(status, StatusCode::OK, "{text}");
    }
    let info = alternate_id_info("one-too-many");
    let (status, text) = harness.post(record_call("AssociateAlternateId", 1, &record, &auth, SECRET, &info)).await;
    assert_eq!(status, StatusCode::ALTERNATE_IDS_LIMIT_EXCEEDED, "{text}");
    assert!(text.contains(&MAX_ALTERNATE_IDS_PER_RECORD.to_string()), "{text}");
}

#[tokio::test]
async fn an_alternate_id_leads_to_its_person_and_record_while_authorized() {
    let harness = harness().await;
    let session = harness.session(1).await;
    let (account, user_token) = authorize(&harness, true).await;
    let record = account.record.id.to_string();
    let info = alternate_id_info("mrn-0001");
    let (status, text) = harness
        .post(record_call("AssociateAlternateId", 1, &record, &online(&session.token, &user_token), SECRET, &info))
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");

    let app_only = application_only(&session.token);
    let lookup =
        |id: &str| call("GetPersonAndRecordForAlternateId", 1, &app_only, SECRET, &alternate_id_info(id), |body| body);
    let (status, text) = harness.post(lookup("mrn-0001")).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let answer = GetPersonAndRecordForAlternateIdResponse::parse_info_xml(&info_of(&text)).unwrap();
    assert_eq!(answer.person_id(), account.person.id);
    assert_eq!(answer.record_id(), Some(account.record.id));
    assert_eq!(answer.person.name, "Ana López");
    assert_eq!(answer.person.selected_record_id, Some(account.record.id));

    let (status, _) = harness.post(lookup("MRN-0001")).await;
    assert_eq!(status, StatusCode::ALTERNATE_ID_NOT_FOUND);

    revoke(&harness, account.person.id, account.record.id).await;
    let (status, text) = harness.post(lookup("mrn-0001")).await;
    assert_eq!(status, StatusCode::ACCESS_DENIED, "{text}");
}
