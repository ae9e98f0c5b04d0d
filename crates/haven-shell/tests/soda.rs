//! CREATEAPPLICATION: a SODA application's installed copy (a provisional child application
//! made by NewApplicationCreationInfo) is connected by a person in the Shell. The token is
//! checked before sign-in and again at the decision; accepting completes the creation once
//! and authorizes the child, with its offline rules, on the chosen records.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use std::collections::BTreeMap;

use axum::http::StatusCode;
use haven_domain::application::{AppCertificate, Application, MethodGroup, SodaSecret, Thumbprint};
use haven_domain::auth_rules::{AuthRule, Permissions, RuleSet, TargetSet};
use haven_domain::clock::Clock;
use haven_domain::ids::{ApplicationId, PersonId, ThingTypeId};
use haven_domain::session::TokenHash;
use haven_domain::soda::{SODA_CREATION_TOKEN_LIFETIME, SodaCreation, child_application};
use haven_domain::thing_type::{BLOOD_PRESSURE, WEIGHT};
use haven_domain::topology::InstanceId;
use haven_store::{ApplicationStore, AuthorizationStore, SodaStore};
use support::{PASSWORD, Page, START, TestShell, consent_fields, post_consent, signed_in, unescape};
use time::Duration;

/// An app-creation token as the Platform issues them: base64, here with a `+` and a `/`.
const TOKEN: &str = "ASAAAJMip+ARM/5OBFdAISE=";

/// A registered action URL (nothing listens there).
const ACTION_URL: &str = "http://127.0.0.1:9/soda/action";

fn rule(name: &str, reason: &str, permissions: Permissions, types: &[ThingTypeId], optional: bool) -> AuthRule {
    AuthRule {
        name: name.to_owned(),
        reason: reason.to_owned(),
        is_optional: optional,
        is_incremental: false,
        display_flags: 0,
        permissions,
        target_sets: vec![TargetSet { type_ids: types.iter().copied().collect(), date_ranges: Vec::new() }],
        exception_sets: Vec::new(),
    }
}

/// Registers a SODA master live in instance 1: offline rules only (a required weight rule
/// and an optional blood-pressure rule), no certificate.
async fn register_master(shell: &TestShell, action_url: Option<&str>) -> Application {
    let master = Application {
        id: ApplicationId::from_uuid(uuid::Uuid::new_v4()),
        name: "Pocket tracker".to_owned(),
        description: "Your weight on your phone.".to_owned(),
        certificates: Vec::new(),
        action_url: action_url.map(|url| url::Url::parse(url).unwrap()),
        online_rules: RuleSet::default(),
        offline_rules: RuleSet {
            rules: vec![
                rule("weights", "To keep your weights", Permissions::READ.union(Permissions::CREATE), &[WEIGHT], false),
                rule("pressure", "To show your blood pressure too", Permissions::READ, &[BLOOD_PRESSURE], true),
            ],
        },
        method_groups: [MethodGroup::Soda].into_iter().collect(),
        supported_instances: [InstanceId::parse("1").unwrap()].into_iter().collect(),
        master_id: None,
        is_soda: true,
        soda_secret: None,
        created_at: START,
    };
    master.validate().unwrap();
    shell.store.put_application(&master).await.unwrap();
    master
}

/// A pending child of `master` for `token`, made as NewApplicationCreationInfo makes it.
async fn pending_child(shell: &TestShell, master: &Application, token: &str) -> Application {
    let now = shell.clock.now();
    let child_id = ApplicationId::from_uuid(uuid::Uuid::new_v4());
    let child = child_application(master, child_id, SodaSecret::new(vec![7; 32]), now).unwrap();
    let creation = SodaCreation::start(TokenHash::of_token(token), child_id, master.id, now);
    shell.store.create_soda_child(&child, &creation).await.unwrap();
    child
}

/// The CREATEAPPLICATION address as the SODA SDKs build it: `targetqs` with the token as
/// issued (its `+` not encoded inside `targetqs`), then encoded once as a whole.
fn create_application_url(master_id: ApplicationId, token: &str, ismra: bool) -> String {
    let instance_name: String = url::form_urlencoded::byte_serialize("Ana's phone".as_bytes()).collect();
    let targetqs =
        format!("appid={master_id}&appCreationToken={token}&instanceName={instance_name}&ismra={ismra}&mobile=true");
    url::form_urlencoded::Serializer::new("/redirect.aspx?".to_owned())
        .append_pair("target", "CREATEAPPLICATION")
        .append_pair("targetqs", &targetqs)
        .finish()
}

