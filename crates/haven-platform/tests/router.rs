//! The Platform router in-process (no socket), on a real SQLite store.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

use std::io::Write;
use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::http::{Request, header};
use haven_domain::clock::ManualClock;
use haven_domain::topology::{EXAMPLE_TOML, InstanceId, Topology};
use haven_platform::{PlatformState, router};
use haven_store::{SqlStore, StoreConfig};
use haven_wire::methods::get_service_definition::ServiceDefinition;
use haven_wire::{StatusCode, parse_response};
use time::macros::datetime;
use tower::ServiceExt;

const REQUEST: &str = r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header><method>GetServiceDefinition</method><method-version>2</method-version><app-id>05a059c9-c309-46af-9b86-b06d42510550</app-id><msg-time>2026-11-21T10:00:00Z</msg-time><msg-ttl>1800</msg-ttl><version>test</version></header><info><response-sections><section>topology</section></response-sections></info></wc-request:request>"#;

async fn platform(directory: &tempfile::TempDir) -> axum::Router {
    let store = SqlStore::open(&StoreConfig::sqlite(directory.path().join("haven.db"))).await.unwrap();
    router(PlatformState::new(
        InstanceId::parse("2").unwrap(),
        Arc::new(Topology::from_toml("topology.toml", EXAMPLE_TOML).unwrap()),
        Arc::new(store),
        Arc::new(ManualClock::new(datetime!(2026-11-21 12:00 UTC))),
    ))
}

async fn call(app: axum::Router, request: Request<Body>) -> String {
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "text/xml; charset=utf-8");
    String::from_utf8(to_bytes(response.into_body(), 1 << 20).await.unwrap().to_vec()).unwrap()
}

fn topology_of(body: &str) -> ServiceDefinition {
    let response = parse_response(body).unwrap();
    assert_eq!(response.status, StatusCode::OK, "{body}");
    ServiceDefinition::parse_info_xml(response.info.unwrap().inner_xml).unwrap().unwrap()
}

#[tokio::test]
async fn get_service_definition_answers_with_the_requested_sections() {
    let directory = tempfile::tempdir().unwrap();
    let body =
        call(platform(&directory).await, Request::post("/platform/wildcat.ashx").body(Body::from(REQUEST)).unwrap())
            .await;
    let definition = topology_of(&body);
    assert!(definition.platform.is_none() && definition.shell.is_none(), "only the topology section was asked for");
    let instances = definition.instances.unwrap();
    assert_eq!(instances.current_instance_id.as_str(), "2");
    assert_eq!(instances.instances.len(), 2);
    assert_eq!(instances.instances[0].platform_url, "http://127.0.0.1:8111/platform/wildcat.ashx");
}

#[tokio::test]
async fn gzip_compressed_requests_are_accepted() {
    let directory = tempfile::tempdir().unwrap();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(REQUEST.as_bytes()).unwrap();
    let compressed = encoder.finish().unwrap();
    let request = Request::post("/platform/wildcat.ashx")
        .header(header::CONTENT_ENCODING, "gzip")
        .body(Body::from(compressed))
        .unwrap();
    let body = call(platform(&directory).await, request).await;
    assert_eq!(topology_of(&body).instances.unwrap().current_instance_id.as_str(), "2");
}

#[tokio::test]
async fn a_body_that_is_not_text_is_invalid_xml() {
    let directory = tempfile::tempdir().unwrap();
    let body = call(
        platform(&directory).await,
        Request::post("/platform/wildcat.ashx").body(Body::from(vec![0xff, 0xfe, 0x00])).unwrap(),
    )
    .await;
    let response = parse_response(&body).unwrap();
    assert_eq!(response.status, StatusCode::INVALID_XML);
}

#[tokio::test]
async fn oversized_requests_answer_request_too_long() {
    let directory = tempfile::tempdir().unwrap();
    let padding = "x".repeat(haven_platform::MAX_REQUEST_BYTES + 1);
    let oversized = REQUEST.replace("<msg-ttl>", &format!("<!--{padding}--><msg-ttl>"));
    let body =
        call(platform(&directory).await, Request::post("/platform/wildcat.ashx").body(Body::from(oversized)).unwrap())
            .await;
    assert_eq!(parse_response(&body).unwrap().status, StatusCode::REQUEST_TOO_LONG, "{}", &body[..body.len().min(300)]);

    // A small gzip body that inflates past the limit is refused the same way.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&vec![b' '; haven_platform::MAX_REQUEST_BYTES + 1024]).unwrap();
    let bomb = encoder.finish().unwrap();
    assert!(bomb.len() < 100_000);
    let request = Request::post("/platform/wildcat.ashx")
        .header(header::CONTENT_ENCODING, "gzip")
        .body(Body::from(bomb))
        .unwrap();
    let body = call(platform(&directory).await, request).await;
    assert_eq!(parse_response(&body).unwrap().status, StatusCode::REQUEST_TOO_LONG, "{body}");
}
