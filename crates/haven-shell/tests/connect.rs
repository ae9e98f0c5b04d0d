//! Patient Connect and DOPU in the Shell: a person signed in enters a clinic's identity code,
//! answers its question (three tries), and either authorizes the clinic's application on a
//! record or picks a package up into one, once. Codes are bound to their instance, and one
//! client's failures across codes are limited. Requests and packages are put in the store
//! directly, as the Platform's methods would; packages are sealed with `haven_package`.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use argon2::{Argon2, PasswordHasher};
use axum::http::StatusCode;
use haven_domain::account::{AccountRequest, NewAccountIds, open_account};
use haven_domain::application::{AppCertificate, Application, MethodGroup, Thumbprint};
use haven_domain::auth_rules::{AuthRule, Permissions, RuleSet, TargetSet};
use haven_domain::connect::{
    ConnectPackage, ConnectPackageId, ConnectRequest, ConnectRequestId, IdentityCode, PENDING_LIFETIME,
    PackageContents, PackageStatus, normalized_answer,
};
use haven_domain::country::CountryCode;
use haven_domain::credential::Credential;
use haven_domain::ids::{ApplicationId, BlobId, RecordId};
use haven_domain::person::EmailAddress;
use haven_domain::session::TokenHash;
use haven_domain::thing::{AccessAvenue, ThingQuery};
use haven_domain::thing_type::{HEIGHT, WEIGHT};
use haven_domain::topology::{EXAMPLE_TOML, InstanceId, Topology};
use haven_package::{PackageAlgorithm, PackageParameters, seal};
use haven_shell::{CODE_FAILURE_WINDOW, MAX_CODE_FAILURES};
use haven_store::{
    AccountStore, ApplicationStore, AuthorizationStore, BlobStore, ConnectStore, PackageBlobUpload, SqlStore,
    ThingStore,
};
use support::{Browser, Deployment, EU_SHELL, Page, START, TestShell, signed_in, unescape};
use time::Duration;

/// The answer every test clinic chose.
const ANSWER: &str = "Blue Sky";

/// The clinic's things: a weight with an inline note.
const WEIGHT_WITH_NOTE: &str = concat!(
    "<thing><type-id>3d34d87e-7fc1-4153-800f-f56592cb0d17</type-id><data-xml><weight><when><date><y>2026</y>",
    "<m>11</m><d>1</d></date></when><value><kg>72.5</kg><display units=\"kg\">72.5</display></value></weight>",
    "<common><source>Lab</source></common></data-xml><blob-payload><blob><blob-info><name>note</name>",
    "<content-type>text/plain</content-type></blob-info><content-length>5</content-length>",
    "<base64data>aGVsbG8=</base64data></blob></blob-payload></thing>",
);

/// A second weight whose scan was streamed to `{url}` beforehand.
const WEIGHT_WITH_SCAN: &str = concat!(
    "<thing><type-id>3d34d87e-7fc1-4153-800f-f56592cb0d17</type-id><data-xml><weight><when><date><y>2026</y>",
    "<m>11</m><d>2</d></date></when><value><kg>72.1</kg></value></weight></data-xml><blob-payload><blob>",
    "<blob-info><name>scan</name><content-type>application/octet-stream</content-type></blob-info>",
    "<blob-ref-url>{url}</blob-ref-url></blob></blob-payload></thing>",
);

// ---------------------------------------------------------------------------- fixtures

fn rule(name: &str, permissions: Permissions, type_id: haven_domain::ids::ThingTypeId, optional: bool) -> AuthRule {
    AuthRule {
        name: name.to_owned(),
        reason: format!("To keep your {name} up to date"),
        is_optional: optional,
        is_incremental: false,
        display_flags: 0,
        permissions,
        target_sets: vec![TargetSet { type_ids: [type_id].into_iter().collect(), date_ranges: Vec::new() }],
        exception_sets: Vec::new(),
    }
}

/// The clinic's application, live in `live_in`: offline, a required weight rule and an
/// optional height rule; online, one rule that Patient Connect must not grant.
fn clinic(live_in: &[&str]) -> Application {
    Application {
        id: ApplicationId::from_uuid(uuid::Uuid::new_v4()),
        name: "Riverside Clinic".to_owned(),
        description: "Your clinic's records system.".to_owned(),
        certificates: vec![AppCertificate { thumbprint: Thumbprint::from_sha1(&[9; 20]), der: vec![0x30] }],
        action_url: Some(url::Url::parse("http://127.0.0.1:9/clinic").unwrap()),
        online_rules: RuleSet { rules: vec![rule("browsing", Permissions::READ, WEIGHT, false)] },
        offline_rules: RuleSet {
            rules: vec![
                rule("weights", Permissions::READ.union(Permissions::CREATE), WEIGHT, false),
                rule("heights", Permissions::READ, HEIGHT, true),
            ],
        },
        method_groups: [MethodGroup::Basic, MethodGroup::HostedWebApplication, MethodGroup::ConnectPackage]
            .into_iter()
            .collect(),
        supported_instances: live_in.iter().map(|id| InstanceId::parse(id).unwrap()).collect(),
        master_id: None,
        is_soda: false,
        soda_secret: None,
        created_at: START,
    }
}

async fn register(store: &SqlStore, live_in: &[&str]) -> Application {
    let application = clinic(live_in);
    application.validate().unwrap();
    store.put_application(&application).await.unwrap();
    application
}

