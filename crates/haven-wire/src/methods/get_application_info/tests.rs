use haven_domain::application::{AppCertificate, MethodGroup, Thumbprint};
use haven_domain::auth_rules::{AuthRule, Permissions, TargetSet};
use haven_domain::thing_type::{HEIGHT, WEIGHT};
use time::macros::datetime;

use super::*;
use crate::request::parse_request;
use crate::response::{Response, parse_response, response_schema_name};
use crate::testing::Xmllint;

fn rule(name: &str, permissions: Permissions, optional: bool) -> AuthRule {
    AuthRule {
        name: name.to_owned(),
        reason: "To chart your weight".to_owned(),
        is_optional: optional,
        is_incremental: false,
        display_flags: u32::from(optional),
        permissions,
        target_sets: vec![TargetSet { type_ids: [WEIGHT, HEIGHT].into_iter().collect(), date_ranges: Vec::new() }],
        exception_sets: Vec::new(),
    }
}

pub(super) fn application() -> Application {
    Application {
        id: ApplicationId::parse("05a059c9-c309-46af-9b86-b06d42510550").unwrap(),
        name: "Weight Tracker <beta>".to_owned(),
        description: "Charts your weight & height".to_owned(),
        certificates: vec![AppCertificate {
            thumbprint: Thumbprint::parse("00112233445566778899aabbccddeeff00112233").unwrap(),
            der: vec![0x30, 0x82],
        }],
        action_url: None,
        online_rules: RuleSet {
            rules: vec![rule("weights", Permissions::READ, false), rule("writes", Permissions::CREATE, true)],
        },
        offline_rules: RuleSet { rules: vec![rule("offline", Permissions::READ, false)] },
        method_groups: MethodGroup::web_defaults(),
        supported_instances: [InstanceId::parse("1").unwrap(), InstanceId::parse("2").unwrap()].into_iter().collect(),
        master_id: Some(ApplicationId::parse("30000000-0000-0000-0000-000000000000").unwrap()),
        is_soda: false,
        soda_secret: None,
        created_at: datetime!(2026-01-02 03:04:05.678 UTC),
    }
}

fn info() -> ApplicationInfo {
    ApplicationInfo {
        action_url: Some("https://tracker.example/hv/redirect?x=1&y=2".to_owned()),
        methods: vec!["GetThings".to_owned(), "PutThings".to_owned()],
        ..ApplicationInfo::from_application(&application())
    }
}

#[test]
fn reports_the_domain_application() {
    let info = ApplicationInfo::from_application(&application());
    assert_eq!(info.app_type, APP_TYPE_WEB);
    assert_eq!(info.name, "Weight Tracker <beta>");
    assert_eq!(info.description.as_deref(), Some("Charts your weight & height"));
    assert_eq!(info.online_rules.rules.len(), 2);
    assert_eq!(info.master_app_id, application().master_id);
    assert_eq!(info.supported_instances.len(), 2);
    let soda = ApplicationInfo::from_application(&Application {
        is_soda: true,
        description: " ".to_owned(),
        online_rules: RuleSet::default(),
        ..application()
    });
    assert_eq!(soda.app_type, APP_TYPE_SODA);
    assert_eq!(soda.description, None);
    let inner = soda.to_info().inner_xml;
    assert!(inner.contains("<person-online-base-auth-xml><auth><rules></rules></auth></person-online-base-auth-xml>"));
}

#[test]
fn round_trips_in_the_get_application_info_schema() {
    let info = info();
    let response_info = info.to_info();
    assert_eq!(Some(response_info.schema.as_str()), response_schema_name(METHOD, 1));
    assert_eq!(Some(response_info.schema.as_str()), response_schema_name(METHOD, 2));
    let written = Response::ok(response_info).to_xml();
    let parsed = parse_response(&written).unwrap().info.unwrap();
    assert_eq!(parsed.schema(), Some(RESPONSE_SCHEMA));
    assert_eq!(ApplicationInfo::parse_info_xml(parsed.inner_xml).unwrap(), info);
}

