//! The ConnectPackage method group: Patient Connect requests (created once per external id
//! until they expire, listed once validated, to masters too, renamed and deleted) and DOPU
//! packages (allocated, created once, with streamed blobs, refused when malformed, deleted),
//! all application calls on a real SQLite store.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use argon2::{Argon2, PasswordHash, PasswordVerifier};
use axum::body::{Body, to_bytes};
use axum::http::Request;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use haven_domain::application::MethodGroup;
use haven_domain::authorization::AppAuthorization;
use haven_domain::clock::Clock;
use haven_domain::connect::{ConnectValidation, IdentityCode, PENDING_LIFETIME};
use haven_domain::ids::ApplicationId;
use haven_domain::session::TokenHash;
use haven_domain::thing_type::{PASSWORD_PROTECTED_PACKAGE, WEIGHT};
use haven_package::{PackageParameters, SealedPackage, seal};
use haven_store::{ApplicationStore, ConnectStore};
use haven_wire::StatusCode;
use haven_wire::methods::allocate_package_id::AllocatePackageIdResponse;
use haven_wire::methods::begin_put_connect_package_blob::BeginPutConnectPackageBlobResponse;
use haven_wire::methods::create_connect_package::CreateConnectPackageResponse;
use haven_wire::methods::create_connect_request::CreateConnectRequestResponse;
use haven_wire::methods::get_authorized_connect_requests::{
    AuthorizedConnectRequest, GetAuthorizedConnectRequestsResponse,
};
use hmac::{Hmac, KeyInit, Mac};
use sha1::{Digest, Sha1};
use support::{Harness, all_types, harness, info_of, open_account};
use time::Duration;
use tower::ServiceExt;

const SECRET: &[u8] = b"123456789";
const ANSWER: &str = "Rex the Dog";

/// Gives `application_id` the ConnectPackage group (and any `more`).
async fn add_groups(harness: &Harness, application_id: ApplicationId, groups: &[MethodGroup]) {
    let mut application = harness.store.application(application_id).await.unwrap().unwrap();
    application.method_groups.extend(groups.iter().copied());
    harness.store.put_application(&application).await.unwrap();
}

/// The harness's application as a clinic (the ConnectPackage group), and a session token.
async fn clinic(harness: &Harness) -> String {
    add_groups(harness, harness.app_id, &[MethodGroup::ConnectPackage]).await;
    harness.session(1).await.token
}

/// An application call signed as `support::call` signs one, but sent at the clock's time, so
/// tests may move the clock by weeks and stay within the `msg-time` window.
async fn send(harness: &Harness, token: &str, method: &str, version: u32, info: &str) -> (StatusCode, String) {
    let msg_time = harness.clock.now().format(&time::format_description::well_known::Rfc3339).unwrap();
    let info_hash = STANDARD.encode(Sha1::digest(info.as_bytes()));
    let header = format!(
        "<header><method>{method}</method><method-version>{version}</method-version><auth-session>\
         <auth-token>{token}</auth-token></auth-session><language>en</language><country>US</country>\
         <msg-time>{msg_time}</msg-time><msg-ttl>36000</msg-ttl><version>1.0</version><info-hash>\
         <hash-data algName=\"SHA1\">{info_hash}</hash-data></info-hash></header>"
    );
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(SECRET).unwrap();
    mac.update(header.as_bytes());
    let hmac = STANDARD.encode(mac.finalize().into_bytes());
    harness
        .post(format!(
            "<wc-request:request xmlns:wc-request=\"urn:com.microsoft.wc.request\"><auth><hmac-data \
             algName=\"HMACSHA1\">{hmac}</hmac-data></auth>{header}{info}</wc-request:request>"
        ))
        .await
}

fn request_info(question: &str, answer: &str, external_id: &str) -> String {
    format!(
        "<info><friendly-name>Ana López</friendly-name><question>{question}</question><answer>{answer}</answer>\
         <external-id>{external_id}</external-id></info>"
    )
}

