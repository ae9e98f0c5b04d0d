//! DeletePendingConnectRequest (version 1): the calling application withdraws a connect
//! request nobody has validated yet, for instance because the identity code was lost (protocol
//! notes, section 13). The request (`method-deletependingconnectrequest.xsd`) is
//! `external-id`; the answer has no `wc:info`.

use super::connect_fields::required_connect_text;
use crate::error::WireError;
use crate::request::Request;
use crate::xml::{XmlBuilder, parse_document};

/// The method name.
pub const METHOD: &str = "DeletePendingConnectRequest";

/// The request's info: `external-id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletePendingConnectRequestRequest {
    /// The external id the application gave the connect request, as sent, not blank.
    pub external_id: String,
}

impl DeletePendingConnectRequestRequest {
    /// Reads the typed request from a parsed envelope.
    pub fn from_request(request: &Request<'_>) -> Result<Self, WireError> {
        let info = request.info_xml().ok_or(WireError::MissingElement { parent: "request", element: "info" })?;
        Self::parse_info(request.method_version(), info)
    }

    /// Reads `<info>...</info>` for `version` (only 1 exists).
    pub fn parse_info(version: u32, info_xml: &str) -> Result<Self, WireError> {
        if version != 1 {
            return Err(WireError::UnsupportedMethodVersion { method: METHOD, version });
        }
        let document = parse_document(info_xml)?;
        Ok(Self { external_id: required_connect_text(document.root_element(), "external-id")? })
    }

    /// Writes `<info>...</info>` as a client sends it.
    pub fn to_info_xml(&self) -> String {
        let mut builder = XmlBuilder::new();
        builder.start("info");
        builder.text_element("external-id", &self.external_id);
        builder.end("info");
        builder.finish()
    }
}

#[cfg(test)]
mod tests;
