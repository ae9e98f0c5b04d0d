//! Eventing: applications subscribe to changes of things of some types, and the Platform
//! tells them when such a thing is created, updated or deleted in a record they may read
//! offline. A subscription names where notifications go (an HTTPS URL under the
//! application's action URL) and the key they are signed with; a thing change produces one
//! notification per matching subscription and authorizing person, written with the change
//! and delivered later, retried with growing delays until [`DELIVERY_DEADLINE`] after the
//! change.
//!
//! Two signatures exist. HealthVault's `Authorization: HVEventingSharedKey
//! <subscription-id>:<key-version>:<base64 HMAC-SHA256 of the body>`, and, for subscriptions
//! that ask for it, Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature:
//! v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed by the same key), so modern
//! receivers verify with stock libraries.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use time::{Duration, OffsetDateTime};
use url::Url;
use uuid::Uuid;

use crate::auth_rules::Permissions;
use crate::authorization::AppAuthorization;
use crate::ids::{ApplicationId, PersonId, RecordId, ThingId, ThingTypeId};

/// At most this many subscriptions per application and instance; one more is refused
/// (HealthVault's status 133). "Subject to change", as HealthVault said.
pub const MAX_SUBSCRIPTIONS_PER_APPLICATION: usize = 25;

/// Notifications are delivered until this long after the change, then abandoned.
pub const DELIVERY_DEADLINE: Duration = Duration::days(10);

/// The first retry waits this long; each later one twice as long as the one before.
pub const FIRST_RETRY_DELAY: Duration = Duration::seconds(30);

/// No retry waits longer than this.
pub const MAX_RETRY_DELAY: Duration = Duration::hours(6);

/// The shortest and longest notification keys accepted, in bytes (HealthVault's keys are
/// 64 bytes).
pub const NOTIFICATION_KEY_BYTES: std::ops::RangeInclusive<usize> = 16..=64;

/// The longest key version id.
pub const MAX_KEY_VERSION_LENGTH: usize = 50;

/// A subscription's id.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SubscriptionId(Uuid);

impl SubscriptionId {
    /// Wraps a UUID the caller generated or read.
    pub const fn from_uuid(uuid: Uuid) -> Self {
        Self(uuid)
    }

    /// The underlying UUID.
    pub const fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl fmt::Display for SubscriptionId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(formatter)
    }
}

impl fmt::Debug for SubscriptionId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "SubscriptionId({self})")
    }
}

/// A notification's id: stable across delivery attempts, so receivers can drop duplicates
/// (Standard Webhooks' `webhook-id`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NotificationId(Uuid);

impl NotificationId {
    /// Wraps a UUID the caller generated or read.
    pub const fn from_uuid(uuid: Uuid) -> Self {
        Self(uuid)
    }

    /// The underlying UUID.
    pub const fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl fmt::Display for NotificationId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "msg_{}", self.0.simple())
    }
}

impl fmt::Debug for NotificationId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "NotificationId({self})")
    }
}

/// The key notifications of a subscription are signed with. Its `Debug` hides the bytes.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NotificationKey(Vec<u8>);

impl NotificationKey {
    /// A key of `bytes`, if its length is in [`NOTIFICATION_KEY_BYTES`].
    pub fn new(bytes: Vec<u8>) -> Result<Self, SubscriptionError> {
        if NOTIFICATION_KEY_BYTES.contains(&bytes.len()) {
            Ok(Self(bytes))
        } else {
            Err(SubscriptionError::KeyLength(bytes.len()))
        }
    }

    /// The key's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC accepts keys of any length; the constructor cannot fail.
        <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!())
    }
}

impl fmt::Debug for NotificationKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "NotificationKey({} bytes)", self.0.len())
    }
}

/// Which version of its key a subscription uses, so receivers can rotate keys: 1 to 50 ASCII
/// letters, digits and hyphens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct KeyVersion(String);

