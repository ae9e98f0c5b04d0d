#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

use haven_domain::thing_type::WEIGHT;
use haven_package::{ENCRYPTED_BLOB_CHUNK_LEN, PackageAlgorithm, PackageError, open};
use haven_wire::methods::begin_put_connect_package_blob::PackageBlobChunkEncryption;
use haven_wire::thing_xml::parse_submitted_thing;

use super::*;

const WEIGHT_XML: &str = "<weight><when><date><y>2026</y><m>11</m><d>22</d></date></when>\
                          <value><kg>71.5</kg></value></weight>";

fn parameters() -> PackageParameters {
    // Few iterations keep the test quick; the count changes nothing else.
    PackageParameters { iteration_count: 10, ..PackageParameters::recommended("c2FsdCBmb3IgdGVzdHM=".to_owned()) }
}

fn weight() -> SubmittedThing {
    SubmittedThing {
        key: None,
        draft: ThingDraft {
            type_id: WEIGHT,
            flags: ThingFlags::default(),
            data_xml: WEIGHT_XML.to_owned(),
            common: CommonData::default(),
            blobs: Vec::new(),
            updated_end_date: None,
        },
        inline_blobs: Vec::new(),
        blob_references: Vec::new(),
        removed_blobs: Vec::new(),
    }
}

fn begin(pre_encryption_chunk_size: u32, post_encryption_chunk_size: u32) -> BeginPutConnectPackageBlobResponse {
    BeginPutConnectPackageBlobResponse {
        blob_ref_url: "http://platform.example/streaming/wildcatblob.ashx?blob-ref-token=t".to_owned(),
        chunk_encryption: PackageBlobChunkEncryption::Aes256,
        pre_encryption_chunk_size,
        post_encryption_chunk_size,
        max_blob_size: 1 << 30,
        hash_algorithm: "SHA256Block".to_owned(),
        hash_block_size: Some(2_097_152),
    }
}

#[test]
fn a_sealed_package_opens_with_the_answer_into_its_things() {
    let encryption = PackageEncryption::with_parameters(parameters(), "Rex The Dog").unwrap();
    let mut with_blob = weight();
    with_blob.blob_references.push(
        StreamedPackageBlob { url: "http://p.example/b?blob-ref-token=x".to_owned(), length: 5, encrypted_length: 32 }
            .reference("", "text/plain"),
    );
    let sealed = encryption.seal(&[weight(), with_blob.clone()]).unwrap();
    // The answer is case-insensitive: the person may type it in any case.
    let opened = open(&sealed.parameters, "rex the dog", &sealed.ciphertext).unwrap();
    assert_eq!(opened.things_xml, package_things_xml(&[weight(), with_blob.clone()]));
    let things: Vec<&str> = opened.things_xml.split_inclusive("</thing>").collect();
    assert_eq!(things.len(), 2);
    assert_eq!(parse_submitted_thing(things[0]).unwrap(), weight());
    assert_eq!(parse_submitted_thing(things[1]).unwrap(), with_blob);
    // The key that sealed the things is the one that encrypts the streamed blobs.
    let chunk = encryption.key().encrypt_chunk(b"attachment").unwrap();
    assert_eq!(opened.key.decrypt_chunk(&chunk).unwrap(), b"attachment");
    assert!(matches!(open(&sealed.parameters, "rex the cat", &sealed.ciphertext), Err(PackageError::WrongAnswer)));
}

#[test]
fn the_package_thing_is_what_create_connect_package_reads() {
    let sealed = PackageEncryption::with_parameters(parameters(), "answer").unwrap().seal(&[weight()]).unwrap();
    for version in [1, 2] {
        let request = CreateConnectPackageRequest {
            version,
            identity_code: None,
            friendly_name: "Jane".to_owned(),
            question: "Pet?".to_owned(),
            external_id: "patient-1".to_owned(),
            package_xml: sealed.package_xml(version),
            streamed_blob_urls: Vec::new(),
        };
        let read = CreateConnectPackageRequest::parse_info(version, &request.to_info_xml()).unwrap();
        let package = read.package().unwrap();
        assert_eq!(package.draft.type_id, PASSWORD_PROTECTED_PACKAGE);
        assert_eq!(PackageParameters::from_data_xml(&package.draft.data_xml).unwrap(), sealed.parameters);
        assert_eq!(package.inline_blobs.len(), 1, "version {version}");
        assert_eq!(package.inline_blobs[0].name, "");
        assert_eq!(package.inline_blobs[0].bytes, sealed.ciphertext);
    }
}

#[test]
fn new_packages_get_a_fresh_salt_of_48_random_bytes() {
    let first = PackageEncryption::new("answer").unwrap();
    let second = PackageEncryption::new("answer").unwrap();
    assert_eq!(first.parameters().salt.len(), 64);
    assert_ne!(first.parameters().salt, second.parameters().salt);
    assert_eq!(first.parameters().algorithm, PackageAlgorithm::HmacSha256Aes256);
    assert!(matches!(PackageEncryption::new(""), Err(SdkError::Package(PackageError::EmptyAnswer))));
    let debug = format!("{first:?}");
    assert!(!debug.contains("answer\""), "{debug}");
}

#[test]
fn blob_chunks_follow_what_the_platform_announces_if_a_key_can_make_them() {
    let encryption = PackageEncryption::with_parameters(parameters(), "answer").unwrap();
    let key = encryption.key();
    assert_eq!(package_chunk_len(&begin(2_097_152, ENCRYPTED_BLOB_CHUNK_LEN as u32), key).unwrap(), BLOB_CHUNK_LEN);
    assert_eq!(package_chunk_len(&begin(1024, 1056), key).unwrap(), 1024);
    for (pre, post) in [(4_194_304, 4_194_336), (1000, 1032), (1024, 1024)] {
        assert!(
            matches!(package_chunk_len(&begin(pre, post), key), Err(SdkError::UnsupportedBlobChunks { .. })),
            "{pre}/{post}"
        );
    }
}

#[test]
fn a_streamed_blob_is_referenced_by_its_url_and_plain_length() {
    let blob = StreamedPackageBlob { url: "http://p.example/b".to_owned(), length: 10, encrypted_length: 32 };
    let reference = blob.reference("", "application/pdf");
    assert_eq!(
        (reference.name.as_str(), reference.content_type.as_str(), reference.url.as_str(), reference.content_length),
        ("", "application/pdf", "http://p.example/b", Some(10))
    );
    assert_eq!(reference.hash, None);
}
