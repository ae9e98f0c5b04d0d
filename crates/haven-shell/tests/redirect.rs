//! The redirect interface and the consent screen: applications send people to
//! `/redirect.aspx`, people consent (or not), and the Shell returns them to the
//! application's registered action URL only, with a user token on success.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use std::collections::BTreeMap;

use axum::http::StatusCode;
use haven_domain::application::{AppCertificate, Application, MethodGroup, Thumbprint};
use haven_domain::auth_rules::{AuthRule, Permissions, RuleSet, TargetSet};
use haven_domain::ids::{ApplicationId, PersonId, ThingTypeId};
use haven_domain::session::TokenHash;
use haven_domain::thing_type::{BLOOD_PRESSURE, HEIGHT, WEIGHT};
use haven_domain::topology::InstanceId;
use haven_store::{ApplicationStore, AuthorizationStore, SessionStore};
use support::{PASSWORD, Page, START, TestShell, consent_fields, post_consent, signed_in, unescape};

/// The registered action URL of the test application (nothing listens there).
const ACTION_URL: &str = "http://127.0.0.1:9/app/action";

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

/// Registers a web application live in instance 1: online, a required weight rule and an
/// optional blood-pressure rule; offline, a required weight rule.
async fn register(shell: &TestShell, action_url: Option<&str>) -> Application {
    let application = web_application(action_url);
    application.validate().unwrap();
    shell.store.put_application(&application).await.unwrap();
    application
}

/// The application [`register`] registers, not yet stored.
fn web_application(action_url: Option<&str>) -> Application {
    Application {
        id: ApplicationId::from_uuid(uuid::Uuid::new_v4()),
        name: "Weight Tracker".to_owned(),
        description: "Charts your weight over time.".to_owned(),
        certificates: vec![AppCertificate { thumbprint: Thumbprint::from_sha1(&[7; 20]), der: vec![0x30] }],
        action_url: action_url.map(|url| url::Url::parse(url).unwrap()),
        online_rules: RuleSet {
            rules: vec![
                rule("weights", "To chart your weight", Permissions::READ.union(Permissions::CREATE), &[WEIGHT], false),
                rule("pressure", "To show your blood pressure beside it", Permissions::READ, &[BLOOD_PRESSURE], true),
            ],
        },
        offline_rules: RuleSet { rules: vec![rule("sync", "To sync overnight", Permissions::READ, &[WEIGHT], false)] },
        method_groups: MethodGroup::web_defaults(),
        supported_instances: [InstanceId::parse("1").unwrap()].into_iter().collect(),
        master_id: None,
        is_soda: false,
        soda_secret: None,
        created_at: START,
    }
}

/// `/redirect.aspx` for `target` with `targetqs` encoded.
fn redirect_url(target: &str, targetqs: &str) -> String {
    url::form_urlencoded::Serializer::new("/redirect.aspx?".to_owned())
        .append_pair("target", target)
        .append_pair("targetqs", targetqs)
        .finish()
}

/// The query of a Location on the action URL.
fn returned(page: &Page) -> BTreeMap<String, String> {
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let location = url::Url::parse(page.location()).unwrap();
    assert_eq!(format!("{}{}", location.origin().ascii_serialization(), location.path()), ACTION_URL);
    location.query_pairs().into_owned().collect()
}

async fn nothing_written(shell: &TestShell, person_id: PersonId, application: &Application) {
    assert!(
        shell.store.authorizations_of_person(person_id, application.id).await.unwrap().is_empty(),
        "no authorization was written"
    );
}

