//! The sample in a deployment of two instances: its default is the US (`1`), and a person
//! whose account is in the EU (`2`) comes back from the Shell with `instanceid=2`. Both
//! Platforms are real (their routers on loopback sockets, each over its own SQLite store,
//! in one topology); the Shell's return is simulated as in `connect.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use haven_domain::topology::InstanceId;
use haven_example_weight_web::Config;
use haven_sdk::{ConnectionStore, StoredConnection};
use support::{EU_SHELL_URL, EU_USER_TOKEN, SHELL_URL, Sample, USER_TOKEN, shell_link, two_platforms};

/// The Shell's return after consent in `instance`, with `state` and `wctoken`.
fn success_query(state: &str, instance: &str, wctoken: &str) -> String {
    format!("/action?target=AppAuthSuccess&actionqs={state}&instanceid={instance}&wctoken={wctoken}")
}

#[tokio::test]
async fn a_person_of_the_eu_instance_is_served_by_a_sample_whose_default_is_the_us() {
    let (us, eu) = two_platforms().await;
    us.put_weight((2026, 10, 1), (8, 0), "90").await;
    eu.put_weight((2026, 10, 5), (7, 30), "64.2").await;
    let application_id = us.credentials.application_id;

    let sample = Sample::start(us.config()).await;
    // The Connect link goes to the US Shell and lets it send Eva on to the EU (`aib=true`).
    let state = sample.issued_state(application_id).await;
    let (status, page) = sample.get(&success_query(&state, "2", EU_USER_TOKEN)).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Eva Doe") && page.contains("read online"), "{page}");
    assert!(page.contains("64.2 kg") && page.contains("2026-10-05 07:30"), "{page}");
    // Eva signs out where her user token was issued.
    let sign_out = shell_link(&page, "sign-out", EU_SHELL_URL, "APPSIGNOUT");
    assert_eq!(sign_out.get("credtoken").map(String::as_str), Some(EU_USER_TOKEN));

    let eva = StoredConnection {
        instance_id: InstanceId::parse("2").unwrap(),
        person_id: eu.account.person.id,
        record_id: eu.account.record.id,
    };
    assert_eq!(ConnectionStore::load(us.data_file()).await.unwrap().list().await, std::slice::from_ref(&eva));

    // A new process reads Eva's record offline from the EU, though its default is the US.
    sample.stop().await;
    let sample = Sample::start(us.config()).await;
    let (status, page) = sample.get("/").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Eva Doe") && page.contains("read offline"), "{page}");
    assert!(page.contains("64.2 kg"), "{page}");
    eu.put_weight((2026, 11, 2), (6, 45), "63.9").await;
    let (_, page) = sample.get("/").await;
    assert!(page.contains("63.9 kg") && page.contains("2026-11-02 06:45"), "{page}");

    // Sam, of the US, connects too: both are kept, and the start page shows the newest.
    let state = sample.issued_state(application_id).await;
    let (status, page) = sample.get(&success_query(&state, "1", USER_TOKEN)).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Sam Doe") && page.contains("90 kg"), "{page}");
    shell_link(&page, "sign-out", SHELL_URL, "APPSIGNOUT");
    let stored = ConnectionStore::load(us.data_file()).await.unwrap().list().await;
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0], eva);
    assert_eq!(stored[1].instance_id.as_str(), "1");
    let (_, page) = sample.get("/").await;
    assert!(page.contains("Sam Doe") && page.contains("read offline") && page.contains("90 kg"), "{page}");
}

#[tokio::test]
async fn a_single_instance_sample_keeps_people_in_its_default_instance() {
    let (us, _eu) = two_platforms().await;
    let application_id = us.credentials.application_id;
    let sample = Sample::start(Config { multi_instance_aware: false, ..us.config() }).await;

    let (status, page) = sample.get("/").await;
    assert_eq!(status, 200, "{page}");
    let targetqs = shell_link(&page, "connect", SHELL_URL, "APPAUTH");
    assert_eq!(targetqs.get("appid"), Some(&application_id.to_string()));
    assert_eq!(targetqs.get("aib").map(String::as_str), Some("false"), "the Shell may not move people");

    // Were the Shell to send Eva back from the EU anyway, she is refused and nothing is kept.
    let state = targetqs["actionqs"].clone();
    let (status, page) = sample.get(&success_query(&state, "2", EU_USER_TOKEN)).await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("serves only one Haven instance"), "{page}");
    assert!(!us.data_file().exists());

    // Sam, of the default instance, connects as always.
    let targetqs = shell_link(&sample.get("/").await.1, "connect", SHELL_URL, "APPAUTH");
    let (status, page) = sample.get(&success_query(&targetqs["actionqs"], "1", USER_TOKEN)).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Sam Doe"), "{page}");
}

/// The `token` of the "Add a weight" form on `page`.
fn form_token(page: &str) -> String {
    let at = page.find("name=\"token\" value=\"").expect("the weight form") + "name=\"token\" value=\"".len();
    page[at..at + page[at..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn the_weight_form_writes_to_the_persons_own_instance_once_per_form() {
    let (us, eu) = two_platforms().await;
    let sample = Sample::start(us.config()).await;
    let state = sample.issued_state(us.credentials.application_id).await;
    assert_eq!(sample.get(&success_query(&state, "2", EU_USER_TOKEN)).await.0, 200);

    let (_, page) = sample.get("/").await;
    let token = form_token(&page);
    let (status, body) = sample.post_form("/weight", &[("token", &token), ("kilograms", "heavy")]).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("is not a weight"), "{body}");
    let (_, page) = sample.get("/").await;
    let token = form_token(&page);
    let (status, body) = sample.post_form("/weight", &[("token", &token), ("kilograms", "64,2")]).await;
    assert_eq!(status, 303, "{body}");
    let (_, page) = sample.get("/").await;
    assert!(page.contains("64.2 kg"), "read back from the EU: {page}");
    assert!(eu.weights().await.iter().any(|data| data.contains("<kg>64.2</kg>")), "written in the EU");
    assert!(us.weights().await.is_empty(), "nothing in the US");

    // The same form cannot be sent twice, nor one this sample never showed.
    for reused in [token.as_str(), "0123456789abcdef0123456789abcdef"] {
        let (status, body) = sample.post_form("/weight", &[("token", reused), ("kilograms", "70")]).await;
        assert_eq!(status, 400, "{body}");
    }
}
