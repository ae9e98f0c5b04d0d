use haven_domain::auth_rules::{AuthRule, Permissions, TargetSet};
use haven_domain::thing_type::WEIGHT;

use super::*;
use crate::request::parse_request;
use crate::response::{Response, parse_response, response_schema_name};
use crate::testing::Xmllint;

/// Stands in for a certificate: the schema's pattern wants 512 to 4096 hex digits.
fn certificate_bytes() -> Vec<u8> {
    (0..=255).chain(0..=63).collect()
}

fn rules(name: &str, permissions: Permissions) -> RuleSet {
    RuleSet {
        rules: vec![AuthRule {
            name: name.to_owned(),
            reason: "To chart your weight".to_owned(),
            is_optional: false,
            is_incremental: false,
            display_flags: 0,
            permissions,
            target_sets: vec![TargetSet { type_ids: [WEIGHT].into_iter().collect(), date_ranges: Vec::new() }],
            exception_sets: Vec::new(),
        }],
    }
}

pub(crate) fn fields() -> ApplicationFields {
    ApplicationFields {
        name: Some("Dr. Lee's practice <child>".to_owned()),
        public_keys: Some(vec![certificate_bytes()]),
        online_rules: Some(rules("online", Permissions::READ.union(Permissions::CREATE))),
        offline_rules: Some(rules("offline", Permissions::READ)),
        action_url: Some("https://lee.example/hv?practice=1&x=2".to_owned()),
        description: Some("Weights for Dr. Lee".to_owned()),
        auth_reason: Some("To see your weight before visits".to_owned()),
        large_logo: Some(AttachedContent { bytes: b"\x89PNG....".to_vec(), content_type: "image/png".to_owned() }),
        privacy_statement: Some(AttachedContent {
            bytes: b"We keep it".to_vec(),
            content_type: "text/plain".to_owned(),
        }),
        terms_of_use: Some(AttachedContent { bytes: b"Be nice".to_vec(), content_type: "text/plain".to_owned() }),
        supported_instances: Some(SupportedInstances {
            all: false,
            instance_ids: [InstanceId::parse("1").unwrap(), InstanceId::parse("2").unwrap()].into_iter().collect(),
        }),
    }
}

fn request() -> AddApplicationRequest {
    AddApplicationRequest { version: 2, fields: fields() }
}

#[test]
fn requests_round_trip() {
    let request = request();
    let info = request.to_info_xml();
    assert!(info.contains(&format!("<public-key>{}</public-key>", encode_hex(&certificate_bytes()))));
    assert_eq!(AddApplicationRequest::parse_info(2, &info).unwrap(), request);
    let envelope = format!(
        r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header><method>AddApplication</method><method-version>1</method-version></header>{info}</wc-request:request>"#
    );
    let parsed = AddApplicationRequest::from_request(&parse_request(&envelope).unwrap()).unwrap();
    assert_eq!(parsed, AddApplicationRequest { version: 1, ..request });
}

/// A request as the .NET Provisioner writes it: localized strings, lower-case hex, elements
/// Haven ignores, and a rule-less online auth.
#[test]
fn reads_a_provisioner_request() {
    let hex: String = certificate_bytes().iter().map(|byte| format!("{byte:02x}")).collect();
    let info = format!(
        concat!(
            r#"<info><name xml:lang="fr">Cabinet Lee</name><name>Lee practice</name>"#,
            "<public-keys><public-key>\n  {hex}\n</public-key></public-keys>",
            "<person-online-base-auth/>",
            "<person-offline-base-auth><auth><rules><rule name=\"r\"><permission>Read</permission></rule></rules></auth></person-offline-base-auth>",
            "<methods>GetThings,PutThings</methods>",
            "<description>Weights</description><auth-reason>Visits</auth-reason>",
            "<domain-name>lee.example</domain-name>",
            "<large-logo><logo>iVBORw0K</logo><content-type>image/png</content-type></large-logo>",
            "<app-type>Web</app-type><restrict-app-users>false</restrict-app-users>",
            "<supported-record-locations><all-locations>true</all-locations></supported-record-locations>",
            r#"<supported-instances support-all-instances="true"/></info>"#
        ),
        hex = hex
    );
    let parsed = AddApplicationRequest::parse_info(1, &info).unwrap().fields;
    assert_eq!(parsed.name.as_deref(), Some("Lee practice"));
    assert_eq!(parsed.public_keys, Some(vec![certificate_bytes()]));
    assert_eq!(parsed.online_rules, Some(RuleSet::default()));
    assert_eq!(parsed.offline_rules.unwrap().rules[0].permissions_for(WEIGHT), Permissions::READ);
    assert_eq!(parsed.action_url, None);
    assert_eq!(parsed.large_logo.unwrap().content_type, "image/png");
    assert_eq!(parsed.supported_instances, Some(SupportedInstances { all: true, instance_ids: BTreeSet::new() }));
}