#[tokio::test]
async fn signed_out_appauth_signs_in_consents_and_returns_with_a_token() {
    let shell = TestShell::start().await;
    let application = register(&shell, Some(ACTION_URL)).await;
    let (_, person_id, record_id) = signed_in(&shell, "ana@example.org").await;

    let mut browser = shell.browser();
    let start = redirect_url("appauth", &format!("appid={}&actionqs=state%2042", application.id));
    let to_sign_in = browser.get(&start).await;
    assert_eq!(to_sign_in.status, StatusCode::SEE_OTHER, "{}", to_sign_in.body);
    assert!(to_sign_in.location().starts_with("/signin?next=%2Fredirect.aspx"), "{}", to_sign_in.location());
    let sign_in = browser.get(to_sign_in.location()).await;
    assert!(sign_in.body.contains("href=\"/signup?next="), "a link to sign up that comes back too");
    let next = unescape(&sign_in.input("next").unwrap());
    let signed = browser
        .post(
            "/signin",
            &[("csrf", &sign_in.csrf()), ("email", "ana@example.org"), ("password", PASSWORD), ("next", &next)],
        )
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    assert!(signed.location().starts_with("/redirect.aspx?target=APPAUTH"), "{}", signed.location());

    let consent = browser.get(signed.location()).await;
    assert_eq!(consent.status, StatusCode::OK, "{}", consent.body);
    for expected in [
        "Weight Tracker",
        "Charts your weight over time.",
        "To chart your weight",
        "To show your blood pressure beside it",
        "To sync overnight",
        "Read and add: Weight",
        "Read: Blood pressure",
        "offline access",
        "type=\"radio\"",
    ] {
        assert!(consent.body.contains(expected), "{expected:?} in {}", consent.body);
    }
    assert!(!consent.body.contains("<script"), "no script");

    // Accept with the optional rule unchecked.
    let record = record_id.to_string();
    let accepted = post_consent(&mut browser, &consent_fields(&consent, "accept", &[("record", &record)])).await;
    let query = returned(&accepted);
    assert_eq!(query["target"], "AppAuthSuccess");
    assert_eq!(query["actionqs"], "state 42");
    assert_eq!(query["instanceid"], "1");
    let token = shell.store.user_token(TokenHash::of_token(&query["wctoken"])).await.unwrap().expect("a stored token");
    assert_eq!((token.person_id, token.application_id), (person_id, application.id));
    assert_eq!(token.selected_record_id, Some(record_id));
    assert!(token.is_active_at(START));

    let authorization = shell.store.authorization(person_id, record_id, application.id).await.unwrap().unwrap();
    let online: Vec<&str> =
        authorization.online.as_ref().unwrap().rules.iter().map(|rule| rule.name.as_str()).collect();
    assert_eq!(online, vec!["weights"], "only the required online rule");
    let offline: Vec<&str> =
        authorization.offline.as_ref().unwrap().rules.iter().map(|rule| rule.name.as_str()).collect();
    assert_eq!(offline, vec!["sync"]);
}

#[tokio::test]
async fn optional_rules_are_granted_when_checked_and_preselected_by_onopt() {
    let shell = TestShell::start().await;
    let application = register(&shell, Some(ACTION_URL)).await;
    let (mut browser, person_id, record_id) = signed_in(&shell, "ana@example.org").await;
    let consent = browser.get(&redirect_url("APPAUTH", &format!("appid={}&onopt1=pressure", application.id))).await;
    assert!(consent.body.contains("value=\"pressure\" checked"), "{}", consent.body);
    assert!(consent.body.contains("(asked for now)"));
    let record = record_id.to_string();
    let fields = consent_fields(&consent, "accept", &[("record", &record), ("online", "pressure")]);
    assert_eq!(returned(&post_consent(&mut browser, &fields).await)["target"], "AppAuthSuccess");
    let authorization = shell.store.authorization(person_id, record_id, application.id).await.unwrap().unwrap();
    assert_eq!(authorization.online.as_ref().unwrap().rules.len(), 2);
    assert_eq!(authorization.online.as_ref().unwrap().permissions_for(BLOOD_PRESSURE), Permissions::READ);
}

#[tokio::test]
async fn forged_consent_forms_are_refused_and_write_nothing() {
    let shell = TestShell::start().await;
    let application = register(&shell, Some(ACTION_URL)).await;
    let (_, _, other_record) = signed_in(&shell, "bo@example.org").await;
    let (mut browser, person_id, record_id) = signed_in(&shell, "ana@example.org").await;
    let consent = browser.get(&redirect_url("APPAUTH", &format!("appid={}", application.id))).await;
    let record = record_id.to_string();
    let other = other_record.to_string();
    let forgeries: [&[(&str, &str)]; 5] = [
        &[("record", &record), ("online", "everything")],
        &[("record", &record), ("offline", "pressure")],
        &[("record", &other)],
        &[("record", "not-a-record")],
        &[("record", &record), ("record", &other)],
    ];
    for extra in forgeries {
        let page = post_consent(&mut browser, &consent_fields(&consent, "accept", extra)).await;
        assert!(page.status.is_client_error(), "{extra:?}: {}", page.status);
        assert!(page.headers.get("location").is_none());
        assert!(page.body.contains("Nothing was granted"), "{}", page.body);
        nothing_written(&shell, person_id, &application).await;
    }
    // No record chosen: the form again, with a message.
    let page = post_consent(&mut browser, &consent_fields(&consent, "accept", &[])).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("Choose the record"), "{}", page.body);
    nothing_written(&shell, person_id, &application).await;
}

