//! The subscription manager: creates, lists, changes and deletes the application's
//! subscriptions (the Eventing method group, through haven-sdk) and keeps their keys in the
//! keyring. A new key is saved before the Platform hears of it, since the Platform may sign
//! with it as soon as it answers.

use std::path::Path;

use haven_domain::ids::ThingTypeId;
use haven_domain::thing_type;
use haven_sdk::Connection;
use haven_wire::methods::subscription::{
    DeliveryFormat, KeyVersionId, RecordItemChangedFilter, SharedKey, Subscription,
};
use time::OffsetDateTime;
use url::Url;

use crate::error::EventingError;
use crate::keyring::{self, generate_key};

/// Reads a thing type given by id (a GUID) or by name, case-insensitive, with hyphens or
/// underscores for spaces (`weight`, `blood-pressure`, `"Blood glucose"`).
pub fn parse_thing_type(text: &str) -> Result<ThingTypeId, EventingError> {
    let text = text.trim();
    if let Ok(type_id) = ThingTypeId::parse(text) {
        return Ok(type_id);
    }
    thing_type::by_name(text)
        .or_else(|| thing_type::by_name(&text.replace(['-', '_'], " ")))
        .map(|thing_type| thing_type.id)
        .ok_or_else(|| EventingError::UnknownThingType(text.to_owned()))
}

/// Every type a subscription watches, once, in the order first listed.
pub fn watched_types(subscription: &Subscription) -> Vec<ThingTypeId> {
    let mut types = Vec::new();
    for type_id in subscription.filters.iter().flat_map(|filter| &filter.type_ids) {
        if !types.contains(type_id) {
            types.push(*type_id);
        }
    }
    types
}

/// A subscription to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSubscription {
    /// Where notifications go.
    pub url: Url,
    /// The types whose changes are notified (one filter; a change of any of them counts).
    pub types: Vec<ThingTypeId>,
    /// How notifications are delivered.
    pub format: DeliveryFormat,
}

/// A subscription created, or changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscribed {
    /// Its id.
    pub subscription_id: String,
    /// The key version it signs with now.
    pub key_version: KeyVersionId,
}

/// SubscribeToEvent with a new 64-byte key, kept in the keyring at `keyring_path` (first as
/// pending, then as the new subscription's).
pub async fn subscribe(
    connection: &Connection,
    keyring_path: &Path,
    new: &NewSubscription,
) -> Result<Subscribed, EventingError> {
    let now = OffsetDateTime::now_utc();
    let key = generate_key(now)?;
    keyring::update(keyring_path, |keyring| keyring.add_pending(&key))?;
    let subscription = Subscription {
        id: None,
        shared_key: SharedKey { key: key.key.clone(), version_id: key.version.clone() },
        url: new.url.to_string(),
        delivery_format: new.format,
        filters: vec![RecordItemChangedFilter { type_ids: new.types.clone() }],
    };
    let subscription_id = match connection.subscribe_to_event(&subscription).await {
        Ok(subscription_id) => subscription_id,
        Err(error) => {
            keyring::update(keyring_path, |keyring| keyring.remove_pending(&key.version))?;
            return Err(error.into());
        }
    };
    keyring::update(keyring_path, |keyring| {
        keyring.assign(&subscription_id, &key.version, &key.key, new.format, now);
    })?;
    Ok(Subscribed { subscription_id, key_version: key.version })
}

/// GetEventSubscriptions: the application's subscriptions in the instance.
pub async fn list(connection: &Connection) -> Result<Vec<Subscription>, EventingError> {
    Ok(connection.event_subscriptions().await?)
}

/// The application's subscription `subscription_id`, from GetEventSubscriptions.
pub async fn find(connection: &Connection, subscription_id: &str) -> Result<Subscription, EventingError> {
    let subscription_id = normalize_subscription_id(subscription_id)?;
    list(connection)
        .await?
        .into_iter()
        .find(|subscription| subscription.id.as_deref() == Some(subscription_id.as_str()))
        .ok_or(EventingError::NoSuchSubscription(subscription_id))
}