/// The path and query of a redirect to `/application/complete`.
fn completed(page: &Page) -> BTreeMap<String, String> {
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let location = url::Url::parse("http://shell.test").unwrap().join(page.location()).unwrap();
    assert_eq!(location.path(), "/application/complete", "{}", page.location());
    location.query_pairs().into_owned().collect()
}

/// The page refuses with "start again" and does not redirect.
fn refused_to_start_again(page: &Page) {
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    assert!(page.headers.get("location").is_none());
    assert!(page.body.contains("Start again from the application"), "{}", page.body);
    assert!(page.body.contains("start again"), "{}", page.body);
}

async fn nothing_written(shell: &TestShell, person_id: PersonId, child: &Application, master: &Application) {
    for application_id in [child.id, master.id] {
        assert!(
            shell.store.authorizations_of_person(person_id, application_id).await.unwrap().is_empty(),
            "no authorization was written"
        );
    }
}

async fn still_pending(shell: &TestShell, token: &str) {
    let creation = shell.store.soda_creation(TokenHash::of_token(token)).await.unwrap().unwrap();
    assert!(creation.completed_at.is_none(), "the creation is still pending");
}

#[tokio::test]
async fn signed_out_person_signs_in_consents_and_the_instance_is_created_and_authorized() {
    let shell = TestShell::start().await;
    let master = register_master(&shell, None).await;
    let child = pending_child(&shell, &master, TOKEN).await;
    let (_, person_id, record_id) = signed_in(&shell, "ana@example.org").await;

    let mut browser = shell.browser();
    let to_sign_in = browser.get(&create_application_url(master.id, TOKEN, true)).await;
    assert_eq!(to_sign_in.status, StatusCode::SEE_OTHER, "{}", to_sign_in.body);
    assert!(to_sign_in.location().starts_with("/signin?next=%2Fredirect.aspx"), "{}", to_sign_in.location());
    let sign_in = browser.get(to_sign_in.location()).await;
    let next = unescape(&sign_in.input("next").unwrap());
    let signed = browser
        .post(
            "/signin",
            &[("csrf", &sign_in.csrf()), ("email", "ana@example.org"), ("password", PASSWORD), ("next", &next)],
        )
        .await;
    assert!(signed.location().starts_with("/redirect.aspx?target=CREATEAPPLICATION"), "{}", signed.location());

    let consent = browser.get(signed.location()).await;
    assert_eq!(consent.status, StatusCode::OK, "{}", consent.body);
    for expected in [
        "Allow Pocket tracker on Ana&#39;s phone to use",
        "installed on Ana&#39;s phone",
        "Your weight on your phone.",
        "offline access",
        "To keep your weights",
        "Read and add: Weight",
        "To show your blood pressure too",
        "type=\"checkbox\" id=\"record-",
    ] {
        assert!(consent.body.contains(expected), "{expected:?} in {}", consent.body);
    }
    assert!(!consent.body.contains("While you use the application"), "SODA applications have no online rules");
    assert_eq!(consent.input("application").as_deref(), Some(child.id.to_string().as_str()), "bound to the child");

    let record = record_id.to_string();
    let accepted = post_consent(
        &mut browser,
        &consent_fields(&consent, "accept", &[("record", &record), ("offline", "pressure")]),
    )
    .await;
    let query = completed(&accepted);
    assert_eq!(query["appid"], child.id.to_string(), "the new instance's id");
    assert_eq!(query["target"], "AppAuthSuccess");
    assert_eq!(query["instanceid"], "1");
    assert!(!query.contains_key("wctoken"));

    let creation = shell.store.soda_creation(TokenHash::of_token(TOKEN)).await.unwrap().unwrap();
    assert!(creation.is_completed(), "the creation is completed");
    let authorization = shell.store.authorization(person_id, record_id, child.id).await.unwrap().unwrap();
    assert!(authorization.online.is_none());
    let offline: Vec<&str> =
        authorization.offline.as_ref().unwrap().rules.iter().map(|rule| rule.name.as_str()).collect();
    assert_eq!(offline, vec!["weights", "pressure"]);
    assert!(shell.store.authorizations_of_person(person_id, master.id).await.unwrap().is_empty(), "not the master");

    let done = browser.get(accepted.location()).await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(done.body.contains("You can close this window and return to Pocket tracker."), "{}", done.body);

    // The token is spent: the same link is refused, before and after sign-in.
    refused_to_start_again(&browser.get(&create_application_url(master.id, TOKEN, true)).await);
    refused_to_start_again(&shell.browser().get(&create_application_url(master.id, TOKEN, true)).await);
}

