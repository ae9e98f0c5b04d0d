//! Eventing with real processes: an application with offline read access to weights
//! subscribes (HealthVault format and Standard Webhooks) to a loopback receiver; a weight
//! written in an authorized record reaches the receiver once, signed; a type not subscribed
//! and a record without offline access reach it not at all. The signatures are checked by
//! independent verifiers: the `standardwebhooks` PyPI package, and a verifier written here
//! from the HealthVault documentation with Python's standard library.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use haven::certificate;
use haven_domain::eventing::{KeyVersion, NotificationKey, SubscriptionId, hv_eventing_authorization};
use haven_domain::ids::{ApplicationId, PersonId, RecordId, ThingId};
use haven_domain::thing::{CommonData, ThingDraft, ThingFlags};
use haven_domain::thing_type::{HEIGHT, WEIGHT};
use haven_sdk::{ApplicationCredentials, CallAs, Connection};
use haven_testkit::{Deployment, InstanceSpec};
use haven_wire::methods::subscribe_to_event::{SubscribeToEventRequest, SubscribeToEventResponse};
use haven_wire::methods::subscription::{
    DeliveryFormat, KeyVersionId, RecordItemChangedFilter, SharedKey, Subscription,
};
use haven_wire::notification::parse_notifications;

use crate::support::{haven, python_verifiers, run, text};

/// One POST the receiver got.
#[derive(Debug, Clone)]
struct Delivery {
    path: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

type Received = Arc<Mutex<Vec<Delivery>>>;

async fn receive(State(received): State<Received>, uri: Uri, headers: HeaderMap, body: Bytes) -> StatusCode {
    received.lock().unwrap().push(Delivery { path: uri.path().to_owned(), headers, body: body.to_vec() });
    StatusCode::OK
}

/// A receiver on a loopback socket answering 200 to every POST.
async fn receiver() -> (SocketAddr, Received) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let received = Received::default();
    let app = Router::new().route("/{*path}", post(receive)).with_state(received.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (address, received)
}

/// Waits until `count` deliveries arrived at `path` (at most 20 seconds).
async fn wait_for(received: &Received, path: &str, count: usize) -> Vec<Delivery> {
    for _ in 0..200 {
        let at_path: Vec<Delivery> =
            received.lock().unwrap().iter().filter(|delivery| delivery.path == path).cloned().collect();
        if at_path.len() >= count {
            return at_path;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{count} deliveries did not arrive at {path}: {:?}", received.lock().unwrap());
}

fn header<'a>(delivery: &'a Delivery, name: &str) -> &'a str {
    delivery.headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_else(|| panic!("no {name} header"))
}

/// `haven dev grant` for `email`: (wctoken, person id, record id).
fn grant(config: &Path, application_id: ApplicationId, email: &str, offline: bool) -> (String, PersonId, RecordId) {
    let id = application_id.to_string();
    let mut arguments = vec!["dev", "grant", "--config", config.to_str().unwrap(), "--app", &id, "--email", email];
    if offline {
        arguments.push("--offline");
    }
    let granted = run(&arguments);
    let (lines, errors) = text(&granted);
    assert!(granted.status.success(), "{errors}");
    let field = |name: &str| -> String {
        let prefix = format!("{name}=");
        lines
            .lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("{prefix}: {lines}"))
            .to_owned()
    };
    (field("wctoken"), PersonId::parse(&field("person-id")).unwrap(), RecordId::parse(&field("record-id")).unwrap())
}

fn draft(type_id: haven_domain::ids::ThingTypeId, data_xml: &str) -> ThingDraft {
    ThingDraft {
        type_id,
        flags: ThingFlags::default(),
        data_xml: data_xml.to_owned(),
        common: CommonData::default(),
        blobs: Vec::new(),
        updated_end_date: None,
    }
}

fn weight() -> ThingDraft {
    draft(
        WEIGHT,
        "<weight><when><date><y>2026</y><m>11</m><d>22</d></date></when><value><kg>71.5</kg></value></weight>",
    )
}

async fn put(connection: &Connection, wctoken: &str, record_id: RecordId, thing: ThingDraft) -> ThingId {
    let keys =
        connection.put_things(&CallAs::Online(wctoken.to_owned()), record_id, vec![(None, thing)]).await.unwrap();
    keys[0].id
}

