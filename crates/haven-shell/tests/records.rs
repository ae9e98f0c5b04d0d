//! The record pages: the records list, creating a record, a record's things, a thing's
//! history, adding measurements by hand, the applications authorized on a record and
//! revoking them, and who may see or change what.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use std::collections::BTreeSet;

use axum::http::StatusCode;
use haven_domain::application::{Application, MethodGroup};
use haven_domain::auth_rules::{AuthRule, Permissions, RuleSet, TargetSet};
use haven_domain::authorization::AppAuthorization;
use haven_domain::clock::Clock;
use haven_domain::ids::{ApplicationId, PersonId, RecordId, VersionStamp};
use haven_domain::record::{RecordMember, Relationship};
use haven_domain::thing::{AccessAvenue, Audit, AuditAction, CommonData, Thing, ThingDraft, ThingFlags, ThingQuery};
use haven_domain::thing_type::{BLOOD_PRESSURE, PERSONAL_DEMOGRAPHIC, WEIGHT};
use haven_domain::topology::InstanceId;
use haven_store::{ApplicationStore, AuthorizationStore, RecordStore, SqlStore, ThingChange, ThingStore};
use support::{START, TestShell, signed_up_with_record};

/// Every active thing of the record.
async fn things(store: &SqlStore, record_id: RecordId) -> Vec<Thing> {
    store.query_things(record_id, &ThingQuery::default()).await.unwrap()
}

/// An application that asks to read and add weights and blood pressures, online and
/// offline.
async fn register_application(store: &SqlStore, name: &str) -> Application {
    let rules = RuleSet {
        rules: vec![AuthRule {
            name: "vitals".to_owned(),
            reason: "To chart your vitals".to_owned(),
            is_optional: false,
            is_incremental: false,
            display_flags: 0,
            permissions: Permissions::READ.union(Permissions::CREATE),
            target_sets: vec![TargetSet {
                type_ids: [WEIGHT, BLOOD_PRESSURE].into_iter().collect(),
                date_ranges: vec![],
            }],
            exception_sets: vec![],
        }],
    };
    let application = Application {
        id: ApplicationId::from_uuid(uuid::Uuid::new_v4()),
        name: name.to_owned(),
        description: "Charts your vitals.".to_owned(),
        certificates: vec![],
        action_url: None,
        online_rules: rules.clone(),
        offline_rules: rules,
        method_groups: MethodGroup::web_defaults(),
        supported_instances: [InstanceId::parse("1").unwrap()].into_iter().collect::<BTreeSet<_>>(),
        master_id: None,
        is_soda: false,
        soda_secret: None,
        created_at: START,
    };
    store.put_application(&application).await.unwrap();
    application
}

/// Authorizes `application` on the record for `person_id`, online and offline.
async fn authorize(store: &SqlStore, application: &Application, person_id: PersonId, record_id: RecordId) {
    let authorization = AppAuthorization {
        person_id,
        record_id,
        application_id: application.id,
        online: Some(application.online_rules.clone()),
        offline: Some(application.offline_rules.clone()),
        granted_at: START,
        expires_at: None,
        revoked_at: None,
    };
    store.put_authorization(&authorization).await.unwrap();
}

#[tokio::test]
async fn the_records_list_shows_the_own_record_after_sign_up() {
    let shell = TestShell::start().await;
    let (mut browser, _person, record_id) = signed_up_with_record(&shell, "ana@example.org").await;
    let page = browser.get("/records").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!("<a href=\"/records/{record_id}\">Ana Rivera</a>")), "{}", page.body);
    assert!(page.body.contains("<td>You</td>"), "{}", page.body);
    assert!(page.body.contains("Custodian"), "{}", page.body);
    assert!(page.body.contains("href=\"/records/new\">Create a record"), "{}", page.body);
    assert!(page.body.contains("<th scope=\"col\">Name</th>"), "accessible table: {}", page.body);

    // Signed out, the records pages send people to sign in first.
    let mut visitor = shell.browser();
    for path in ["/records".to_owned(), format!("/records/{record_id}"), "/records/new".to_owned()] {
        let page = visitor.get(&path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert!(page.location().starts_with("/signin?next=%2Frecords"), "{path}: {}", page.location());
    }
}