#[tokio::test]
async fn a_master_with_an_action_url_gets_the_instance_back_there() {
    let shell = TestShell::start().await;
    let master = register_master(&shell, Some(ACTION_URL)).await;
    let child = pending_child(&shell, &master, TOKEN).await;
    let (mut browser, _, record_id) = signed_in(&shell, "ana@example.org").await;
    let consent = browser.get(&create_application_url(master.id, TOKEN, false)).await;
    assert!(consent.body.contains("type=\"radio\""), "one record when ismra=false");
    let record = record_id.to_string();
    let accepted = post_consent(&mut browser, &consent_fields(&consent, "accept", &[("record", &record)])).await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER);
    let location = url::Url::parse(accepted.location()).unwrap();
    assert_eq!(format!("{}{}", location.origin().ascii_serialization(), location.path()), ACTION_URL);
    let query: BTreeMap<String, String> = location.query_pairs().into_owned().collect();
    assert_eq!(query["appid"], child.id.to_string());
    assert_eq!((query["target"].as_str(), query["instanceid"].as_str()), ("AppAuthSuccess", "1"));
    assert!(!query.contains_key("wctoken"));
}

#[tokio::test]
async fn a_token_spent_while_the_screen_was_open_grants_nothing() {
    let shell = TestShell::start().await;
    let master = register_master(&shell, None).await;
    let child = pending_child(&shell, &master, TOKEN).await;
    let (mut browser, person_id, record_id) = signed_in(&shell, "ana@example.org").await;
    let consent = browser.get(&create_application_url(master.id, TOKEN, true)).await;
    assert_eq!(consent.status, StatusCode::OK, "{}", consent.body);

    // Another window completes it first.
    assert!(shell.store.complete_soda_creation(TokenHash::of_token(TOKEN), START).await.unwrap().is_some());
    let record = record_id.to_string();
    let page = post_consent(&mut browser, &consent_fields(&consent, "accept", &[("record", &record)])).await;
    refused_to_start_again(&page);
    nothing_written(&shell, person_id, &child, &master).await;
}

#[tokio::test]
async fn expired_tokens_are_refused() {
    let shell = TestShell::start().await;
    let master = register_master(&shell, None).await;
    let child = pending_child(&shell, &master, TOKEN).await;
    let (mut browser, person_id, record_id) = signed_in(&shell, "ana@example.org").await;
    let consent = browser.get(&create_application_url(master.id, TOKEN, true)).await;
    assert_eq!(consent.status, StatusCode::OK, "{}", consent.body);

    shell.clock.advance(SODA_CREATION_TOKEN_LIFETIME + Duration::seconds(1));
    refused_to_start_again(&browser.get(&create_application_url(master.id, TOKEN, true)).await);
    refused_to_start_again(&shell.browser().get(&create_application_url(master.id, TOKEN, true)).await);
    let record = record_id.to_string();
    let page = post_consent(&mut browser, &consent_fields(&consent, "accept", &[("record", &record)])).await;
    refused_to_start_again(&page);
    nothing_written(&shell, person_id, &child, &master).await;
    still_pending(&shell, TOKEN).await;
}

#[tokio::test]
async fn unknown_tokens_and_another_masters_tokens_are_refused() {
    let shell = TestShell::start().await;
    let master = register_master(&shell, None).await;
    let other_master = register_master(&shell, None).await;
    pending_child(&shell, &master, TOKEN).await;
    for browser_signed_in in [false, true] {
        let mut browser =
            if browser_signed_in { signed_in(&shell, "ana@example.org").await.0 } else { shell.browser() };
        refused_to_start_again(&browser.get(&create_application_url(other_master.id, TOKEN, true)).await);
        refused_to_start_again(&browser.get(&create_application_url(master.id, "bm90IGlzc3VlZA==", true)).await);
        let without_token = url::form_urlencoded::Serializer::new("/redirect.aspx?".to_owned())
            .append_pair("target", "CREATEAPPLICATION")
            .append_pair("targetqs", &format!("appid={}&instanceName=phone", master.id))
            .finish();
        refused_to_start_again(&browser.get(&without_token).await);
    }
    still_pending(&shell, TOKEN).await;
}

#[tokio::test]
async fn applications_that_are_not_soda_masters_are_refused() {
    let shell = TestShell::start().await;
    let master = register_master(&shell, None).await;
    let child = pending_child(&shell, &master, TOKEN).await;
    let mut web = Application {
        id: ApplicationId::from_uuid(uuid::Uuid::new_v4()),
        is_soda: false,
        certificates: vec![AppCertificate { thumbprint: Thumbprint::from_sha1(&[7; 20]), der: vec![0x30] }],
        method_groups: MethodGroup::web_defaults(),
        ..master.clone()
    };
    web.name = "Web tracker".to_owned();
    web.validate().unwrap();
    shell.store.put_application(&web).await.unwrap();
    let mut browser = shell.browser();
    for (application_id, name) in [(web.id, "Web tracker"), (child.id, "Pocket tracker")] {
        let page = browser.get(&create_application_url(application_id, TOKEN, true)).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
        assert!(page.headers.get("location").is_none());
        assert!(page.body.contains("cannot connect a device"), "{}", page.body);
        assert!(page.body.contains(name), "{}", page.body);
    }
    let unknown =
        browser.get(&create_application_url(ApplicationId::from_uuid(uuid::Uuid::new_v4()), TOKEN, true)).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.headers.get("location").is_none());
    still_pending(&shell, TOKEN).await;
}

