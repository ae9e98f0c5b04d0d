//! Two real instances (US and EU, separate `haven serve` processes, each with its own
//! database) as one service, driven by Chromium (`tests/browser/global.mjs`): sign-up at the
//! US Shell for a person living in the Netherlands opens the account in the EU; the sample web
//! application, whose default instance is the US, connects her through the US Shell, learns
//! instanceid 2 and reads and writes her record through the EU Platform; `aib=false` stops the
//! move with an explanation. Afterwards the US database is scanned, every row of every table,
//! for anything of hers.

use haven::config::load;
use haven_domain::ids::{PersonId, RecordId};
use haven_domain::thing_type::WEIGHT;
use haven_sdk::{CallAs, Connection};
use haven_store::SqlStore;
use haven_testkit::{Deployment, InstanceSpec, RunningInstance};

use crate::browser::{WeightSample, browser_tests};
use crate::support::haven;

/// What would identify the person: each needle with what it is, lower-cased.
fn needles(
    email: &str,
    given: &str,
    family: &str,
    person_id: PersonId,
    record_id: RecordId,
    thing_ids: &[String],
) -> Vec<(String, String)> {
    let mut needles = vec![
        ("e-mail".to_owned(), email.to_lowercase()),
        ("given name".to_owned(), given.to_lowercase()),
        ("family name".to_owned(), family.to_lowercase()),
    ];
    // Ids are stored as text or as 16 bytes (shown as hex); look for both.
    let ids = [("person id", person_id.as_uuid()), ("record id", record_id.as_uuid())];
    for (what, uuid) in ids {
        needles.push((what.to_owned(), uuid.hyphenated().to_string()));
        needles.push((format!("{what} (bytes)"), uuid.simple().to_string()));
    }
    for thing_id in thing_ids {
        let uuid = uuid::Uuid::parse_str(thing_id).unwrap();
        needles.push(("thing id".to_owned(), uuid.hyphenated().to_string()));
        needles.push(("thing id (bytes)".to_owned(), uuid.simple().to_string()));
    }
    needles
}

/// Every needle found in `instance`'s database, as "what in table".
async fn found_in(instance: &RunningInstance, needles: &[(String, String)]) -> Vec<String> {
    let config = load(&instance.config_path).unwrap();
    let store = SqlStore::open(&config.database).await.unwrap();
    let rows = store.every_row_as_text().await.unwrap();
    store.close().await;
    assert!(rows.len() > 10, "the scan reads the database: {} rows", rows.len());
    let mut found = Vec::new();
    for (table, text) in &rows {
        let text = text.to_lowercase();
        for (what, needle) in needles {
            if text.contains(needle.as_str()) {
                found.push(format!("{what} in {table}"));
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

// Several threads: the sample serves in this process while the browser script runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_in_the_netherlands_is_served_by_the_eu_wherever_she_starts() {
    let Some(browser) = browser_tests() else { return };
    let deployment = Deployment::start(haven(), &[InstanceSpec::us(), InstanceSpec::eu()]).await.unwrap();
    let (us, eu) = (deployment.instance("1"), deployment.instance("2"));

    // The sample application, registered (live) in both instances, its default the US.
    let rules = ["weights:read,create:Weight"];
    let sample = WeightSample::start(&deployment, &[us, eu], &rules, &rules).await;

    let (email, given, family) = ("femke.zwaanswijk@example.org", "Femke", "Zwaanswijk-Oudeland");
    let steps = browser.run(
        "global.mjs",
        &[
            ("HAVEN_US_SHELL_URL", &us.shell_url),
            ("HAVEN_EU_SHELL_URL", &eu.shell_url),
            ("HAVEN_SAMPLE_URL", &sample.url),
            ("HAVEN_APP_ID", &sample.application_id.to_string()),
            ("HAVEN_PERSON_EMAIL", email),
            ("HAVEN_PERSON_GIVEN", given),
            ("HAVEN_PERSON_FAMILY", family),
        ],
    );
    let names: Vec<&str> = steps.iter().filter_map(|step| step["step"].as_str()).collect();
    assert_eq!(names, ["signed up in EU", "authorized in EU", "wrote and read in EU", "bounce refused"]);

    // The sample kept instance 2 with her ids; her weight is in the EU record.
    let stored: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&sample.data_file).unwrap()).unwrap();
    let latest = stored["connections"].as_array().and_then(|connections| connections.last()).unwrap();
    assert_eq!(latest["instance-id"], "2", "{stored}");
    let person_id = PersonId::parse(latest["person-id"].as_str().unwrap()).unwrap();
    let record_id = RecordId::parse(latest["record-id"].as_str().unwrap()).unwrap();
    let in_eu = Connection::new(url::Url::parse(&eu.platform_url).unwrap(), sample.credentials.clone()).unwrap();
    let weights = in_eu.things_of_type(&CallAs::Offline(person_id), record_id, WEIGHT).await.unwrap();
    assert_eq!(weights.len(), 1, "the weight the sample wrote");
    let thing_ids: Vec<String> = weights.iter().map(|thing| thing.key.id.to_string()).collect();

    // Data residency: nothing of hers in any row of any US table; all of it in the EU
    // database, which shows the scan finds what is there.
    let needles = needles(email, given, family, person_id, record_id, &thing_ids);
    let in_us = found_in(us, &needles).await;
    assert!(in_us.is_empty(), "the US database holds the EU person's data: {in_us:?}");
    let in_eu = found_in(eu, &needles).await;
    for what in ["e-mail in persons", "given name in persons", "family name in persons", "thing id"] {
        assert!(in_eu.iter().any(|found| found.starts_with(what)), "{what} not found in the EU database: {in_eu:?}");
    }
    assert!(in_eu.iter().any(|found| found.starts_with("person id")), "{in_eu:?}");
    assert!(in_eu.iter().any(|found| found.starts_with("record id")), "{in_eu:?}");
}
