//! SelectInstance: a country (and optional state) to the instance that takes accounts from
//! it, by the topology's country rules, answered the same anonymously and within a session,
//! and the same by every instance of the topology.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::http::Request;
use haven_domain::clock::ManualClock;
use haven_domain::topology::{EXAMPLE_TOML, InstanceId, Topology};
use haven_platform::{PlatformState, router};
use haven_store::{SqlStore, StoreConfig};
use haven_wire::methods::select_instance::SelectInstanceResponse;
use haven_wire::{StatusCode, parse_response};
use support::{application_only, harness, info_of};
use time::macros::datetime;
use tower::ServiceExt;

/// The secret `Harness::session(1)` starts its session with.
const SESSION_SECRET: &[u8] = b"123456789";

/// Where each country of the acceptance list goes in the example topology: US and its
/// territories to instance 1, any other supported country to 2, Canada and France nowhere.
const EXPECTED: &[(&str, Option<&str>)] = &[
    ("US", Some("1")),
    ("PR", Some("1")),
    ("NL", Some("2")),
    ("DE", Some("2")),
    ("JP", Some("2")),
    ("CA", None),
    ("FR", None),
];

/// The `<info>` of a request for `country`, with `state` when given.
fn location_info(country: &str, state: Option<&str>) -> String {
    let state = state.map(|state| format!("<state-province>{state}</state-province>")).unwrap_or_default();
    format!("<info><preferred-location><country>{country}</country>{state}</preferred-location></info>")
}

/// An anonymous SelectInstance request (`<app-id>`, no `<auth>`), as a client that has no
/// session yet sends it.
fn anonymous_request(version: u32, info: &str) -> String {
    format!(
        r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header><method>SelectInstance</method><method-version>{version}</method-version><app-id>05a059c9-c309-46af-9b86-b06d42510550</app-id><language>en</language><country>US</country><msg-time>2026-11-21T12:00:00Z</msg-time><msg-ttl>1800</msg-ttl><version>test</version></header>{info}</wc-request:request>"#
    )
}

/// The Platform of instance `instance_id` of the example topology, on a store of its own.
async fn platform(directory: &tempfile::TempDir, instance_id: &str) -> axum::Router {
    let store =
        SqlStore::open(&StoreConfig::sqlite(directory.path().join(format!("haven-{instance_id}.db")))).await.unwrap();
    router(PlatformState::new(
        InstanceId::parse(instance_id).unwrap(),
        Arc::new(Topology::from_toml("topology.toml", EXAMPLE_TOML).unwrap()),
        Arc::new(store),
        Arc::new(ManualClock::new(datetime!(2026-11-21 12:00 UTC))),
    ))
}

async fn post(app: &axum::Router, body: String) -> String {
    let response =
        app.clone().oneshot(Request::post("/platform/wildcat.ashx").body(Body::from(body)).unwrap()).await.unwrap();
    assert_eq!(response.status(), 200);
    String::from_utf8(to_bytes(response.into_body(), 1 << 20).await.unwrap().to_vec()).unwrap()
}

/// The selected instance's id in a successful answer.
fn selected_id(text: &str) -> Option<String> {
    let answer = SelectInstanceResponse::parse_info_xml(&info_of(text)).unwrap();
    answer.selected_instance.map(|instance| instance.id.as_str().to_owned())
}

#[tokio::test]
async fn countries_go_where_the_topology_sends_them_from_either_instance() {
    let directory = tempfile::tempdir().unwrap();
    let us = platform(&directory, "1").await;
    let eu = platform(&directory, "2").await;
    for (country, expected) in EXPECTED {
        let body = anonymous_request(1, &location_info(country, None));
        let from_us = post(&us, body.clone()).await;
        let from_eu = post(&eu, body).await;
        assert_eq!(selected_id(&from_us).as_deref(), *expected, "{country} at instance 1: {from_us}");
        assert_eq!(
            SelectInstanceResponse::parse_info_xml(&info_of(&from_us)).unwrap(),
            SelectInstanceResponse::parse_info_xml(&info_of(&from_eu)).unwrap(),
            "{country}: both instances answer the same"
        );
        if expected.is_none() {
            let info = parse_response(&from_us).unwrap().info.unwrap();
            assert_eq!(info.inner_xml, "", "{country}: no selected-instance at all");
        }
    }
}

#[tokio::test]
async fn the_selected_instance_is_described_as_get_service_definition_describes_it() {
    let directory = tempfile::tempdir().unwrap();
    let us = platform(&directory, "1").await;
    let text = post(&us, anonymous_request(1, &location_info("nl", Some("NH")))).await;
    let response = parse_response(&text).unwrap();
    assert_eq!(
        response.info.as_ref().and_then(|info| info.namespace.as_deref()),
        Some("urn:com.microsoft.wc.methods.response.SelectInstance")
    );
    let instance = SelectInstanceResponse::parse_info_xml(&info_of(&text)).unwrap().selected_instance.unwrap();
    assert_eq!(instance.id.as_str(), "2");
    assert_eq!(instance.name, "EU");
    assert_eq!(instance.description, "EU instance");
    assert_eq!(instance.platform_url, "http://127.0.0.1:8121/platform/wildcat.ashx");
    assert_eq!(instance.shell_url, "http://127.0.0.1:8120/");
}

#[tokio::test]
async fn a_session_call_gets_the_same_answer() {
    let harness = harness().await;
    let session = harness.session(1).await;
    for (country, expected) in EXPECTED {
        let body = support::call(
            "SelectInstance",
            1,
            &application_only(&session.token),
            SESSION_SECRET,
            &location_info(country, Some("WA")),
            |body| body,
        );
        let (status, text) = harness.post(body).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        assert_eq!(selected_id(&text).as_deref(), *expected, "{country} within a session: {text}");
    }
}

#[tokio::test]
async fn invalid_locations_are_invalid_xml_with_a_clear_message() {
    let directory = tempfile::tempdir().unwrap();
    let us = platform(&directory, "1").await;
    let cases = [
        (location_info("ZZ", None), "<country>"),
        (location_info("USA", None), "<country>"),
        (location_info("US", Some("WASH")), "<state-province>"),
        ("<info><preferred-location/></info>".to_owned(), "<country>"),
        ("<info/>".to_owned(), "<preferred-location>"),
    ];
    for (info, named) in cases {
        let text = post(&us, anonymous_request(1, &info)).await;
        let response = parse_response(&text).unwrap();
        assert_eq!(response.status, StatusCode::INVALID_XML, "{info}: {text}");
        let message = response.error_message.unwrap_or_default();
        assert!(message.contains(named), "{info}: the message names {named}: {message}");
        assert!(response.info.is_none(), "{info}: no answer with an error");
    }
    let text = post(&us, anonymous_request(1, &location_info("ZZ", None))).await;
    let message = parse_response(&text).unwrap().error_message.unwrap_or_default();
    assert!(message.contains("ISO 3166-1") && message.contains("\"ZZ\""), "{message}");
}

#[tokio::test]
async fn only_version_one_exists() {
    let directory = tempfile::tempdir().unwrap();
    let us = platform(&directory, "1").await;
    let text = post(&us, anonymous_request(2, &location_info("US", None))).await;
    assert_eq!(parse_response(&text).unwrap().status, StatusCode::INVALID_METHOD, "{text}");
}
