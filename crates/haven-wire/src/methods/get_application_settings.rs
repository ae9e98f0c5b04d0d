//! GetApplicationSettings (version 1): what the calling application keeps for the person, its
//! own settings XML (`app-settings`, any content, returned verbatim) and the record the person
//! selected for it (`selected-record-id`). The request has no parameters; the answer may be
//! an empty `wc:info` when nothing is stored.
//!
//! The settings are kept as the exact text between `<app-settings>` and `</app-settings>`.
//! Namespace prefixes used inside must be declared inside, as they are when the .NET SDK
//! writes an `app-settings` document of its own.

use haven_domain::application::PersonApplicationSettings;
use haven_domain::ids::RecordId;

use crate::error::WireError;
use crate::request::Request;
use crate::response::ResponseInfo;
use crate::thing_xml::parse_guid;
use crate::xml::{XmlBuilder, inner_range, optional_child, optional_text, parse_document};

/// The method name.
pub const METHOD: &str = "GetApplicationSettings";

/// The response schema.
pub const RESPONSE_SCHEMA: &str = "GetApplicationSettings";

/// The request, which has no parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetApplicationSettingsRequest;

impl GetApplicationSettingsRequest {
    /// Checks the version of a parsed envelope; any `<info>` content is ignored.
    pub fn from_request(request: &Request<'_>) -> Result<Self, WireError> {
        match request.method_version() {
            1 => Ok(Self),
            version => Err(WireError::UnsupportedMethodVersion { method: METHOD, version }),
        }
    }

    /// Writes `<info/>` as a client sends it.
    pub fn to_info_xml(&self) -> String {
        "<info/>".to_owned()
    }
}

/// The answer: `app-settings?`, `selected-record-id?`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApplicationSettings {
    /// The inner XML of `app-settings`, verbatim; `None` writes no `app-settings`.
    pub app_settings_xml: Option<String>,
    /// `selected-record-id`.
    pub selected_record_id: Option<RecordId>,
}

impl ApplicationSettings {
    /// What is stored for one person and application.
    pub fn from_stored(stored: &PersonApplicationSettings) -> Self {
        Self { app_settings_xml: stored.settings_xml.clone(), selected_record_id: stored.selected_record_id }
    }

    /// The answer's `wc:info`, in the `GetApplicationSettings` schema.
    pub fn to_info(&self) -> ResponseInfo {
        let mut builder = XmlBuilder::new();
        if let Some(settings) = &self.app_settings_xml {
            builder.start("app-settings");
            builder.raw(settings);
            builder.end("app-settings");
        }
        if let Some(record) = self.selected_record_id {
            builder.text_element("selected-record-id", &record.to_string());
        }
        ResponseInfo::new(RESPONSE_SCHEMA, builder.finish())
    }

    /// Reads the inner XML of the answer's `wc:info` (for the SDK and tests).
    pub fn parse_info_xml(inner_xml: &str) -> Result<Self, WireError> {
        let wrapped = format!("<info>{inner_xml}</info>");
        let document = parse_document(&wrapped)?;
        let info = document.root_element();
        Ok(Self {
            app_settings_xml: optional_child(info, "info", "app-settings")?
                .map(|settings| wrapped.get(inner_range(settings)).unwrap_or_default().to_owned()),
            selected_record_id: optional_text(info, "info", "selected-record-id")?
                .map(|text| parse_guid("selected-record-id", &text, RecordId::parse))
                .transpose()?,
        })
    }
}

#[cfg(test)]
mod tests;
