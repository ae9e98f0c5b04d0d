//! The test notification sender: POSTs a notification signed as the Platform would sign it
//! (or deliberately not), to check a handler. It targets the subscription's own URL, the
//! sample's handler, or any URL; signs correctly, with a bad HMAC, or under a key version the
//! keyring lacks; and names fake thing ids, none, or the newest things of the subscribed types
//! in a record.

use std::net::SocketAddr;
use std::path::Path;

use haven_domain::eventing::{
    KeyVersion, NotificationId, NotificationKey, SubscriptionId, hv_eventing_authorization, standard_webhooks_signature,
};
use haven_domain::ids::{PersonId, RecordId, ThingId};
use haven_sdk::{CallAs, Connection};
use haven_wire::methods::get_things::{ThingFilter, ThingsGroupRequest};
use haven_wire::methods::subscription::{DeliveryFormat, KeyVersionId};
use haven_wire::notification::{Notification, RecordChangeNotification, WebhookEvent, write_notifications};
use time::OffsetDateTime;
use url::Url;

use crate::error::EventingError;
use crate::keyring::{self, generate_key};
use crate::manager::{find, normalize_subscription_id, watched_types};

/// Where the test notification goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The subscription's notification URL, as GetEventSubscriptions lists it.
    SubscriptionUrl,
    /// The sample's handler listening at this address (`http://ADDRESS/`).
    Handler(SocketAddr),
    /// This URL.
    Url(Url),
}

/// How the test notification is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// With the subscription's current key and key version: the handler processes it.
    #[default]
    Correct,
    /// Under the right key version, with an HMAC by another key: the handler discards it.
    BadHmac,
    /// With the right key, under a key version the keyring lacks: the handler discards it.
    /// (Standard Webhooks headers name no key version; there the signature is by a key the
    /// keyring lacks.)
    BadKeyVersion,
}

/// Which thing ids the test notification names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThingIds {
    /// This many random ids (a handler finds no such things).
    Fake(usize),
    /// None (HealthVault's schema requires one; a handler should cope).
    Empty,
    /// The newest things (at most `count`) of the subscription's types in the record, read
    /// offline as the person.
    Actual {
        /// The person to read as.
        person_id: PersonId,
        /// The record.
        record_id: RecordId,
        /// At most this many.
        count: u32,
    },
}

/// A test notification to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestNotification {
    /// The subscription it claims to be for; its key comes from the keyring.
    pub subscription_id: String,
    /// Where it goes.
    pub target: Target,
    /// How it is signed.
    pub mode: Mode,
    /// The things it names.
    pub things: ThingIds,
    /// The person and record it names when the things are fake or empty (random ids if
    /// `None`).
    pub person_and_record: Option<(PersonId, RecordId)>,
}

/// A test notification sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// Where it went.
    pub url: Url,
    /// The format it was sent in (the subscription's).
    pub format: DeliveryFormat,
    /// The notification.
    pub notification: Notification,
    /// The HTTP status of the answer.
    pub status: u16,
}