fn code(seed: u8) -> IdentityCode {
    IdentityCode::from_random([seed; 16])
}

/// A connect request for `code`, its answer hashed as the Platform hashes it.
async fn create_request(store: &SqlStore, application: &Application, code: &IdentityCode) -> ConnectRequest {
    let normalized = normalized_answer(ANSWER);
    let answer_hash = tokio::task::spawn_blocking(move || {
        Argon2::default().hash_password(normalized.as_bytes()).unwrap().to_string()
    })
    .await
    .unwrap();
    let request = ConnectRequest {
        id: ConnectRequestId::from_uuid(uuid::Uuid::new_v4()),
        application_id: application.id,
        code_hash: code.hash(),
        friendly_name: "Ana's results".to_owned(),
        question: "What is your favourite colour?".to_owned(),
        answer_hash,
        external_id: format!("patient-{}", &code.as_str()[..4]),
        created_at: START,
        failed_attempts: 0,
        last_validated_at: None,
    };
    store.create_connect_request(&request, START).await.unwrap();
    request
}

/// Few iterations keep the tests fast; the count changes nothing else.
fn parameters() -> PackageParameters {
    PackageParameters {
        algorithm: PackageAlgorithm::HmacSha256Aes256,
        salt: "c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdHNhbHQ=".to_owned(),
        iteration_count: 1000,
        key_length_bits: 256,
    }
}

/// A package for `code` whose things are `things_xml` (with `{url}` standing for the URL of
/// the streamed `scan`, which is uploaded encrypted first when given).
async fn drop_off(
    store: &SqlStore,
    application: &Application,
    code: &IdentityCode,
    things_xml: &str,
    scan: Option<&[u8]>,
) -> ConnectPackage {
    let token = format!("upload-{}", code.as_str());
    let url = format!("http://127.0.0.1:8111/streaming/wildcatblob.ashx?blob-ref-token={token}");
    let sealed = seal(&parameters(), ANSWER, &things_xml.replace("{url}", &url)).unwrap();
    let mut streamed = Vec::new();
    if let Some(scan) = scan {
        let upload = PackageBlobUpload {
            id: BlobId::from_uuid(uuid::Uuid::new_v4()),
            application_id: application.id,
            package_id: None,
            complete: false,
            length: 0,
            upload_expires_at: START + Duration::hours(2),
            created_at: START,
        };
        let token_hash = TokenHash::of_token(&token);
        store.begin_package_blob(&upload, token_hash).await.unwrap();
        store.append_package_blob_chunk(upload.id, 0, &sealed.key.encrypt_blob(scan)).await.unwrap();
        store.complete_package_blob(upload.id).await.unwrap();
        streamed.push(token_hash);
    }
    let package = ConnectPackage {
        id: ConnectPackageId::from_uuid(uuid::Uuid::new_v4()),
        application_id: application.id,
        code_hash: code.hash(),
        created_at: START,
        contents: Some(PackageContents {
            friendly_name: "Ana's lab results".to_owned(),
            question: "What is your favourite colour?".to_owned(),
            external_id: "patient-7".to_owned(),
            parameters_xml: parameters().to_data_xml(),
            ciphertext: sealed.ciphertext,
            created_at: START,
        }),
        failed_attempts: 0,
        picked_up: None,
    };
    store.create_connect_package(&package, &streamed).await.unwrap();
    package
}

// ---------------------------------------------------------------------------- the browser

/// Enters `code` on the flow's first page (`/connect` or `/pickup`).
async fn enter_code(browser: &mut Browser, flow: &str, code: &str) -> Page {
    let form = browser.get(flow).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    browser.post(flow, &[("csrf", &form.csrf()), ("code", code)]).await
}

trait WithCode {
    /// This page's CSRF token with the code field of `question`, as a page to answer.
    fn with_code(self, question: &Page) -> Page;
}

impl WithCode for Page {
    fn with_code(self, question: &Page) -> Page {
        let code = question.input("code").unwrap();
        let body = format!("<input name=\"csrf\" value=\"{}\"><input name=\"code\" value=\"{code}\">", self.csrf());
        Page { status: self.status, headers: self.headers, body }
    }
}

/// Answers the question page `question`.
async fn answer(browser: &mut Browser, flow: &str, question: &Page, answer: &str) -> Page {
    let code = question.input("code").unwrap_or_else(|| panic!("no code field: {}", question.body));
    browser.post(&format!("{flow}/answer"), &[("csrf", &question.csrf()), ("code", &code), ("answer", answer)]).await
}

async fn validations(store: &SqlStore, application: &Application) -> usize {
    let now = START + PENDING_LIFETIME;
    store.connect_validations(&[application.id], START - Duration::days(1), now).await.unwrap().len()
}

async fn things_in(store: &SqlStore, record_id: RecordId) -> Vec<haven_domain::thing::Thing> {
    store.query_things(record_id, &ThingQuery::default()).await.unwrap()
}

// ---------------------------------------------------------------------------- Patient Connect

