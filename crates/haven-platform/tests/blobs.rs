//! Blobs: BeginPutBlob, chunked upload to the streaming URL, PutThings referring to the
//! upload or carrying the bytes inline, and GetThings returning information, inline bytes
//! or download URLs.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use axum::body::{Body, to_bytes};
use axum::http::Request;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use haven_wire::methods::begin_put_blob::BeginPutBlobResponse;
use haven_wire::methods::get_things::GetThingsResponse;
use haven_wire::thing_xml::BlobData;
use haven_wire::{StatusCode, parse_response};
use sha2::{Digest, Sha256};
use support::{Harness, authorize, harness, online, record_call};
use tower::ServiceExt;

const FILE: &str = "bd0403c5-4ae2-4b0e-a8db-1888678e4528";
const SECRET: &[u8] = b"123456789";

/// What a client computes: SHA-256 over the SHA-256 of each 2 MiB block.
fn sha256_block(content: &[u8]) -> String {
    let mut outer = Sha256::new();
    for block in content.chunks(2 * 1024 * 1024) {
        outer.update(Sha256::digest(block));
    }
    STANDARD.encode(outer.finalize())
}

/// The path and query of an absolute URL, for the in-process router.
fn local(url: &str) -> String {
    let parsed = url::Url::parse(url).unwrap();
    format!("{}?{}", parsed.path(), parsed.query().unwrap())
}

async fn http(harness: &Harness, request: Request<Body>) -> (u16, Vec<u8>) {
    let response = harness.app.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    (status, to_bytes(response.into_body(), 1 << 26).await.unwrap().to_vec())
}

async fn chunk(harness: &Harness, url: &str, range: &str, bytes: &[u8], last: bool) -> u16 {
    let mut request = Request::post(local(url)).header("Content-Range", range);
    if last {
        request = request.header("x-hv-blob-complete", "1");
    }
    http(harness, request.body(Body::from(bytes.to_vec())).unwrap()).await.0
}

fn file_thing(blob: &str) -> String {
    format!(
        "<info><thing><type-id>{FILE}</type-id><data-xml><file><name>scan.txt</name><size>17</size></file></data-xml><blob-payload>{blob}</blob-payload></thing></info>"
    )
}

fn blob_element(inner: &str, hash: &str) -> String {
    format!(
        "<blob><blob-info><name></name><content-type>text/plain</content-type><hash-info><algorithm>SHA256Block</algorithm><params><block-size>2097152</block-size></params><hash>{hash}</hash></hash-info></blob-info><content-length>17</content-length>{inner}</blob>"
    )
}