#[tokio::test]
async fn rejecting_returns_app_auth_reject_and_writes_nothing() {
    let shell = TestShell::start().await;
    let master = register_master(&shell, None).await;
    let child = pending_child(&shell, &master, TOKEN).await;
    let (mut browser, person_id, record_id) = signed_in(&shell, "ana@example.org").await;
    let consent = browser.get(&create_application_url(master.id, TOKEN, true)).await;
    let record = record_id.to_string();
    let rejected = post_consent(&mut browser, &consent_fields(&consent, "reject", &[("record", &record)])).await;
    let query = completed(&rejected);
    assert_eq!(query["target"], "AppAuthReject");
    assert_eq!(query["appid"], child.id.to_string());
    assert_eq!(query["instanceid"], "1");
    nothing_written(&shell, person_id, &child, &master).await;
    still_pending(&shell, TOKEN).await;
    let done = browser.get(rejected.location()).await;
    assert!(done.body.contains("You did not allow Pocket tracker"), "{}", done.body);
    assert!(done.body.contains("You can close this window and return to Pocket tracker."), "{}", done.body);
}

#[tokio::test]
async fn consent_without_the_csrf_token_is_forbidden_and_writes_nothing() {
    let shell = TestShell::start().await;
    let master = register_master(&shell, None).await;
    let child = pending_child(&shell, &master, TOKEN).await;
    let (mut browser, person_id, record_id) = signed_in(&shell, "ana@example.org").await;
    let consent = browser.get(&create_application_url(master.id, TOKEN, true)).await;
    let record = record_id.to_string();
    let mut fields = consent_fields(&consent, "accept", &[("record", &record)]);
    fields.retain(|(name, _)| name != "csrf");
    let page = post_consent(&mut browser, &fields).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    nothing_written(&shell, person_id, &child, &master).await;
    still_pending(&shell, TOKEN).await;
}

#[tokio::test]
async fn forged_consent_forms_are_refused_and_write_nothing() {
    let shell = TestShell::start().await;
    let master = register_master(&shell, None).await;
    let child = pending_child(&shell, &master, TOKEN).await;
    // Someone else's pending instance of the same master.
    let other_token = "Qm9zIHBob25l+dG9rZW4=";
    let other_child = pending_child(&shell, &master, other_token).await;
    let (mut browser, person_id, record_id) = signed_in(&shell, "ana@example.org").await;
    let consent = browser.get(&create_application_url(master.id, TOKEN, true)).await;
    let record = record_id.to_string();

    for extra in
        [&[("record", record.as_str()), ("offline", "everything")][..], &[("record", &record), ("online", "weights")]]
    {
        let page = post_consent(&mut browser, &consent_fields(&consent, "accept", extra)).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{extra:?}: {}", page.body);
        assert!(page.headers.get("location").is_none());
        assert!(page.body.contains("Nothing was granted"), "{}", page.body);
    }

    // The form is bound to the child it was shown for: neither its application nor its
    // token can be swapped for another pending instance's.
    let other_targetqs = unescape(&consent.input("targetqs").unwrap()).replace(TOKEN, other_token);
    let mut swapped_token = consent_fields(&consent, "accept", &[("record", &record)]);
    for (name, value) in &mut swapped_token {
        if name == "targetqs" {
            *value = other_targetqs.clone();
        }
    }
    let mut swapped_application = consent_fields(&consent, "accept", &[("record", &record)]);
    for (name, value) in &mut swapped_application {
        if name == "application" {
            *value = other_child.id.to_string();
        }
    }
    let mut without_application = consent_fields(&consent, "accept", &[("record", &record)]);
    without_application.retain(|(name, _)| name != "application");
    for fields in [swapped_token, swapped_application, without_application] {
        let page = post_consent(&mut browser, &fields).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
        assert!(page.body.contains("does not match"), "{}", page.body);
    }

    nothing_written(&shell, person_id, &child, &master).await;
    nothing_written(&shell, person_id, &other_child, &master).await;
    still_pending(&shell, TOKEN).await;
    still_pending(&shell, other_token).await;
}