#[tokio::test]
async fn a_child_record_is_created_with_its_custodian_and_date_of_birth() {
    let shell = TestShell::start().await;
    let (mut browser, person, _own) = signed_up_with_record(&shell, "ana@example.org").await;

    let form = browser.get("/records/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("<option value=\"5\">Child</option>"), "{}", form.body);
    assert!(!form.body.contains(">Self</option>"), "the own record exists already");

    let csrf = form.csrf();
    let page = browser
        .post(
            "/records/new",
            &[("csrf", &csrf), ("display_name", "  "), ("relationship", "1"), ("birth_date", "2099-01-01")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    for (field, message) in [
        ("display_name", "Enter the name of the person the record is about"),
        ("relationship", "Choose who the person is to you"),
        ("birth_date", "cannot be in the future"),
    ] {
        let at = page.body.find(&format!("id=\"{field}-error\"")).unwrap_or_else(|| panic!("{field}: {}", page.body));
        assert!(page.body[at..].contains(message), "{field}");
    }
    assert_eq!(page.input("birth_date").as_deref(), Some("2099-01-01"), "typed values are kept");
    let page = browser
        .post(
            "/records/new",
            &[("csrf", &csrf), ("display_name", "Sam"), ("relationship", "5"), ("birth_date", "1/2/2019")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("year-month-day"), "{}", page.body);
    assert_eq!(page.input("display_name").as_deref(), Some("Sam"));
    assert!(page.body.contains("<option value=\"5\" selected>Child</option>"), "the choice is kept: {}", page.body);
    assert_eq!(shell.store.records_for_person(person.id).await.unwrap().len(), 1, "nothing was created");

    let page = browser
        .post(
            "/records/new",
            &[("csrf", &csrf), ("display_name", "Sam Rivera"), ("relationship", "5"), ("birth_date", "2019-06-02")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let records = shell.store.records_for_person(person.id).await.unwrap();
    assert_eq!(records.len(), 2);
    let (child, member) = records.iter().find(|(record, _)| record.display_name == "Sam Rivera").unwrap();
    assert_eq!(page.location(), format!("/records/{}", child.id));
    assert!(member.is_custodian);
    assert_eq!(member.relationship, Relationship::CHILD);
    let personal = things(&shell.store, child.id).await;
    assert_eq!(personal.len(), 1);
    assert_eq!(personal[0].type_id, PERSONAL_DEMOGRAPHIC);
    assert!(personal[0].data_xml.contains("<birthdate><date><y>2019</y><m>6</m><d>2</d></date></birthdate>"));

    let list = browser.get("/records").await;
    assert!(list.body.contains("Sam Rivera") && list.body.contains("<td>Child</td>"), "{}", list.body);
    let record_page = browser.get(page.location()).await;
    assert_eq!(record_page.status, StatusCode::OK);
    assert!(record_page.body.contains("<h1>Sam Rivera</h1>"), "{}", record_page.body);
    assert!(record_page.body.contains("Personal demographic information"), "{}", record_page.body);
}

#[tokio::test]
async fn weights_and_blood_pressures_are_added_and_shown() {
    let shell = TestShell::start().await;
    let (mut browser, person, record_id) = signed_up_with_record(&shell, "ana@example.org").await;
    let record_path = format!("/records/{record_id}");

    let form = browser.get(&format!("{record_path}/weight")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(form.input("when").as_deref(), Some("2026-11-22T09:00"), "now by default");
    let weight_path = format!("{record_path}/weight");
    let page = browser
        .submit(&weight_path, &weight_path, &[("value", "72.5"), ("unit", "kg"), ("when", "2026-11-20T07:30")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), format!("{record_path}?added=1"));
    let page = browser
        .submit(&weight_path, &weight_path, &[("value", "160"), ("unit", "lb"), ("when", "2026-11-21T07:30")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let pressure_path = format!("{record_path}/blood-pressure");
    let page = browser
        .submit(
            &pressure_path,
            &pressure_path,
            &[("systolic", "120"), ("diastolic", "80"), ("pulse", "70"), ("when", "2026-11-22T08:00")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = browser
        .submit(
            &pressure_path,
            &pressure_path,
            &[("systolic", "118"), ("diastolic", "76"), ("when", "2026-11-19T08:00")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    let stored = things(&shell.store, record_id).await;
    assert_eq!(stored.len(), 4);
    for thing in &stored {
        assert_eq!(thing.created.application_id, None, "written in the Shell");
        assert_eq!(thing.created.person_id, Some(person.id));
        assert_eq!(thing.created.access_avenue, AccessAvenue::Online);
    }
    let operations = shell.store.record_operations(record_id, 0, 100).await.unwrap();
    assert_eq!(operations.len(), 4, "the operation log has every write");

    let page = browser.get(&format!("{record_path}?added=1")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Added to the record."), "{}", page.body);
    assert!(page.body.contains("Weight <span class=\"count\">(2)</span>"), "{}", page.body);
    assert!(page.body.contains("Blood pressure <span class=\"count\">(2)</span>"), "{}", page.body);
    assert!(page.body.contains(">72.5 kg</a>"), "{}", page.body);
    assert!(page.body.contains(">160 lb (72.6 kg)</a>"), "{}", page.body);
    assert!(page.body.contains(">120/80 mmHg, pulse 70</a>"), "{}", page.body);
    assert!(page.body.contains(">118/76 mmHg</a>"), "{}", page.body);
    assert!(page.body.contains("20 November 2026, 07:30"), "{}", page.body);
    let newest = page.body.find("160 lb").unwrap();
    let older = page.body.find("72.5 kg").unwrap();
    assert!(newest < older, "newest first");
}

#[tokio::test]
async fn bad_measurements_show_messages_keep_the_values_and_write_nothing() {
    let shell = TestShell::start().await;
    let (mut browser, _person, record_id) = signed_up_with_record(&shell, "ana@example.org").await;
    let weight_path = format!("/records/{record_id}/weight");
    let page =
        browser.submit(&weight_path, &weight_path, &[("value", "heavy"), ("unit", "kg"), ("when", "tomorrow")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("Enter the weight as a number"), "{}", page.body);
    assert!(page.body.contains("id=\"when-error\""), "{}", page.body);
    assert_eq!(page.input("value").as_deref(), Some("heavy"));
    assert_eq!(page.input("when").as_deref(), Some("tomorrow"));

    let page = browser
        .submit(&weight_path, &weight_path, &[("value", "2000"), ("unit", "lb"), ("when", "2026-11-22T08:00")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("A weight must be between 0.4 and 1433 lb."), "{}", page.body);
    assert!(page.body.contains("value=\"lb\" checked"), "the unit is kept: {}", page.body);
    let page = browser
        .submit(&weight_path, &weight_path, &[("value", "70"), ("unit", "kg"), ("when", "2026-11-24T08:00")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("cannot be in the future"), "{}", page.body);

    let pressure_path = format!("/records/{record_id}/blood-pressure");
    let page = browser
        .submit(
            &pressure_path,
            &pressure_path,
            &[("systolic", "80"), ("diastolic", "90"), ("pulse", "5"), ("when", "2026-11-22T08:00")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("must be less than the systolic pressure"), "{}", page.body);
    assert!(page.body.contains("The pulse must be between 20 and 300 beats per minute."), "{}", page.body);
    assert_eq!(page.input("systolic").as_deref(), Some("80"));
    assert_eq!(page.input("pulse").as_deref(), Some("5"));
    let page = browser
        .submit(
            &pressure_path,
            &pressure_path,
            &[("systolic", "12.5"), ("diastolic", ""), ("when", "2026-11-22T08:00")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("Enter the systolic pressure as a whole number of mmHg."), "{}", page.body);
    assert!(page.body.contains("Enter the diastolic pressure as a whole number of mmHg."), "{}", page.body);

    assert!(things(&shell.store, record_id).await.is_empty(), "nothing was written");
}

#[tokio::test]
async fn a_things_page_shows_its_history_with_who_wrote_each_version() {
    let shell = TestShell::start().await;
    let (mut browser, _person, record_id) = signed_up_with_record(&shell, "ana@example.org").await;
    let weight_path = format!("/records/{record_id}/weight");
    let page = browser
        .submit(&weight_path, &weight_path, &[("value", "72.5"), ("unit", "kg"), ("when", "2026-11-20T07:30")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let first = things(&shell.store, record_id).await.remove(0);

    // An application changes it a day later.
    let application = register_application(&shell.store, "Scale Sync").await;
    shell.clock.advance(time::Duration::hours(1));
    let draft = ThingDraft {
        type_id: WEIGHT,
        flags: ThingFlags::default(),
        data_xml: "<weight><when><date><y>2026</y><m>11</m><d>20</d></date><time><h>7</h><m>30</m></time></when><value><kg>71.9</kg></value></weight>".to_owned(),
        common: CommonData { note: Some("Corrected by the scale".to_owned()), ..CommonData::default() },
        blobs: vec![],
        updated_end_date: None,
    };
    let audit = Audit {
        timestamp: shell.clock.now(),
        application_id: Some(application.id),
        person_id: first.created.person_id,
        access_avenue: AccessAvenue::Offline,
        action: AuditAction::Updated,
    };
    let revised = first.revise(VersionStamp::from_uuid(uuid::Uuid::new_v4()), draft, audit).unwrap();
    shell
        .store
        .write_things(record_id, &[ThingChange::Revise { previous: first.key.version, thing: revised }])
        .await
        .unwrap();

    let page = browser.get(&format!("/records/{record_id}/things/{}", first.key.id)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("<h1>Weight: 71.9 kg</h1>"), "{}", page.body);
    assert!(page.body.contains("Corrected by the scale"), "{}", page.body);
    let history = &page.body[page.body.find("id=\"history\"").unwrap()..];
    let changed = history.find("<td>Changed</td>").expect("the update is listed");
    let created = history.find("<td>Created</td>").expect("the creation is listed");
    assert!(changed < created, "newest first: {history}");
    assert!(
        history.contains("22 November 2026, 10:00 UTC") && history.contains("22 November 2026, 09:00 UTC"),
        "{history}"
    );
    assert!(history.contains("Scale Sync (on its own, with offline access)"), "{history}");
    assert!(history.contains("<td>Ana Rivera</td>"), "{history}");
    assert!(history.contains("<td>71.9 kg</td>") && history.contains("<td>72.5 kg</td>"), "{history}");
    assert!(page.body.contains(&format!("href=\"/records/{record_id}\">Ana Rivera</a>")), "links back: {}", page.body);
}

#[tokio::test]
async fn other_people_get_not_found_for_someone_elses_record() {
    let shell = TestShell::start().await;
    let (mut ana, _ana, record_id) = signed_up_with_record(&shell, "ana@example.org").await;
    let weight_path = format!("/records/{record_id}/weight");
    ana.submit(&weight_path, &weight_path, &[("value", "72.5"), ("unit", "kg"), ("when", "2026-11-20T07:30")]).await;
    let thing_id = things(&shell.store, record_id).await[0].key.id;
    let application = register_application(&shell.store, "Tracker").await;
    let ana_id = shell.store.record_members(record_id).await.unwrap()[0].person_id;
    authorize(&shell.store, &application, ana_id, record_id).await;

    let (mut bob, _bob, _bob_record) = signed_up_with_record(&shell, "bob@example.org").await;
    for path in [
        format!("/records/{record_id}"),
        format!("/records/{record_id}/things/{thing_id}"),
        format!("/records/{record_id}/weight"),
        format!("/records/{record_id}/blood-pressure"),
        format!("/records/{record_id}/applications"),
        format!("/records/{}", uuid::Uuid::new_v4()),
        "/records/not-a-record".to_owned(),
        format!("/records/{record_id}/things/not-a-thing"),
    ] {
        let page = bob.get(&path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!page.body.contains("Ana Rivera"), "{path} reveals nothing");
    }
    let csrf = bob.get("/records").await.csrf();
    let page =
        bob.post(&weight_path, &[("csrf", &csrf), ("value", "1"), ("unit", "kg"), ("when", "2026-11-20T07:30")]).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let revoke = format!("/records/{record_id}/applications/{}/revoke", application.id);
    assert_eq!(bob.post(&revoke, &[("csrf", &csrf)]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(things(&shell.store, record_id).await.len(), 1, "nothing was written");
    let authorization = shell.store.authorization(ana_id, record_id, application.id).await.unwrap().unwrap();
    assert_eq!(authorization.revoked_at, None);
}

#[tokio::test]
async fn people_a_record_is_shared_with_see_it_read_only() {
    let shell = TestShell::start().await;
    let (_ana, ana, record_id) = signed_up_with_record(&shell, "ana@example.org").await;
    let application = register_application(&shell.store, "Tracker").await;
    authorize(&shell.store, &application, ana.id, record_id).await;
    let (mut bob, bob_person, _bob_record) = signed_up_with_record(&shell, "bob@example.org").await;
    let member = RecordMember {
        record_id,
        person_id: bob_person.id,
        is_custodian: false,
        relationship: Relationship::SPOUSE,
        granted_at: START,
        expires_at: None,
        access: haven_domain::sharing::ShareAccess::ViewOnly.member_access(),
    };
    shell.store.put_record_member(&member).await.unwrap();

    let list = bob.get("/records").await;
    assert!(list.body.contains("Shared with you"), "{}", list.body);
    let page = bob.get(&format!("/records/{record_id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("Add a weight"), "{}", page.body);
    let applications = bob.get(&format!("/records/{record_id}/applications")).await;
    assert_eq!(applications.status, StatusCode::OK);
    assert!(applications.body.contains("Tracker"), "{}", applications.body);
    assert!(!applications.body.contains("/revoke"), "{}", applications.body);

    let weight_path = format!("/records/{record_id}/weight");
    assert_eq!(bob.get(&weight_path).await.status, StatusCode::FORBIDDEN);
    let page =
        bob.submit("/records", &weight_path, &[("value", "80"), ("unit", "kg"), ("when", "2026-11-20T07:30")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("your access does not allow this"), "{}", page.body);
    let revoke = format!("/records/{record_id}/applications/{}/revoke", application.id);
    assert_eq!(bob.submit("/records", &revoke, &[]).await.status, StatusCode::FORBIDDEN);
    assert!(things(&shell.store, record_id).await.is_empty());
    let authorization = shell.store.authorization(ana.id, record_id, application.id).await.unwrap().unwrap();
    assert_eq!(authorization.revoked_at, None);

    // Access that has ended is no access at all.
    shell.store.put_record_member(&RecordMember { expires_at: Some(START), ..member }).await.unwrap();
    assert_eq!(bob.get(&format!("/records/{record_id}")).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_custodian_revokes_an_application() {
    let shell = TestShell::start().await;
    let (mut browser, person, record_id) = signed_up_with_record(&shell, "ana@example.org").await;
    let application = register_application(&shell.store, "Vitals Tracker").await;
    authorize(&shell.store, &application, person.id, record_id).await;
    let other = register_application(&shell.store, "Sleep Diary").await;
    authorize(&shell.store, &other, person.id, record_id).await;

    let applications_path = format!("/records/{record_id}/applications");
    let page = browser.get(&applications_path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<h2 id=\"app-2\">Vitals Tracker</h2>"), "sorted by name: {}", page.body);
    assert!(page.body.contains("Online and offline"), "{}", page.body);
    assert!(page.body.contains("<li>Read and add: Blood pressure, Weight</li>"), "{}", page.body);
    assert!(page.body.contains("22 November 2026, 09:00 UTC"), "{}", page.body);
    let revoke = format!("{applications_path}/{}/revoke", application.id);
    assert!(page.body.contains(&format!("action=\"{revoke}\"")), "{}", page.body);

    shell.clock.advance(time::Duration::hours(1));
    let page = browser.post(&revoke, &[("csrf", &page.csrf())]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let authorization = shell.store.authorization(person.id, record_id, application.id).await.unwrap().unwrap();
    assert_eq!(authorization.revoked_at, Some(START + time::Duration::hours(1)));
    assert!(!authorization.is_active_at(shell.clock.now()), "the Platform now refuses the application");
    let untouched = shell.store.authorization(person.id, record_id, other.id).await.unwrap().unwrap();
    assert_eq!(untouched.revoked_at, None, "other applications keep their access");

    let page = browser.get(page.location()).await;
    assert!(page.body.contains("Vitals Tracker can no longer use this record."), "{}", page.body);
    assert!(!page.body.contains("Vitals Tracker</h2>"), "gone from the list: {}", page.body);
    assert!(page.body.contains("Sleep Diary"), "{}", page.body);

    // Revoking again changes nothing.
    let again = browser.post(&revoke, &[("csrf", &page.csrf())]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    let still = shell.store.authorization(person.id, record_id, application.id).await.unwrap().unwrap();
    assert_eq!(still.revoked_at, Some(START + time::Duration::hours(1)));
}

#[tokio::test]
async fn record_forms_without_the_csrf_token_are_refused_and_write_nothing() {
    let shell = TestShell::start().await;
    let (mut browser, person, record_id) = signed_up_with_record(&shell, "ana@example.org").await;
    let application = register_application(&shell.store, "Tracker").await;
    authorize(&shell.store, &application, person.id, record_id).await;
    let valid_csrf = browser.get("/records").await.csrf();

    let record_path = format!("/records/{record_id}");
    let cases: Vec<(String, Vec<(&str, &str)>)> = vec![
        ("/records/new".to_owned(), vec![("display_name", "Sam"), ("relationship", "5")]),
        (format!("{record_path}/weight"), vec![("value", "72.5"), ("unit", "kg"), ("when", "2026-11-20T07:30")]),
        (
            format!("{record_path}/blood-pressure"),
            vec![("systolic", "120"), ("diastolic", "80"), ("when", "2026-11-20T07:30")],
        ),
        (format!("{record_path}/applications/{}/revoke", application.id), vec![]),
    ];
    for (path, fields) in &cases {
        let page = browser.post(path, fields).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path} without a token");
        let mut with_wrong = vec![("csrf", "0123456789abcdef")];
        with_wrong.extend_from_slice(fields);
        assert_eq!(browser.post(path, &with_wrong).await.status, StatusCode::FORBIDDEN, "{path} with a wrong token");
        let mut cross_site = vec![("csrf", valid_csrf.as_str())];
        cross_site.extend_from_slice(fields);
        let page = browser.post_with(path, &cross_site, &[("sec-fetch-site", "cross-site")]).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path} from another site");
    }
    assert_eq!(shell.store.records_for_person(person.id).await.unwrap().len(), 1);
    assert!(things(&shell.store, record_id).await.is_empty());
    let authorization = shell.store.authorization(person.id, record_id, application.id).await.unwrap().unwrap();
    assert_eq!(authorization.revoked_at, None);
}