impl KeyVersion {
    /// Reads a key version id.
    pub fn parse(text: &str) -> Result<Self, SubscriptionError> {
        let valid = (1..=MAX_KEY_VERSION_LENGTH).contains(&text.len())
            && text.chars().all(|character| character.is_ascii_alphanumeric() || character == '-');
        if valid {
            Ok(Self(text.to_owned()))
        } else {
            Err(SubscriptionError::KeyVersion(text.chars().take(60).collect()))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How notifications are sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeliveryFormat {
    /// HealthVault's XML body with `Authorization: HVEventingSharedKey`.
    #[default]
    #[serde(rename = "healthvault")]
    HealthVault,
    /// A JSON body with Standard Webhooks headers.
    StandardWebhooks,
}

/// An application's subscription to changes of things of some types.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    /// Its id.
    pub id: SubscriptionId,
    /// The subscribing application.
    pub application_id: ApplicationId,
    /// Where notifications are POSTed.
    pub url: Url,
    /// The signing key.
    pub key: NotificationKey,
    /// The key's version id, sent with every notification.
    pub key_version: KeyVersion,
    /// The thing types whose changes are notified: a change of a type in any filter counts.
    pub type_filters: Vec<BTreeSet<ThingTypeId>>,
    /// How notifications are sent.
    pub format: DeliveryFormat,
    /// When it was created.
    pub created_at: OffsetDateTime,
}

impl Subscription {
    /// Whether changes of `type_id` are notified.
    pub fn watches(&self, type_id: ThingTypeId) -> bool {
        self.type_filters.iter().any(|filter| filter.contains(&type_id))
    }

    /// Every type watched, once.
    pub fn watched_types(&self) -> BTreeSet<ThingTypeId> {
        self.type_filters.iter().flatten().copied().collect()
    }
}

/// Why a subscription is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubscriptionError {
    /// The application has [`MAX_SUBSCRIPTIONS_PER_APPLICATION`] already.
    #[error("an application may have at most {MAX_SUBSCRIPTIONS_PER_APPLICATION} subscriptions")]
    TooMany,
    /// The key is too short or too long.
    #[error("the notification key has {0} bytes; it must have 16 to 64")]
    KeyLength(usize),
    /// The key version id is not 1 to 50 letters, digits and hyphens.
    #[error("the notification key version id {0:?} must be 1 to 50 letters, digits and hyphens")]
    KeyVersion(String),
    /// No type to watch.
    #[error("a subscription must name at least one thing type in its filters")]
    NoTypes,
    /// Not HTTPS (and not an allowed development loopback URL).
    #[error("the notification URL {0} must use https")]
    NotHttps(String),
    /// The application has no action URL to compare with.
    #[error("the application has no action URL, so no notification URL can share its root")]
    NoActionUrl,
    /// The URL is outside the action URL's root.
    #[error("the notification URL {url} must start with {root}, the root of the application's action URL")]
    OutsideActionUrl {
        /// The URL given.
        url: String,
        /// The root it must start with.
        root: String,
    },
}

/// What the URL rule allows, from the instance's configuration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UrlPolicy {
    /// Development only: plain `http` to a loopback address is accepted, and the action URL
    /// root is not required (as HealthVault's developer environment did not check it).
    pub allow_loopback_http: bool,
}

/// The root of an action URL: its scheme, host, port and path up to the last `/`
/// (`https://www.app.com/hv/redirect.aspx` has the root `https://www.app.com/hv/`).
pub fn action_url_root(action_url: &Url) -> String {
    let text = action_url.as_str();
    let without_query = text.split(['?', '#']).next().unwrap_or(text);
    match without_query.rfind('/') {
        Some(end) if end + 1 > action_url.origin().ascii_serialization().len() => without_query[..=end].to_owned(),
        _ => format!("{}/", action_url.origin().ascii_serialization()),
    }
}

/// Whether `url` is a loopback address over plain HTTP.
fn is_loopback_http(url: &Url) -> bool {
    url.scheme() == "http"
        && match url.host() {
            Some(url::Host::Ipv4(address)) => address.is_loopback(),
            Some(url::Host::Ipv6(address)) => address.is_loopback(),
            Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            None => false,
        }
}

/// Checks a notification URL against the application's action URL: HTTPS, under the action
/// URL's root; with `policy.allow_loopback_http`, a loopback `http` URL is accepted as is.
pub fn check_url(url: &Url, action_url: Option<&Url>, policy: UrlPolicy) -> Result<(), SubscriptionError> {
    if policy.allow_loopback_http && is_loopback_http(url) {
        return Ok(());
    }
    if url.scheme() != "https" {
        return Err(SubscriptionError::NotHttps(url.to_string()));
    }
    if policy.allow_loopback_http {
        return Ok(());
    }
    let action_url = action_url.ok_or(SubscriptionError::NoActionUrl)?;
    let root = action_url_root(action_url);
    if url.as_str().starts_with(&root) {
        Ok(())
    } else {
        Err(SubscriptionError::OutsideActionUrl { url: url.to_string(), root })
    }
}

