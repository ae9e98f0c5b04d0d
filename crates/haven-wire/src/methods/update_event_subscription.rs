//! UpdateEventSubscription (version 1): the calling application replaces one of its
//! subscriptions (protocol notes, section 15). The request (`method-updateeventsubscription.xsd`)
//! is a whole [`Subscription`] whose `common/id` names the one to replace; the platform answers
//! SUBSCRIPTION_NOT_FOUND if the application has none by that id. The answer has no `wc:info`.

use super::subscription::{Subscription, parse_subscription_info, subscription_from_request, subscription_info_xml};
use crate::error::WireError;
use crate::request::Request;

/// The method name.
pub const METHOD: &str = "UpdateEventSubscription";

/// The request's info: `subscription`, with its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateEventSubscriptionRequest {
    /// The subscription's new content. Its `id` is always `Some` in a request read by
    /// [`Self::parse_info`]: the schema makes `common/id` optional, this method needs it.
    pub subscription: Subscription,
}

impl UpdateEventSubscriptionRequest {
    /// Reads the typed request from a parsed envelope.
    pub fn from_request(request: &Request<'_>) -> Result<Self, WireError> {
        Self::require_id(subscription_from_request(METHOD, request)?)
    }

    /// Reads `<info>...</info>` for `version` (only 1 exists); a subscription without a
    /// (non-blank) `common/id` is a `MissingElement` error.
    pub fn parse_info(version: u32, info_xml: &str) -> Result<Self, WireError> {
        Self::require_id(parse_subscription_info(METHOD, version, info_xml)?)
    }

    /// Writes `<info>...</info>` as a client sends it.
    pub fn to_info_xml(&self) -> String {
        subscription_info_xml(&self.subscription)
    }

    /// The id of the subscription to replace.
    pub fn subscription_id(&self) -> Option<&str> {
        self.subscription.id.as_deref()
    }

    fn require_id(subscription: Subscription) -> Result<Self, WireError> {
        if subscription.id.is_none() {
            return Err(WireError::MissingElement { parent: "common", element: "id" });
        }
        Ok(Self { subscription })
    }
}

#[cfg(test)]
mod tests;