#[tokio::test]
async fn consent_without_the_csrf_token_is_forbidden_and_writes_nothing() {
    let shell = TestShell::start().await;
    let application = register(&shell, Some(ACTION_URL)).await;
    let (mut browser, person_id, record_id) = signed_in(&shell, "ana@example.org").await;
    let consent = browser.get(&redirect_url("APPAUTH", &format!("appid={}", application.id))).await;
    let record = record_id.to_string();
    let mut fields = consent_fields(&consent, "accept", &[("record", &record)]);
    fields.retain(|(name, _)| name != "csrf");
    let page = post_consent(&mut browser, &fields).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    nothing_written(&shell, person_id, &application).await;
}

#[tokio::test]
async fn rejecting_returns_app_auth_reject_and_writes_nothing() {
    let shell = TestShell::start().await;
    let application = register(&shell, Some(ACTION_URL)).await;
    let (mut browser, person_id, record_id) = signed_in(&shell, "ana@example.org").await;
    let consent = browser.get(&redirect_url("APPAUTH", &format!("appid={}&actionqs=x", application.id))).await;
    let record = record_id.to_string();
    let query =
        returned(&post_consent(&mut browser, &consent_fields(&consent, "reject", &[("record", &record)])).await);
    assert_eq!(query["target"], "AppAuthReject");
    assert_eq!(query["actionqs"], "x");
    assert!(!query.contains_key("wctoken"));
    nothing_written(&shell, person_id, &application).await;
}

#[tokio::test]
async fn trm_post_renders_a_form_posting_to_the_action_url() {
    let shell = TestShell::start().await;
    let application = register(&shell, Some(ACTION_URL)).await;
    let (mut browser, _, record_id) = signed_in(&shell, "ana@example.org").await;
    let consent = browser.get(&redirect_url("APPAUTH", &format!("appid={}&trm=Post&actionqs=a", application.id))).await;
    let record = record_id.to_string();
    let page = post_consent(&mut browser, &consent_fields(&consent, "accept", &[("record", &record)])).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(&format!("<form method=\"post\" action=\"{ACTION_URL}\">")), "{}", page.body);
    assert!(page.body.contains("<button type=\"submit\">Continue</button>"));
    assert_eq!(page.input("target").as_deref(), Some("AppAuthSuccess"));
    assert_eq!(page.input("instanceid").as_deref(), Some("1"));
    let wctoken = page.input("wctoken").unwrap();
    assert!(shell.store.user_token(TokenHash::of_token(&wctoken)).await.unwrap().is_some());
    assert!(!page.body.contains("<script"));
}

