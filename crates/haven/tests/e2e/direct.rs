//! Direct messaging end to end, with real processes and independent clients: a provider's
//! message built by the `openssl` command line (signed with a provider certificate under a
//! test trust anchor, encrypted to the instance's certificate, with a C-CDA attachment) is sent
//! with Python's smtplib to the US instance's SMTP listener; the person is told by e-mail
//! through the instance's relay (a fake relay on loopback, reached by lettre); in Chromium
//! (`tests/browser/direct.mjs`) she reads it in her message center, files the document into
//! her record, reviews its entries and adds them, and replies; the reply, taken from the relay,
//! is decrypted and its signature verified by `openssl` with the provider's key. Messages with a
//! bad signature, from a sender under no trusted anchor, encrypted to another key, with broken
//! MIME, or to an unknown address are refused with their reply codes and nothing is stored.

use std::path::PathBuf;

use haven_domain::person::EmailAddress;
use haven_domain::thing::ThingQuery;
use haven_domain::thing_type::{CONDITION, CONTINUITY_OF_CARE_DOCUMENT, MEDICATION};
use haven_store::{DirectStore, PersonStore, RecordStore, ThingStore};
use haven_testkit::pki::{INSTANCE_DOMAIN, Leaf, Pki, SMTPLIB_SCRIPT, direct_message, s};
use haven_testkit::{Deployment, DirectSpec, FakeRelay, InstanceSpec, MailSpec, RunningInstance};
use serde_json::Value;

use crate::browser::browser_tests;
use crate::clinic_cli::store_of;
use crate::support::haven;

const VISIT_SUMMARY: &str = include_str!("../../../haven-direct/tests/data/ccda-visit-summary.xml");
const PROVIDER: &str = "dr.smith@provider.example";
const JANE_EMAIL: &str = "jane.doe@example.org";
const JANE_DIRECT: &str = "jane.doe@direct.haven.test";

/// The provider's visit summary message, before signing.
fn visit_summary(text: &str) -> Vec<u8> {
    direct_message(
        &format!("Dr Smith <{PROVIDER}>"),
        &format!("Jane Doe <{JANE_DIRECT}>"),
        "Your visit summary",
        text,
        &[("visit-summary.xml", "application/ccd-xml", VISIT_SUMMARY.as_bytes())],
    )
}

/// `message` signed by `signer` (optionally altered after signing) and encrypted to
/// `recipient`, written to `name`.
fn sealed(pki: &Pki, name: &str, message: &[u8], signer: &Leaf, recipient: &std::path::Path, tamper: bool) -> PathBuf {
    let signed = pki.sign(message, signer, false);
    let signed = if tamper {
        let text = std::fs::read_to_string(&signed).unwrap().replace("Hello Jane", "Jello Jane");
        pki.write("tampered.eml", text.as_bytes())
    } else {
        signed
    };
    let raw = pki.encrypt(&signed, recipient);
    pki.write(name, &raw)
}

