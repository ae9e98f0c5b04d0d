//! UnsubscribeToEvent (version 1): the calling application removes one of its subscriptions
//! (protocol notes, section 15). The request (`method-unsubscribetoevent.xsd`) is
//! `<subscription-id>`; the platform answers SUBSCRIPTION_NOT_FOUND if the application has none
//! by that id. The answer has no `wc:info`.

use super::subscription::parse_subscription_id;
use crate::error::WireError;
use crate::request::Request;
use crate::xml::{XmlBuilder, parse_document, required_child, text_of};

/// The method name.
pub const METHOD: &str = "UnsubscribeToEvent";

/// The request's info: `subscription-id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsubscribeToEventRequest {
    /// The subscription to remove, lower-case hyphenated.
    pub subscription_id: String,
}

impl UnsubscribeToEventRequest {
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
        let text = text_of(required_child(document.root_element(), "info", "subscription-id")?);
        Ok(Self { subscription_id: parse_subscription_id("subscription-id", &text)? })
    }

    /// Writes `<info>...</info>` as a client sends it.
    pub fn to_info_xml(&self) -> String {
        let mut builder = XmlBuilder::new();
        builder.start("info");
        builder.text_element("subscription-id", &self.subscription_id);
        builder.end("info");
        builder.finish()
    }
}

#[cfg(test)]
mod tests;
