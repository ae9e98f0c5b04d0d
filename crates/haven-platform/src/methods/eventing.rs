//! The Eventing method group: SubscribeToEvent, GetEventSubscriptions,
//! UpdateEventSubscription and UnsubscribeToEvent (v1), application-only calls that manage
//! the calling application's subscriptions in this instance. A subscription's URL must be
//! HTTPS under the root of the application's action URL (or, with the development setting,
//! plain HTTP on loopback), its key 16 to 64 bytes and its types known; an application has
//! at most `MAX_SUBSCRIPTIONS_PER_APPLICATION` (status 133 beyond), and anything else wrong
//! is SUBSCRIPTION_INVALID (134). Only the application's own subscriptions are listed,
//! changed or deleted; another's id is "not found" (134), revealing nothing.

use std::collections::BTreeSet;

use haven_domain::application::Application;
use haven_domain::eventing::{
    DeliveryFormat, KeyVersion, MAX_SUBSCRIPTIONS_PER_APPLICATION, NotificationKey, Subscription, SubscriptionId,
    check_subscription, check_url,
};
use haven_domain::ids::ThingTypeId;
use haven_domain::thing_type;
use haven_wire::methods::get_event_subscriptions::{GetEventSubscriptionsRequest, GetEventSubscriptionsResponse};
use haven_wire::methods::subscribe_to_event::{SubscribeToEventRequest, SubscribeToEventResponse};
use haven_wire::methods::subscription::{self as wire, KeyVersionId, RecordItemChangedFilter, SharedKey};
use haven_wire::methods::unsubscribe_to_event::UnsubscribeToEventRequest;
use haven_wire::methods::update_event_subscription::UpdateEventSubscriptionRequest;
use haven_wire::{Request, Response};

use crate::AppState;
use crate::auth::AuthenticatedCall;
use crate::error::PlatformError;

/// SubscribeToEvent: adds a subscription with a new id.
pub(crate) async fn subscribe(
    state: &AppState,
    request: &Request<'_>,
    call: &AuthenticatedCall,
) -> Result<Response, PlatformError> {
    let parameters = SubscribeToEventRequest::from_request(request)?;
    let id = SubscriptionId::from_uuid(uuid::Uuid::new_v4());
    let subscription = to_domain(state, &call.application, id, &parameters.subscription)?;
    state.platform.store.add_subscription(&subscription, MAX_SUBSCRIPTIONS_PER_APPLICATION).await?;
    tracing::info!(application = %call.application.id, subscription = %id, "subscribed to events");
    Ok(Response::ok(SubscribeToEventResponse { subscription_id: id.to_string() }.to_info()))
}

/// GetEventSubscriptions: the application's subscriptions, oldest first.
pub(crate) async fn list(
    state: &AppState,
    request: &Request<'_>,
    call: &AuthenticatedCall,
) -> Result<Response, PlatformError> {
    GetEventSubscriptionsRequest::from_request(request)?;
    let subscriptions = state.platform.store.subscriptions_of_application(call.application.id).await?;
    let subscriptions = subscriptions.iter().map(to_wire).collect();
    Ok(Response::ok(GetEventSubscriptionsResponse { subscriptions }.to_info()))
}

/// UpdateEventSubscription: replaces one of the application's subscriptions, keeping its id
/// and creation time.
pub(crate) async fn update(
    state: &AppState,
    request: &Request<'_>,
    call: &AuthenticatedCall,
) -> Result<Response, PlatformError> {
    let parameters = UpdateEventSubscriptionRequest::from_request(request)?;
    let id = own_subscription_id(parameters.subscription_id().unwrap_or_default())?;
    let existing = own_subscription(state, call, id).await?;
    let mut subscription = to_domain(state, &call.application, id, &parameters.subscription)?;
    subscription.created_at = existing.created_at;
    if !state.platform.store.update_subscription(&subscription).await? {
        return Err(not_found(id));
    }
    tracing::info!(application = %call.application.id, subscription = %id, "event subscription updated");
    Ok(Response::ok_without_info())
}

