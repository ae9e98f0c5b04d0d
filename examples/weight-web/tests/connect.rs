//! The sample against the real Platform: the Shell's return is simulated (the query or form
//! the Shell sends to the action URL), and the sample calls the Platform with the user token
//! and, later, offline.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use haven_domain::topology::InstanceId;
use haven_sdk::{ConnectionStore, StoredConnection};
use support::{Sample, USER_TOKEN, connect_state, platform};

/// The address the Shell sends the person back to after they consent, with `state`.
fn success_query(state: &str) -> String {
    format!("/action?target=AppAuthSuccess&actionqs={state}&instanceid=1&wctoken={USER_TOKEN}")
}

#[tokio::test]
async fn connecting_shows_the_latest_weight_online_then_offline_after_a_restart() {
    let platform = platform().await;
    platform.put_weight((2026, 9, 1), (8, 0), "80").await;
    platform.put_weight((2026, 10, 5), (7, 30), "72.5").await;
    platform.put_weight((2026, 8, 20), (9, 15), "81.25").await;
    let application_id = platform.credentials.application_id;

    let sample = Sample::start(platform.config()).await;
    let (_, start) = sample.get("/").await;
    assert!(start.contains("Connect to Haven"), "{start}");
    let state = connect_state(&start, application_id);

    let (status, page) = sample.get(&success_query(&state)).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Sam Doe"), "{page}");
    assert!(page.contains("72.5 kg") && page.contains("2026-10-05 07:30"), "{page}");
    assert!(page.contains("read online"), "{page}");
    assert!(page.contains(r#"href="/""#), "{page}");

    let stored = ConnectionStore::load(platform.data_file()).await.unwrap().list().await;
    assert_eq!(
        stored,
        [StoredConnection {
            instance_id: InstanceId::parse("1").unwrap(),
            person_id: platform.account.person.id,
            record_id: platform.account.record.id,
        }]
    );
    let text = std::fs::read_to_string(platform.data_file()).unwrap();
    assert!(!text.contains(USER_TOKEN), "the user token is never stored: {text}");

    // The same return cannot be used twice.
    let (status, page) = sample.get(&success_query(&state)).await;
    assert_eq!(status, 400, "{page}");

    // A new process with the same data file reads the record offline.
    sample.stop().await;
    let sample = Sample::start(platform.config()).await;
    let (status, page) = sample.get("/").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Sam Doe") && page.contains("read offline"), "{page}");
    assert!(page.contains("72.5 kg") && page.contains("2026-10-05 07:30"), "{page}");

    // A newer weight shows at once.
    platform.put_weight((2026, 11, 2), (6, 45), "71.9").await;
    let (_, page) = sample.get("/").await;
    assert!(page.contains("71.9 kg") && page.contains("2026-11-02 06:45"), "{page}");
}

#[tokio::test]
async fn a_posted_return_connects_and_no_weight_says_so() {
    let platform = platform().await;
    let sample = Sample::start(platform.config()).await;
    let state = sample.issued_state(platform.credentials.application_id).await;
    let (status, page) = sample
        .post_form(
            "/action",
            &[("target", "AppAuthSuccess"), ("actionqs", &state), ("instanceid", "1"), ("wctoken", USER_TOKEN)],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Sam Doe") && page.contains("No weight yet."), "{page}");
    let (_, page) = sample.get("/").await;
    assert!(page.contains("read offline") && page.contains("No weight yet."), "{page}");
}

#[tokio::test]
async fn a_return_with_an_actionqs_not_issued_here_is_refused() {
    let platform = platform().await;
    let sample = Sample::start(platform.config()).await;
    let issued = sample.issued_state(platform.credentials.application_id).await;

    for forged in ["0123456789abcdef0123456789abcdef", ""] {
        let (status, page) = sample.get(&success_query(forged)).await;
        assert_eq!(status, 400, "{page}");
        assert!(page.contains("does not belong to a connection started here"), "{page}");
    }
    let (status, page) = sample.get(&format!("/action?target=AppAuthSuccess&instanceid=1&wctoken={USER_TOKEN}")).await;
    assert_eq!(status, 400, "{page}");
    assert!(!platform.data_file().exists(), "nothing is stored for a refused return");

    // The value it did issue still works afterwards.
    let (status, page) = sample.get(&success_query(&issued)).await;
    assert_eq!(status, 200, "{page}");
}

#[tokio::test]
async fn a_return_from_an_unknown_instance_or_without_a_token_is_refused() {
    let platform = platform().await;
    let sample = Sample::start(platform.config()).await;
    let application_id = platform.credentials.application_id;

    let state = sample.issued_state(application_id).await;
    let (status, page) =
        sample.get(&format!("/action?target=AppAuthSuccess&actionqs={state}&instanceid=7&wctoken={USER_TOKEN}")).await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("knows no Haven instance") && page.contains("7"), "{page}");

    let state = sample.issued_state(application_id).await;
    let (status, page) = sample.get(&format!("/action?target=AppAuthSuccess&actionqs={state}&instanceid=1")).await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("wctoken"), "{page}");

    // A token the Platform does not know: the page says Haven refused, without the cause.
    let state = sample.issued_state(application_id).await;
    let (status, page) = sample
        .get(&format!("/action?target=AppAuthSuccess&actionqs={state}&instanceid=1&wctoken=bm90IGEgdG9rZW4="))
        .await;
    assert_eq!(status, 502, "{page}");
    assert!(page.contains("Error id"), "{page}");
    assert!(!platform.data_file().exists());
}

#[tokio::test]
async fn declining_signing_out_and_other_targets_have_their_pages() {
    let platform = platform().await;
    let sample = Sample::start(platform.config()).await;
    let state = sample.issued_state(platform.credentials.application_id).await;

    let (status, page) = sample.get(&format!("/action?target=AppAuthReject&actionqs={state}&instanceid=1")).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("You declined to share your record"), "{page}");
    assert!(!platform.data_file().exists());

    let (status, page) = sample.get("/action?target=SignOut&instanceid=1").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("You are signed out of Haven."), "{page}");

    let (status, page) = sample.get("/action?target=ShareRecordSuccess&instanceid=1").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<code>ShareRecordSuccess</code>"), "{page}");

    // Targets are HTML-escaped.
    let (_, page) = sample.get("/action?target=%3Cscript%3E").await;
    assert!(!page.contains("<script>") && page.contains("&#60;script&#62;"), "{page}");

    // Without a stored connection the start page still offers to connect.
    let (_, page) = sample.get("/").await;
    assert!(page.contains("Connect to Haven"), "{page}");
}

#[tokio::test]
async fn when_offline_access_is_withdrawn_the_start_page_offers_to_connect_again() {
    let platform = platform().await;
    platform.put_weight((2026, 10, 5), (7, 30), "72.5").await;
    let sample = Sample::start(platform.config()).await;
    let state = sample.issued_state(platform.credentials.application_id).await;
    let (status, page) = sample.get(&success_query(&state)).await;
    assert_eq!(status, 200, "{page}");

    platform.withdraw_offline_access().await;
    let (status, page) = sample.get("/").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("did not let this application read your record offline"), "{page}");
    assert!(!page.contains("72.5"), "{page}");
    connect_state(&page, platform.credentials.application_id);
}