#[tokio::test]
async fn a_connect_request_is_redeemed_from_the_clinics_link() {
    let shell = TestShell::start().await;
    let application = register(&shell.store, &["1"]).await;
    let code = code(1);
    create_request(&shell.store, &application, &code).await;
    let (_, person_id, record_id) = signed_in(&shell, "ana@example.org").await;

    // The clinic's link sends a signed-out browser to sign in first, and back to the code form.
    let link = format!("/redirect.aspx?target=CONNECT&targetqs=packageid%3d{}", code.as_str());
    let mut browser = shell.browser();
    let to_sign_in = browser.get(&link).await;
    assert_eq!(to_sign_in.status, StatusCode::SEE_OTHER);
    let expected_next = format!("/connect?code={}", code.as_str());
    let encoded: String = url::form_urlencoded::byte_serialize(expected_next.as_bytes()).collect();
    assert_eq!(to_sign_in.location(), format!("/signin?next={encoded}"));
    let form = browser.get(to_sign_in.location()).await;
    let signed = browser
        .post(
            "/signin",
            &[
                ("csrf", &form.csrf()),
                ("email", "ana@example.org"),
                ("password", support::PASSWORD),
                ("next", &unescape(&form.input("next").unwrap())),
            ],
        )
        .await;
    assert_eq!(signed.location(), expected_next);
    let entry = browser.get(&expected_next).await;
    assert_eq!(entry.status, StatusCode::OK, "{}", entry.body);
    assert_eq!(entry.input("code").as_deref(), Some(code.as_str()), "the code is filled in");

    // The code leads to the question, without the friendly name.
    let question = browser.post("/connect", &[("csrf", &entry.csrf()), ("code", &code.as_str().to_lowercase())]).await;
    assert_eq!(question.status, StatusCode::OK, "{}", question.body);
    assert!(question.body.contains("What is your favourite colour?"), "{}", question.body);
    assert!(!question.body.contains("Ana&#39;s results") && !question.body.contains("Ana's results"));

    // Capitals do not matter: the clinic hashed "Blue Sky".
    let consent = answer(&mut browser, "/connect", &question, "BLUE SKY").await;
    assert_eq!(consent.status, StatusCode::OK, "{}", consent.body);
    assert!(consent.body.contains("Riverside Clinic"), "{}", consent.body);
    assert!(consent.body.contains("Ana&#39;s results"), "the friendly name once answered: {}", consent.body);
    assert!(consent.body.contains("To keep your weights up to date"), "{}", consent.body);
    assert!(!consent.body.contains("browsing"), "online rules are not asked for: {}", consent.body);
    assert!(consent.input("answer").is_none(), "the answer is not carried in the form");

    // The optional rule is ticked, as the browser sends it.
    assert!(consent.body.contains("value=\"heights\" checked"), "{}", consent.body);
    let done = browser
        .post(
            "/connect/authorize",
            &[
                ("csrf", &consent.csrf()),
                ("decision", "accept"),
                ("record", &record_id.to_string()),
                ("offline", "heights"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("Riverside Clinic is connected"), "{}", done.body);

    let authorization =
        shell.store.authorization(person_id, record_id, application.id).await.unwrap().expect("authorized");
    assert_eq!(authorization.online, None);
    let offline = authorization.offline.expect("offline access granted");
    let mut names: Vec<&str> = offline.rules.iter().map(|rule| rule.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["heights", "weights"], "the registered offline rules, the optional one ticked");
    assert_eq!(offline.rules, application.offline_rules.rules);
    let polled = shell.store.connect_validations(&[application.id], START, START + Duration::days(1)).await.unwrap();
    assert_eq!(polled.len(), 1);
    assert_eq!((polled[0].person_id, polled[0].record_id), (person_id, record_id));

    // Going back to the form after it was used needs the answer again.
    let again = browser
        .post(
            "/connect/authorize",
            &[("csrf", &consent.csrf()), ("decision", "accept"), ("record", &record_id.to_string())],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(again.body.contains("Please enter the code again"), "{}", again.body);
}

#[tokio::test]
async fn optional_rules_may_be_left_out_and_undeclared_ones_are_refused() {
    let shell = TestShell::start().await;
    let application = register(&shell.store, &["1"]).await;
    let code = code(2);
    create_request(&shell.store, &application, &code).await;
    let (mut browser, person_id, record_id) = signed_in(&shell, "ana@example.org").await;
    let question = enter_code(&mut browser, "/connect", code.as_str()).await;
    let consent = answer(&mut browser, "/connect", &question, ANSWER).await;
    let record = record_id.to_string();

    let forged = browser
        .post(
            "/connect/authorize",
            &[("csrf", &consent.csrf()), ("decision", "accept"), ("record", &record), ("offline", "browsing")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST, "{}", forged.body);
    let foreign = browser
        .post(
            "/connect/authorize",
            &[
                ("csrf", &consent.csrf()),
                ("decision", "accept"),
                ("record", &RecordId::from_uuid(uuid::Uuid::new_v4()).to_string()),
            ],
        )
        .await;
    assert_eq!(foreign.status, StatusCode::BAD_REQUEST, "{}", foreign.body);
    assert!(shell.store.authorization(person_id, record_id, application.id).await.unwrap().is_none());

    // Without the optional rule ticked, only the required one is granted.
    let done = browser
        .post("/connect/authorize", &[("csrf", &consent.csrf()), ("decision", "accept"), ("record", &record)])
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let granted = shell.store.authorization(person_id, record_id, application.id).await.unwrap().unwrap();
    let names: Vec<String> = granted.offline.unwrap().rules.into_iter().map(|rule| rule.name).collect();
    assert_eq!(names, ["weights"]);
}

#[tokio::test]
async fn declining_writes_nothing() {
    let shell = TestShell::start().await;
    let application = register(&shell.store, &["1"]).await;
    let code = code(3);
    create_request(&shell.store, &application, &code).await;
    let (mut browser, person_id, record_id) = signed_in(&shell, "ana@example.org").await;
    let question = enter_code(&mut browser, "/connect", code.as_str()).await;
    let consent = answer(&mut browser, "/connect", &question, ANSWER).await;
    let declined = browser.post("/connect/authorize", &[("csrf", &consent.csrf()), ("decision", "reject")]).await;
    assert_eq!(declined.status, StatusCode::OK, "{}", declined.body);
    assert!(declined.body.contains("You did not connect Riverside Clinic"), "{}", declined.body);
    assert!(shell.store.authorization(person_id, record_id, application.id).await.unwrap().is_none());
    assert_eq!(validations(&shell.store, &application).await, 0);
}

#[tokio::test]
async fn three_wrong_answers_lock_a_connect_request() {
    let shell = TestShell::start().await;
    let application = register(&shell.store, &["1"]).await;
    let code = code(4);
    let request = create_request(&shell.store, &application, &code).await;
    let (mut browser, person_id, record_id) = signed_in(&shell, "ana@example.org").await;
    let question = enter_code(&mut browser, "/connect", code.as_str()).await;

    // Spaces matter: these are wrong.
    let first = answer(&mut browser, "/connect", &question, "Blue  Sky").await;
    assert_eq!(first.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", first.body);
    assert!(first.body.contains("You have 2 more tries"), "{}", first.body);
    let second = answer(&mut browser, "/connect", &first, " blue sky").await;
    assert!(second.body.contains("You have 1 more try"), "{}", second.body);
    let third = answer(&mut browser, "/connect", &second, "red").await;
    assert_eq!(third.status, StatusCode::GONE, "{}", third.body);
    assert!(third.body.contains("This code can no longer be used"), "{}", third.body);
    assert!(third.body.contains("Contact the clinic"), "{}", third.body);
    let stored = shell.store.connect_request_by_code(code.hash()).await.unwrap().unwrap();
    assert_eq!((stored.id, stored.failed_attempts), (request.id, 3));

    // The right answer no longer helps, nor does entering the code again.
    let fourth = answer(&mut browser, "/connect", &second, ANSWER).await;
    assert_eq!(fourth.status, StatusCode::GONE, "{}", fourth.body);
    let again = enter_code(&mut browser, "/connect", code.as_str()).await;
    assert_eq!(again.status, StatusCode::GONE, "{}", again.body);
    assert_eq!(shell.store.connect_request_by_code(code.hash()).await.unwrap().unwrap().failed_attempts, 3);
    assert!(shell.store.authorization(person_id, record_id, application.id).await.unwrap().is_none());
    assert_eq!(validations(&shell.store, &application).await, 0);
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let shell = TestShell::start().await;
    let application = register(&shell.store, &["1"]).await;
    let code = code(5);
    create_request(&shell.store, &application, &code).await;
    let (mut browser, person_id, record_id) = signed_in(&shell, "ana@example.org").await;
    let question = enter_code(&mut browser, "/connect", code.as_str()).await;
    assert_eq!(question.status, StatusCode::OK);

    // Four weeks on (the browser session is over too: sign in again).
    shell.clock.advance(PENDING_LIFETIME);
    browser.sign_in("ana@example.org", support::PASSWORD).await;
    let fresh = browser.get("/connect").await.with_code(&question);
    let late = answer(&mut browser, "/connect", &fresh, ANSWER).await;
    assert_eq!(late.status, StatusCode::GONE, "{}", late.body);
    assert!(late.body.contains("This code has expired"), "{}", late.body);
    let entered = enter_code(&mut browser, "/connect", code.as_str()).await;
    assert_eq!(entered.status, StatusCode::GONE, "{}", entered.body);
    assert!(entered.body.contains("four weeks"), "{}", entered.body);
    assert!(shell.store.authorization(person_id, record_id, application.id).await.unwrap().is_none());
    assert_eq!(shell.store.connect_request_by_code(code.hash()).await.unwrap().unwrap().failed_attempts, 0);
}

#[tokio::test]
async fn the_record_choice_cannot_be_reached_without_the_answer() {
    let shell = TestShell::start().await;
    let application = register(&shell.store, &["1"]).await;
    let code = code(6);
    create_request(&shell.store, &application, &code).await;
    let (mut ana, _, _) = signed_in(&shell, "ana@example.org").await;
    let question = enter_code(&mut ana, "/connect", code.as_str()).await;
    answer(&mut ana, "/connect", &question, ANSWER).await;

    // Another person's session, even after Ana answered, has nothing to authorize.
    let (mut bob, bob_id, bob_record) = signed_in(&shell, "bob@example.org").await;
    let csrf = bob.get("/connect").await.csrf();
    let page = bob
        .post("/connect/authorize", &[("csrf", &csrf), ("decision", "accept"), ("record", &bob_record.to_string())])
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
    assert!(shell.store.authorization(bob_id, bob_record, application.id).await.unwrap().is_none());

    // The answer is forgotten after fifteen minutes.
    shell.clock.advance(haven_shell::ANSWERED_STEP_LIFETIME);
    let csrf = ana.get("/connect").await.csrf();
    let page = ana.post("/connect/authorize", &[("csrf", &csrf), ("decision", "accept")]).await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
}

#[tokio::test]
async fn unknown_and_malformed_codes_are_refused() {
    let shell = TestShell::start().await;
    let (mut browser, _, _) = signed_in(&shell, "ana@example.org").await;
    let unknown = enter_code(&mut browser, "/connect", code(7).as_str()).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.body);
    assert!(unknown.body.contains("This code is not known"), "{}", unknown.body);
    let malformed = enter_code(&mut browser, "/pickup", "ABCD-1234").await;
    assert_eq!(malformed.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", malformed.body);
    assert!(malformed.body.contains("20 letters"), "{}", malformed.body);
    assert_eq!(malformed.input("code").as_deref(), Some("ABCD-1234"), "what was typed is kept");

    // Signed out, the pages ask for sign-in first, the code kept.
    let mut visitor = shell.browser();
    let page = visitor.get("/pickup?code=ABCD").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/signin?next=%2Fpickup%3Fcode%3DABCD");
}

#[tokio::test]
async fn failures_across_many_codes_from_one_client_are_limited() {
    let shell = TestShell::start().await;
    let application = register(&shell.store, &["1"]).await;
    let real = code(200);
    create_request(&shell.store, &application, &real).await;
    let (mut browser, _, _) = signed_in(&shell, "ana@example.org").await;
    for seed in 0..MAX_CODE_FAILURES {
        let page = enter_code(&mut browser, "/connect", code(100 + seed as u8).as_str()).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "attempt {seed}: {}", page.body);
    }
    // Now even a real code is refused without being looked up.
    let limited = enter_code(&mut browser, "/connect", real.as_str()).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS, "{}", limited.body);
    assert!(limited.body.contains("wait 15 minutes"), "{}", limited.body);
    let limited = enter_code(&mut browser, "/pickup", real.as_str()).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS, "both flows share the limit");

    // Another network address is not affected; after the window, this one may try again.
    let (mut other, _, _) = signed_in(&shell, "bob@example.org").await;
    other.peer = "192.0.2.7:40000".parse().unwrap();
    assert_eq!(enter_code(&mut other, "/connect", real.as_str()).await.status, StatusCode::OK);
    shell.clock.advance(CODE_FAILURE_WINDOW);
    assert_eq!(enter_code(&mut browser, "/connect", real.as_str()).await.status, StatusCode::OK);
}

#[tokio::test]
async fn codes_sent_straight_to_the_answer_forms_are_counted_too() {
    let shell = TestShell::start().await;
    let application = register(&shell.store, &["1"]).await;
    let real = code(201);
    create_request(&shell.store, &application, &real).await;
    let (mut browser, _, _) = signed_in(&shell, "ana@example.org").await;
    let csrf = browser.get("/connect").await.csrf();
    for seed in 0..MAX_CODE_FAILURES {
        let flow = if seed % 2 == 0 { "/connect" } else { "/pickup" };
        let unknown = code(100 + seed as u8);
        let page = browser
            .post(&format!("{flow}/answer"), &[("csrf", &csrf), ("code", unknown.as_str()), ("answer", "x")])
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "the same answer as the code form: {}", page.body);
    }
    let page = browser.post("/connect/answer", &[("csrf", &csrf), ("code", real.as_str()), ("answer", ANSWER)]).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "{}", page.body);
    assert_eq!(shell.store.connect_request_by_code(real.hash()).await.unwrap().unwrap().failed_attempts, 0);
}