/// UnsubscribeToEvent: deletes one of the application's subscriptions and its undelivered
/// notifications.
pub(crate) async fn unsubscribe(
    state: &AppState,
    request: &Request<'_>,
    call: &AuthenticatedCall,
) -> Result<Response, PlatformError> {
    let parameters = UnsubscribeToEventRequest::from_request(request)?;
    let id = own_subscription_id(&parameters.subscription_id)?;
    if !state.platform.store.delete_subscription(call.application.id, id).await? {
        return Err(not_found(id));
    }
    tracing::info!(application = %call.application.id, subscription = %id, "unsubscribed from events");
    Ok(Response::ok_without_info())
}

fn not_found(id: SubscriptionId) -> PlatformError {
    PlatformError::InvalidSubscription(format!("the application has no subscription {id}"))
}

fn own_subscription_id(text: &str) -> Result<SubscriptionId, PlatformError> {
    uuid::Uuid::parse_str(text.trim())
        .map(SubscriptionId::from_uuid)
        .map_err(|_| PlatformError::InvalidSubscription(format!("{:?} is not a subscription id", text.trim())))
}

async fn own_subscription(
    state: &AppState,
    call: &AuthenticatedCall,
    id: SubscriptionId,
) -> Result<Subscription, PlatformError> {
    match state.platform.store.subscription(id).await? {
        Some(subscription) if subscription.application_id == call.application.id => Ok(subscription),
        _ => Err(not_found(id)),
    }
}

/// The domain's subscription for what `application` sent, checked.
fn to_domain(
    state: &AppState,
    application: &Application,
    id: SubscriptionId,
    sent: &wire::Subscription,
) -> Result<Subscription, PlatformError> {
    let invalid = |message: String| PlatformError::InvalidSubscription(message);
    let url = url::Url::parse(sent.url.trim())
        .map_err(|error| invalid(format!("the notification URL {:?} is not a URL: {error}", sent.url)))?;
    check_url(&url, application.action_url.as_ref(), state.platform.eventing_urls)
        .map_err(|error| invalid(error.to_string()))?;
    let key = NotificationKey::new(sent.shared_key.key.clone()).map_err(|error| invalid(error.to_string()))?;
    let key_version =
        KeyVersion::parse(sent.shared_key.version_id.as_str()).map_err(|error| invalid(error.to_string()))?;
    let mut type_filters = Vec::with_capacity(sent.filters.len());
    for filter in &sent.filters {
        let types: BTreeSet<ThingTypeId> = filter.type_ids.iter().copied().collect();
        if let Some(unknown) = types.iter().find(|type_id| thing_type::by_id(**type_id).is_none()) {
            return Err(PlatformError::InvalidThingType(*unknown));
        }
        type_filters.push(types);
    }
    let subscription = Subscription {
        id,
        application_id: application.id,
        url,
        key,
        key_version,
        type_filters,
        format: match sent.delivery_format {
            wire::DeliveryFormat::HealthVault => DeliveryFormat::HealthVault,
            wire::DeliveryFormat::StandardWebhooks => DeliveryFormat::StandardWebhooks,
        },
        created_at: state.platform.clock.now(),
    };
    check_subscription(&subscription).map_err(|error| invalid(error.to_string()))?;
    Ok(subscription)
}

/// The wire form of a stored subscription, as GetEventSubscriptions lists it.
fn to_wire(subscription: &Subscription) -> wire::Subscription {
    wire::Subscription {
        id: Some(subscription.id.to_string()),
        shared_key: SharedKey {
            key: subscription.key.as_bytes().to_vec(),
            // A stored key version was checked by the domain, whose rule is the wire's.
            version_id: KeyVersionId::parse(subscription.key_version.as_str())
                .unwrap_or_else(|_| unreachable!("key versions are checked on the way in")),
        },
        url: subscription.url.to_string(),
        delivery_format: match subscription.format {
            DeliveryFormat::HealthVault => wire::DeliveryFormat::HealthVault,
            DeliveryFormat::StandardWebhooks => wire::DeliveryFormat::StandardWebhooks,
        },
        filters: subscription
            .type_filters
            .iter()
            .map(|types| RecordItemChangedFilter { type_ids: types.iter().copied().collect() })
            .collect(),
    }
}