/// Sends the file at `path` to the instance's SMTP listener with Python's smtplib (plain
/// SMTP) and returns what smtplib reported.
fn send(instance: &RunningInstance, recipient: &str, path: &std::path::Path) -> Value {
    let port = instance.smtp_address.expect("the instance has a Direct listener").port().to_string();
    let output = std::process::Command::new("python3")
        .args(["-c", SMTPLIB_SCRIPT, &port, "", "sendmail", PROVIDER, recipient, s(path)])
        .output()
        .expect("python3 runs");
    assert!(output.status.success(), "smtplib failed: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The reply code smtplib got for a refused message.
fn refusal_code(report: &Value) -> (i64, String) {
    match report["outcome"].as_str() {
        Some("data_error") => (report["code"].as_i64().unwrap(), report["text"].as_str().unwrap().to_owned()),
        Some("recipients_refused") => {
            let (_, reply) = report["codes"].as_object().unwrap().iter().next().unwrap();
            (reply[0].as_i64().unwrap(), reply[1].as_str().unwrap().to_owned())
        }
        _ => panic!("not refused: {report}"),
    }
}

// Several threads: the browser script and the Python client run (blocking) while the
// instances serve.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_providers_message_reaches_the_message_center_and_its_document_the_record() {
    let Some(browser) = browser_tests() else { return };
    let pki = Pki::new();
    let relay = FakeRelay::start().await.unwrap();
    let us = InstanceSpec {
        mail: Some(MailSpec::Relay(relay.address())),
        direct: Some(DirectSpec {
            domain: INSTANCE_DOMAIN.to_owned(),
            certificate: pki.instance.certificate.clone(),
            private_key: pki.instance.key.clone(),
            trust_anchors: vec![pki.trusted_anchor.clone()],
            recipient_certificates: vec![pki.provider.certificate.clone()],
        }),
        ..InstanceSpec::us()
    };
    let deployment = Deployment::start(haven(), &[us, InstanceSpec::eu()]).await.unwrap();
    let us = deployment.instance("1");
    let variables = |phase: &'static str| {
        vec![
            ("HAVEN_PHASE", phase.to_owned()),
            ("HAVEN_US_SHELL_URL", us.shell_url.clone()),
            ("HAVEN_PERSON_EMAIL", JANE_EMAIL.to_owned()),
            ("HAVEN_DIRECT_NAME", "Jane.Doe".to_owned()),
        ]
    };
    let run = |phase: &'static str| {
        let owned = variables(phase);
        let borrowed: Vec<(&str, &str)> = owned.iter().map(|(name, value)| (*name, value.as_str())).collect();
        browser.run("direct.mjs", &borrowed)
    };

    // Jane signs up and chooses her Direct address.
    let steps = run("address");
    let names: Vec<&str> = steps.iter().filter_map(|step| step["step"].as_str()).collect();
    assert_eq!(names, ["signed up", "address chosen"]);
    assert_eq!(steps[1]["address"], JANE_DIRECT);

    // What is refused is refused with its code, before or after DATA, and never stored.
    let good = visit_summary("Hello Jane, your visit summary is attached.");
    let cases = [
        (
            "bad signature",
            sealed(&pki, "tampered.eml", &good, &pki.provider, &pki.instance.certificate, true),
            JANE_DIRECT,
            554,
            "5.7.7",
        ),
        (
            "untrusted sender",
            sealed(&pki, "rogue.eml", &good, &pki.rogue_provider, &pki.instance.certificate, false),
            JANE_DIRECT,
            550,
            "5.7.1",
        ),
        (
            "another key",
            sealed(&pki, "other-key.eml", &good, &pki.provider, &pki.other_instance.certificate, false),
            JANE_DIRECT,
            554,
            "5.7.5",
        ),
        (
            "malformed MIME",
            sealed(
                &pki,
                "malformed.eml",
                &String::from_utf8(good.clone()).unwrap().replace("--mixed-1--", "").into_bytes(),
                &pki.provider,
                &pki.instance.certificate,
                false,
            ),
            JANE_DIRECT,
            554,
            "5.6.0",
        ),
        (
            "unknown address",
            sealed(&pki, "unknown.eml", &good, &pki.provider, &pki.instance.certificate, false),
            "nobody@direct.haven.test",
            550,
            "5.1.1",
        ),
    ];
    for (case, path, recipient, code, enhanced) in &cases {
        let (got, text) = refusal_code(&send(us, recipient, path));
        assert_eq!(got, *code, "{case}: {text}");
        assert!(text.starts_with(enhanced), "{case}: {text}");
    }

    // The provider's message is accepted, and Jane is told by e-mail, with a link only.
    let message = sealed(&pki, "visit.eml", &good, &pki.provider, &pki.instance.certificate, false);
    let report = send(us, JANE_DIRECT, &message);
    assert_eq!(report["outcome"], "sent", "{report}");
    let mails = relay.wait_for(1, std::time::Duration::from_secs(30)).await.unwrap();
    assert_eq!(mails[0].recipients, [JANE_EMAIL]);
    let notification = mail_parser::MessageParser::default().parse(&mails[0].data).unwrap();
    assert_eq!(notification.subject(), Some("You have a new secure message"));
    let text = notification.body_text(0).unwrap();
    assert!(text.contains(&format!("{}messages/", us.shell_url)), "{text}");
    assert!(
        !text.contains("visit summary") && !text.contains(PROVIDER),
        "the notification says nothing of the message"
    );

    // Jane reads it, files the document, reviews its entries, adds them and replies.
    let steps = run("messages");
    let names: Vec<&str> = steps.iter().filter_map(|step| step["step"].as_str()).collect();
    assert_eq!(names, ["signed in", "message read", "document filed", "entries reviewed", "things shown", "replied"]);

    // One message was stored, and the record holds the document and the chosen entries.
    let store = store_of(us).await;
    let jane = store.person_by_email(&EmailAddress::parse(JANE_EMAIL).unwrap()).await.unwrap().unwrap();
    assert_eq!(store.direct_messages_of_person(jane.id).await.unwrap().len(), 1, "refused messages are not stored");
    let record_id = store.records_for_person(jane.id).await.unwrap()[0].0.id;
    let count = |type_id| {
        let store = &store;
        async move {
            store
                .query_things(record_id, &ThingQuery { type_ids: vec![type_id], ..ThingQuery::default() })
                .await
                .unwrap()
                .len()
        }
    };
    assert_eq!(count(CONTINUITY_OF_CARE_DOCUMENT).await, 1);
    assert_eq!(count(CONDITION).await, 3, "the three problems");
    assert_eq!(count(MEDICATION).await, 3, "the three medications");
    store.close().await;

    // The reply went through the relay, readable only with the provider's key and signed by
    // the instance under Haven's anchor.
    let mails = relay.wait_for(2, std::time::Duration::from_secs(30)).await.unwrap();
    let reply = &mails[1];
    assert_eq!(reply.envelope_from, JANE_DIRECT);
    assert_eq!(reply.recipients, [PROVIDER]);
    let verified = pki.open_sealed(&reply.data, &pki.provider, &pki.haven_anchor);
    assert!(verified.contains(&format!("From: {JANE_DIRECT}")), "{verified}");
    assert!(verified.contains("Thank you, Dr Smith."), "{verified}");
}