#[tokio::test]
async fn wrong_answers_count_toward_the_limit_too() {
    let shell = TestShell::start().await;
    let application = register(&shell.store, &["1"]).await;
    let (mut browser, _, _) = signed_in(&shell, "ana@example.org").await;
    let mut failures = 0;
    let mut seed = 10;
    // Three codes locked by wrong answers, then unknown codes up to the limit.
    while failures + 3 <= MAX_CODE_FAILURES {
        let code = code(seed);
        seed += 1;
        create_request(&shell.store, &application, &code).await;
        let mut page = enter_code(&mut browser, "/connect", code.as_str()).await;
        for _ in 0..3 {
            let next = answer(&mut browser, "/connect", &page, "wrong").await;
            if next.status == StatusCode::UNPROCESSABLE_ENTITY {
                page = next;
            }
        }
        failures += 3;
    }
    while failures < MAX_CODE_FAILURES {
        enter_code(&mut browser, "/connect", code(150 + failures as u8).as_str()).await;
        failures += 1;
    }
    let fresh = code(90);
    create_request(&shell.store, &application, &fresh).await;
    let limited = enter_code(&mut browser, "/connect", fresh.as_str()).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS, "{}", limited.body);
}

// ---------------------------------------------------------------------------- DOPU

#[tokio::test]
async fn a_package_is_picked_up_once_with_its_blobs() {
    let shell = TestShell::start().await;
    let application = register(&shell.store, &["1"]).await;
    let code = code(20);
    // The streamed scan spans two encrypted chunks.
    let scan: Vec<u8> = (0..2_097_152 + 1000).map(|index| (index % 251) as u8).collect();
    let things = format!("{WEIGHT_WITH_NOTE}\n{WEIGHT_WITH_SCAN}");
    let package = drop_off(&shell.store, &application, &code, &things, Some(&scan)).await;
    let (mut browser, person_id, record_id) = signed_in(&shell, "ana@example.org").await;
    let before = things_in(&shell.store, record_id).await.len();

    let link = format!("/redirect.aspx?target=PICKUP&targetqs=packageid%3d{}", code.as_str());
    let to_page = browser.get(&link).await;
    assert_eq!(to_page.location(), format!("/pickup?code={}", code.as_str()));
    let entry = browser.get(to_page.location()).await;
    let question = browser.post("/pickup", &[("csrf", &entry.csrf()), ("code", &entry.input("code").unwrap())]).await;
    assert_eq!(question.status, StatusCode::OK, "{}", question.body);
    assert!(question.body.contains("What is your favourite colour?"), "{}", question.body);

    let contents = answer(&mut browser, "/pickup", &question, "blue sky").await;
    assert_eq!(contents.status, StatusCode::OK, "{}", contents.body);
    assert!(contents.body.contains("Ana&#39;s lab results"), "{}", contents.body);
    assert!(contents.body.contains("Riverside Clinic"), "{}", contents.body);
    assert!(contents.body.contains("Weight: 2 items"), "{}", contents.body);
    assert!(!contents.body.contains("72.5"), "the page lists kinds, not values");

    let done = browser.post("/pickup/collect", &[("csrf", &contents.csrf()), ("record", &record_id.to_string())]).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("2 items from Riverside Clinic are now in the record"), "{}", done.body);

    let written = things_in(&shell.store, record_id).await;
    assert_eq!(written.len(), before + 2);
    let from_clinic: Vec<_> =
        written.iter().filter(|thing| thing.created.application_id == Some(application.id)).collect();
    assert_eq!(from_clinic.len(), 2, "the clinic is the things' source");
    for thing in &from_clinic {
        assert_eq!(thing.type_id, WEIGHT);
        assert_eq!(thing.created.person_id, Some(person_id));
        assert_eq!(thing.created.access_avenue, AccessAvenue::Online);
        assert_eq!(thing.updated, thing.created);
        assert_eq!(thing.blobs.len(), 1);
    }
    let note = from_clinic.iter().find(|thing| thing.blobs[0].name == "note").unwrap();
    assert_eq!(note.common.source.as_deref(), Some("Lab"));
    assert_eq!(shell.store.blob_content(note.blobs[0].blob_id).await.unwrap(), b"hello");
    let scanned = from_clinic.iter().find(|thing| thing.blobs[0].name == "scan").unwrap();
    assert_eq!(scanned.blobs[0].content_length, scan.len() as u64);
    assert_eq!(shell.store.blob_content(scanned.blobs[0].blob_id).await.unwrap(), scan, "decrypted");
    let stored_blob = shell.store.blob(scanned.blobs[0].blob_id).await.unwrap().unwrap();
    assert_eq!(stored_blob.record_id, record_id);
    assert!(stored_blob.complete);
    let picked = shell.store.connect_package_by_code(code.hash()).await.unwrap().unwrap();
    assert_eq!(picked.status_at(START), PackageStatus::PickedUp);
    assert_eq!(picked.picked_up.unwrap().record_id, record_id);
    assert_eq!(picked.id, package.id);

    // A second pickup, by form replay or by entering the code again, writes nothing.
    let replay =
        browser.post("/pickup/collect", &[("csrf", &contents.csrf()), ("record", &record_id.to_string())]).await;
    assert_eq!(replay.status, StatusCode::CONFLICT, "{}", replay.body);
    let again = enter_code(&mut browser, "/pickup", code.as_str()).await;
    assert_eq!(again.status, StatusCode::GONE, "{}", again.body);
    assert!(again.body.contains("already collected"), "{}", again.body);
    assert_eq!(things_in(&shell.store, record_id).await.len(), before + 2);
}

