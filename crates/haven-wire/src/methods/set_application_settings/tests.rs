use super::*;
use crate::request::parse_request;
use crate::response::response_schema_name;
use crate::testing::{ReferenceDocs, Xmllint};

const SETTINGS: &str =
    r#"<settings xmlns="urn:example:tracker"><units system="metric"/><goal kg="70">lose &amp; keep</goal></settings>"#;

/// The .NET SDK's `SetApplicationSettingsAsync`: the application's `<app-settings>` document
/// as the info's only child.
#[test]
fn reads_the_dotnet_request_verbatim() {
    let body = format!(
        concat!(
            r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header>"#,
            "<method>SetApplicationSettings</method><method-version>1</method-version></header>",
            "<info><app-settings>{}</app-settings></info></wc-request:request>"
        ),
        SETTINGS
    );
    let request = SetApplicationSettingsRequest::from_request(&parse_request(&body).unwrap()).unwrap();
    assert_eq!(request.app_settings_xml.as_deref(), Some(SETTINGS));
    assert_eq!(request.selected_record_id, None);
    assert_eq!(SetApplicationSettingsRequest::parse_info(1, &request.to_info_xml()).unwrap(), request);
    assert_eq!(response_schema_name(METHOD, 1), None, "SetApplicationSettings answers without wc:info");
}

/// `<app-settings />` (the .NET SDK's "no settings") clears; no element leaves them alone.
#[test]
fn empty_and_absent_settings_differ() {
    let cleared = SetApplicationSettingsRequest::parse_info(1, "<info><app-settings /></info>").unwrap();
    assert_eq!(cleared.app_settings_xml.as_deref(), Some(""));
    let untouched = SetApplicationSettingsRequest::parse_info(1, "<info/>").unwrap();
    assert_eq!(untouched, SetApplicationSettingsRequest::default());
    let selected = SetApplicationSettingsRequest::parse_info(
        1,
        "<info><selected-record-id>7A231675-4E78-451F-B94D-1E05B2A24586</selected-record-id></info>",
    )
    .unwrap();
    assert_eq!(
        selected.selected_record_id.map(|id| id.to_string()).as_deref(),
        Some("7a231675-4e78-451f-b94d-1e05b2a24586")
    );
    assert_eq!(selected.app_settings_xml, None);
    assert_eq!(SetApplicationSettingsRequest::parse_info(1, &selected.to_info_xml()).unwrap(), selected);
}

#[test]
fn bad_requests_are_named() {
    assert!(matches!(
        SetApplicationSettingsRequest::parse_info(1, "<info><app-settings><a></app-settings></info>"),
        Err(WireError::NotWellFormed(_))
    ));
    assert_eq!(
        SetApplicationSettingsRequest::parse_info(1, "<info><app-settings/><app-settings/></info>"),
        Err(WireError::DuplicateElement { parent: "info", element: "app-settings" })
    );
    assert_eq!(
        SetApplicationSettingsRequest::parse_info(2, "<info/>"),
        Err(WireError::UnsupportedMethodVersion { method: METHOD, version: 2 })
    );
}

/// Requests the SDK writes without `selected-record-id` follow the published request schema.
#[test]
fn requests_validate_against_the_xsd() {
    let Some(docs) = ReferenceDocs::locate("SetApplicationSettings XSD validation") else {
        return;
    };
    let Some(xmllint) = Xmllint::locate("SetApplicationSettings XSD validation", &docs) else {
        return;
    };
    let request =
        SetApplicationSettingsRequest { app_settings_xml: Some(SETTINGS.to_owned()), selected_record_id: None };
    let info = request.to_info_xml();
    let qualified =
        info.replacen("<info>", r#"<wc:info xmlns:wc="urn:com.microsoft.wc.methods.SetApplicationSettings">"#, 1);
    let qualified = qualified.replacen("</info>", "</wc:info>", 1);
    if let Err(report) = xmllint.validate("method-setapplicationsettings.xsd", &qualified) {
        panic!("SetApplicationSettings request does not validate:\n{report}");
    }
}
