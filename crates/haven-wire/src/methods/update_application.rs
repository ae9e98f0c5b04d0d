//! UpdateApplication (versions 1 and 2): a master application changes one of its children
//! (`method-updateapplication.xsd`). The request names the child's `id` and the elements to
//! change, the same elements AddApplication describes a child with (see
//! [`super::add_application`] for which Haven reads and which it ignores); absent elements
//! stay as they are. The method has no response schema: success answers without a `wc:info`.

use haven_domain::ids::ApplicationId;

use super::add_application::ApplicationFields;
use crate::error::WireError;
use crate::request::Request;
use crate::thing_xml::parse_guid;
use crate::xml::{XmlBuilder, parse_document, required_child, text_of};

/// The method name.
pub const METHOD: &str = "UpdateApplication";

/// The request's info.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateApplicationRequest {
    /// The method version, 1 or 2.
    pub version: u32,
    /// `id`: the child to change.
    pub id: ApplicationId,
    /// What to change; `None` fields stay as they are.
    pub fields: ApplicationFields,
}

impl UpdateApplicationRequest {
    /// Reads the typed request from a parsed envelope.
    pub fn from_request(request: &Request<'_>) -> Result<Self, WireError> {
        let info = request.info_xml().ok_or(WireError::MissingElement { parent: "request", element: "info" })?;
        Self::parse_info(request.method_version(), info)
    }

    /// Reads `<info>...</info>` for `version`.
    pub fn parse_info(version: u32, info_xml: &str) -> Result<Self, WireError> {
        if !matches!(version, 1 | 2) {
            return Err(WireError::UnsupportedMethodVersion { method: METHOD, version });
        }
        let document = parse_document(info_xml)?;
        let info = document.root_element();
        let id = parse_guid("id", &text_of(required_child(info, "info", "id")?), ApplicationId::parse)?;
        Ok(Self { version, id, fields: ApplicationFields::read(info)? })
    }

    /// Writes `<info>...</info>` as a client sends it.
    pub fn to_info_xml(&self) -> String {
        let mut builder = XmlBuilder::new();
        builder.start("info");
        builder.text_element("id", &self.id.to_string());
        self.fields.write(&mut builder);
        builder.end("info");
        builder.finish()
    }
}

#[cfg(test)]
mod tests;