#[tokio::test]
async fn two_sessions_answering_the_same_package_pick_it_up_once() {
    let shell = TestShell::start().await;
    let application = register(&shell.store, &["1"]).await;
    let code = code(21);
    drop_off(&shell.store, &application, &code, WEIGHT_WITH_NOTE, None).await;
    let (mut ana, _, ana_record) = signed_in(&shell, "ana@example.org").await;
    let (mut bob, _, bob_record) = signed_in(&shell, "bob@example.org").await;
    let ana_question = enter_code(&mut ana, "/pickup", code.as_str()).await;
    let ana_contents = answer(&mut ana, "/pickup", &ana_question, ANSWER).await;
    let bob_question = enter_code(&mut bob, "/pickup", code.as_str()).await;
    let bob_contents = answer(&mut bob, "/pickup", &bob_question, ANSWER).await;
    assert_eq!(bob_contents.status, StatusCode::OK);

    let done =
        ana.post("/pickup/collect", &[("csrf", &ana_contents.csrf()), ("record", &ana_record.to_string())]).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let late =
        bob.post("/pickup/collect", &[("csrf", &bob_contents.csrf()), ("record", &bob_record.to_string())]).await;
    assert_eq!(late.status, StatusCode::GONE, "{}", late.body);
    assert!(late.body.contains("already collected"), "{}", late.body);
    assert!(things_in(&shell.store, bob_record).await.iter().all(|thing| thing.created.application_id.is_none()));
}

