//! Instances of one deployment answer each other's account lookups, signed with the
//! deployment's federation key, and nobody else's.

use haven_domain::federation::{FederationKey, PEER_INSTANCE_HEADER, PEER_SIGNATURE_HEADER, PEER_TIMESTAMP_HEADER};
use haven_testkit::{Deployment, FEDERATION_KEY_HEX, InstanceSpec};

use crate::shell_flow;
use crate::support::haven;

async fn lookup(platform_url: &str, sender: &str, key: &FederationKey, email: &str) -> (u16, String) {
    let body = serde_json::json!({ "email": email }).to_string();
    let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let response = haven_testkit::http_client()
        .unwrap()
        .post(format!("{platform_url}peer/account-lookup"))
        .header("content-type", "application/json")
        .header(PEER_INSTANCE_HEADER, sender)
        .header(PEER_TIMESTAMP_HEADER, timestamp.to_string())
        .header(PEER_SIGNATURE_HEADER, key.sign(sender, timestamp, body.as_bytes()))
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn instances_answer_each_others_account_lookups_only() {
    let deployment = Deployment::start(haven(), &[InstanceSpec::us(), InstanceSpec::eu()]).await.unwrap();
    let us = deployment.instance("1");
    shell_flow::sign_up(&us.shell_url, "dora@example.org", "Dora", "Quist").await;
    let key = FederationKey::from_hex(FEDERATION_KEY_HEX).unwrap();

    // The EU instance asks the US instance.
    assert_eq!(lookup(&us.platform_url, "2", &key, "dora@example.org").await, (200, "{\"exists\":true}".to_owned()));
    assert_eq!(lookup(&us.platform_url, "2", &key, "nobody@example.org").await, (200, "{\"exists\":false}".to_owned()));
    // A stranger with another key, or claiming to be the instance itself, learns nothing.
    let stranger = FederationKey::from_hex(&"13".repeat(32)).unwrap();
    let (status, body) = lookup(&us.platform_url, "2", &stranger, "dora@example.org").await;
    assert_eq!(status, 401, "{body}");
    assert!(!body.contains("exists"));
    assert_eq!(lookup(&us.platform_url, "1", &key, "dora@example.org").await.0, 401);
    // The EU instance has no such account.
    assert_eq!(
        lookup(&deployment.instance("2").platform_url, "1", &key, "dora@example.org").await,
        (200, "{\"exists\":false}".to_owned())
    );
}

/// The Shells use the lookup: an address with an account in the EU is sent there from the
/// US Shell, cannot open a second account in the US, and when the EU process is down the US
/// Shell says it cannot reach the instance that holds the account instead of offering a new
/// one.
#[tokio::test]
async fn shells_ask_each_other_and_say_so_when_a_peer_is_down() {
    let mut deployment = Deployment::start(haven(), &[InstanceSpec::us(), InstanceSpec::eu()]).await.unwrap();
    let (us_shell, eu_shell) = (deployment.instance("1").shell_url.clone(), deployment.instance("2").shell_url.clone());
    // Open an account in the EU through its Shell (a Dutch resident).
    let mut eu = shell_flow::Session::new(&eu_shell);
    let (status, _, page) = shell_flow::try_sign_up(&mut eu, "eva@example.org", "NL").await;
    assert_eq!(status, 303, "{page}");

    let mut us = shell_flow::Session::new(&us_shell);
    let (status, location, page) = shell_flow::sign_in(&mut us, "eva@example.org").await;
    assert_eq!(status, 303, "{page}");
    assert_eq!(location.as_deref(), Some(format!("{eu_shell}signin?from=1").as_str()));
    let (status, _, page) = shell_flow::try_sign_up(&mut us, "eva@example.org", "US").await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("already exists at Haven EU"), "{page}");
    let (status, _, page) = shell_flow::sign_in(&mut us, "nobody@example.org").await;
    assert_eq!(status, 401, "{page}");

    // The EU process stops.
    let eu_instance = deployment.instances.iter().position(|instance| instance.id == "2").unwrap();
    drop(deployment.instances.remove(eu_instance));
    let (status, _, page) = shell_flow::sign_in(&mut us, "eva@example.org").await;
    assert_eq!(status, 503, "{page}");
    assert!(page.contains("cannot reach the instance that holds this account"), "{page}");
    assert!(page.contains("Try again in a few minutes"), "{page}");
    let (status, _, page) = shell_flow::try_sign_up(&mut us, "eva@example.org", "US").await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("cannot check right now"), "{page}");
}