async fn subscribe(connection: &Connection, url: String, key: &[u8], format: DeliveryFormat) -> SubscriptionId {
    let subscription = Subscription {
        id: None,
        shared_key: SharedKey { key: key.to_vec(), version_id: KeyVersionId::parse("key-1").unwrap() },
        url,
        delivery_format: format,
        filters: vec![RecordItemChangedFilter { type_ids: vec![WEIGHT] }],
    };
    let info = SubscribeToEventRequest { subscription }.to_info_xml();
    let answer = connection.call("SubscribeToEvent", 1, &CallAs::Application, None, &info).await.unwrap();
    let id = SubscribeToEventResponse::parse_info_xml(&answer).unwrap().subscription_id;
    SubscriptionId::from_uuid(uuid::Uuid::parse_str(&id).unwrap())
}

/// Runs `script` with python3 and `variables`; returns whether it succeeded, and its output.
fn python(directory: &Path, script: &str, variables: &[(&str, &str)]) -> (bool, String) {
    let mut command = std::process::Command::new("python3");
    command.arg("-c").arg(script).env("PYTHONPATH", directory);
    for (name, value) in variables {
        command.env(name, value);
    }
    let output = command.output().expect("python3 runs");
    let (stdout, stderr) = text(&output);
    (output.status.success(), format!("{stdout}{stderr}"))
}

/// HealthVault's documented check, written from the seed with the standard library only.
const HV_VERIFIER: &str = r#"
import base64, hashlib, hmac, os, sys
body = open(os.environ["BODY"], "rb").read()
scheme, _, rest = os.environ["AUTHORIZATION"].partition(" ")
subscription, version, digest = rest.split(":")
key = base64.b64decode(os.environ["KEY"])
expected = base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()
ok = (scheme == "HVEventingSharedKey" and subscription == os.environ["SUBSCRIPTION"]
      and version == os.environ["VERSION"] and hmac.compare_digest(expected, digest))
print("verified" if ok else "mismatch")
sys.exit(0 if ok else 1)
"#;