#[tokio::test]
async fn wrong_answers_to_a_package_count_and_lock_it() {
    let shell = TestShell::start().await;
    let application = register(&shell.store, &["1"]).await;
    let code = code(22);
    drop_off(&shell.store, &application, &code, WEIGHT_WITH_NOTE, None).await;
    let (mut browser, _, record_id) = signed_in(&shell, "ana@example.org").await;
    let before = things_in(&shell.store, record_id).await.len();
    let question = enter_code(&mut browser, "/pickup", code.as_str()).await;
    let first = answer(&mut browser, "/pickup", &question, "blue sky ").await;
    assert_eq!(first.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", first.body);
    assert!(first.body.contains("You have 2 more tries"), "{}", first.body);
    assert_eq!(shell.store.connect_package_by_code(code.hash()).await.unwrap().unwrap().failed_attempts, 1);
    let second = answer(&mut browser, "/pickup", &first, "green").await;
    assert!(second.body.contains("You have 1 more try"), "{}", second.body);
    let third = answer(&mut browser, "/pickup", &second, "grey").await;
    assert_eq!(third.status, StatusCode::GONE, "{}", third.body);
    let fourth = answer(&mut browser, "/pickup", &second, ANSWER).await;
    assert_eq!(fourth.status, StatusCode::GONE, "locked even with the right answer: {}", fourth.body);
    let package = shell.store.connect_package_by_code(code.hash()).await.unwrap().unwrap();
    assert_eq!(package.status_at(START), PackageStatus::Locked);
    assert_eq!(things_in(&shell.store, record_id).await.len(), before);
}

#[tokio::test]
async fn a_malformed_package_writes_nothing() {
    let shell = TestShell::start().await;
    let application = register(&shell.store, &["1"]).await;
    let (mut browser, _, record_id) = signed_in(&shell, "ana@example.org").await;
    let before = things_in(&shell.store, record_id).await.len();
    let unknown_type =
        WEIGHT_WITH_NOTE.replace("3d34d87e-7fc1-4153-800f-f56592cb0d17", "0a0b0c0d-0000-0000-0000-000000000001");
    let invalid_data = WEIGHT_WITH_NOTE.replace("<kg>72.5</kg>", "<kg>heavy</kg>");
    let missing_scan = WEIGHT_WITH_SCAN.to_owned();
    let cases = [
        (30, format!("{WEIGHT_WITH_NOTE}{unknown_type}"), "Item 2 is of a kind Haven does not know"),
        (31, invalid_data, "Item 1 (Weight) is not valid"),
        (32, "<results>not things</results>".to_owned(), "cannot be read"),
        (33, missing_scan, "names an attachment that is not part of this package"),
    ];
    for (seed, things, reason) in cases {
        let code = code(seed);
        drop_off(&shell.store, &application, &code, &things, None).await;
        let question = enter_code(&mut browser, "/pickup", code.as_str()).await;
        let mut page = answer(&mut browser, "/pickup", &question, ANSWER).await;
        if page.status == StatusCode::OK {
            // Caught when the things are written: an attachment that was never uploaded.
            page = browser.post("/pickup/collect", &[("csrf", &page.csrf()), ("record", &record_id.to_string())]).await;
        }
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{reason}: {}", page.body);
        assert!(page.body.contains("This package cannot be collected"), "{}", page.body);
        assert!(page.body.contains(reason), "{reason}: {}", page.body);
        let package = shell.store.connect_package_by_code(code.hash()).await.unwrap().unwrap();
        assert_eq!(package.status_at(START), PackageStatus::Pending, "not picked up");
        assert_eq!(package.failed_attempts, 0, "a damaged package is not a wrong answer");
    }
    // A ciphertext that is not whole blocks is damaged too, whatever the answer.
    let truncated_code = code(34);
    let mut package = drop_off(&shell.store, &application, &code(35), WEIGHT_WITH_NOTE, None).await;
    package.id = ConnectPackageId::from_uuid(uuid::Uuid::new_v4());
    package.code_hash = truncated_code.hash();
    if let Some(contents) = package.contents.as_mut() {
        contents.ciphertext.truncate(contents.ciphertext.len() - 3);
    }
    shell.store.create_connect_package(&package, &[]).await.unwrap();
    let question = enter_code(&mut browser, "/pickup", truncated_code.as_str()).await;
    let page = answer(&mut browser, "/pickup", &question, ANSWER).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    assert!(page.body.contains("damaged"), "{}", page.body);
    assert_eq!(things_in(&shell.store, record_id).await.len(), before);
}

#[tokio::test]
async fn codes_of_the_other_flow_point_there() {
    let shell = TestShell::start().await;
    let application = register(&shell.store, &["1"]).await;
    let request_code = code(40);
    create_request(&shell.store, &application, &request_code).await;
    let package_code = code(41);
    drop_off(&shell.store, &application, &package_code, WEIGHT_WITH_NOTE, None).await;
    let (mut browser, _, _) = signed_in(&shell, "ana@example.org").await;
    let page = enter_code(&mut browser, "/pickup", request_code.as_str()).await;
    assert!(page.body.contains("This code is for connecting your record"), "{}", page.body);
    assert!(page.body.contains(&format!("/connect?code={}", request_code.as_str())), "{}", page.body);
    let page = enter_code(&mut browser, "/connect", package_code.as_str()).await;
    assert!(page.body.contains("This code is for collecting information"), "{}", page.body);
}

// ---------------------------------------------------------------------------- instances

#[tokio::test]
async fn a_code_held_by_the_other_instance_is_named_and_nothing_is_written() {
    let deployment = Deployment::start().await;
    let application = register(&deployment.eu.store, &["2"]).await;
    let request_code = code(50);
    let request = create_request(&deployment.eu.store, &application, &request_code).await;
    let package_code = code(51);
    drop_off(&deployment.eu.store, &application, &package_code, WEIGHT_WITH_NOTE, None).await;
    let (mut browser, person_id, record_id) = signed_in(&deployment.us, "ana@example.org").await;

    for (flow, code) in [("/connect", &request_code), ("/pickup", &package_code)] {
        let page = enter_code(&mut browser, flow, code.as_str()).await;
        assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
        assert!(page.body.contains("This code belongs to Haven EU"), "{}", page.body);
        assert!(page.body.contains(EU_SHELL), "where to go: {}", page.body);
        assert!(page.body.contains("sign in there with an account kept by Haven EU"), "{}", page.body);
        assert!(page.body.contains("choose the country you live in"), "{}", page.body);
        assert!(!page.body.contains("favourite colour") && !page.body.contains("Riverside"), "{}", page.body);
    }
    // Nothing was written in either instance.
    let held = deployment.eu.store.connect_request_by_code(request_code.hash()).await.unwrap().unwrap();
    assert_eq!((held.id, held.failed_attempts, held.last_validated_at), (request.id, 0, None));
    let package = deployment.eu.store.connect_package_by_code(package_code.hash()).await.unwrap().unwrap();
    assert_eq!(package.status_at(START), PackageStatus::Pending);
    assert_eq!(validations(&deployment.eu.store, &application).await, 0);
    assert!(deployment.us.store.authorization(person_id, record_id, application.id).await.unwrap().is_none());
    assert!(
        things_in(&deployment.us.store, record_id).await.iter().all(|thing| thing.created.application_id.is_none())
    );

    // A code no instance holds is simply not known, and counts as a failure.
    let page = enter_code(&mut browser, "/connect", code(52).as_str()).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND, "{}", page.body);
    assert!(!page.body.contains("Haven EU"), "{}", page.body);
}

