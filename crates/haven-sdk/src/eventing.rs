//! The Eventing method group's calls (SubscribeToEvent, GetEventSubscriptions,
//! UpdateEventSubscription, UnsubscribeToEvent): an application manages its own subscriptions
//! in the connection's instance, by itself ([`CallAs::Application`]). The application needs
//! the Eventing method group; the Platform refuses a URL outside the root of its action URL,
//! a key of other than 16 to 64 bytes, an unknown type, and a 26th subscription.

use haven_wire::methods::get_event_subscriptions::{self, GetEventSubscriptionsRequest, GetEventSubscriptionsResponse};
use haven_wire::methods::subscribe_to_event::{self, SubscribeToEventRequest, SubscribeToEventResponse};
use haven_wire::methods::subscription::Subscription;
use haven_wire::methods::unsubscribe_to_event::{self, UnsubscribeToEventRequest};
use haven_wire::methods::update_event_subscription::{self, UpdateEventSubscriptionRequest};

use crate::connection::{CallAs, Connection};
use crate::error::SdkError;

impl Connection {
    /// SubscribeToEvent v1: creates `subscription` (its `id` is ignored) and returns the new
    /// subscription's id, lower-case hyphenated. Notifications may arrive as soon as the
    /// Platform answers, so keep the key where the receiver finds it before calling.
    pub async fn subscribe_to_event(&self, subscription: &Subscription) -> Result<String, SdkError> {
        let request = SubscribeToEventRequest { subscription: subscription.clone() };
        let inner =
            self.call(subscribe_to_event::METHOD, 1, &CallAs::Application, None, &request.to_info_xml()).await?;
        Ok(SubscribeToEventResponse::parse_info_xml(&inner)?.subscription_id)
    }

    /// GetEventSubscriptions v1: every subscription of the application in this instance, each
    /// with its id, key and key version, in the order the Platform lists them.
    pub async fn event_subscriptions(&self) -> Result<Vec<Subscription>, SdkError> {
        let request = GetEventSubscriptionsRequest;
        let inner =
            self.call(get_event_subscriptions::METHOD, 1, &CallAs::Application, None, &request.to_info_xml()).await?;
        Ok(GetEventSubscriptionsResponse::parse_info_xml(&inner)?.subscriptions)
    }

    /// UpdateEventSubscription v1: replaces the subscription `subscription.id` names with
    /// `subscription` (URL, key and key version, types, delivery format). The Platform
    /// refuses a subscription without an id, or with one the application does not have.
    pub async fn update_event_subscription(&self, subscription: &Subscription) -> Result<(), SdkError> {
        let request = UpdateEventSubscriptionRequest { subscription: subscription.clone() };
        self.call(update_event_subscription::METHOD, 1, &CallAs::Application, None, &request.to_info_xml()).await?;
        Ok(())
    }

    /// UnsubscribeToEvent v1: deletes the subscription `subscription_id` (a GUID); the
    /// Platform drops its undelivered notifications.
    pub async fn unsubscribe_to_event(&self, subscription_id: &str) -> Result<(), SdkError> {
        let request = UnsubscribeToEventRequest { subscription_id: subscription_id.trim().to_ascii_lowercase() };
        self.call(unsubscribe_to_event::METHOD, 1, &CallAs::Application, None, &request.to_info_xml()).await?;
        Ok(())
    }
}
