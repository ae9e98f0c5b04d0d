//! Two instances side by side: each Shell asks the other instance's Platform (its real peer
//! routes on a loopback socket, signed with the federation key) where an account lives.
//! Sign-in at the wrong instance and sign-up with another instance's country go on at the
//! right Shell with the application's request kept; `aib=false`, an application not live
//! there, and a peer that does not answer each end on a page that says why.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use axum::http::StatusCode;
use haven_domain::application::{AppCertificate, Application, MethodGroup, Thumbprint};
use haven_domain::auth_rules::{AuthRule, Permissions, RuleSet, TargetSet};
use haven_domain::ids::ApplicationId;
use haven_domain::person::EmailAddress;
use haven_domain::thing_type::WEIGHT;
use haven_domain::topology::InstanceId;
use haven_store::{ApplicationStore, AuthorizationStore, PersonStore, RecordStore};
use support::{
    Deployment, EU_SHELL, PASSWORD, Page, START, TestShell, US_SHELL, consent_fields, post_consent, unescape,
};

/// The registered action URL of the test application (nothing listens there).
const ACTION_URL: &str = "http://127.0.0.1:9/app/action";

impl Deployment {
    /// Registers the test application in both stores, live in `live_in`.
    async fn register(&self, live_in: &[&str]) -> Application {
        let application = web_application(live_in);
        application.validate().unwrap();
        self.us.store.put_application(&application).await.unwrap();
        self.eu.store.put_application(&application).await.unwrap();
        application
    }
}

fn web_application(live_in: &[&str]) -> Application {
    let rule = AuthRule {
        name: "weights".to_owned(),
        reason: "To chart your weight".to_owned(),
        is_optional: false,
        is_incremental: false,
        display_flags: 0,
        permissions: Permissions::READ.union(Permissions::CREATE),
        target_sets: vec![TargetSet { type_ids: [WEIGHT].into_iter().collect(), date_ranges: Vec::new() }],
        exception_sets: Vec::new(),
    };
    Application {
        id: ApplicationId::from_uuid(uuid::Uuid::new_v4()),
        name: "Weight Tracker".to_owned(),
        description: "Charts your weight over time.".to_owned(),
        certificates: vec![AppCertificate { thumbprint: Thumbprint::from_sha1(&[7; 20]), der: vec![0x30] }],
        action_url: Some(url::Url::parse(ACTION_URL).unwrap()),
        online_rules: RuleSet { rules: vec![rule] },
        offline_rules: RuleSet::default(),
        method_groups: MethodGroup::web_defaults(),
        supported_instances: live_in.iter().map(|id| InstanceId::parse(id).unwrap()).collect(),
        master_id: None,
        is_soda: false,
        soda_secret: None,
        created_at: START,
    }
}

/// `/redirect.aspx?target=APPAUTH` for `application` with `more` added to `targetqs`.
fn appauth(application: &Application, more: &str) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("target", "APPAUTH")
        .append_pair("targetqs", &format!("appid={}&actionqs=kept{more}", application.id))
        .finish();
    format!("/redirect.aspx?{query}")
}

/// The path and query of an absolute `location` on `shell` (a root URL ending with `/`).
fn on_shell<'a>(location: &'a str, shell: &str) -> &'a str {
    assert!(location.starts_with(shell), "{location} is not on {shell}");
    &location[shell.len() - 1..]
}

/// Signs `email` in at the sign-in page `path` (which carries `next`).
async fn sign_in_at(browser: &mut support::Browser, path: &str, email: &str) -> Page {
    let form = browser.get(path).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let next = unescape(&form.input("next").unwrap_or_default());
    browser.post("/signin", &[("csrf", &form.csrf()), ("email", email), ("password", PASSWORD), ("next", &next)]).await
}

async fn has_account(shell: &TestShell, email: &str) -> bool {
    shell.store.person_by_email(&EmailAddress::parse(email).unwrap()).await.unwrap().is_some()
}