#[tokio::test]
async fn a_peer_that_does_not_answer_makes_the_code_unknown() {
    let deployment = Deployment::start_with(true).await;
    // Sign-up needs every peer's answer; the account is opened directly instead.
    let topology = Topology::from_toml("topology.toml", EXAMPLE_TOML).unwrap();
    let request = AccountRequest {
        email: EmailAddress::parse("ana@example.org").unwrap(),
        given_name: "Ana".to_owned(),
        family_name: "Rivera".to_owned(),
        birth_date: time::macros::date!(1984 - 03 - 09),
        country: CountryCode::parse("US").unwrap(),
    };
    let ids = NewAccountIds {
        person_id: haven_domain::ids::PersonId::from_uuid(uuid::Uuid::new_v4()),
        record_id: RecordId::from_uuid(uuid::Uuid::new_v4()),
    };
    let account = open_account(request, &topology, &InstanceId::parse("1").unwrap(), ids, START).unwrap();
    let hash = tokio::task::spawn_blocking(|| {
        Argon2::default().hash_password(support::PASSWORD.as_bytes()).unwrap().to_string()
    })
    .await
    .unwrap();
    let credential = Credential::new(account.person.id, hash, START);
    deployment
        .us
        .store
        .create_account(&account.person, &account.record, &account.custodian, &credential)
        .await
        .unwrap();
    let mut browser = deployment.us.browser();
    assert_eq!(browser.sign_in("ana@example.org", support::PASSWORD).await.status, StatusCode::SEE_OTHER);
    let page = enter_code(&mut browser, "/pickup", code(53).as_str()).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND, "{}", page.body);
    assert!(page.body.contains("This code is not known"), "{}", page.body);
}