/// What to change in a subscription; `None` keeps what it has.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SubscriptionChange {
    /// A new notification URL.
    pub url: Option<Url>,
    /// New types to watch (replacing the filters).
    pub types: Option<Vec<ThingTypeId>>,
    /// A new delivery format.
    pub format: Option<DeliveryFormat>,
    /// Give the subscription a new key (and key version), keeping the old key in the keyring
    /// so notifications signed with it before the change still verify.
    pub rotate_key: bool,
}

/// UpdateEventSubscription: the subscription as GetEventSubscriptions lists it, with
/// `change` applied. The keyring learns the key the subscription keeps when it lacked it.
pub async fn update(
    connection: &Connection,
    keyring_path: &Path,
    subscription_id: &str,
    change: &SubscriptionChange,
) -> Result<Subscribed, EventingError> {
    let now = OffsetDateTime::now_utc();
    let mut subscription = find(connection, subscription_id).await?;
    let subscription_id = subscription.id.clone().unwrap_or_default();
    if let Some(url) = &change.url {
        subscription.url = url.to_string();
    }
    if let Some(types) = &change.types {
        subscription.filters = vec![RecordItemChangedFilter { type_ids: types.clone() }];
    }
    if let Some(format) = change.format {
        subscription.delivery_format = format;
    }
    let format = subscription.delivery_format;
    if change.rotate_key {
        let key = generate_key(now)?;
        let before = keyring::load(keyring_path)?;
        let mut rotated = before.clone();
        rotated.rotate(&subscription_id, &key, format, now);
        keyring::save(keyring_path, &rotated)?;
        subscription.shared_key = SharedKey { key: key.key.clone(), version_id: key.version.clone() };
        if let Err(error) = connection.update_event_subscription(&subscription).await {
            // The Platform still signs with the old key, which `before` has as current.
            keyring::save(keyring_path, &before)?;
            return Err(error.into());
        }
        return Ok(Subscribed { subscription_id, key_version: key.version });
    }
    let shared_key = subscription.shared_key.clone();
    keyring::update(keyring_path, |keyring| {
        keyring.assign(&subscription_id, &shared_key.version_id, &shared_key.key, format, now);
    })?;
    connection.update_event_subscription(&subscription).await?;
    Ok(Subscribed { subscription_id, key_version: shared_key.version_id })
}

/// UnsubscribeToEvent, then forgets the subscription's keys.
pub async fn delete(connection: &Connection, keyring_path: &Path, subscription_id: &str) -> Result<(), EventingError> {
    let subscription_id = normalize_subscription_id(subscription_id)?;
    connection.unsubscribe_to_event(&subscription_id).await?;
    keyring::update(keyring_path, |keyring| keyring.remove_subscription(&subscription_id))?;
    Ok(())
}

/// A subscription id as the Platform writes it: a lower-case hyphenated GUID.
pub fn normalize_subscription_id(text: &str) -> Result<String, EventingError> {
    uuid::Uuid::parse_str(text.trim())
        .map(|uuid| uuid.hyphenated().to_string())
        .map_err(|_| EventingError::InvalidSubscriptionId(text.to_owned()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

    use haven_domain::thing_type::{BLOOD_PRESSURE, WEIGHT};

    use super::*;

    #[test]
    fn thing_types_are_read_by_id_or_name() {
        assert_eq!(parse_thing_type("Weight").unwrap(), WEIGHT);
        assert_eq!(parse_thing_type(&WEIGHT.to_string()).unwrap(), WEIGHT);
        assert_eq!(parse_thing_type("blood-pressure").unwrap(), BLOOD_PRESSURE);
        assert!(matches!(parse_thing_type("mood"), Err(EventingError::UnknownThingType(_))));
    }
}
