//! GetApplicationInfo, GetThingType and Get/SetApplicationSettings through the router.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use haven_domain::application::MethodGroup;
use haven_domain::thing_type::{HEIGHT, WEIGHT};
use haven_wire::StatusCode;
use haven_wire::methods::get_application_info::{APP_TYPE_WEB, ApplicationInfo};
use haven_wire::methods::get_application_settings::ApplicationSettings;
use haven_wire::methods::get_service_definition::ServiceDefinition;
use haven_wire::methods::get_thing_type::GetThingTypeResponse;
use support::{
    application_only, authorize, call, grant, harness, info_of, offline, online, open_account, register_application,
};

const SECRET: &[u8] = b"123456789";

#[tokio::test]
async fn application_info_describes_the_caller_with_the_methods_it_may_call() {
    let harness = harness().await;
    let session = harness.session(1).await;
    let auth = application_only(&session.token);
    for version in [1, 2] {
        let (status, text) =
            harness.post(call("GetApplicationInfo", version, &auth, SECRET, "<info/>", |body| body)).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        let info = ApplicationInfo::parse_info_xml(&info_of(&text)).unwrap();
        assert_eq!(info.id, harness.app_id);
        assert_eq!(info.name, "Tracker");
        assert_eq!(info.app_type, APP_TYPE_WEB);
        assert_eq!(info.master_app_id, None);
        assert!(!info.online_rules.is_empty() && !info.offline_rules.is_empty());
        for method in ["GetThings", "PutThings", "GetApplicationInfo", "GetServiceDefinition"] {
            assert!(info.methods.iter().any(|listed| listed == method), "{method} in {:?}", info.methods);
        }
        assert_eq!(info.methods.iter().filter(|listed| *listed == "GetThings").count(), 1, "each method is named once");
        assert!(info.supported_instances.iter().any(|instance| instance.as_str() == "1"));
    }
}