#[tokio::test]
async fn a_person_bounced_to_their_instance_keeps_the_code() {
    let deployment = Deployment::start().await;
    let application = register(&deployment.eu.store, &["2"]).await;
    let code = code(54);
    create_request(&deployment.eu.store, &application, &code).await;
    assert_eq!(
        deployment.eu.browser().sign_up("eva@example.org", &[("country", "NL")]).await.status,
        StatusCode::SEE_OTHER
    );
    // The clinic's link at the US Shell: sign-in there sends Eva to the EU with the page kept.
    let mut us = deployment.us.browser();
    let link = format!("/redirect.aspx?target=CONNECT&targetqs=packageid%3d{}", code.as_str());
    let to_sign_in = us.get(&link).await;
    let form = us.get(to_sign_in.location()).await;
    let next = unescape(&form.input("next").unwrap());
    let bounced = us
        .post(
            "/signin",
            &[("csrf", &form.csrf()), ("email", "eva@example.org"), ("password", support::PASSWORD), ("next", &next)],
        )
        .await;
    assert_eq!(bounced.status, StatusCode::SEE_OTHER, "{}", bounced.body);
    let encoded: String =
        url::form_urlencoded::byte_serialize(format!("/connect?code={}", code.as_str()).as_bytes()).collect();
    assert_eq!(bounced.location(), format!("{EU_SHELL}signin?next={encoded}&from=1"));
}
