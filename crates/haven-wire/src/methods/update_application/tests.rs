use super::super::add_application::tests::fields;
use super::*;
use crate::methods::add_application::ApplicationFields;
use crate::testing::Xmllint;

fn child() -> ApplicationId {
    ApplicationId::parse("30000000-0000-0000-0000-00000000000a").unwrap()
}

#[test]
fn requests_round_trip() {
    let full = UpdateApplicationRequest { version: 1, id: child(), fields: fields() };
    assert_eq!(UpdateApplicationRequest::parse_info(1, &full.to_info_xml()).unwrap(), full);
    let name_only = UpdateApplicationRequest {
        version: 2,
        id: child(),
        fields: ApplicationFields { name: Some("Renamed".to_owned()), ..ApplicationFields::default() },
    };
    let info = name_only.to_info_xml();
    assert_eq!(info, format!("<info><id>{}</id><name>Renamed</name></info>", child()));
    assert_eq!(UpdateApplicationRequest::parse_info(2, &info).unwrap(), name_only);
}

#[test]
fn bad_requests_are_named() {
    assert_eq!(
        UpdateApplicationRequest::parse_info(1, "<info><name>x</name></info>"),
        Err(WireError::MissingElement { parent: "info", element: "id" })
    );
    assert!(matches!(
        UpdateApplicationRequest::parse_info(1, "<info><id>me</id></info>"),
        Err(WireError::InvalidGuid { element: "id", .. })
    ));
    assert_eq!(
        UpdateApplicationRequest::parse_info(3, &format!("<info><id>{}</id></info>", child())),
        Err(WireError::UnsupportedMethodVersion { method: METHOD, version: 3 })
    );
}

#[test]
fn requests_validate_against_the_xsd() {
    let Some(schemas) = Xmllint::for_test("UpdateApplication XSD validation") else {
        return;
    };
    let name_only = ApplicationFields { name: Some("Renamed".to_owned()), ..ApplicationFields::default() };
    for fields in [fields(), name_only] {
        let info = UpdateApplicationRequest { version: 1, id: child(), fields }.to_info_xml();
        let standalone =
            info.replacen("<info>", r#"<wc:info xmlns:wc="urn:com.microsoft.wc.methods.UpdateApplication">"#, 1);
        let standalone = standalone.replacen("</info>", "</wc:info>", 1);
        if let Err(report) = schemas.validate("method-updateapplication.xsd", &standalone) {
            panic!("the UpdateApplication request does not validate:\n{report}");
        }
    }
}