#[tokio::test]
async fn a_master_reads_its_child_but_no_other_application() {
    let harness = harness().await;
    let session = harness.session(1).await;
    let auth = application_only(&session.token);
    let child = register_application(&harness, "Clinic child", &[MethodGroup::Basic], Some(harness.app_id)).await;
    let stranger = register_application(
        &harness,
        "Someone else",
        &MethodGroup::web_defaults().into_iter().collect::<Vec<_>>(),
        None,
    )
    .await;

    let ask = |child_id: String| format!("<info><child-app-id>{child_id}</child-app-id></info>");
    let (status, text) =
        harness.post(call("GetApplicationInfo", 2, &auth, SECRET, &ask(child.to_string()), |body| body)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let info = ApplicationInfo::parse_info_xml(&info_of(&text)).unwrap();
    assert_eq!(info.id, child);
    assert_eq!(info.name, "Clinic child");
    assert_eq!(info.master_app_id, Some(harness.app_id));
    assert!(info.methods.iter().any(|listed| listed == "GetThings"), "{:?}", info.methods);

    for other in [stranger.to_string(), uuid::Uuid::new_v4().to_string(), harness.app_id.to_string()] {
        let (status, text) = harness.post(call("GetApplicationInfo", 2, &auth, SECRET, &ask(other), |body| body)).await;
        assert_eq!(status, StatusCode::ACCESS_DENIED, "{text}");
    }
}

#[tokio::test]
async fn new_methods_are_listed_by_get_service_definition() {
    let harness = harness().await;
    let session = harness.session(1).await;
    let auth = application_only(&session.token);
    let (status, text) = harness
        .post(call(
            "GetServiceDefinition",
            2,
            &auth,
            SECRET,
            "<info><response-sections><section>xml-over-http-methods</section></response-sections></info>",
            |body| body,
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let definition = ServiceDefinition::parse_info_xml(&info_of(&text)).unwrap().unwrap();
    let listed = |name: &str| definition.xml_methods.iter().find(|method| method.name == name);
    for name in [
        "GetAuthorizedRecords",
        "GetApplicationInfo",
        "AssociateAlternateId",
        "DisassociateAlternateId",
        "GetAlternateIds",
        "GetPersonAndRecordForAlternateId",
        "GetApplicationSettings",
        "SetApplicationSettings",
        "GetUpdatedRecordsForApplication",
        "GetRecordOperations",
        "GetThingType",
    ] {
        assert!(listed(name).is_some(), "{name} is listed");
    }
    let versions: Vec<u32> =
        listed("GetUpdatedRecordsForApplication").unwrap().versions.iter().map(|version| version.number).collect();
    assert_eq!(versions, vec![1, 2]);
}

#[tokio::test]
async fn thing_types_come_from_the_registry() {
    let harness = harness().await;
    let session = harness.session(1).await;
    let auth = application_only(&session.token);
    let info = format!(
        "<info><id>{WEIGHT}</id><id>{HEIGHT}</id><section>core</section><section>effectivedatexpath</section></info>"
    );
    let (status, text) = harness.post(call("GetThingType", 1, &auth, SECRET, &info, |body| body)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let answer = GetThingTypeResponse::parse_info_xml(&info_of(&text)).unwrap();
    assert_eq!(answer.thing_types.iter().map(|thing_type| thing_type.id).collect::<Vec<_>>(), vec![WEIGHT, HEIGHT]);
    assert_eq!(answer.thing_types[0].name, "Weight");
    assert_eq!(answer.thing_types[0].effective_date_xpath.as_deref(), Some("/thing/data-xml/weight/when"));

    // Every type without ids; nothing when the client refreshed after the process started.
    let (_, text) = harness.post(call("GetThingType", 1, &auth, SECRET, "<info/>", |body| body)).await;
    let all = GetThingTypeResponse::parse_info_xml(&info_of(&text)).unwrap();
    assert_eq!(all.thing_types.len(), haven_domain::thing_type::all().len());
    let refreshed = "<info><last-client-refresh>2026-11-21T12:30:00Z</last-client-refresh></info>";
    let (_, text) = harness.post(call("GetThingType", 1, &auth, SECRET, refreshed, |body| body)).await;
    assert!(GetThingTypeResponse::parse_info_xml(&info_of(&text)).unwrap().thing_types.is_empty());

    // A call without a session is refused.
    let anonymous = call("GetThingType", 1, &auth, SECRET, "<info/>", |body| {
        body.replace(&format!("<auth-session>{auth}</auth-session>"), &format!("<app-id>{}</app-id>", harness.app_id))
    });
    assert_eq!(harness.post(anonymous).await.0, StatusCode::ACCESS_DENIED);
}

#[tokio::test]
async fn application_settings_are_kept_per_person() {
    let harness = harness().await;
    let session = harness.session(1).await;
    let (account, user_token) = authorize(&harness, true).await;
    let auth = online(&session.token, &user_token);
    let get = || call("GetApplicationSettings", 1, &auth, SECRET, "<info/>", |body| body);

    let (status, text) = harness.post(get()).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(ApplicationSettings::parse_info_xml(&info_of(&text)).unwrap(), ApplicationSettings::default());

    let settings = r#"<settings xmlns="urn:tracker"><units>metric</units></settings>"#;
    let set = format!(
        "<info><app-settings>{settings}</app-settings><selected-record-id>{}</selected-record-id></info>",
        account.record.id
    );
    let (status, text) = harness.post(call("SetApplicationSettings", 1, &auth, SECRET, &set, |body| body)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let (_, text) = harness.post(get()).await;
    let stored = ApplicationSettings::parse_info_xml(&info_of(&text)).unwrap();
    assert_eq!(stored.app_settings_xml.as_deref(), Some(settings), "kept verbatim");
    assert_eq!(stored.selected_record_id, Some(account.record.id));

    // Offline calls for the same person see the same settings.
    let (_, text) = harness
        .post(call(
            "GetApplicationSettings",
            1,
            &offline(&session.token, account.person.id),
            SECRET,
            "<info/>",
            |body| body,
        ))
        .await;
    assert_eq!(ApplicationSettings::parse_info_xml(&info_of(&text)).unwrap(), stored);

    // Leaving out the record keeps it; an empty app-settings clears the settings.
    let (status, _) = harness
        .post(call("SetApplicationSettings", 1, &auth, SECRET, "<info><app-settings/></info>", |body| body))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, text) = harness.post(get()).await;
    let cleared = ApplicationSettings::parse_info_xml(&info_of(&text)).unwrap();
    assert_eq!(cleared, ApplicationSettings { app_settings_xml: None, selected_record_id: Some(account.record.id) });

    // A record the person did not authorize the application on cannot be selected.
    let other = open_account(&harness, "bruno@example.org", "Bruno").await;
    let set_other = format!("<info><selected-record-id>{}</selected-record-id></info>", other.record.id);
    let (status, text) = harness.post(call("SetApplicationSettings", 1, &auth, SECRET, &set_other, |body| body)).await;
    assert_eq!(status, StatusCode::ACCESS_DENIED, "{text}");

    // Another person has settings of their own, and an application-only call has no person.
    grant(&harness, harness.app_id, other.person.id, other.record.id, true).await;
    let (_, text) = harness
        .post(call("GetApplicationSettings", 1, &offline(&session.token, other.person.id), SECRET, "<info/>", |body| {
            body
        }))
        .await;
    assert_eq!(ApplicationSettings::parse_info_xml(&info_of(&text)).unwrap(), ApplicationSettings::default());
    let app_only = application_only(&session.token);
    let (status, _) = harness.post(call("GetApplicationSettings", 1, &app_only, SECRET, "<info/>", |body| body)).await;
    assert_eq!(status, StatusCode::ACCESS_DENIED);
}
