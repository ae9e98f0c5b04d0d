//! SetApplicationSettings (version 1): stores the calling application's settings XML for the
//! person. The answer has no `wc:info`.
//!
//! The request is `app-settings?` (any content, kept verbatim: the exact text between the
//! tags). The .NET SDK sends the application's own `<app-settings>` document, or an empty
//! `<app-settings />` to clear the settings. Haven also accepts a `selected-record-id` after
//! it, which the published schema lacks, so an application can record the person's choice;
//! the SDK writes it only when set, so requests without it stay schema-valid.

use haven_domain::ids::RecordId;

use crate::error::WireError;
use crate::request::Request;
use crate::thing_xml::parse_guid;
use crate::xml::{XmlBuilder, inner_range, optional_child, optional_text, parse_document};

/// The method name.
pub const METHOD: &str = "SetApplicationSettings";

/// The request's info.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SetApplicationSettingsRequest {
    /// The inner XML of `app-settings`, verbatim. `Some("")` (an empty element) clears the
    /// settings; `None` (no element) leaves them as they are.
    pub app_settings_xml: Option<String>,
    /// `selected-record-id` (a Haven extension): the record the person selected.
    pub selected_record_id: Option<RecordId>,
}

impl SetApplicationSettingsRequest {
    /// Reads the typed request from a parsed envelope; no `<info>` sets nothing.
    pub fn from_request(request: &Request<'_>) -> Result<Self, WireError> {
        Self::parse_info(request.method_version(), request.info_xml().unwrap_or("<info/>"))
    }

    /// Reads `<info>...</info>` for `version` (only 1 exists).
    pub fn parse_info(version: u32, info_xml: &str) -> Result<Self, WireError> {
        if version != 1 {
            return Err(WireError::UnsupportedMethodVersion { method: METHOD, version });
        }
        let document = parse_document(info_xml)?;
        let info = document.root_element();
        Ok(Self {
            app_settings_xml: optional_child(info, "info", "app-settings")?
                .map(|settings| info_xml.get(inner_range(settings)).unwrap_or_default().to_owned()),
            selected_record_id: optional_text(info, "info", "selected-record-id")?
                .map(|text| parse_guid("selected-record-id", &text, RecordId::parse))
                .transpose()?,
        })
    }

    /// Writes `<info>...</info>` as a client sends it. `app_settings_xml` must be well-formed
    /// element content; it is written as is.
    pub fn to_info_xml(&self) -> String {
        let mut builder = XmlBuilder::new();
        builder.start("info");
        if let Some(settings) = &self.app_settings_xml {
            builder.start("app-settings");
            builder.raw(settings);
            builder.end("app-settings");
        }
        if let Some(record) = self.selected_record_id {
            builder.text_element("selected-record-id", &record.to_string());
        }
        builder.end("info");
        builder.finish()
    }
}

#[cfg(test)]
mod tests;
