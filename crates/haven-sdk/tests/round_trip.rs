//! The SDK against the real Platform (router on a loopback socket, SQLite store): sessions,
//! online and offline calls, writes, and paging through more things than one answer holds.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use std::sync::Arc;

use haven_domain::account::NewAccount;
use haven_domain::thing::{CommonData, ThingDraft, ThingFlags};
use haven_domain::thing_type::WEIGHT;
use haven_domain::topology::{EXAMPLE_TOML, Topology};
use haven_sdk::{CallAs, Connection};
use haven_wire::StatusCode;
use support::{bind, connected_person, serve_platform, store, test_application};

struct Fixture {
    connection: Connection,
    account: NewAccount,
    user_token: String,
    _directory: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let directory = tempfile::tempdir().unwrap();
    let application = test_application(&["1"]);
    let store = store(&directory, &application.application).await;
    let topology = Topology::from_toml("topology.toml", EXAMPLE_TOML).unwrap();
    let user_token = "c2RrIHVzZXIgdG9rZW4=".to_owned();
    let account = connected_person(&store, &topology, "1", &application.application, ("Sam", "US"), &user_token).await;
    let (listener, address) = bind().await;
    serve_platform(listener, "1", Arc::new(topology), store);
    let connection =
        Connection::new(url::Url::parse(&format!("http://{address}/")).unwrap(), application.credentials).unwrap();
    Fixture { connection, account, user_token, _directory: directory }
}

fn weight(index: usize) -> ThingDraft {
    let day = 1 + index % 28;
    let minute = index % 60;
    ThingDraft {
        type_id: WEIGHT,
        flags: ThingFlags::default(),
        data_xml: format!(
            "<weight><when><date><y>2026</y><m>10</m><d>{day}</d></date><time><h>{}</h><m>{minute}</m></time></when><value><kg>{}.5</kg></value></weight>",
            index % 24,
            60 + index % 20
        ),
        common: CommonData::default(),
        blobs: Vec::new(),
        updated_end_date: None,
    }
}

#[tokio::test]
async fn the_sdk_reads_and_writes_through_the_platform() {
    let fixture = fixture().await;
    let connection = &fixture.connection;
    let definition = connection.service_definition().await.unwrap();
    assert_eq!(definition.instances.unwrap().current_instance_id.as_str(), "1");

    let online = CallAs::Online(fixture.user_token.clone());
    let person = connection.person_info(&online).await.unwrap();
    assert_eq!(person.person_id, fixture.account.person.id);
    let record = fixture.account.record.id;

    // More things than one answer returns whole (240), so the paging helper must follow keys.
    let too_many: Vec<_> = (0..300).map(|index| (None, weight(index))).collect();
    let refused = connection.put_things(&online, record, too_many).await.unwrap_err();
    assert_eq!(refused.status(), Some(StatusCode::TOO_MANY_THINGS_SPECIFIED));
    let mut keys =
        connection.put_things(&online, record, (0..150).map(|index| (None, weight(index))).collect()).await.unwrap();
    keys.extend(
        connection.put_things(&online, record, (150..300).map(|index| (None, weight(index))).collect()).await.unwrap(),
    );
    assert_eq!(keys.len(), 300);
    let offline = CallAs::Offline(fixture.account.person.id);
    let things = connection.things_of_type(&offline, record, WEIGHT).await.unwrap();
    assert_eq!(things.len(), 300);
    let mut returned: Vec<_> = things.iter().map(|thing| thing.key).collect();
    returned.sort_by_key(|key| key.id);
    let mut written = keys.clone();
    written.sort_by_key(|key| key.id);
    assert_eq!(returned, written);

    // Offline the application may only read.
    let refused = connection.put_things(&offline, record, vec![(None, weight(1))]).await.unwrap_err();
    assert_eq!(refused.status(), Some(StatusCode::ACCESS_DENIED));

    connection.remove_things(&online, record, keys[..10].to_vec()).await.unwrap();
    assert_eq!(connection.things_of_type(&online, record, WEIGHT).await.unwrap().len(), 290);
}

#[tokio::test]
async fn the_sdk_selects_the_instance_for_a_country() {
    let fixture = fixture().await;
    let connection = &fixture.connection;
    let country = |code: &str| haven_domain::country::CountryCode::parse(code).unwrap();
    let eu = connection.select_instance(country("NL"), None).await.unwrap().unwrap();
    assert_eq!((eu.id.as_str(), eu.name.as_str()), ("2", "EU"));
    assert_eq!(eu.platform_url, "http://127.0.0.1:8121/platform/wildcat.ashx");
    let us = connection.select_instance(country("US"), Some("WA")).await.unwrap().unwrap();
    assert_eq!(us.id.as_str(), "1");
    assert_eq!(connection.select_instance(country("CA"), None).await.unwrap(), None);
    let refused = connection.select_instance(country("US"), Some("WASH")).await.unwrap_err();
    assert_eq!(refused.status(), Some(StatusCode::INVALID_XML));
}
