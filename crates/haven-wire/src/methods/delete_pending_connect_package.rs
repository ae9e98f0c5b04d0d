//! DeletePendingConnectPackage (version 1): the calling application withdraws a DOPU package
//! nobody has picked up yet (protocol notes, section 14). The request
//! (`method-deletependingconnectpackage.xsd`) is a choice of `identity-code` (one package) or
//! `external-id` (the application may hold several packages under one external id); the
//! answer has no `wc:info`.

use super::connect_fields::ConnectItemSelector;
use crate::error::WireError;
use crate::request::Request;
use crate::xml::{XmlBuilder, parse_document};

/// The method name.
pub const METHOD: &str = "DeletePendingConnectPackage";

/// The element that names packages by external id.
const EXTERNAL_ID: &str = "external-id";

/// The request's info.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletePendingConnectPackageRequest {
    /// The package to delete: by `identity-code`, or by `external-id`. Exactly one is sent.
    pub package: ConnectItemSelector,
}

impl DeletePendingConnectPackageRequest {
    /// Reads the typed request from a parsed envelope.
    pub fn from_request(request: &Request<'_>) -> Result<Self, WireError> {
        let info = request.info_xml().ok_or(WireError::MissingElement { parent: "request", element: "info" })?;
        Self::parse_info(request.method_version(), info)
    }

    /// Reads `<info>...</info>` for `version` (only 1 exists). Both `identity-code` and
    /// `external-id` is an `InvalidValue` error naming `external-id`; neither is a
    /// `MissingElement` naming `identity-code`.
    pub fn parse_info(version: u32, info_xml: &str) -> Result<Self, WireError> {
        if version != 1 {
            return Err(WireError::UnsupportedMethodVersion { method: METHOD, version });
        }
        let document = parse_document(info_xml)?;
        Ok(Self { package: ConnectItemSelector::parse(document.root_element(), EXTERNAL_ID)? })
    }

    /// Writes `<info>...</info>` as a client sends it.
    pub fn to_info_xml(&self) -> String {
        let mut builder = XmlBuilder::new();
        builder.start("info");
        self.package.write(&mut builder, EXTERNAL_ID);
        builder.end("info");
        builder.finish()
    }
}

#[cfg(test)]
mod tests;