#[tokio::test]
async fn redirect_is_refused_unless_it_is_the_registered_action_url() {
    let shell = TestShell::start().await;
    let application = register(&shell, Some(ACTION_URL)).await;
    let (mut browser, _, _) = signed_in(&shell, "ana@example.org").await;
    let elsewhere = format!("appid={}&redirect={}", application.id, "https%3A%2F%2Fevil.example%2Fapp%2Faction");
    let page = browser.get(&redirect_url("APPAUTH", &elsewhere)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    assert!(page.headers.get("location").is_none());
    assert!(page.body.contains("did not register"), "{}", page.body);

    let same = format!("appid={}&redirect={}", application.id, "http%3A%2F%2F127.0.0.1%3A9%2Fapp%2Faction");
    assert_eq!(browser.get(&redirect_url("APPAUTH", &same)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn unknown_applications_and_targets_get_an_error_page_and_no_redirect() {
    let shell = TestShell::start().await;
    register(&shell, Some(ACTION_URL)).await;
    for signed_in_first in [false, true] {
        let mut browser = if signed_in_first { signed_in(&shell, "ana@example.org").await.0 } else { shell.browser() };
        let unknown_app = browser.get(&redirect_url("AUTH", &format!("appid={}", uuid::Uuid::new_v4()))).await;
        assert_eq!(unknown_app.status, StatusCode::NOT_FOUND);
        assert!(unknown_app.headers.get("location").is_none());
        assert!(unknown_app.body.contains("is registered"), "{}", unknown_app.body);
        let unknown_target = browser.get(&redirect_url("FROBNICATE", "appid=x")).await;
        assert_eq!(unknown_target.status, StatusCode::BAD_REQUEST);
        assert!(unknown_target.headers.get("location").is_none());
        assert!(unknown_target.body.contains("FROBNICATE"), "{}", unknown_target.body);
        let no_app = browser.get(&redirect_url("APPAUTH", "")).await;
        assert_eq!(no_app.status, StatusCode::BAD_REQUEST);
        assert!(no_app.headers.get("location").is_none());
    }
    let not_yet = shell.browser().get(&redirect_url("CREATEAPPLICATION", "appid=x")).await;
    assert!(not_yet.headers.get("location").is_none());
}

#[tokio::test]
async fn auth_for_an_authorized_application_returns_at_once_and_appsignout_revokes_the_token() {
    let shell = TestShell::start().await;
    let mut application = register(&shell, Some(ACTION_URL)).await;
    let (mut browser, person_id, record_id) = signed_in(&shell, "ana@example.org").await;
    let auth = redirect_url("AUTH", &format!("appid={}&actionqs=back", application.id));

    // First time: the consent screen.
    let consent = browser.get(&auth).await;
    assert_eq!(consent.status, StatusCode::OK);
    let record = record_id.to_string();
    let first =
        returned(&post_consent(&mut browser, &consent_fields(&consent, "accept", &[("record", &record)])).await);

    // Then straight back with a fresh token.
    let again = returned(&browser.get(&auth).await);
    assert_eq!(again["target"], "AppAuthSuccess");
    assert_eq!(again["actionqs"], "back");
    assert_ne!(again["wctoken"], first["wctoken"]);
    let token = shell.store.user_token(TokenHash::of_token(&again["wctoken"])).await.unwrap().unwrap();
    assert_eq!(token.selected_record_id, Some(record_id));

    // forceappauth asks again.
    let forced = browser.get(&redirect_url("AUTH", &format!("appid={}&forceappauth=true", application.id))).await;
    assert_eq!(forced.status, StatusCode::OK);

    // Sign out of the application: the token is revoked and the Shell session ends.
    let sign_out = redirect_url("APPSIGNOUT", &format!("appid={}&credtoken={}", application.id, again["wctoken"]));
    let signed_out = returned(&browser.get(&sign_out).await);
    assert_eq!(signed_out["target"], "SignOut");
    let revoked = shell.store.user_token(TokenHash::of_token(&again["wctoken"])).await.unwrap().unwrap();
    assert!(revoked.revoked_at.is_some());
    assert!(
        shell.store.user_token(TokenHash::of_token(&first["wctoken"])).await.unwrap().unwrap().revoked_at.is_none()
    );
    assert_eq!(browser.get("/account").await.status, StatusCode::SEE_OTHER, "signed out of the Shell");

    // When the application's required rules grow, AUTH asks again.
    let (mut browser, _, _) = {
        let mut browser = shell.browser();
        browser.sign_in("ana@example.org", PASSWORD).await;
        (browser, person_id, record_id)
    };
    application.online_rules.rules[0].target_sets[0].type_ids.insert(HEIGHT);
    shell.store.put_application(&application).await.unwrap();
    let renewal = browser.get(&auth).await;
    assert_eq!(renewal.status, StatusCode::OK, "{}", renewal.body);
    assert!(renewal.body.contains("now asks for more"), "{}", renewal.body);
    assert!(renewal.body.contains("Read and add: Height, Weight"), "{}", renewal.body);
}

#[tokio::test]
async fn other_targets_lead_to_the_shells_own_pages() {
    let shell = TestShell::start().await;
    let application = register(&shell, Some(ACTION_URL)).await;
    let appid = format!("appid={}", application.id);

    // CREATEACCOUNT sends signed-out people to sign up, then back.
    let mut visitor = shell.browser();
    let create_account = visitor.get(&redirect_url("CREATEACCOUNT", &appid)).await;
    assert!(create_account.location().starts_with("/signup?next=%2Fredirect.aspx"), "{}", create_account.location());

    let (mut browser, _, _) = signed_in(&shell, "ana@example.org").await;
    let create_record = browser.get(&redirect_url("CREATERECORD", &appid)).await;
    assert!(create_record.location().starts_with("/records/new?next=%2Fredirect.aspx"), "{}", create_record.location());
    assert!(create_record.location().contains("recordcreated%3Dtrue"), "{}", create_record.location());

    for (target, targetqs, location) in [
        ("HELP", "topicid=PrivacyPolicy", "/help/privacy-policy"),
        ("help", "topicid=ServiceAgreement", "/help/service-agreement"),
        ("HELP", "", "/help"),
        ("MANAGEACCOUNT", appid.as_str(), "/account"),
        ("RECORDLIST", "", "/records"),
    ] {
        let page = browser.get(&redirect_url(target, targetqs)).await;
        assert_eq!((page.status, page.location()), (StatusCode::SEE_OTHER, location), "{target}");
    }
    let privacy = browser.get("/help/privacy-policy").await;
    assert_eq!(privacy.status, StatusCode::OK);
    assert!(privacy.body.contains("Privacy policy"));

    // APPREDIRECT goes to the destination's action URL with the given target and targetqs.
    let onward = format!("appid={}&target=Home&targetqs=page%3D2", application.id);
    let query = returned(&browser.get(&redirect_url("APPREDIRECT", &onward)).await);
    assert_eq!((query["target"].as_str(), query["targetqs"].as_str()), ("Home", "page=2"));
}

#[tokio::test]
async fn applications_without_an_action_url_end_at_the_completion_page() {
    let shell = TestShell::start().await;
    // A mobile (SODA) application: offline rules only, no action URL, no certificate.
    let mut application = web_application(None);
    application.online_rules = RuleSet::default();
    application.is_soda = true;
    application.certificates.clear();
    application.validate().unwrap();
    shell.store.put_application(&application).await.unwrap();
    let (mut browser, person_id, record_id) = signed_in(&shell, "ana@example.org").await;
    let consent =
        browser.get(&redirect_url("APPAUTH", &format!("appid={}&mobile=true&aib=true", application.id))).await;
    assert_eq!(consent.status, StatusCode::OK, "{}", consent.body);
    let record = record_id.to_string();
    let done = post_consent(&mut browser, &consent_fields(&consent, "accept", &[("record", &record)])).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let location = done.location().to_owned();
    assert!(location.starts_with("/application/complete?"), "{location}");
    assert!(location.contains("target=AppAuthSuccess") && location.contains("instanceid=1"), "{location}");
    assert!(!location.contains("wctoken"), "{location}");
    assert_eq!(browser.get(&location).await.status, StatusCode::OK);
    assert!(shell.store.authorization(person_id, record_id, application.id).await.unwrap().unwrap().offline.is_some());
}

#[tokio::test]
async fn sharerecord_leads_a_custodian_to_the_sharing_page_and_back() {
    let shell = TestShell::start().await;
    let application = register(&shell, Some(ACTION_URL)).await;
    let (mut ana, _, record_id) = signed_in(&shell, "ana@example.org").await;
    let start =
        ana.get(&redirect_url("SHARERECORD", &format!("appid={}&extrecordid={record_id}", application.id))).await;
    assert_eq!(start.status, StatusCode::SEE_OTHER, "{}", start.body);
    assert!(start.location().starts_with(&format!("/records/{record_id}/sharing?next=")), "{}", start.location());
    let page = ana.get(start.location()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let next = unescape(&page.input("next").unwrap());
    assert!(next.starts_with("/redirect.aspx?target=SHARERECORD"), "{next}");
    let back = ana.get(&next).await;
    assert_eq!(returned(&back)["target"], "ShareRecordSuccess");

    // Someone who does not look after the record is sent back with the refusal.
    let (mut bo, _, _) = signed_in(&shell, "bo@example.org").await;
    let refused =
        bo.get(&redirect_url("SHARERECORD", &format!("appid={}&extrecordid={record_id}", application.id))).await;
    assert_eq!(returned(&refused)["target"], "AppAuthInvalidRecord");
}