#[test]
fn bad_requests_are_named() {
    let without = |element: &'static str| {
        let mut fields = fields();
        match element {
            "name" => fields.name = None,
            "public-keys" => fields.public_keys = None,
            "person-offline-base-auth" => fields.offline_rules = None,
            "description" => fields.description = None,
            _ => fields.auth_reason = None,
        }
        AddApplicationRequest { version: 1, fields }.to_info_xml()
    };
    for element in ["name", "public-keys", "person-offline-base-auth", "description", "auth-reason"] {
        assert_eq!(
            AddApplicationRequest::parse_info(1, &without(element)),
            Err(WireError::MissingElement { parent: "info", element })
        );
    }
    let info = request().to_info_xml();
    let not_hex = info.replacen("<public-key>00", "<public-key>zz", 1);
    assert!(matches!(
        AddApplicationRequest::parse_info(1, &not_hex),
        Err(WireError::InvalidValue { element: "public-key", .. })
    ));
    let odd = info.replacen("<public-key>00", "<public-key>0", 1);
    assert!(matches!(AddApplicationRequest::parse_info(1, &odd), Err(WireError::InvalidValue { .. })));
    let bad_rule = info.replacen("<permission>Read</permission>", "<permission>Everything</permission>", 1);
    assert!(matches!(
        AddApplicationRequest::parse_info(1, &bad_rule),
        Err(WireError::InvalidValue { element: "rule/permission", .. })
    ));
    assert!(matches!(AddApplicationRequest::parse_info(1, "<info><name>x</name>"), Err(WireError::NotWellFormed(_))));
    assert_eq!(
        AddApplicationRequest::parse_info(3, &info),
        Err(WireError::UnsupportedMethodVersion { method: METHOD, version: 3 })
    );
}

#[test]
fn responses_round_trip_and_validate() {
    let response = AddApplicationResponse { id: ApplicationId::parse("30000000-0000-0000-0000-00000000000a").unwrap() };
    let info = response.to_info();
    assert_eq!(Some(info.schema.as_str()), response_schema_name(METHOD, 1));
    assert_eq!(Some(info.schema.as_str()), response_schema_name(METHOD, 2));
    let written = Response::ok(info.clone()).to_xml();
    let parsed = parse_response(&written).unwrap().info.unwrap();
    assert_eq!(AddApplicationResponse::parse_info_xml(parsed.inner_xml).unwrap(), response);

    let Some(schemas) = Xmllint::for_test("AddApplication XSD validation") else {
        return;
    };
    let standalone = format!(r#"<wc:info xmlns:wc="{}">{}</wc:info>"#, info.namespace(), info.inner_xml);
    if let Err(report) = schemas.validate("response-addapplication.xsd", &standalone) {
        panic!("the AddApplication response does not validate:\n{report}");
    }
    let request = request().to_info_xml();
    let standalone =
        request.replacen("<info>", r#"<wc:info xmlns:wc="urn:com.microsoft.wc.methods.AddApplication">"#, 1);
    let standalone = standalone.replacen("</info>", "</wc:info>", 1);
    if let Err(report) = schemas.validate("method-addapplication.xsd", &standalone) {
        panic!("the AddApplication request does not validate:\n{report}");
    }
}
