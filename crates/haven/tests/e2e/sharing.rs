//! Record sharing end to end, with real processes and Chromium (`tests/browser/sharing.mjs`):
//! Ana (US) is refused when she invites Lena, whose account is in the EU; she invites Bo view
//! only with an end date; the invitation reaches Bo through the instance's mail relay (a fake
//! relay on loopback), without the code, which Ana reads on the page and passes on. Bo accepts
//! (after a wrong code), sees Ana's record read-only, and connects the weight sample to it: the
//! sample can read Ana's weights for him but not write any, online or offline. Ana removes Bo:
//! he and the sample lose access, and Ana's history of the record shows both. (The end date's
//! expiry is tested with an injected clock in haven-shell's `tests/sharing.rs` and the
//! Platform's tests.)

use haven_domain::ids::{PersonId, RecordId};
use haven_domain::thing::{CommonData, ThingDraft, ThingFlags};
use haven_domain::thing_type::WEIGHT;
use haven_sdk::{CallAs, Connection};
use haven_testkit::{Deployment, FakeRelay, InstanceSpec, MailSpec};

use crate::browser::{WeightSample, browser_tests};
use crate::support::haven;

fn names(steps: &[serde_json::Value]) -> Vec<&str> {
    steps.iter().filter_map(|step| step["step"].as_str()).collect()
}

fn weight_draft(kilograms: &str) -> ThingDraft {
    ThingDraft {
        type_id: WEIGHT,
        flags: ThingFlags::default(),
        data_xml: format!(
            "<weight><when><date><y>2026</y><m>11</m><d>20</d></date></when><value><kg>{kilograms}</kg></value></weight>"
        ),
        common: CommonData::default(),
        blobs: Vec::new(),
        updated_end_date: None,
    }
}

// Several threads: the sample serves in this process while the browser script runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_is_shared_view_only_and_the_share_ends() {
    let Some(browser) = browser_tests() else { return };
    let relay = FakeRelay::start().await.unwrap();
    let us = InstanceSpec { mail: Some(MailSpec::Relay(relay.address())), ..InstanceSpec::us() };
    let deployment = Deployment::start(haven(), &[us, InstanceSpec::eu()]).await.unwrap();
    let (us, eu) = (deployment.instance("1"), deployment.instance("2"));
    let sample = WeightSample::start(
        &deployment,
        &[us],
        &["weights:read,create:Weight"],
        &["weights-offline:read,create:Weight"],
    )
    .await;
    let run = |phase: &str, extra: &[(&str, &str)]| {
        let mut variables = vec![
            ("HAVEN_PHASE", phase),
            ("HAVEN_US_SHELL_URL", us.shell_url.as_str()),
            ("HAVEN_EU_SHELL_URL", eu.shell_url.as_str()),
            ("HAVEN_SAMPLE_URL", sample.url.as_str()),
            ("HAVEN_SHARE_UNTIL", "2099-12-31"),
        ];
        variables.extend_from_slice(extra);
        browser.run("sharing.mjs", &variables)
    };

    // Ana invites Bo (after the refusal for Lena, whose account is in the EU).
    let steps = run("invite", &[]);
    assert_eq!(names(&steps), ["lena signed up in the EU", "other instance refused", "invited"]);
    let code = steps[2]["code"].as_str().unwrap().to_owned();
    let record_path = steps[2]["record"].as_str().unwrap().to_owned();
    let mails = relay.wait_for(1, std::time::Duration::from_secs(30)).await.unwrap();
    assert_eq!(mails.len(), 1, "no invitation went to Lena");
    assert_eq!(mails[0].recipients, ["bo.share@example.org"]);
    let invitation = mail_parser::MessageParser::default().parse(&mails[0].data).unwrap();
    let text = invitation.body_text(0).unwrap().into_owned();
    assert!(!text.contains(&code), "the code travels separately");
    let link_at = text.find("/sharing/accept?invitation=").unwrap();
    let link = text[link_at..link_at + text[link_at..].find(['\r', '\n']).unwrap()].to_owned();

    // Bo accepts and connects the sample to Ana's record.
    let steps = run("accept", &[("HAVEN_INVITATION_PATH", &link), ("HAVEN_SHARING_CODE", &code)]);
    assert_eq!(names(&steps), ["bo signed up", "accepted read-only", "sample connected"]);
    assert_eq!(steps[1]["record"].as_str(), Some(record_path.as_str()));

    // The sample reads Ana's weight for Bo, and cannot write one: Bo may only view.
    let stored: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&sample.data_file).unwrap()).unwrap();
    let connection_entry = stored["connections"].as_array().and_then(|connections| connections.last()).unwrap();
    let bo_id = PersonId::parse(connection_entry["person-id"].as_str().unwrap()).unwrap();
    let record_id = RecordId::parse(connection_entry["record-id"].as_str().unwrap()).unwrap();
    assert_eq!(format!("/records/{record_id}"), record_path, "the sample uses Ana's record");
    let connection = Connection::new(url::Url::parse(&us.platform_url).unwrap(), sample.credentials.clone()).unwrap();
    let offline = CallAs::Offline(bo_id);
    let weights = connection.things_of_type(&offline, record_id, WEIGHT).await.unwrap();
    assert_eq!(weights.len(), 1, "Ana's weight");
    let refused = connection.put_things(&offline, record_id, vec![(None, weight_draft("80"))]).await;
    assert!(refused.is_err(), "a view-only share lets no application write: {refused:?}");

    // Ana removes Bo; her history shows Bo and the sample.
    let steps = run("revoke", &[("HAVEN_RECORD_PATH", &record_path)]);
    assert_eq!(names(&steps), ["removed", "history shown"]);
    let refused = connection.things_of_type(&offline, record_id, WEIGHT).await;
    assert!(refused.is_err(), "the sample lost access with Bo: {refused:?}");
    let steps = run("after", &[("HAVEN_RECORD_PATH", &record_path)]);
    assert_eq!(names(&steps), ["access lost"]);
}
