use haven_domain::thing_type::{BLOOD_PRESSURE, HEIGHT, WEIGHT};
use time::macros::datetime;

use super::*;
use crate::methods::get_application_info::ApplicationInfo;
use crate::testing::Xmllint;

fn rules() -> RuleSet {
    RuleSet {
        rules: vec![
            AuthRule {
                name: "weights".to_owned(),
                reason: "To chart your weight & height".to_owned(),
                is_optional: false,
                is_incremental: false,
                display_flags: 0,
                permissions: Permissions::READ.union(Permissions::CREATE),
                target_sets: vec![TargetSet {
                    type_ids: [WEIGHT, HEIGHT].into_iter().collect(),
                    date_ranges: Vec::new(),
                }],
                exception_sets: Vec::new(),
            },
            AuthRule {
                name: "everything".to_owned(),
                reason: String::new(),
                is_optional: true,
                is_incremental: true,
                display_flags: 3,
                permissions: Permissions::ALL,
                target_sets: vec![TargetSet::default()],
                exception_sets: vec![TargetSet {
                    type_ids: [BLOOD_PRESSURE].into_iter().collect(),
                    date_ranges: vec![DateRange {
                        min: Some(datetime!(2020-01-01 0:00)),
                        max: Some(datetime!(2020-12-31 23:59:59.5)),
                    }],
                }],
            },
        ],
    }
}

#[test]
fn writes_the_schema_order_and_reads_it_back() {
    let xml = format_auth_xml(&rules());
    assert!(xml.starts_with(concat!(
        r#"<auth><rules><rule name="weights"><reason>To chart your weight &amp; height</reason>"#,
        "<permission>Read</permission><permission>Create</permission><target-set>",
    )));
    assert!(xml.contains(concat!(
        r#"<rule name="everything" is-incr="true" is-optional="true"><display-flags>3</display-flags>"#,
        "<permission>Read</permission><permission>Update</permission><permission>Create</permission>",
        "<permission>Delete</permission><target-set></target-set><exception-set><date-range>",
        "<date-min>2020-01-01T00:00:00</date-min><date-max>2020-12-31T23:59:59.500</date-max></date-range>",
        "<type-id>ca3c57f4-f4c1-4e15-be67-0a3caf5414ed</type-id></exception-set></rule>",
    )));
    assert_eq!(parse_auth_xml(&xml).unwrap(), rules());
    assert_eq!(parse_auth_xml(&format_auth_xml(&RuleSet::default())).unwrap(), RuleSet::default());
}

/// What the .NET SDK's `AuthorizationRule.GetRulesXml` writes: `is-optional` before `name`,
/// permissions one by one, every set of a rule inside one `target-set`, localized reasons.
#[test]
fn reads_what_the_dotnet_sdk_writes() {
    let xml = concat!(
        "\u{feff}<?xml version=\"1.0\" encoding=\"utf-16\"?><auth><rules>",
        r#"<rule is-optional="true" name="OptionalBP"><reason xml:lang="fr">Pour suivre</reason>"#,
        r#"<reason>To track it</reason><display-flags>1</display-flags>"#,
        "<permission>Read</permission><permission>Update</permission><permission>Create</permission>",
        "<permission>Delete</permission><target-set><date-range><date-min>2012-04-28T19:10:41.394Z</date-min>",
        "</date-range><type-id>CA3C57F4-F4C1-4E15-BE67-0A3CAF5414ED</type-id></target-set></rule>",
        r#"<rule name="all"><permission>Read</permission></rule></rules></auth>"#
    );
    let parsed = parse_auth_xml(xml).unwrap();
    let [optional, all] = parsed.rules.as_slice() else { panic!("two rules expected") };
    assert_eq!(optional.name, "OptionalBP");
    assert!(optional.is_optional);
    assert_eq!(optional.reason, "To track it");
    assert_eq!(optional.display_flags, 1);
    assert_eq!(optional.permissions, Permissions::ALL);
    assert_eq!(optional.target_sets.len(), 1);
    assert_eq!(optional.target_sets[0].date_ranges[0].min, Some(datetime!(2012-04-28 19:10:41.394)));
    assert_eq!(optional.permissions_for(BLOOD_PRESSURE), Permissions::ALL);
    assert_eq!(optional.permissions_for(WEIGHT), Permissions::NONE);
    assert_eq!(all.target_sets, vec![TargetSet::default()], "no target set covers every thing");
    assert_eq!(all.permissions_for(WEIGHT), Permissions::READ);
    assert_eq!(parsed.validate(), Ok(()));
}

#[test]
fn bad_rules_are_named() {
    let wrap = |rule: &str| format!("<auth><rules>{rule}</rules></auth>");
    assert_eq!(
        parse_auth_xml(&wrap(r#"<rule name="x"><permission>Write</permission></rule>"#)),
        Err(WireError::InvalidValue {
            element: "rule/permission",
            expected: "All, Read, Update, Create or Delete",
            text: "Write".to_owned()
        })
    );
    assert_eq!(
        parse_auth_xml(&wrap(r#"<rule name="x"><target-set/></rule>"#)),
        Err(WireError::MissingElement { parent: "rule", element: "permission" })
    );
    assert!(matches!(
        parse_auth_xml(&wrap(
            r#"<rule name="x"><permission>Read</permission><target-set><type-id>weight</type-id></target-set></rule>"#
        )),
        Err(WireError::InvalidGuid { element: "target-set/type-id", .. })
    ));
    assert!(matches!(
        parse_auth_xml(&wrap(r#"<rule name="x" is-optional="maybe"><permission>Read</permission></rule>"#)),
        Err(WireError::InvalidValue { element: "rule@is-optional", .. })
    ));
    assert!(matches!(
        parse_auth_xml(&wrap(
            "<rule><permission>Read</permission><exception-set><date-range><date-min>soon</date-min>\
             </date-range></exception-set></rule>"
        )),
        Err(WireError::InvalidDateTime { element: "date-range/date-min", .. })
    ));
    assert!(matches!(parse_auth_xml("<rules/>"), Err(WireError::WrongRoot { expected: "<auth>", .. })));
}

/// `auth.xsd` has no global element, so the rules are checked where GetApplicationInfo
/// writes them.
#[test]
fn written_rules_validate_against_the_xsd() {
    let Some(schemas) = Xmllint::for_test("auth rules XSD validation") else {
        return;
    };
    let inner = format!(
        "<application><id>05a059c9-c309-46af-9b86-b06d42510550</id><name>n</name>\
         <app-auth-required>true</app-auth-required><restrict-app-users>false</restrict-app-users>\
         <is-published>false</is-published><person-online-base-auth-xml>{}</person-online-base-auth-xml>\
         <app-type>Web</app-type></application>",
        format_auth_xml(&rules())
    );
    assert_eq!(ApplicationInfo::parse_info_xml(&inner).unwrap().online_rules, rules());
    let standalone =
        format!(r#"<wc:info xmlns:wc="urn:com.microsoft.wc.methods.response.GetApplicationInfo">{inner}</wc:info>"#);
    if let Err(report) = schemas.validate("response-getapplicationinfo.xsd", &standalone) {
        panic!("the auth rules do not validate:\n{report}");
    }
}