/// Sends `test`. `connection` is needed for [`Target::SubscriptionUrl`] and
/// [`ThingIds::Actual`] (GetEventSubscriptions, GetThings); without it the format is the one
/// the keyring recorded.
pub async fn send_test(
    keyring_path: &Path,
    connection: Option<&Connection>,
    test: &TestNotification,
) -> Result<Sent, EventingError> {
    let subscription_id = normalize_subscription_id(&test.subscription_id)?;
    let keyring = keyring::load(keyring_path)?;
    let (key_version, key) = keyring
        .current_key(&subscription_id)
        .ok_or_else(|| EventingError::NoKeyForSubscription(subscription_id.clone()))?;
    let needs_platform = test.target == Target::SubscriptionUrl || matches!(test.things, ThingIds::Actual { .. });
    let listed = match (needs_platform, connection) {
        (false, _) => None,
        (true, Some(connection)) => Some(find(connection, &subscription_id).await?),
        (true, None) => return Err(EventingError::NoApplication("sending to the subscription's URL or actual things")),
    };
    let format = match &listed {
        Some(subscription) => subscription.delivery_format,
        None => keyring.subscription(&subscription_id).map(|keys| keys.format).unwrap_or_default(),
    };
    let url = match &test.target {
        Target::SubscriptionUrl => {
            let listed_url = listed.as_ref().map(|subscription| subscription.url.as_str()).unwrap_or_default();
            Url::parse(listed_url).map_err(|error| EventingError::InvalidUrl { url: listed_url.to_owned(), error })?
        }
        Target::Handler(address) => {
            let text = format!("http://{address}/");
            Url::parse(&text).map_err(|error| EventingError::InvalidUrl { url: text, error })?
        }
        Target::Url(url) => url.clone(),
    };

    let random_ids = || (PersonId::from_uuid(uuid::Uuid::new_v4()), RecordId::from_uuid(uuid::Uuid::new_v4()));
    let (person_id, record_id, thing_ids) = match &test.things {
        ThingIds::Fake(count) => {
            let (person_id, record_id) = test.person_and_record.unwrap_or_else(random_ids);
            (person_id, record_id, (0..*count).map(|_| ThingId::from_uuid(uuid::Uuid::new_v4())).collect())
        }
        ThingIds::Empty => {
            let (person_id, record_id) = test.person_and_record.unwrap_or_else(random_ids);
            (person_id, record_id, Vec::new())
        }
        ThingIds::Actual { person_id, record_id, count } => {
            let (Some(connection), Some(subscription)) = (connection, &listed) else {
                return Err(EventingError::NoApplication("actual thing ids"));
            };
            let group = ThingsGroupRequest {
                max: Some(*count),
                filters: vec![ThingFilter { type_ids: watched_types(subscription), ..ThingFilter::default() }],
                ..ThingsGroupRequest::default()
            };
            let answer = connection.get_things(&CallAs::Offline(*person_id), *record_id, vec![group]).await?;
            let thing_ids = answer.groups.into_iter().flat_map(|group| group.things).map(|thing| thing.key.id);
            (*person_id, *record_id, thing_ids.take(*count as usize).collect())
        }
    };
    let notification = Notification {
        subscription_id: subscription_id.clone(),
        record_change: RecordChangeNotification { person_id, record_id, thing_ids },
    };

    let signing_key = match test.mode {
        Mode::Correct | Mode::BadKeyVersion => key,
        Mode::BadHmac => generate_key(OffsetDateTime::now_utc())?.key,
    };
    let signing_version = match test.mode {
        Mode::Correct | Mode::BadHmac => key_version,
        Mode::BadKeyVersion => unknown_version(&keyring)?,
    };
    let signing_key =
        NotificationKey::new(signing_key).map_err(|error| EventingError::Unsendable(error.to_string()))?;
    let subscription = SubscriptionId::from_uuid(
        uuid::Uuid::parse_str(&subscription_id)
            .map_err(|_| EventingError::InvalidSubscriptionId(subscription_id.clone()))?,
    );

    let client = client()?;
    let request = match format {
        DeliveryFormat::HealthVault => {
            let body = write_notifications(std::slice::from_ref(&notification));
            let version = KeyVersion::parse(signing_version.as_str())
                .map_err(|error| EventingError::Unsendable(error.to_string()))?;
            let authorization = hv_eventing_authorization(subscription, &version, &signing_key, body.as_bytes());
            client
                .post(url.clone())
                .header("Content-Type", "text/xml; charset=utf-8")
                .header("Authorization", authorization)
                .body(body)
        }
        DeliveryFormat::StandardWebhooks => {
            let now = OffsetDateTime::now_utc();
            let body = serde_json::to_vec(&WebhookEvent::record_things_changed(&notification, now))
                .map_err(|error| EventingError::Unsendable(error.to_string()))?;
            // Standard Webhooks names no key version: a bad one is a key the keyring lacks.
            let signing_key = match test.mode {
                Mode::BadKeyVersion => NotificationKey::new(generate_key(now)?.key)
                    .map_err(|error| EventingError::Unsendable(error.to_string()))?,
                Mode::Correct | Mode::BadHmac => signing_key,
            };
            let message_id = NotificationId::from_uuid(uuid::Uuid::new_v4());
            let timestamp = now.unix_timestamp();
            let signature = standard_webhooks_signature(message_id, timestamp, &signing_key, &body);
            client
                .post(url.clone())
                .header("Content-Type", "application/json")
                .header("webhook-id", message_id.to_string())
                .header("webhook-timestamp", timestamp.to_string())
                .header("webhook-signature", signature)
                .body(body)
        }
    };
    let response = request.send().await.map_err(|source| EventingError::Send { url: url.to_string(), source })?;
    Ok(Sent { url, format, notification, status: response.status().as_u16() })
}

/// A key version the keyring does not have.
fn unknown_version(keyring: &keyring::Keyring) -> Result<KeyVersionId, EventingError> {
    loop {
        let candidate = generate_key(OffsetDateTime::now_utc())?.version;
        let candidate = KeyVersionId::parse(&format!("unknown-{candidate}"))
            .map_err(|error| EventingError::Unsendable(error.to_string()))?;
        if keyring.key(candidate.as_str()).is_none() {
            return Ok(candidate);
        }
    }
}

fn client() -> Result<reqwest::Client, EventingError> {
    // reqwest is built without a default TLS provider; install ring once per process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|source| EventingError::Send { url: String::new(), source })
}
