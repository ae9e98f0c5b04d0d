//! UpdateExternalId (version 1): the calling application gives one of its connect requests or
//! DOPU packages a new external id (protocol notes, sections 13 and 14). The request
//! (`method-updateexternalid.xsd`) names the item by a choice of `identity-code` or
//! `old-external-id`, then `new-external-id`; the answer has no `wc:info`.

use super::connect_fields::{ConnectItemSelector, required_connect_text};
use crate::error::WireError;
use crate::request::Request;
use crate::xml::{XmlBuilder, parse_document};

/// The method name.
pub const METHOD: &str = "UpdateExternalId";

/// The element that names the item by its current external id.
const OLD_EXTERNAL_ID: &str = "old-external-id";

/// The request's info.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateExternalIdRequest {
    /// The item to change: by `identity-code`, or by `old-external-id`
    /// ([`ConnectItemSelector::ExternalId`]). Exactly one is sent.
    pub item: ConnectItemSelector,
    /// `new-external-id`, as sent, not blank.
    pub new_external_id: String,
}

impl UpdateExternalIdRequest {
    /// Reads the typed request from a parsed envelope.
    pub fn from_request(request: &Request<'_>) -> Result<Self, WireError> {
        let info = request.info_xml().ok_or(WireError::MissingElement { parent: "request", element: "info" })?;
        Self::parse_info(request.method_version(), info)
    }

    /// Reads `<info>...</info>` for `version` (only 1 exists). Both `identity-code` and
    /// `old-external-id` is an `InvalidValue` error naming `old-external-id`; neither is a
    /// `MissingElement` naming `identity-code`.
    pub fn parse_info(version: u32, info_xml: &str) -> Result<Self, WireError> {
        if version != 1 {
            return Err(WireError::UnsupportedMethodVersion { method: METHOD, version });
        }
        let document = parse_document(info_xml)?;
        let info = document.root_element();
        Ok(Self {
            item: ConnectItemSelector::parse(info, OLD_EXTERNAL_ID)?,
            new_external_id: required_connect_text(info, "new-external-id")?,
        })
    }

    /// Writes `<info>...</info>` as a client sends it.
    pub fn to_info_xml(&self) -> String {
        let mut builder = XmlBuilder::new();
        builder.start("info");
        self.item.write(&mut builder, OLD_EXTERNAL_ID);
        builder.text_element("new-external-id", &self.new_external_id);
        builder.end("info");
        builder.finish()
    }
}

#[cfg(test)]
mod tests;
