//! The sample's steps in-process against the real Platform, with the Shell's part of
//! CREATEAPPLICATION done through the store: connect, wait, add a weight, read.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use std::time::Duration;

use haven_example_soda_cli::{SodaCliError, WaitOptions, Weight, add_weight, connect, load_state, read, wait};
use time::macros::datetime;

/// Short waits: the Shell's part is done before `wait` starts, or never.
const QUICK: WaitOptions = WaitOptions { timeout: Duration::from_secs(10), retry_delay: Duration::from_millis(50) };

#[tokio::test]
async fn a_connected_instance_adds_and_reads_weights_offline() {
    let platform = support::platform().await;
    let request = platform.connect_request();
    let outcome = connect(&request).await.unwrap();
    assert_ne!(outcome.application_id, platform.master.id);

    let state = load_state(&request.state_file).unwrap();
    assert_eq!(state.application_id, outcome.application_id);
    assert_eq!(state.master_application_id, platform.master.id);
    assert_eq!(state.platform_url, platform.url);
    assert_eq!((state.person_id, state.record_id), (None, None));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&request.state_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the state file holds the secret: {mode:o}");
    }

    let parameters = platform.complete_creation_in_shell(&outcome.shell_url_to_open, outcome.application_id).await;
    assert_eq!(parameters["appid"], platform.master.id.to_string());
    assert_eq!(parameters["instanceName"], "Sam's laptop");
    assert_eq!(parameters["ismra"], "false");
    assert_eq!(parameters["mobile"], "true");

    let connected = wait(&request.state_file, &QUICK).await.unwrap();
    assert_eq!(connected.person_id, platform.account.person.id);
    assert_eq!(connected.record_id, platform.account.record.id);
    let state = load_state(&request.state_file).unwrap();
    assert_eq!(state.person_id, Some(platform.account.person.id));
    assert_eq!(state.record_id, Some(platform.account.record.id));

    assert_eq!(read(&request.state_file).await.unwrap(), Vec::new());
    add_weight(&request.state_file, Weight::new(datetime!(2026-10-04 21:15), 73.0).unwrap()).await.unwrap();
    add_weight(&request.state_file, Weight::new(datetime!(2026-10-05 07:30), 72.5).unwrap()).await.unwrap();
    let lines: Vec<String> = read(&request.state_file).await.unwrap().iter().map(ToString::to_string).collect();
    assert_eq!(lines, ["2026-10-05 07:30  72.5 kg", "2026-10-04 21:15  73 kg"]);
}

#[tokio::test]
async fn waiting_before_the_shell_is_completed_times_out_saying_so() {
    let platform = support::platform().await;
    let request = platform.connect_request();
    let outcome = connect(&request).await.unwrap();

    let error = read(&request.state_file).await.unwrap_err();
    assert!(matches!(error, SodaCliError::NotConnected(_)), "{error}");
    assert!(error.to_string().contains("soda-cli wait"), "{error}");

    let options = WaitOptions { timeout: Duration::from_millis(300), retry_delay: Duration::from_millis(100) };
    let error = wait(&request.state_file, &options).await.unwrap_err();
    assert!(
        matches!(error, SodaCliError::CreationNotCompleted { application_id, .. } if application_id == outcome.application_id),
        "{error}"
    );
    let message = error.to_string();
    assert!(message.contains("nobody has completed its creation in the Shell"), "{message}");
    assert!(message.contains(&outcome.application_id.to_string()), "{message}");
    assert_eq!(load_state(&request.state_file).unwrap().person_id, None);

    // Once the person completes the page, waiting again succeeds.
    platform.complete_creation_in_shell(&outcome.shell_url_to_open, outcome.application_id).await;
    wait(&request.state_file, &QUICK).await.unwrap();
}

#[tokio::test]
async fn connect_keeps_an_existing_state_file() {
    let platform = support::platform().await;
    let request = platform.connect_request();
    connect(&request).await.unwrap();
    let before = std::fs::read(&request.state_file).unwrap();
    let error = connect(&request).await.unwrap_err();
    assert!(matches!(error, SodaCliError::StateFileExists(_)), "{error}");
    assert!(error.to_string().contains("soda.json"), "{error}");
    assert_eq!(std::fs::read(&request.state_file).unwrap(), before);
}

#[tokio::test]
async fn an_instance_nobody_authorized_is_reported_as_such() {
    let platform = support::platform().await;
    let request = platform.connect_request();
    let outcome = connect(&request).await.unwrap();
    // The creation completes but no record is authorized (withdrawn, say).
    let token = support::targetqs(&outcome.shell_url_to_open)["appCreationToken"].clone();
    use haven_store::SodaStore;
    platform
        .store
        .complete_soda_creation(haven_domain::session::TokenHash::of_token(&token), time::OffsetDateTime::now_utc())
        .await
        .unwrap()
        .unwrap();
    let options = WaitOptions { timeout: Duration::from_millis(200), retry_delay: Duration::from_millis(100) };
    let error = wait(&request.state_file, &options).await.unwrap_err();
    assert!(matches!(error, SodaCliError::NoAuthorizedRecord { .. }), "{error}");
}