async fn get_file_blobs(harness: &Harness, auth: &str, record: &str, format: &str) -> GetThingsResponse {
    let info = format!(
        "<info><group><filter><type-id>{FILE}</type-id></filter><format><section>core</section><section>blobpayload</section><xml/><blob-payload-request><blob-format><blob-format-spec>{format}</blob-format-spec></blob-format></blob-payload-request></format></group></info>"
    );
    let (status, text) = harness.post(record_call("GetThings", 3, record, auth, SECRET, &info)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    GetThingsResponse::parse_info_xml(parse_response(&text).unwrap().info.unwrap().inner_xml).unwrap()
}

#[tokio::test]
async fn streamed_upload_then_streamed_download() {
    let harness = harness().await;
    let session = harness.session(1).await;
    let (account, user_token) = authorize(&harness, false).await;
    let auth = online(&session.token, &user_token);
    let record = account.record.id.to_string();
    let content = b"results: all fine";

    let (status, text) = harness.post(record_call("BeginPutBlob", 1, &record, &auth, SECRET, "<info/>")).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let begun = BeginPutBlobResponse::parse_info_xml(parse_response(&text).unwrap().info.unwrap().inner_xml).unwrap();
    assert_eq!(begun.hash_algorithm, "SHA256Block");
    assert_eq!(begun.chunk_size, 2 * 1024 * 1024);

    assert_eq!(chunk(&harness, &begun.blob_ref_url, "bytes 0-8/17", &content[..9], false).await, 200);
    assert_eq!(
        chunk(&harness, &begun.blob_ref_url, "bytes 3-10/17", &content[3..11], false).await,
        409,
        "a chunk must continue where the blob ends"
    );
    assert_eq!(chunk(&harness, &begun.blob_ref_url, "bytes 9-16/17", &content[9..], true).await, 200);
    assert_eq!(
        chunk(&harness, &begun.blob_ref_url, "bytes 17-17/18", b"!", true).await,
        409,
        "a complete blob takes no more"
    );

    let wrong_hash = file_thing(&blob_element(
        &format!("<blob-ref-url>{}</blob-ref-url>", begun.blob_ref_url),
        &sha256_block(b"other"),
    ));
    assert_eq!(
        harness.post(record_call("PutThings", 2, &record, &auth, SECRET, &wrong_hash)).await.0,
        StatusCode::INVALID_THING
    );

    let put = file_thing(&blob_element(
        &format!("<blob-ref-url>{}</blob-ref-url>", begun.blob_ref_url),
        &sha256_block(content),
    ));
    let (status, text) = harness.post(record_call("PutThings", 2, &record, &auth, SECRET, &put)).await;
    assert_eq!(status, StatusCode::OK, "{text}");

    let streamed = get_file_blobs(&harness, &auth, &record, "streamed").await;
    let blob = &streamed.groups[0].things[0].blobs[0];
    assert_eq!(blob.content_length, Some(17));
    let BlobData::Url(url) = &blob.data else { panic!("a download URL, got {:?}", blob.data) };
    let (status, bytes) = http(&harness, Request::get(local(url)).body(Body::empty()).unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, content);

    // Download URLs expire.
    harness.clock.advance(haven_domain::blob::BLOB_READ_TOKEN_LIFETIME);
    assert_eq!(http(&harness, Request::get(local(url)).body(Body::empty()).unwrap()).await.0, 404);
}

#[tokio::test]
async fn inline_blobs_round_trip() {
    let harness = harness().await;
    let session = harness.session(1).await;
    let (account, user_token) = authorize(&harness, false).await;
    let auth = online(&session.token, &user_token);
    let record = account.record.id.to_string();
    let content = b"results: all fine";

    let put = file_thing(&blob_element(
        &format!("<base64data>{}</base64data>", STANDARD.encode(content)),
        &sha256_block(content),
    ));
    let (status, text) = harness.post(record_call("PutThings", 2, &record, &auth, SECRET, &put)).await;
    assert_eq!(status, StatusCode::OK, "{text}");

    let inline = get_file_blobs(&harness, &auth, &record, "inline").await;
    assert_eq!(inline.groups[0].things[0].blobs[0].data, BlobData::Inline(content.to_vec()));
    let information = get_file_blobs(&harness, &auth, &record, "information").await;
    assert_eq!(information.groups[0].things[0].blobs[0].data, BlobData::Information);
}

#[tokio::test]
async fn upload_urls_expire_and_incomplete_blobs_are_refused() {
    let harness = harness().await;
    let session = harness.session(1).await;
    let (account, user_token) = authorize(&harness, false).await;
    let auth = online(&session.token, &user_token);
    let record = account.record.id.to_string();

    let (_, text) = harness.post(record_call("BeginPutBlob", 1, &record, &auth, SECRET, "<info/>")).await;
    let begun = BeginPutBlobResponse::parse_info_xml(parse_response(&text).unwrap().info.unwrap().inner_xml).unwrap();
    assert_eq!(chunk(&harness, &begun.blob_ref_url, "bytes 0-4/*", b"part1", false).await, 200);
    let put = file_thing(&blob_element(
        &format!("<blob-ref-url>{}</blob-ref-url>", begun.blob_ref_url),
        &sha256_block(b"part1"),
    ));
    let (status, text) = harness.post(record_call("PutThings", 2, &record, &auth, SECRET, &put)).await;
    assert_eq!(status, StatusCode::INVALID_THING, "{text}");
    assert!(text.contains("not complete"), "{text}");

    harness.clock.advance(haven_domain::blob::BLOB_UPLOAD_TOKEN_LIFETIME);
    assert_eq!(chunk(&harness, &begun.blob_ref_url, "bytes 5-9/*", b"part2", true).await, 404);
}
