use super::*;
use crate::methods::subscribe_to_event::tests::envelope;
use crate::request::parse_request;
use crate::response::{Response, parse_info_element, parse_response, response_schema_name};
use crate::testing::Xmllint;

fn response() -> BeginPutConnectPackageBlobResponse {
    BeginPutConnectPackageBlobResponse {
        blob_ref_url: "http://127.0.0.1:8111/streaming/wildcatblob.ashx?blob-ref-token=abc%2B%3D&package=1".to_owned(),
        chunk_encryption: PackageBlobChunkEncryption::Aes256,
        pre_encryption_chunk_size: 2_097_152,
        post_encryption_chunk_size: 2_097_168,
        max_blob_size: 268_435_456,
        hash_algorithm: "SHA256Block".to_owned(),
        hash_block_size: Some(2_097_152),
    }
}

#[test]
fn reads_the_empty_request() {
    for info in ["<info/>", "", &BeginPutConnectPackageBlobRequest.to_info_xml()] {
        let body = envelope(METHOD, 1, info);
        assert_eq!(
            BeginPutConnectPackageBlobRequest::from_request(&parse_request(&body).unwrap()),
            Ok(BeginPutConnectPackageBlobRequest)
        );
    }
    assert_eq!(
        BeginPutConnectPackageBlobRequest::from_request(&parse_request(&envelope(METHOD, 2, "<info/>")).unwrap()),
        Err(WireError::UnsupportedMethodVersion { method: METHOD, version: 2 })
    );
}

#[test]
fn responses_round_trip() {
    for answer in [response(), BeginPutConnectPackageBlobResponse { hash_block_size: None, ..response() }] {
        let info = answer.to_info();
        assert_eq!(Some(info.schema.as_str()), response_schema_name(METHOD, 1));
        let written = Response::ok(info).to_xml();
        let parsed = parse_response(&written).unwrap().info.unwrap();
        assert_eq!(parsed.schema(), Some(RESPONSE_SCHEMA));
        assert_eq!(BeginPutConnectPackageBlobResponse::parse_info_xml(parsed.inner_xml).unwrap(), answer);
    }
    assert_eq!(
        BeginPutConnectPackageBlobResponse { hash_block_size: None, ..response() }.to_info().inner_xml,
        concat!(
            "<blob-ref-url>http://127.0.0.1:8111/streaming/wildcatblob.ashx?blob-ref-token=abc%2B%3D&amp;package=1</blob-ref-url>",
            "<package-blob-chunk-encryption-algorithm>aes256</package-blob-chunk-encryption-algorithm>",
            "<blob-pre-encryption-chunk-size>2097152</blob-pre-encryption-chunk-size>",
            "<blob-post-encryption-chunk-size>2097168</blob-post-encryption-chunk-size>",
            "<max-blob-size>268435456</max-blob-size><blob-hash-algorithm>SHA256Block</blob-hash-algorithm>",
            "<blob-hash-parameters></blob-hash-parameters>"
        )
    );
}

/// The answer as written by hand from `response-beginputconnectpackageblob.xsd`.
const HAND_WRITTEN_RESPONSE: &str = concat!(
    r#"<wc:info xmlns:wc="urn:com.microsoft.wc.methods.response.BeginPutConnectPackageBlob">"#,
    "\n  <blob-ref-url>https://platform.example/streaming/wildcatblob.ashx?blob-ref-token=t</blob-ref-url>",
    "\n  <package-blob-chunk-encryption-algorithm>aes256</package-blob-chunk-encryption-algorithm>",
    "\n  <blob-pre-encryption-chunk-size>4194304</blob-pre-encryption-chunk-size>",
    "\n  <blob-post-encryption-chunk-size>4194320</blob-post-encryption-chunk-size>",
    "\n  <max-blob-size>1073741824</max-blob-size>",
    "\n  <blob-hash-algorithm>SHA256Block</blob-hash-algorithm>",
    "\n  <blob-hash-parameters>\n    <block-size>2097152</block-size>\n  </blob-hash-parameters>",
    "\n</wc:info>"
);

#[test]
fn reads_a_hand_written_response() {
    let info = parse_info_element(HAND_WRITTEN_RESPONSE).unwrap();
    assert_eq!(info.schema(), Some(RESPONSE_SCHEMA));
    let answer = BeginPutConnectPackageBlobResponse::parse_info_xml(info.inner_xml).unwrap();
    assert_eq!(answer.blob_ref_url, "https://platform.example/streaming/wildcatblob.ashx?blob-ref-token=t");
    assert_eq!((answer.pre_encryption_chunk_size, answer.post_encryption_chunk_size), (4_194_304, 4_194_320));
    assert_eq!(answer.max_blob_size, 1_073_741_824);
    assert_eq!(answer.hash_block_size, Some(2_097_152));
}

#[test]
fn bad_responses_are_named() {
    let inner = response().to_info().inner_xml;
    let other_algorithm = inner.replace(">aes256<", ">3des<");
    let error = BeginPutConnectPackageBlobResponse::parse_info_xml(&other_algorithm).unwrap_err();
    assert!(
        matches!(error, WireError::InvalidValue { element: "package-blob-chunk-encryption-algorithm", .. }),
        "{error}"
    );
    let zero_chunk = inner.replace(">2097168<", ">0<");
    let error = BeginPutConnectPackageBlobResponse::parse_info_xml(&zero_chunk).unwrap_err();
    assert!(matches!(error, WireError::InvalidValue { element: "blob-post-encryption-chunk-size", .. }), "{error}");
    let not_a_number = inner.replace(">268435456<", ">big<");
    let error = BeginPutConnectPackageBlobResponse::parse_info_xml(&not_a_number).unwrap_err();
    assert!(matches!(error, WireError::InvalidNumber { element: "max-blob-size", .. }), "{error}");
    let without_parameters =
        inner.replace("<blob-hash-parameters><block-size>2097152</block-size></blob-hash-parameters>", "");
    assert_eq!(
        BeginPutConnectPackageBlobResponse::parse_info_xml(&without_parameters),
        Err(WireError::MissingElement { parent: "info", element: "blob-hash-parameters" })
    );
    assert_eq!(
        BeginPutConnectPackageBlobResponse::parse_info_xml(""),
        Err(WireError::MissingElement { parent: "info", element: "max-blob-size" })
    );
}

#[test]
fn responses_validate_against_the_xsd() {
    let Some(xmllint) = Xmllint::for_test("BeginPutConnectPackageBlob XSD validation") else {
        return;
    };
    for answer in [response(), BeginPutConnectPackageBlobResponse { hash_block_size: None, ..response() }] {
        let info = answer.to_info();
        let standalone = format!(r#"<wc:info xmlns:wc="{}">{}</wc:info>"#, info.namespace(), info.inner_xml);
        if let Err(report) = xmllint.validate("response-beginputconnectpackageblob.xsd", &standalone) {
            panic!("the BeginPutConnectPackageBlob response does not validate:\n{report}");
        }
    }
    if let Err(report) = xmllint.validate("response-beginputconnectpackageblob.xsd", HAND_WRITTEN_RESPONSE) {
        panic!("the hand-written BeginPutConnectPackageBlob response does not validate:\n{report}");
    }
}