/// Checks the parts of a subscription that do not depend on the application.
pub fn check_subscription(subscription: &Subscription) -> Result<(), SubscriptionError> {
    if subscription.watched_types().is_empty() {
        return Err(SubscriptionError::NoTypes);
    }
    Ok(())
}

/// One thing changed in a write: its id and type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangedThing {
    /// The thing.
    pub thing_id: ThingId,
    /// Its type.
    pub type_id: ThingTypeId,
}

/// A notification to write with a change: which subscription, person and record, and the
/// things changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationDraft {
    /// The subscription notified.
    pub subscription_id: SubscriptionId,
    /// The person whose authorization lets the application read the record offline.
    pub person_id: PersonId,
    /// The record changed.
    pub record_id: RecordId,
    /// The things changed, in the order written, each once.
    pub thing_ids: Vec<ThingId>,
}

/// The notifications a write of `changed` things in `record_id` produces at `now`: for each
/// subscription watching a changed type, and each active authorization of its application on
/// the record whose offline grant allows reading that type, one notification listing those
/// things. `authorizations` are the record's; others are ignored.
pub fn notifications_for(
    record_id: RecordId,
    changed: &[ChangedThing],
    subscriptions: &[Subscription],
    authorizations: &[AppAuthorization],
    now: OffsetDateTime,
) -> Vec<NotificationDraft> {
    let mut drafts: BTreeMap<(SubscriptionId, PersonId), Vec<ThingId>> = BTreeMap::new();
    for subscription in subscriptions {
        let readers = authorizations.iter().filter(|authorization| {
            authorization.record_id == record_id
                && authorization.application_id == subscription.application_id
                && authorization.is_active_at(now)
        });
        for authorization in readers {
            let Some(offline) = &authorization.offline else { continue };
            for change in changed {
                let readable = offline.permissions_for(change.type_id).contains(Permissions::READ);
                if readable && subscription.watches(change.type_id) {
                    let things = drafts.entry((subscription.id, authorization.person_id)).or_default();
                    if !things.contains(&change.thing_id) {
                        things.push(change.thing_id);
                    }
                }
            }
        }
    }
    drafts
        .into_iter()
        .map(|((subscription_id, person_id), thing_ids)| NotificationDraft {
            subscription_id,
            person_id,
            record_id,
            thing_ids,
        })
        .collect()
}

/// How long to wait after the `attempts`-th failed delivery (1 for the first failure):
/// [`FIRST_RETRY_DELAY`], doubling each time, at most [`MAX_RETRY_DELAY`].
pub fn retry_delay(attempts: u32) -> Duration {
    let doublings = attempts.saturating_sub(1).min(20);
    let delay = FIRST_RETRY_DELAY * 2_i32.saturating_pow(doublings);
    delay.min(MAX_RETRY_DELAY)
}

/// When to try again after the `attempts`-th failure at `now`, or `None` if that would be
/// past the deadline of a change made at `occurred_at` (the notification is abandoned).
pub fn next_attempt(attempts: u32, occurred_at: OffsetDateTime, now: OffsetDateTime) -> Option<OffsetDateTime> {
    let next = now + retry_delay(attempts);
    (next <= occurred_at + DELIVERY_DEADLINE).then_some(next)
}

/// The `Authorization` header value for a HealthVault-format delivery of `body`.
pub fn hv_eventing_authorization(
    subscription_id: SubscriptionId,
    key_version: &KeyVersion,
    key: &NotificationKey,
    body: &[u8],
) -> String {
    let mut mac = key.mac();
    mac.update(body);
    let digest = STANDARD.encode(mac.finalize().into_bytes());
    format!("HVEventingSharedKey {subscription_id}:{}:{digest}", key_version.as_str())
}

/// The Standard Webhooks secret for `key` (`whsec_` and the key in base64), as receivers
/// configure it.
pub fn standard_webhooks_secret(key: &NotificationKey) -> String {
    format!("whsec_{}", STANDARD.encode(key.as_bytes()))
}

/// The `webhook-signature` header value for a Standard Webhooks delivery of `body` with
/// `webhook-id` `id` at `timestamp` (seconds since the epoch).
pub fn standard_webhooks_signature(id: NotificationId, timestamp: i64, key: &NotificationKey, body: &[u8]) -> String {
    let mut mac = key.mac();
    mac.update(id.to_string().as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests;