#[test]
fn responses_validate_against_the_xsd() {
    let Some(schemas) = Xmllint::for_test("GetApplicationInfo XSD validation") else {
        return;
    };
    let minimal = ApplicationInfo {
        action_url: None,
        description: None,
        online_rules: RuleSet::default(),
        offline_rules: RuleSet::default(),
        master_app_id: None,
        created_date: None,
        supported_instances: BTreeSet::new(),
        support_all_instances: true,
        ..info()
    };
    for application in [info(), minimal] {
        let response_info = application.to_info();
        let standalone =
            format!(r#"<wc:info xmlns:wc="{}">{}</wc:info>"#, response_info.namespace(), response_info.inner_xml);
        if let Err(report) = schemas.validate("response-getapplicationinfo.xsd", &standalone) {
            panic!("GetApplicationInfo does not validate:\n{report}");
        }
    }
}

/// A response as HealthVault wrote it, with the elements Haven does not keep (logos,
/// statements, persistent tokens, locations) and localized names.
#[test]
fn reads_a_full_healthvault_answer() {
    let inner = concat!(
        "<application><id>05A059C9-C309-46AF-9B86-B06D42510550</id>",
        r#"<name xml:lang="de">Gewichtstagebuch</name><name>Weight Tracker</name>"#,
        "<app-auth-required>true</app-auth-required><restrict-app-users>false</restrict-app-users>",
        "<is-published>1</is-published><action-url>https://tracker.example/hv</action-url>",
        r#"<description xml:lang="en-US">Charts</description>"#,
        "<large-logo><logo>iVBORw0K</logo><content-type>image/png</content-type></large-logo>",
        "<persistent-tokens><enabled>false</enabled></persistent-tokens>",
        "<person-online-base-auth-xml><auth><rules><rule name=\"r\"><permission>Read</permission>",
        "<target-set><type-id>3d34d87e-7fc1-4153-800f-f56592cb0d17</type-id></target-set></rule></rules></auth>",
        "</person-online-base-auth-xml><person-offline-base-auth-xml/>",
        "<privacy-statement><statement>SGk=</statement><content-type>text/plain</content-type></privacy-statement>",
        "<app-type>Web</app-type><created-date>2013-08-20T17:00:36.217Z</created-date>",
        "<methods>GetThings, PutThings,</methods>",
        "<supported-record-locations><all-locations>true</all-locations></supported-record-locations>",
        r#"<supported-instances support-all-instances="true"/></application>"#
    );
    let parsed = ApplicationInfo::parse_info_xml(inner).unwrap();
    assert_eq!(parsed.id.to_string(), "05a059c9-c309-46af-9b86-b06d42510550");
    assert_eq!(parsed.name, "Weight Tracker");
    assert_eq!(parsed.description.as_deref(), Some("Charts"));
    assert!(parsed.app_auth_required && parsed.is_published && !parsed.restrict_app_users);
    assert_eq!(parsed.online_rules.rules[0].permissions_for(WEIGHT), Permissions::READ);
    assert!(parsed.offline_rules.is_empty());
    assert_eq!(parsed.created_date, Some(datetime!(2013-08-20 17:00:36.217 UTC)));
    assert_eq!(parsed.methods, ["GetThings", "PutThings"]);
    assert!(parsed.support_all_instances);
    assert!(parsed.supported_instances.is_empty());
}

/// The .NET SDK's v2 request (`<all-languages>true</all-languages>` or no parameters) and a
/// master application's child request.
#[test]
fn requests_are_read_and_round_trip() {
    let body = concat!(
        r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header>"#,
        "<method>GetApplicationInfo</method><method-version>2</method-version>",
        "<app-id>05a059c9-c309-46af-9b86-b06d42510550</app-id></header>",
        "<info><all-languages>true</all-languages></info></wc-request:request>"
    );
    let request = GetApplicationInfoRequest::from_request(&parse_request(body).unwrap()).unwrap();
    assert_eq!(request, GetApplicationInfoRequest { version: 2, all_languages: true, child_app_id: None });
    let child = GetApplicationInfoRequest {
        version: 1,
        all_languages: false,
        child_app_id: Some(ApplicationId::parse("30000000-0000-0000-0000-000000000000").unwrap()),
    };
    assert_eq!(GetApplicationInfoRequest::parse_info(1, &child.to_info_xml()).unwrap(), child);
    assert_eq!(
        GetApplicationInfoRequest::parse_info(2, "<info/>").unwrap(),
        GetApplicationInfoRequest { version: 2, all_languages: false, child_app_id: None }
    );
}

#[test]
fn bad_requests_are_named() {
    assert!(matches!(
        GetApplicationInfoRequest::parse_info(1, "<info><child-app-id>me</child-app-id></info>"),
        Err(WireError::InvalidGuid { element: "child-app-id", .. })
    ));
    assert!(matches!(
        GetApplicationInfoRequest::parse_info(1, "<info><all-languages>yes</all-languages></info>"),
        Err(WireError::InvalidValue { element: "all-languages", .. })
    ));
    assert_eq!(
        GetApplicationInfoRequest::parse_info(3, "<info/>"),
        Err(WireError::UnsupportedMethodVersion { method: METHOD, version: 3 })
    );
    assert_eq!(
        ApplicationInfo::parse_info_xml("<application><id>05a059c9-c309-46af-9b86-b06d42510550</id></application>"),
        Err(WireError::MissingElement { parent: "application", element: "name" })
    );
}
