//! SubscribeToEvent (version 1): the calling application subscribes to changes of things of
//! some types in the records it is authorized for (protocol notes, section 15). The request
//! (`method-subscribetoevent.xsd`) is a [`Subscription`], normally without `common/id`; the
//! answer (`response-subscribetoevent.xsd`) is the new subscription's id. An id sent in the
//! request is read like any other element; ignoring it is the domain's business.

use super::subscription::{
    Subscription, parse_subscription_id, parse_subscription_info, subscription_from_request, subscription_info_xml,
};
use crate::error::WireError;
use crate::request::Request;
use crate::response::ResponseInfo;
use crate::xml::{XmlBuilder, parse_document, required_child, text_of};

/// The method name.
pub const METHOD: &str = "SubscribeToEvent";

/// The response schema.
pub const RESPONSE_SCHEMA: &str = "SubscribeToEvent";

/// The request's info: `subscription`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribeToEventRequest {
    /// The subscription to create.
    pub subscription: Subscription,
}

impl SubscribeToEventRequest {
    /// Reads the typed request from a parsed envelope.
    pub fn from_request(request: &Request<'_>) -> Result<Self, WireError> {
        Ok(Self { subscription: subscription_from_request(METHOD, request)? })
    }

    /// Reads `<info>...</info>` for `version` (only 1 exists).
    pub fn parse_info(version: u32, info_xml: &str) -> Result<Self, WireError> {
        Ok(Self { subscription: parse_subscription_info(METHOD, version, info_xml)? })
    }

    /// Writes `<info>...</info>` as a client sends it.
    pub fn to_info_xml(&self) -> String {
        subscription_info_xml(&self.subscription)
    }
}

/// The answer: `subscription-id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribeToEventResponse {
    /// The new subscription's id, lower-case hyphenated.
    pub subscription_id: String,
}

impl SubscribeToEventResponse {
    /// The answer's `wc:info`, in the `SubscribeToEvent` schema.
    pub fn to_info(&self) -> ResponseInfo {
        let mut builder = XmlBuilder::new();
        builder.text_element("subscription-id", &self.subscription_id);
        ResponseInfo::new(RESPONSE_SCHEMA, builder.finish())
    }

    /// Reads the inner XML of the answer's `wc:info` (for the SDK and tests).
    pub fn parse_info_xml(inner_xml: &str) -> Result<Self, WireError> {
        let wrapped = format!("<info>{inner_xml}</info>");
        let document = parse_document(&wrapped)?;
        let text = text_of(required_child(document.root_element(), "info", "subscription-id")?);
        Ok(Self { subscription_id: parse_subscription_id("subscription-id", &text)? })
    }
}

#[cfg(test)]
pub(crate) mod tests;
