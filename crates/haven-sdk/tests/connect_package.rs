//! DOPU packages through the SDK against the real Platform (router on a loopback socket,
//! SQLite store): a blob streamed in encrypted chunks and a package naming it, as the Platform
//! stores them, decrypted here with the key the answer gives.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use std::sync::Arc;

use haven_domain::application::MethodGroup;
use haven_domain::connect::IdentityCode;
use haven_domain::session::TokenHash;
use haven_domain::thing::{CommonData, ThingDraft, ThingFlags};
use haven_domain::thing_type::FILE;
use haven_package::{BLOB_CHUNK_LEN, ENCRYPTED_BLOB_CHUNK_LEN};
use haven_sdk::{Connection, PackageEncryption, StreamedPackageBlob};
use haven_store::{ConnectStore, SqlStore};
use haven_wire::methods::create_connect_package::CreateConnectPackageRequest;
use haven_wire::thing_xml::SubmittedThing;
use support::{bind, serve_platform, store, test_application, two_instances};

struct Fixture {
    connection: Connection,
    store: SqlStore,
    _directory: tempfile::TempDir,
}

/// A Platform of instance 1 whose topology names its real address (blob URLs point there),
/// and an application in the ConnectPackage group.
async fn fixture() -> Fixture {
    let directory = tempfile::tempdir().unwrap();
    let mut application = test_application(&["1"]);
    application.application.method_groups.insert(MethodGroup::ConnectPackage);
    let store = store(&directory, &application.application).await;
    let (listener, address) = bind().await;
    let (_, unused) = bind().await;
    serve_platform(listener, "1", Arc::new(two_instances(address, unused)), store.clone());
    let connection =
        Connection::new(url::Url::parse(&format!("http://{address}/")).unwrap(), application.credentials).unwrap();
    Fixture { connection, store, _directory: directory }
}

fn file_thing(blob: &StreamedPackageBlob) -> SubmittedThing {
    SubmittedThing {
        key: None,
        draft: ThingDraft {
            type_id: FILE,
            flags: ThingFlags::default(),
            data_xml: format!("<file><name>scan.bin</name><size>{}</size></file>", blob.length),
            common: CommonData::default(),
            blobs: Vec::new(),
            updated_end_date: None,
        },
        inline_blobs: Vec::new(),
        blob_references: vec![blob.reference("", "application/octet-stream")],
        removed_blobs: Vec::new(),
    }
}

fn content(length: usize) -> Vec<u8> {
    (0..length).map(|index| (index % 253) as u8).collect()
}

#[tokio::test]
async fn a_streamed_blob_is_stored_encrypted_and_attached_to_its_package() {
    let fixture = fixture().await;
    let encryption = PackageEncryption::new("Rex the dog").unwrap();
    // Two chunks, the second short; and exactly one full chunk.
    let long = content(BLOB_CHUNK_LEN + 1000);
    let exact = content(BLOB_CHUNK_LEN);
    let long_blob = fixture.connection.put_connect_package_blob(encryption.key(), &long[..]).await.unwrap();
    assert_eq!(
        (long_blob.length, long_blob.encrypted_length),
        (long.len() as u64, ENCRYPTED_BLOB_CHUNK_LEN as u64 + 1024)
    );
    let exact_blob = fixture.connection.put_connect_package_blob(encryption.key(), &exact[..]).await.unwrap();
    assert_eq!(exact_blob.encrypted_length, ENCRYPTED_BLOB_CHUNK_LEN as u64);

    let sealed = encryption.seal(&[file_thing(&long_blob), file_thing(&exact_blob)]).unwrap();
    let request = CreateConnectPackageRequest {
        version: 2,
        identity_code: None,
        friendly_name: "Scans".to_owned(),
        question: "First pet?".to_owned(),
        external_id: "patient-1".to_owned(),
        package_xml: sealed.package_xml(2),
        streamed_blob_urls: vec![long_blob.url.clone(), exact_blob.url.clone()],
    };
    let code = fixture.connection.create_connect_package(&request).await.unwrap();

    let package =
        fixture.store.connect_package_by_code(IdentityCode::parse(&code).unwrap().hash()).await.unwrap().unwrap();
    assert_eq!(package.contents.unwrap().ciphertext, sealed.ciphertext);
    for (blob, plain) in [(&long_blob, &long), (&exact_blob, &exact)] {
        let token = url::Url::parse(&blob.url)
            .unwrap()
            .query_pairs()
            .find(|(name, _)| name == "blob-ref-token")
            .map(|(_, token)| token.into_owned())
            .unwrap();
        let stored = fixture.store.package_blob_content(package.id, TokenHash::of_token(&token)).await.unwrap();
        let stored = stored.expect("the package holds the blob");
        assert_eq!(stored.len() as u64, blob.encrypted_length);
        assert_eq!(&encryption.key().decrypt_blob(&stored).unwrap(), plain);
    }
}