/// The `standardwebhooks` package's own verification.
const WEBHOOK_VERIFIER: &str = r#"
import json, os
from standardwebhooks.webhooks import Webhook
body = open(os.environ["BODY"], "rb").read().decode()
headers = {name: os.environ[name.upper().replace("-", "_")] for name in ("webhook-id", "webhook-timestamp", "webhook-signature")}
payload = Webhook(os.environ["SECRET"]).verify(body, headers)
print(json.dumps(payload))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_weight_change_is_notified_once_signed_and_only_where_the_application_reads_offline() {
    let verifiers = python_verifiers("standardwebhooks.webhooks");
    let us = InstanceSpec { test_grants: true, eventing_loopback_http: true, ..InstanceSpec::us() };
    let deployment = Deployment::start(haven(), &[us]).await.unwrap();
    let instance = deployment.instance("1");
    let (address, received) = receiver().await;

    // The application: online weights and heights, offline weights, the Eventing group.
    let application_id = ApplicationId::from_uuid(uuid::Uuid::new_v4());
    let keys = deployment.directory().join("eventing-app");
    certificate::write_files(&certificate::generate(application_id).unwrap(), &keys).unwrap();
    let registered = run(&[
        "app",
        "register",
        "--config",
        instance.config_path.to_str().unwrap(),
        "--id",
        &application_id.to_string(),
        "--name",
        "Eventing sample",
        "--certificate",
        keys.join("certificate.pem").to_str().unwrap(),
        "--action-url",
        &format!("http://{address}/action"),
        "--online-rule",
        "measurements:read,create:Weight,Height",
        "--offline-rule",
        "weights:read:Weight",
        "--method-group",
        "basic",
        "--method-group",
        "hosted-web-application",
        "--method-group",
        "eventing",
    ]);
    assert!(registered.status.success(), "{}", text(&registered).1);
    let credentials = ApplicationCredentials::from_pem_file(
        application_id,
        keys.join("private-key.pem"),
        keys.join("certificate.pem"),
    )
    .unwrap();
    let connection = Connection::new(url::Url::parse(&instance.platform_url).unwrap(), credentials).unwrap();
    let (ana_token, ana, ana_record) = grant(&instance.config_path, application_id, "ana@example.org", true);
    let (bo_token, _, bo_record) = grant(&instance.config_path, application_id, "bo@example.org", false);

    let key = [42_u8; 64];
    let healthvault = subscribe(&connection, format!("http://{address}/hv"), &key, DeliveryFormat::HealthVault).await;
    let webhooks =
        subscribe(&connection, format!("http://{address}/webhooks"), &key, DeliveryFormat::StandardWebhooks).await;

    // A height (not subscribed), then Ana's weight: one notification, for the weight.
    put(
        &connection,
        &ana_token,
        ana_record,
        draft(
            HEIGHT,
            "<height><when><date><y>2026</y><m>11</m><d>22</d></date></when><value><m>1.7</m></value></height>",
        ),
    )
    .await;
    let weight_id = put(&connection, &ana_token, ana_record, weight()).await;
    let first = wait_for(&received, "/hv", 1).await;
    assert_eq!(first.len(), 1);
    let notifications = parse_notifications(std::str::from_utf8(&first[0].body).unwrap()).unwrap();
    assert_eq!(notifications.len(), 1, "{notifications:?}");
    assert_eq!(notifications[0].subscription_id, healthvault.to_string());
    let change = &notifications[0].record_change;
    assert_eq!((change.person_id, change.record_id, change.thing_ids.clone()), (ana, ana_record, vec![weight_id]));
    let expected = hv_eventing_authorization(
        healthvault,
        &KeyVersion::parse("key-1").unwrap(),
        &NotificationKey::new(key.to_vec()).unwrap(),
        &first[0].body,
    );
    assert_eq!(header(&first[0], "authorization"), expected);

    // Bo authorized online only: his weight notifies nothing. Ana's next weight is notified,
    // and by then Bo's would have been delivered before it.
    put(&connection, &bo_token, bo_record, weight()).await;
    let second_weight = put(&connection, &ana_token, ana_record, weight()).await;
    let deliveries = wait_for(&received, "/hv", 2).await;
    let notified: Vec<ThingId> = deliveries
        .iter()
        .flat_map(|delivery| parse_notifications(std::str::from_utf8(&delivery.body).unwrap()).unwrap())
        .flat_map(|notification| notification.record_change.thing_ids)
        .collect();
    assert_eq!(notified, vec![weight_id, second_weight], "nothing for the height or for Bo's record");
    let webhook_deliveries = wait_for(&received, "/webhooks", 2).await;
    assert_eq!(webhook_deliveries.len(), 2);
    assert!(webhook_deliveries.iter().all(|delivery| delivery.body.starts_with(b"{")), "JSON bodies");

    let Some(verifiers) = verifiers else { return };
    let directory = tempfile::tempdir().unwrap();
    let encoded_key = STANDARD.encode(key);
    for (index, delivery) in deliveries.iter().enumerate() {
        let body = directory.path().join(format!("hv-{index}.xml"));
        std::fs::write(&body, &delivery.body).unwrap();
        let variables = [
            ("BODY", body.to_str().unwrap()),
            ("AUTHORIZATION", header(delivery, "authorization")),
            ("KEY", encoded_key.as_str()),
            ("SUBSCRIPTION", &healthvault.to_string()),
            ("VERSION", "key-1"),
        ];
        let (verified, output) = python(&verifiers, HV_VERIFIER, &variables);
        assert!(verified, "the standard-library verifier refused our HVEventingSharedKey: {output}");
        // A changed body does not verify (the verifier can fail).
        let mut tampered = delivery.body.clone();
        tampered.push(b' ');
        std::fs::write(&body, tampered).unwrap();
        assert!(!python(&verifiers, HV_VERIFIER, &variables).0, "a tampered body must not verify");
    }
    let secret = haven_domain::eventing::standard_webhooks_secret(&NotificationKey::new(key.to_vec()).unwrap());
    for (index, delivery) in webhook_deliveries.iter().enumerate() {
        let body = directory.path().join(format!("webhook-{index}.json"));
        std::fs::write(&body, &delivery.body).unwrap();
        let variables = [
            ("BODY", body.to_str().unwrap()),
            ("SECRET", secret.as_str()),
            ("WEBHOOK_ID", header(delivery, "webhook-id")),
            ("WEBHOOK_TIMESTAMP", header(delivery, "webhook-timestamp")),
            ("WEBHOOK_SIGNATURE", header(delivery, "webhook-signature")),
        ];
        let (verified, output) = python(&verifiers, WEBHOOK_VERIFIER, &variables);
        assert!(verified, "standardwebhooks refused our signature: {output}");
        assert!(output.contains(&ana_record.to_string()), "the payload names the record: {output}");
        assert!(output.contains(&webhooks.to_string()), "the payload names the subscription: {output}");
        let mut with_another_secret = variables;
        with_another_secret[1] = ("SECRET", "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
        assert!(!python(&verifiers, WEBHOOK_VERIFIER, &with_another_secret).0, "another secret must not verify");
    }
}
