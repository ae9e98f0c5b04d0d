use haven_domain::ids::{ApplicationId, PersonId};
use time::macros::datetime;

use super::*;
use crate::request::parse_request;
use crate::response::{Response, parse_info_element, parse_response, response_schema_name};
use crate::testing::{ReferenceDocs, Xmllint};

const SETTINGS: &str = concat!(
    r#"<settings xmlns="urn:example:tracker"><units system="metric"/>"#,
    "<goal kg=\"70\">lose &amp; keep</goal><!-- kept --><![CDATA[raw <text>]]></settings>"
);

fn settings() -> ApplicationSettings {
    ApplicationSettings {
        app_settings_xml: Some(SETTINGS.to_owned()),
        selected_record_id: Some(RecordId::parse("7a231675-4e78-451f-b94d-1e05b2a24586").unwrap()),
    }
}

#[test]
fn settings_come_back_verbatim() {
    let info = settings().to_info();
    assert_eq!(Some(info.schema.as_str()), response_schema_name(METHOD, 1));
    assert_eq!(
        info.inner_xml,
        format!(
            "<app-settings>{SETTINGS}</app-settings><selected-record-id>7a231675-4e78-451f-b94d-1e05b2a24586</selected-record-id>"
        )
    );
    let written = Response::ok(info).to_xml();
    let parsed = parse_response(&written).unwrap().info.unwrap();
    assert_eq!(parsed.schema(), Some(RESPONSE_SCHEMA));
    assert_eq!(ApplicationSettings::parse_info_xml(parsed.inner_xml).unwrap(), settings());
    let empty = ApplicationSettings { app_settings_xml: Some(String::new()), selected_record_id: None };
    assert_eq!(ApplicationSettings::parse_info_xml(&empty.to_info().inner_xml).unwrap(), empty);
    assert_eq!(ApplicationSettings::default().to_info().inner_xml, "");
    assert_eq!(ApplicationSettings::parse_info_xml("").unwrap(), ApplicationSettings::default());
}

#[test]
fn reads_the_stored_settings() {
    let stored = PersonApplicationSettings {
        person_id: PersonId::parse("f2455640-2294-4e8f-99b0-a386fd478699").unwrap(),
        application_id: ApplicationId::parse("05a059c9-c309-46af-9b86-b06d42510550").unwrap(),
        settings_xml: settings().app_settings_xml,
        selected_record_id: settings().selected_record_id,
        updated_at: datetime!(2026-01-02 03:04:05 UTC),
    };
    assert_eq!(ApplicationSettings::from_stored(&stored), settings());
}

#[test]
fn reads_the_sdk_sample() {
    let Some(docs) = ReferenceDocs::locate("AppSettingsSample.xml") else {
        return;
    };
    let sample = docs.read("wire-samples/dotnetstandard-sdk-unittest-samples/AppSettingsSample.xml");
    let info = parse_info_element(sample.trim()).unwrap();
    assert_eq!(info.schema(), Some(RESPONSE_SCHEMA));
    let parsed = ApplicationSettings::parse_info_xml(info.inner_xml).unwrap();
    assert_eq!(parsed.app_settings_xml, None);
    assert_eq!(parsed.selected_record_id, settings().selected_record_id);
}

#[test]
fn requests_have_no_parameters() {
    let body = concat!(
        r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header>"#,
        "<method>GetApplicationSettings</method><method-version>1</method-version></header>",
        "<info/></wc-request:request>"
    );
    assert_eq!(
        GetApplicationSettingsRequest::from_request(&parse_request(body).unwrap()),
        Ok(GetApplicationSettingsRequest)
    );
    let version_two = body.replace("<method-version>1<", "<method-version>2<");
    assert_eq!(
        GetApplicationSettingsRequest::from_request(&parse_request(&version_two).unwrap()),
        Err(WireError::UnsupportedMethodVersion { method: METHOD, version: 2 })
    );
    assert!(matches!(
        ApplicationSettings::parse_info_xml("<selected-record-id>none</selected-record-id>"),
        Err(WireError::InvalidGuid { element: "selected-record-id", .. })
    ));
}

#[test]
fn responses_validate_against_the_xsd() {
    let Some(docs) = ReferenceDocs::locate("GetApplicationSettings XSD validation") else {
        return;
    };
    let Some(xmllint) = Xmllint::locate("GetApplicationSettings XSD validation", &docs) else {
        return;
    };
    for settings in [settings(), ApplicationSettings::default()] {
        let info = settings.to_info();
        let standalone = format!(r#"<wc:info xmlns:wc="{}">{}</wc:info>"#, info.namespace(), info.inner_xml);
        if let Err(report) = xmllint.validate("response-getapplicationsettings.xsd", &standalone) {
            panic!("GetApplicationSettings does not validate:\n{report}");
        }
    }
}