/// CreateConnectRequest; the identity code.
async fn create_request(harness: &Harness, token: &str, external_id: &str) -> IdentityCode {
    let (status, text) =
        send(harness, token, "CreateConnectRequest", 1, &request_info("First pet?", ANSWER, external_id)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let code = CreateConnectRequestResponse::parse_info_xml(&info_of(&text)).unwrap().identity_code;
    IdentityCode::parse(&code).unwrap()
}

async fn authorized_requests(harness: &Harness, token: &str, since: Option<&str>) -> Vec<AuthorizedConnectRequest> {
    let info = match since {
        Some(since) => {
            format!("<info><authorized-connect-requests-since>{since}</authorized-connect-requests-since></info>")
        }
        None => "<info/>".to_owned(),
    };
    let (status, text) = send(harness, token, "GetAuthorizedConnectRequests", 1, &info).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    GetAuthorizedConnectRequestsResponse::parse_info_xml(&info_of(&text)).unwrap().connect_requests
}

/// What the Shell does when a person answers and authorizes the application on a record.
async fn validate(harness: &Harness, code: &IdentityCode, email: &str) -> ConnectValidation {
    let request = harness.store.connect_request_by_code(code.hash()).await.unwrap().unwrap();
    let account = open_account(harness, email, "Ana").await;
    let now = harness.clock.now();
    let validation = ConnectValidation {
        request_id: request.id,
        application_id: request.application_id,
        external_id: request.external_id.clone(),
        person_id: account.person.id,
        record_id: account.record.id,
        validated_at: now,
    };
    let authorization = AppAuthorization {
        person_id: account.person.id,
        record_id: account.record.id,
        application_id: request.application_id,
        online: None,
        offline: Some(all_types(haven_domain::auth_rules::Permissions::READ)),
        granted_at: now,
        expires_at: None,
        revoked_at: None,
    };
    harness.store.validate_connect_request(&validation, &authorization).await.unwrap();
    validation
}

#[tokio::test]
async fn a_connect_request_is_created_once_per_external_id_until_it_expires() {
    let harness = harness().await;
    let token = clinic(&harness).await;
    let code = create_request(&harness, &token, "patient-1").await;
    assert_eq!(code.as_str().len(), 24, "{code}");

    let stored = harness.store.connect_request_by_code(code.hash()).await.unwrap().unwrap();
    assert_eq!(stored.application_id, harness.app_id);
    assert_eq!(stored.external_id, "patient-1");
    assert_eq!(stored.question, "First pet?");
    assert!(!stored.answer_hash.contains(ANSWER) && !stored.answer_hash.contains("rex"), "{}", stored.answer_hash);
    assert!(stored.answer_hash.starts_with("$argon2id$"), "{}", stored.answer_hash);
    // The Shell checks the lower-cased answer against the PHC string with argon2's defaults.
    let phc = PasswordHash::new(&stored.answer_hash).unwrap();
    assert!(Argon2::default().verify_password(b"rex the dog", &phc).is_ok());
    assert!(Argon2::default().verify_password(b"rex  the dog", &phc).is_err());

    let info = request_info("First pet?", ANSWER, "patient-1");
    let (status, text) = send(&harness, &token, "CreateConnectRequest", 1, &info).await;
    assert_eq!(status, StatusCode::DUPLICATE_CONNECT_REQUEST_FOUND, "{text}");

    harness.clock.advance(PENDING_LIFETIME);
    let token = harness.session(1).await.token;
    let again = create_request(&harness, &token, "patient-1").await;
    assert_ne!(again, code);
}

#[tokio::test]
async fn empty_questions_and_answers_and_long_texts_are_refused() {
    let harness = harness().await;
    let token = clinic(&harness).await;
    for (info, expected) in [
        (request_info("", ANSWER, "p-1"), StatusCode::INVALID_VERIFICATION_QUESTION),
        (request_info("  ", ANSWER, "p-1"), StatusCode::INVALID_VERIFICATION_QUESTION),
        (request_info("First pet?", "", "p-1"), StatusCode::INVALID_VERIFICATION_ANSWER),
        (request_info("First pet?", ANSWER, &"x".repeat(256)), StatusCode::INVALID_XML),
        (request_info(&"q".repeat(256), ANSWER, "p-1"), StatusCode::INVALID_XML),
    ] {
        let (status, text) = send(&harness, &token, "CreateConnectRequest", 1, &info).await;
        assert_eq!(status, expected, "{text}");
        assert!(!text.contains(ANSWER), "the answer is never echoed: {text}");
    }
    // Nothing was stored: the external id is still free.
    create_request(&harness, &token, "p-1").await;
}

#[tokio::test]
async fn validated_requests_are_listed_since_a_date_to_the_clinic_and_its_master() {
    let harness = harness().await;
    let token = clinic(&harness).await;
    // The master has the Master group only, which lets it read its children's requests.
    let master = support::register_application_with_key(&harness, "Master", support::generate_key()).await;
    let mut master_application = harness.store.application(master.app_id).await.unwrap().unwrap();
    master_application.method_groups = [MethodGroup::Master].into_iter().collect();
    harness.store.put_application(&master_application).await.unwrap();
    let unrelated = support::register_application_with_key(&harness, "Unrelated", support::generate_key()).await;
    let mut child = harness.store.application(harness.app_id).await.unwrap().unwrap();
    child.master_id = Some(master.app_id);
    harness.store.put_application(&child).await.unwrap();

    let code = create_request(&harness, &token, "patient-7").await;
    assert!(authorized_requests(&harness, &token, None).await.is_empty(), "nothing before validation");

    harness.clock.advance(Duration::hours(1));
    let validation = validate(&harness, &code, "ana@example.org").await;
    let expected = AuthorizedConnectRequest {
        person_id: validation.person_id,
        record_id: validation.record_id,
        app_specific_record_id: None,
        application_id: harness.app_id,
        external_id: "patient-7".to_owned(),
    };
    assert_eq!(authorized_requests(&harness, &token, None).await, vec![expected.clone()]);
    assert_eq!(authorized_requests(&harness, &token, Some("2026-11-21T12:30:00Z")).await, vec![expected.clone()]);
    assert!(authorized_requests(&harness, &token, Some("2026-11-21T13:30:00Z")).await.is_empty(), "since is honoured");

    let master_token = harness.session_as(&master, SECRET).await.token;
    assert_eq!(authorized_requests(&harness, &master_token, None).await, vec![expected]);
    let info = request_info("First pet?", ANSWER, "patient-8");
    let (status, text) = send(&harness, &master_token, "CreateConnectRequest", 1, &info).await;
    assert_eq!(status, StatusCode::ACCESS_DENIED, "the Master group only reads: {text}");
    let unrelated_token = harness.session_as(&unrelated, SECRET).await.token;
    assert!(authorized_requests(&harness, &unrelated_token, None).await.is_empty());
}

#[tokio::test]
async fn external_ids_change_by_code_or_old_id_and_requests_are_deleted() {
    let harness = harness().await;
    let token = clinic(&harness).await;
    let code = create_request(&harness, &token, "a").await;
    create_request(&harness, &token, "b").await;

    let by_code = format!("<info><identity-code>{code}</identity-code><new-external-id>c</new-external-id></info>");
    assert_eq!(send(&harness, &token, "UpdateExternalId", 1, &by_code).await.0, StatusCode::OK);
    assert_eq!(harness.store.connect_request_by_code(code.hash()).await.unwrap().unwrap().external_id, "c");

    let update = |old: &str, new: &str| {
        format!("<info><old-external-id>{old}</old-external-id><new-external-id>{new}</new-external-id></info>")
    };
    let (status, text) = send(&harness, &token, "UpdateExternalId", 1, &update("c", "b")).await;
    assert_eq!(status, StatusCode::DUPLICATE_CONNECT_REQUEST_FOUND, "{text}");
    assert_eq!(send(&harness, &token, "UpdateExternalId", 1, &update("c", "d")).await.0, StatusCode::OK);
    assert_eq!(harness.store.connect_request_by_code(code.hash()).await.unwrap().unwrap().external_id, "d");
    assert_eq!(
        send(&harness, &token, "UpdateExternalId", 1, &update("c", "e")).await.0,
        StatusCode::INVALID_IDENTITY_CODE
    );
    let malformed = "<info><identity-code>ABC-1</identity-code><new-external-id>e</new-external-id></info>";
    assert_eq!(send(&harness, &token, "UpdateExternalId", 1, malformed).await.0, StatusCode::INVALID_IDENTITY_CODE);

    let delete = "<info><external-id>d</external-id></info>";
    assert_eq!(send(&harness, &token, "DeletePendingConnectRequest", 1, delete).await.0, StatusCode::OK);
    assert!(harness.store.connect_request_by_code(code.hash()).await.unwrap().is_none());
    let (status, text) = send(&harness, &token, "DeletePendingConnectRequest", 1, delete).await;
    assert_eq!(status, StatusCode::INVALID_IDENTITY_CODE, "{text}");
    create_request(&harness, &token, "d").await;
}

/// A package sealed with [`ANSWER`], and the package thing's data-xml.
fn sealed_package() -> (PackageParameters, SealedPackage) {
    let parameters = PackageParameters::recommended(STANDARD.encode([9_u8; 32]));
    let things = format!(
        "<thing><type-id>{WEIGHT}</type-id><data-xml><weight><when><date><y>2026</y><m>11</m><d>20</d></date></when>\
         <value><kg>70</kg><display units=\"kg\">70</display></value></weight></data-xml></thing>"
    );
    let sealed = seal(&parameters, ANSWER, &things).unwrap();
    (parameters, sealed)
}

/// The `<package>` element of a package thing of `type_id` with `data_xml` and `ciphertext`
/// in data-other.
fn package_element(type_id: haven_domain::ids::ThingTypeId, data_xml: &str, ciphertext: &[u8]) -> String {
    format!(
        "<package><type-id>{type_id}</type-id><flags>0</flags><data-xml>{data_xml}</data-xml>\
         <data-other content-type=\"application/octet-stream\" content-encoding=\"base64\">{}</data-other></package>",
        STANDARD.encode(ciphertext)
    )
}

fn package_info(code: Option<&str>, external_id: &str, package: &str, blob_urls: &[&str]) -> String {
    let code = code.map(|code| format!("<identity-code>{code}</identity-code>")).unwrap_or_default();
    let blobs = if blob_urls.is_empty() {
        String::new()
    } else {
        let urls: String =
            blob_urls.iter().map(|url| format!("<blob-in-package-ref-url>{url}</blob-in-package-ref-url>")).collect();
        format!("<streamed-package-blobs>{urls}</streamed-package-blobs>")
    };
    format!(
        "<info>{code}<friendly-name>Results</friendly-name><question>First pet?</question>\
         <external-id>{external_id}</external-id>{package}{blobs}</info>"
    )
}

fn good_package() -> String {
    let (parameters, sealed) = sealed_package();
    package_element(PASSWORD_PROTECTED_PACKAGE, &parameters.to_data_xml(), &sealed.ciphertext)
}

async fn allocate(harness: &Harness, token: &str) -> String {
    let (status, text) = send(harness, token, "AllocatePackageId", 1, "<info/>").await;
    assert_eq!(status, StatusCode::OK, "{text}");
    AllocatePackageIdResponse::parse_info_xml(&info_of(&text)).unwrap().identity_code
}

async fn create_package(harness: &Harness, token: &str, version: u32, info: &str) -> String {
    let (status, text) = send(harness, token, "CreateConnectPackage", version, info).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    CreateConnectPackageResponse::parse_info_xml(&info_of(&text)).unwrap().identity_code
}

#[tokio::test]
async fn a_package_is_allocated_then_created_once() {
    let harness = harness().await;
    let token = clinic(&harness).await;
    let code = allocate(&harness, &token).await;
    let hash = IdentityCode::parse(&code).unwrap().hash();
    assert!(harness.store.connect_package_by_code(hash).await.unwrap().unwrap().contents.is_none());

    let (parameters, sealed) = sealed_package();
    let package = package_element(PASSWORD_PROTECTED_PACKAGE, &parameters.to_data_xml(), &sealed.ciphertext);
    let info = package_info(Some(&code), "patient-1", &package, &[]);
    assert_eq!(create_package(&harness, &token, 1, &info).await, code);
    let stored = harness.store.connect_package_by_code(hash).await.unwrap().unwrap();
    let contents = stored.contents.unwrap();
    assert_eq!(contents.parameters_xml, parameters.to_data_xml());
    assert_eq!(contents.ciphertext, sealed.ciphertext);
    assert_eq!((contents.question.as_str(), contents.external_id.as_str()), ("First pet?", "patient-1"));
    let opened = haven_package::open(
        &PackageParameters::from_data_xml(&contents.parameters_xml).unwrap(),
        "rex THE dog",
        &contents.ciphertext,
    );
    assert!(opened.unwrap().things_xml.contains("<kg>70</kg>"));

    let (status, text) = send(&harness, &token, "CreateConnectPackage", 1, &info).await;
    assert_eq!(status, StatusCode::CONNECT_PACKAGE_EXISTS, "{text}");

    // Without a code, each package gets a new one; version 2 takes the same package.
    let first = create_package(&harness, &token, 1, &package_info(None, "patient-1", &package, &[])).await;
    let second = create_package(&harness, &token, 2, &package_info(None, "patient-1", &package, &[])).await;
    assert!(first != code && second != first);
    let hash = IdentityCode::parse(&second).unwrap().hash();
    assert!(harness.store.connect_package_by_code(hash).await.unwrap().unwrap().contents.is_some());

    // An allocation's four weeks run from the allocation.
    let late = allocate(&harness, &token).await;
    harness.clock.advance(PENDING_LIFETIME);
    let token = harness.session(1).await.token;
    let (status, text) =
        send(&harness, &token, "CreateConnectPackage", 1, &package_info(Some(&late), "patient-1", &package, &[])).await;
    assert_eq!(status, StatusCode::INVALID_IDENTITY_CODE, "{text}");
}

#[tokio::test]
async fn malformed_packages_and_unknown_codes_are_refused_and_nothing_is_stored() {
    let harness = harness().await;
    let token = clinic(&harness).await;
    let (parameters, sealed) = sealed_package();
    let data_xml = parameters.to_data_xml();
    let none = "<password-protected-package><encrypt-algorithm><algorithm-name>none</algorithm-name>\
                </encrypt-algorithm></password-protected-package>";
    let short_key = data_xml.replace("<key-length>256</key-length>", "<key-length>128</key-length>");
    let weight = "<weight><when><date><y>2026</y><m>11</m><d>20</d></date></when><value><kg>70</kg></value></weight>";
    for (package, why) in [
        (package_element(WEIGHT, weight, &sealed.ciphertext), "must be a Password-Protected-Package"),
        (package_element(PASSWORD_PROTECTED_PACKAGE, none, &sealed.ciphertext), "not encrypted"),
        (package_element(PASSWORD_PROTECTED_PACKAGE, &short_key, &sealed.ciphertext), "128-bit key"),
        (package_element(PASSWORD_PROTECTED_PACKAGE, &data_xml, &[]), "ciphertext is empty"),
        (package_element(PASSWORD_PROTECTED_PACKAGE, &data_xml, &sealed.ciphertext[1..]), "not a multiple"),
    ] {
        let (status, text) =
            send(&harness, &token, "CreateConnectPackage", 1, &package_info(None, "refused", &package, &[])).await;
        assert_eq!(status, StatusCode::INVALID_PACKAGE_CONTENTS, "{text}");
        assert!(text.contains(why), "{why}: {text}");
    }
    let unknown = IdentityCode::from_random([3; 16]);
    for code in [unknown.as_str(), "NOT-A-CODE"] {
        let info = package_info(Some(code), "refused", &good_package(), &[]);
        let (status, text) = send(&harness, &token, "CreateConnectPackage", 1, &info).await;
        assert_eq!(status, StatusCode::INVALID_IDENTITY_CODE, "{text}");
    }
    assert!(harness.store.connect_package_by_code(unknown.hash()).await.unwrap().is_none());
    let delete = "<info><external-id>refused</external-id></info>";
    let (status, text) = send(&harness, &token, "DeletePendingConnectPackage", 1, delete).await;
    assert_eq!(status, StatusCode::INVALID_IDENTITY_CODE, "no package was stored: {text}");

    // Another application's allocated code names nothing for this one.
    let other = support::register_application_with_key(&harness, "Other", support::generate_key()).await;
    let other_token = harness.session_as(&other, SECRET).await.token;
    let foreign = allocate(&harness, &other_token).await;
    let info = package_info(Some(&foreign), "refused", &good_package(), &[]);
    assert_eq!(send(&harness, &token, "CreateConnectPackage", 1, &info).await.0, StatusCode::INVALID_IDENTITY_CODE);
}

/// The path and query of an absolute URL, for the in-process router.
fn local(url: &str) -> String {
    let parsed = url::Url::parse(url).unwrap();
    format!("{}?{}", parsed.path(), parsed.query().unwrap())
}

async fn chunk(harness: &Harness, url: &str, start: usize, bytes: &[u8], last: bool) -> (u16, String) {
    let range = format!("bytes {start}-{}/*", start + bytes.len().saturating_sub(1));
    let mut request = Request::post(local(url)).header("Content-Range", range);
    if last {
        request = request.header("x-hv-blob-complete", "1");
    }
    let response = harness.app.clone().oneshot(request.body(Body::from(bytes.to_vec())).unwrap()).await.unwrap();
    let status = response.status().as_u16();
    (status, String::from_utf8(to_bytes(response.into_body(), 1 << 20).await.unwrap().to_vec()).unwrap())
}

async fn begin_blob(harness: &Harness, token: &str) -> BeginPutConnectPackageBlobResponse {
    let (status, text) = send(harness, token, "BeginPutConnectPackageBlob", 1, "<info/>").await;
    assert_eq!(status, StatusCode::OK, "{text}");
    BeginPutConnectPackageBlobResponse::parse_info_xml(&info_of(&text)).unwrap()
}

fn upload_token_hash(url: &str) -> TokenHash {
    let parsed = url::Url::parse(url).unwrap();
    let token = parsed.query_pairs().find(|(name, _)| name == "blob-ref-token").unwrap().1.into_owned();
    TokenHash::of_token(&token)
}

#[tokio::test]
async fn streamed_package_blobs_are_uploaded_and_attached_once_complete() {
    let harness = harness().await;
    let token = clinic(&harness).await;
    let begun = begin_blob(&harness, &token).await;
    assert_eq!(begun.pre_encryption_chunk_size as usize, haven_package::BLOB_CHUNK_LEN);
    assert_eq!(begun.post_encryption_chunk_size as usize, haven_package::ENCRYPTED_BLOB_CHUNK_LEN);
    assert_eq!(begun.chunk_encryption.as_str(), "aes256");
    assert_eq!(begun.hash_algorithm, "SHA256Block");
    assert!(begun.max_blob_size > haven_domain::blob::MAX_BLOB_BYTES);

    let (parameters, sealed) = sealed_package();
    let first = sealed.key.encrypt_chunk(b"first part of the scan").unwrap();
    let second = sealed.key.encrypt_chunk(b"and the rest").unwrap();
    assert_eq!(chunk(&harness, &begun.blob_ref_url, 0, &first, false).await.0, 200);
    let (status, text) = chunk(&harness, &begun.blob_ref_url, 5, &second, false).await;
    assert_eq!(status, 409, "a chunk continues where the blob ends: {text}");

    // An incomplete upload cannot be named yet.
    let package = package_element(PASSWORD_PROTECTED_PACKAGE, &parameters.to_data_xml(), &sealed.ciphertext);
    let info = package_info(None, "patient-1", &package, &[&begun.blob_ref_url]);
    let (status, text) = send(&harness, &token, "CreateConnectPackage", 2, &info).await;
    assert_eq!(status, StatusCode::BLOB_TOKEN_NOT_COMPLETED, "{text}");
    assert!(!text.contains(&begun.blob_ref_url), "the upload URL carries a token and is not echoed: {text}");

    assert_eq!(chunk(&harness, &begun.blob_ref_url, first.len(), &second, true).await.0, 200);
    let (status, text) = chunk(&harness, &begun.blob_ref_url, first.len() + second.len(), b"more", true).await;
    assert_eq!(status, 409, "{text}");
    assert!(text.contains("BeginPutConnectPackageBlob"), "{text}");

    let code = create_package(&harness, &token, 2, &info).await;
    let package_id =
        harness.store.connect_package_by_code(IdentityCode::parse(&code).unwrap().hash()).await.unwrap().unwrap().id;
    let content = harness.store.package_blob_content(package_id, upload_token_hash(&begun.blob_ref_url)).await.unwrap();
    assert_eq!(content, Some([first, second].concat()));

    // An upload belongs to one package.
    let (status, text) = send(&harness, &token, "CreateConnectPackage", 2, &info).await;
    assert_eq!(status, StatusCode::BLOB_TOKEN_COMMITTED, "{text}");

    // Another application's upload, a URL that is not an upload, and a URL named twice.
    let other = support::register_application_with_key(&harness, "Other", support::generate_key()).await;
    add_groups(&harness, other.app_id, &[MethodGroup::ConnectPackage]).await;
    let other_token = harness.session_as(&other, SECRET).await.token;
    let foreign = begin_blob(&harness, &other_token).await;
    assert_eq!(chunk(&harness, &foreign.blob_ref_url, 0, b"x", true).await.0, 200);
    let own = begin_blob(&harness, &token).await;
    assert_eq!(chunk(&harness, &own.blob_ref_url, 0, b"y", true).await.0, 200);
    let made_up = foreign.blob_ref_url.replace("blob-ref-token=", "blob-ref-token=A");
    for urls in [
        vec![foreign.blob_ref_url.as_str()],
        vec![made_up.as_str()],
        vec!["https://elsewhere.example/x"],
        vec![own.blob_ref_url.as_str(), own.blob_ref_url.as_str()],
    ] {
        let info = package_info(None, "patient-1", &package, &urls);
        let (status, text) = send(&harness, &token, "CreateConnectPackage", 2, &info).await;
        assert_eq!(status, StatusCode::INVALID_BLOB_REF_URL, "{text}");
    }

    // Upload URLs expire.
    let late = begin_blob(&harness, &token).await;
    harness.clock.advance(haven_domain::blob::BLOB_UPLOAD_TOKEN_LIFETIME);
    assert_eq!(chunk(&harness, &late.blob_ref_url, 0, b"late", true).await.0, 404);
}

#[tokio::test]
async fn pending_packages_are_deleted_by_code_or_external_id() {
    let harness = harness().await;
    let token = clinic(&harness).await;
    let package = good_package();
    let first = create_package(&harness, &token, 1, &package_info(None, "patient-1", &package, &[])).await;
    let second = create_package(&harness, &token, 1, &package_info(None, "patient-1", &package, &[])).await;
    let third = create_package(&harness, &token, 1, &package_info(None, "patient-2", &package, &[])).await;

    let by_external_id = "<info><external-id>patient-1</external-id></info>";
    assert_eq!(send(&harness, &token, "DeletePendingConnectPackage", 1, by_external_id).await.0, StatusCode::OK);
    for code in [&first, &second] {
        let hash = IdentityCode::parse(code).unwrap().hash();
        assert!(harness.store.connect_package_by_code(hash).await.unwrap().is_none());
    }
    let by_code = format!("<info><identity-code>{}</identity-code></info>", third.to_lowercase());
    assert_eq!(send(&harness, &token, "DeletePendingConnectPackage", 1, &by_code).await.0, StatusCode::OK);
    let (status, text) = send(&harness, &token, "DeletePendingConnectPackage", 1, &by_code).await;
    assert_eq!(status, StatusCode::INVALID_IDENTITY_CODE, "{text}");
}

#[tokio::test]
async fn applications_without_the_connect_package_group_are_refused() {
    let harness = harness().await;
    let token = harness.session(1).await.token;
    for (method, version, info) in [
        ("CreateConnectRequest", 1, request_info("First pet?", ANSWER, "p-1")),
        ("GetAuthorizedConnectRequests", 1, "<info/>".to_owned()),
        ("AllocatePackageId", 1, "<info/>".to_owned()),
        ("BeginPutConnectPackageBlob", 1, "<info/>".to_owned()),
        ("CreateConnectPackage", 2, package_info(None, "p-1", &good_package(), &[])),
    ] {
        let (status, text) = send(&harness, &token, method, version, &info).await;
        assert_eq!(status, StatusCode::ACCESS_DENIED, "{method}: {text}");
    }
}