#[tokio::test]
async fn signing_in_at_the_wrong_instance_finishes_at_the_right_one_with_the_request_kept() {
    let deployment = Deployment::start().await;
    let application = deployment.register(&["1", "2"]).await;
    assert_eq!(
        deployment.eu.browser().sign_up("eva@example.org", &[("country", "NL")]).await.status,
        StatusCode::SEE_OTHER
    );

    // The application sends Eva to the US Shell, where she signs in.
    let mut us = deployment.us.browser();
    let start = appauth(&application, "");
    let to_sign_in = us.get(&start).await;
    let bounced = sign_in_at(&mut us, to_sign_in.location(), "eva@example.org").await;
    assert_eq!(bounced.status, StatusCode::SEE_OTHER, "{}", bounced.body);
    let expected_next = url::form_urlencoded::byte_serialize(start.as_bytes()).collect::<String>();
    assert_eq!(
        bounced.location(),
        format!("{EU_SHELL}signin?next={expected_next}&from=1"),
        "the request is kept whole"
    );
    assert!(!bounced.location().contains("eva"), "nothing she typed travels in the address");

    // At the EU Shell she is told why, signs in again and goes on to consent there.
    let mut eu = deployment.eu.browser();
    let path = on_shell(bounced.location(), EU_SHELL);
    let sign_in = eu.get(path).await;
    assert!(sign_in.body.contains("Your account is kept by Haven EU. Haven US sent you here"), "{}", sign_in.body);
    let signed_in = sign_in_at(&mut eu, path, "eva@example.org").await;
    assert_eq!(signed_in.location(), start);
    let consent = eu.get(&start).await;
    assert!(consent.body.contains("Weight Tracker"), "{}", consent.body);
    let eva = deployment.eu.store.person_by_email(&EmailAddress::parse("eva@example.org").unwrap()).await.unwrap();
    let eva = eva.unwrap();
    let record = deployment.eu.store.records_for_person(eva.id).await.unwrap()[0].0.id.to_string();
    let back = post_consent(&mut eu, &consent_fields(&consent, "accept", &[("record", &record)])).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    let returned = url::Url::parse(back.location()).unwrap();
    let query: std::collections::BTreeMap<String, String> = returned.query_pairs().into_owned().collect();
    assert_eq!(query.get("target").map(String::as_str), Some("AppAuthSuccess"), "{query:?}");
    assert_eq!(query.get("instanceid").map(String::as_str), Some("2"), "the application learns the EU instance");
    assert_eq!(query.get("actionqs").map(String::as_str), Some("kept"));

    // The US instance never held anything of hers.
    assert!(!has_account(&deployment.us, "eva@example.org").await);
    assert_eq!(deployment.eu.store.authorizations_of_person(eva.id, application.id).await.unwrap().len(), 1);
    assert!(deployment.us.store.authorizations_of_person(eva.id, application.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn choosing_another_instances_country_opens_the_account_there() {
    let deployment = Deployment::start().await;
    let application = deployment.register(&["1", "2"]).await;
    let start = appauth(&application, "");
    let encoded = url::form_urlencoded::byte_serialize(start.as_bytes()).collect::<String>();

    // The country step at the US Shell sends a Dutch resident to the EU Shell's form.
    let mut us = deployment.us.browser();
    let step = us.get(&format!("/signup?next={encoded}")).await;
    assert_eq!(step.status, StatusCode::OK);
    assert!(step.body.contains("Country where you live"), "{}", step.body);
    assert!(step.input("email").is_none(), "only the country is asked first");
    let bounced = us.get(&format!("/signup?country=NL&next={encoded}")).await;
    assert_eq!(bounced.status, StatusCode::SEE_OTHER, "{}", bounced.body);
    assert_eq!(bounced.location(), format!("{EU_SHELL}signup?country=NL&next={encoded}&from=1"));

    let mut eu = deployment.eu.browser();
    let form = eu.get(on_shell(bounced.location(), EU_SHELL)).await;
    assert!(form.body.contains("People living in Netherlands keep their records with Haven EU"), "{}", form.body);
    assert!(form.body.contains("Haven US sent you here"), "{}", form.body);
    let page = eu.sign_up("nora@example.org", &[("country", "NL"), ("next", &start)]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), start, "on to the application's request, in the EU");
    assert!(has_account(&deployment.eu, "nora@example.org").await);
    assert!(!has_account(&deployment.us, "nora@example.org").await);

    // A US resident stays: the next step is the US form.
    let form = us.get(&format!("/signup?country=US&next={encoded}")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.input("email").is_some(), "{}", form.body);
}

#[tokio::test]
async fn an_address_is_unique_across_the_deployment() {
    let deployment = Deployment::start().await;
    assert_eq!(
        deployment.eu.browser().sign_up("eva@example.org", &[("country", "NL")]).await.status,
        StatusCode::SEE_OTHER
    );
    let page = deployment.us.browser().sign_up("EVA@example.org", &[("country", "US")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    assert!(page.body.contains("already exists at Haven EU; sign in instead"), "{}", page.body);
    assert!(!has_account(&deployment.us, "eva@example.org").await);
}

#[tokio::test]
async fn aib_false_keeps_the_person_here_and_says_why() {
    let deployment = Deployment::start().await;
    let application = deployment.register(&["1", "2"]).await;
    assert_eq!(
        deployment.eu.browser().sign_up("eva@example.org", &[("country", "NL")]).await.status,
        StatusCode::SEE_OTHER
    );
    let start = appauth(&application, "&aib=false");

    let mut us = deployment.us.browser();
    let to_sign_in = us.get(&start).await;
    let refused = sign_in_at(&mut us, to_sign_in.location(), "eva@example.org").await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.body.contains("Your account is kept by Haven EU."), "{}", refused.body);
    assert!(refused.body.contains("does not allow moving between instances"), "{}", refused.body);
    assert!(refused.body.contains(EU_SHELL), "where to go instead: {}", refused.body);

    // The same at sign-up: nothing is created anywhere.
    let encoded = url::form_urlencoded::byte_serialize(start.as_bytes()).collect::<String>();
    let refused = us.get(&format!("/signup?country=DE&next={encoded}")).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.body.contains("People living in Germany keep their records with Haven EU."), "{}", refused.body);

    // aib=true (or no aib) moves the person, as the default.
    let start = appauth(&application, "&aib=true");
    let to_sign_in = us.get(&start).await;
    assert_eq!(sign_in_at(&mut us, to_sign_in.location(), "eva@example.org").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_application_not_live_in_the_persons_instance_is_refused_before_anything_is_granted() {
    let deployment = Deployment::start().await;
    let application = deployment.register(&["1"]).await;
    assert_eq!(
        deployment.eu.browser().sign_up("eva@example.org", &[("country", "NL")]).await.status,
        StatusCode::SEE_OTHER
    );

    let mut us = deployment.us.browser();
    let to_sign_in = us.get(&appauth(&application, "")).await;
    let refused = sign_in_at(&mut us, to_sign_in.location(), "eva@example.org").await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.body.contains("works only with Haven US"), "{}", refused.body);
    assert!(refused.body.contains("Nothing was created or shared."), "{}", refused.body);
}

#[tokio::test]
async fn a_peer_that_does_not_answer_stops_sign_in_and_sign_up_with_a_clear_message() {
    let deployment = Deployment::start_with(true).await;
    let mut us = deployment.us.browser();
    let page = sign_in_at(&mut us, "/signin", "eva@example.org").await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE, "{}", page.body);
    assert!(page.body.contains("cannot reach the instance that holds this account"), "{}", page.body);
    assert!(page.body.contains("Try again in a few minutes"), "{}", page.body);

    let page = us.sign_up("eva@example.org", &[("country", "US")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    assert!(page.body.contains("cannot check right now"), "{}", page.body);
    assert!(!has_account(&deployment.us, "eva@example.org").await, "no account that might duplicate one in EU");

    // Sending a person on by their country needs no peer's answer.
    let page = deployment.eu.browser().sign_up("us@example.org", &[("country", "US")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "the country step sends them to the US");
    assert_eq!(page.location(), format!("{US_SHELL}signup?country=US&from=2"));
}
