//! GetEventSubscriptions (version 1): every subscription of the calling application (protocol
//! notes, section 15). The request has no parameters (there is no method schema; clients send
//! `<info/>`); the answer (`response-geteventsubscriptions.xsd`) always holds `subscriptions`,
//! possibly empty, each [`Subscription`] with its `common/id`.

use super::subscription::Subscription;
use crate::error::WireError;
use crate::request::Request;
use crate::response::ResponseInfo;
use crate::xml::{XmlBuilder, children_named, parse_document, required_child};

/// The method name.
pub const METHOD: &str = "GetEventSubscriptions";

/// The response schema.
pub const RESPONSE_SCHEMA: &str = "GetEventSubscriptions";

/// The request, which has no parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetEventSubscriptionsRequest;

impl GetEventSubscriptionsRequest {
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

/// The answer: `subscriptions{subscription*}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetEventSubscriptionsResponse {
    /// The application's subscriptions, in the order the platform lists them.
    pub subscriptions: Vec<Subscription>,
}

impl GetEventSubscriptionsResponse {
    /// The answer's `wc:info`, in the `GetEventSubscriptions` schema.
    pub fn to_info(&self) -> ResponseInfo {
        let mut builder = XmlBuilder::new();
        builder.start("subscriptions");
        for subscription in &self.subscriptions {
            subscription.write(&mut builder);
        }
        builder.end("subscriptions");
        ResponseInfo::new(RESPONSE_SCHEMA, builder.finish())
    }

    /// Reads the inner XML of the answer's `wc:info` (for the SDK and tests).
    pub fn parse_info_xml(inner_xml: &str) -> Result<Self, WireError> {
        let wrapped = format!("<info>{inner_xml}</info>");
        let document = parse_document(&wrapped)?;
        let list = required_child(document.root_element(), "info", "subscriptions")?;
        let subscriptions = children_named(list, "subscription").map(Subscription::read).collect::<Result<_, _>>()?;
        Ok(Self { subscriptions })
    }
}

#[cfg(test)]
mod tests;
