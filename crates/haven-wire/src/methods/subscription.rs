//! The `Subscription` of the eventing methods (protocol notes, section 15), shared by
//! SubscribeToEvent and UpdateEventSubscription (in the request) and GetEventSubscriptions (in
//! the answer). Its types live in `subscription.xsd` (namespace
//! `urn:com.microsoft.wc.subscription`), but the elements are local, so they are written
//! unqualified:
//!
//! ```xml
//! <subscription>
//!   <common>
//!     <id>GUID</id>
//!     <notification-authentication-info><hv-eventing-shared-key>
//!       <notification-key>BASE64</notification-key>
//!       <notification-key-version-id>v1</notification-key-version-id>
//!     </hv-eventing-shared-key></notification-authentication-info>
//!     <notification-channel><http-notification-channel>
//!       <url>https://app.example/hv/events</url>
//!     </http-notification-channel></notification-channel>
//!   </common>
//!   <record-item-changed-event><filters>
//!     <filter><type-ids><type-id>GUID</type-id>...</type-ids></filter>...
//!   </filters></record-item-changed-event>
//! </subscription>
//! ```
//!
//! Only the schema's rules are checked here: `common/id` is optional (UpdateEventSubscription
//! requires it), the notification key is `string128nw` base64, the key version id matches
//! `[a-zA-Z0-9-]{1,50}`, there is at least one filter and each filter has at least one type
//! id. Everything else is the domain's to decide: the subscriptions an application may have,
//! which URLs are acceptable (HTTPS, under the action URL), whether the key is the 64 bytes the
//! schema's annotation asks for, and whether the type ids are known types. The privileged
//! variant's `requires-msh-pairing` and `delivery-priority` are ignored, as are other unknown
//! elements.
//!
//! Subscription ids are `String`s holding a lower-case hyphenated GUID: this crate does not
//! depend on `uuid`, and the domain has no subscription id type yet.
//!
//! # Haven extension: Standard Webhooks delivery
//!
//! A subscription may ask for delivery as [Standard Webhooks](https://www.standardwebhooks.com/)
//! (a JSON body, see [`crate::notification::WebhookEvent`], signed with the notification key
//! in `webhook-signature`) instead of HealthVault's XML body with an `HVEventingSharedKey`
//! authorization. It does so with one element in the Haven namespace [`HAVEN_NAMESPACE`], the
//! last child of `common`:
//!
//! ```xml
//! <haven:delivery-format xmlns:haven="urn:haven:eventing">standard-webhooks</haven:delivery-format>
//! ```
//!
//! Absent (or `healthvault`) means HealthVault's format. HealthVault clients never send it, so
//! the subscriptions they create, and the GetEventSubscriptions answers they read, stay valid
//! under the published schema; a subscription carrying the element does not validate against
//! it (the schema's `Common` has no wildcard). An unqualified `delivery-format` is not Haven's
//! and is ignored like any other unknown element.

use std::fmt;

use haven_domain::ids::{InvalidId, ThingTypeId};
use roxmltree::Node;

use crate::base64_text::{decode_base64, encode_base64};
use crate::error::{WireError, excerpt};
use crate::request::Request;
use crate::thing_xml::parse_guid;
use crate::xml::{XmlBuilder, children_named, optional_text, parse_document, required_child, text_of};

/// The namespace of Haven's eventing extensions to the HealthVault schemas.
pub const HAVEN_NAMESPACE: &str = "urn:haven:eventing";

/// The longest `notification-key` text the schema allows (`string128nw`).
pub const MAX_NOTIFICATION_KEY_CHARS: usize = 128;

/// The longest `notification-key-version-id` the schema allows (`EventingKeyVersionId`).
pub const MAX_KEY_VERSION_ID_CHARS: usize = 50;

/// How notifications for a subscription are delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DeliveryFormat {
    /// HealthVault's: the `wc:notifications` XML body with an `Authorization:
    /// HVEventingSharedKey` header. What every HealthVault client gets.
    #[default]
    HealthVault,
    /// Standard Webhooks: a JSON body per notification, signed with the notification key.
    /// Asked for by `<haven:delivery-format>standard-webhooks</haven:delivery-format>`.
    StandardWebhooks,
}

impl DeliveryFormat {
    /// The text of `haven:delivery-format`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryFormat::HealthVault => "healthvault",
            DeliveryFormat::StandardWebhooks => "standard-webhooks",
        }
    }

    /// Reads the text of `haven:delivery-format` (surrounding whitespace ignored).
    pub fn parse(text: &str) -> Result<Self, WireError> {
        match text.trim() {
            "healthvault" => Ok(DeliveryFormat::HealthVault),
            "standard-webhooks" => Ok(DeliveryFormat::StandardWebhooks),
            _ => Err(WireError::InvalidValue {
                element: "haven:delivery-format",
                expected: "healthvault or standard-webhooks",
                text: excerpt(text),
            }),
        }
    }
}

/// `notification-key-version-id`: 1 to 50 ASCII letters, digits and hyphens
/// (`EventingKeyVersionId`). Sent with each notification so the receiver can tell which key
/// signed it while keys change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyVersionId(String);

impl KeyVersionId {
    /// Reads a key version id, ignoring surrounding whitespace.
    pub fn parse(text: &str) -> Result<Self, WireError> {
        let trimmed = text.trim();
        let allowed = |character: char| character.is_ascii_alphanumeric() || character == '-';
        if trimmed.is_empty() || trimmed.len() > MAX_KEY_VERSION_ID_CHARS || !trimmed.chars().all(allowed) {
            return Err(WireError::InvalidValue {
                element: "notification-key-version-id",
                expected: "1 to 50 letters (a-z, A-Z), digits and hyphens",
                text: excerpt(text),
            });
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The id as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyVersionId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// `hv-eventing-shared-key`: the key notifications are signed with (HMAC-SHA256) and its
/// version. `Debug` shows the key's length, never its bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct SharedKey {
    /// `notification-key`, decoded from base64: at least one byte and at most 96 (the 128
    /// characters the schema allows). HealthVault asks for 64; that check is the domain's.
    pub key: Vec<u8>,
    /// `notification-key-version-id`.
    pub version_id: KeyVersionId,
}

impl fmt::Debug for SharedKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("SharedKey")
            .field("key", &format_args!("<{} bytes>", self.key.len()))
            .field("version_id", &self.version_id)
            .finish()
    }
}

/// `filter` of `record-item-changed-event/filters`: a change to a thing of any of these types
/// matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordItemChangedFilter {
    /// `type-ids/type-id`, in the order sent; never empty in a filter read here.
    pub type_ids: Vec<ThingTypeId>,
}

/// A subscription to record item changes, as sent by a client or listed by the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// `common/id`, lower-case hyphenated: absent when SubscribeToEvent creates one, required
    /// by UpdateEventSubscription, always present in GetEventSubscriptions' answer.
    pub id: Option<String>,
    /// `common/notification-authentication-info/hv-eventing-shared-key`.
    pub shared_key: SharedKey,
    /// `common/notification-channel/http-notification-channel/url`, trimmed and not blank,
    /// otherwise as sent (the schema's `anyURI`; the domain decides what is acceptable).
    pub url: String,
    /// `common/haven:delivery-format`, Haven's extension (see the module docs).
    pub delivery_format: DeliveryFormat,
    /// `record-item-changed-event/filters/filter`, in the order sent; never empty in a
    /// subscription read here.
    pub filters: Vec<RecordItemChangedFilter>,
}

impl Subscription {
    /// Reads a `subscription` element.
    pub(crate) fn read(subscription: Node<'_, '_>) -> Result<Self, WireError> {
        let common = required_child(subscription, "subscription", "common")?;
        let id =
            optional_text(common, "common", "id")?.map(|text| parse_subscription_id("common/id", &text)).transpose()?;
        let authentication = required_child(common, "common", "notification-authentication-info")?;
        let shared_key = read_shared_key(required_child(
            authentication,
            "notification-authentication-info",
            "hv-eventing-shared-key",
        )?)?;
        let channel = required_child(common, "common", "notification-channel")?;
        let http_channel = required_child(channel, "notification-channel", "http-notification-channel")?;
        let url = optional_text(http_channel, "http-notification-channel", "url")?
            .ok_or(WireError::MissingElement { parent: "http-notification-channel", element: "url" })?;
        let event = required_child(subscription, "subscription", "record-item-changed-event")?;
        let filters = required_child(event, "record-item-changed-event", "filters")?;
        let filters = children_named(filters, "filter").map(read_filter).collect::<Result<Vec<_>, _>>()?;
        if filters.is_empty() {
            return Err(WireError::MissingElement { parent: "filters", element: "filter" });
        }
        Ok(Self { id, shared_key, url, delivery_format: read_delivery_format(common)?, filters })
    }

    /// Writes the `subscription` element, in the schema's order.
    pub(crate) fn write(&self, builder: &mut XmlBuilder) {
        builder.start("subscription");
        builder.start("common");
        builder.optional_text_element("id", self.id.as_deref());
        builder.start("notification-authentication-info");
        builder.start("hv-eventing-shared-key");
        builder.text_element("notification-key", &encode_base64(&self.shared_key.key));
        builder.text_element("notification-key-version-id", self.shared_key.version_id.as_str());
        builder.end("hv-eventing-shared-key");
        builder.end("notification-authentication-info");
        builder.start("notification-channel");
        builder.start("http-notification-channel");
        builder.text_element("url", &self.url);
        builder.end("http-notification-channel");
        builder.end("notification-channel");
        if self.delivery_format != DeliveryFormat::HealthVault {
            builder.text_element_with(
                "haven:delivery-format",
                &[("xmlns:haven", HAVEN_NAMESPACE)],
                self.delivery_format.as_str(),
            );
        }
        builder.end("common");
        builder.start("record-item-changed-event");
        builder.start("filters");
        for filter in &self.filters {
            builder.start("filter");
            builder.start("type-ids");
            for type_id in &filter.type_ids {
                builder.text_element("type-id", &type_id.to_string());
            }
            builder.end("type-ids");
            builder.end("filter");
        }
        builder.end("filters");
        builder.end("record-item-changed-event");
        builder.end("subscription");
    }
}

/// Reads the `subscription` of a request to `method` (SubscribeToEvent or
/// UpdateEventSubscription), which have only version 1.
pub(crate) fn subscription_from_request(
    method: &'static str,
    request: &Request<'_>,
) -> Result<Subscription, WireError> {
    let info = request.info_xml().ok_or(WireError::MissingElement { parent: "request", element: "info" })?;
    parse_subscription_info(method, request.method_version(), info)
}

/// Reads `<info><subscription>...</subscription></info>` of a request to `method`.
pub(crate) fn parse_subscription_info(
    method: &'static str,
    version: u32,
    info_xml: &str,
) -> Result<Subscription, WireError> {
    if version != 1 {
        return Err(WireError::UnsupportedMethodVersion { method, version });
    }
    let document = parse_document(info_xml)?;
    Subscription::read(required_child(document.root_element(), "info", "subscription")?)
}

/// Writes `<info><subscription>...</subscription></info>` as a client sends it.
pub(crate) fn subscription_info_xml(subscription: &Subscription) -> String {
    let mut builder = XmlBuilder::new();
    builder.start("info");
    subscription.write(&mut builder);
    builder.end("info");
    builder.finish()
}

/// Reads a subscription id (`wc-types:guid`: hyphenated hexadecimal, either case, also
/// accepted in braces and with surrounding whitespace) as lower-case hyphenated text.
/// `element` names it in the error.
pub(crate) fn parse_subscription_id(element: &'static str, text: &str) -> Result<String, WireError> {
    const GROUP_LENGTHS: [usize; 5] = [8, 4, 4, 4, 12];
    let trimmed = text.trim();
    let bare = trimmed.strip_prefix('{').and_then(|inner| inner.strip_suffix('}')).unwrap_or(trimmed);
    let groups: Vec<&str> = bare.split('-').collect();
    let is_guid = groups.len() == GROUP_LENGTHS.len()
        && groups
            .iter()
            .zip(GROUP_LENGTHS)
            .all(|(group, length)| group.len() == length && group.bytes().all(|byte| byte.is_ascii_hexdigit()));
    if is_guid {
        Ok(bare.to_ascii_lowercase())
    } else {
        Err(WireError::InvalidGuid { element, source: InvalidId { kind: "subscription id", text: excerpt(text) } })
    }
}

fn read_shared_key(shared_key: Node<'_, '_>) -> Result<SharedKey, WireError> {
    let key_text = text_of(required_child(shared_key, "hv-eventing-shared-key", "notification-key")?);
    let version_text = text_of(required_child(shared_key, "hv-eventing-shared-key", "notification-key-version-id")?);
    Ok(SharedKey { key: decode_notification_key(&key_text)?, version_id: KeyVersionId::parse(&version_text)? })
}

/// Decodes `notification-key`: base64 of 1 to 128 characters once surrounding whitespace is
/// removed. The error never repeats the text, which is (nearly) a secret.
fn decode_notification_key(text: &str) -> Result<Vec<u8>, WireError> {
    let trimmed = text.trim();
    let invalid = || WireError::InvalidValue {
        element: "notification-key",
        expected: "base64 of the key bytes, 1 to 128 characters",
        text: "(not shown)".to_owned(),
    };
    if trimmed.is_empty() || trimmed.chars().count() > MAX_NOTIFICATION_KEY_CHARS {
        return Err(invalid());
    }
    match decode_base64(trimmed) {
        Ok(key) if !key.is_empty() => Ok(key),
        _ => Err(invalid()),
    }
}

fn read_filter(filter: Node<'_, '_>) -> Result<RecordItemChangedFilter, WireError> {
    let type_ids = required_child(filter, "filter", "type-ids")?;
    let type_ids = children_named(type_ids, "type-id")
        .map(|type_id| parse_guid("type-ids/type-id", &text_of(type_id), ThingTypeId::parse))
        .collect::<Result<Vec<_>, _>>()?;
    if type_ids.is_empty() {
        return Err(WireError::MissingElement { parent: "type-ids", element: "type-id" });
    }
    Ok(RecordItemChangedFilter { type_ids })
}

/// Reads `common/haven:delivery-format` (only in [`HAVEN_NAMESPACE`]); absent is HealthVault's.
fn read_delivery_format(common: Node<'_, '_>) -> Result<DeliveryFormat, WireError> {
    let mut elements = children_named(common, "delivery-format")
        .filter(|element| element.tag_name().namespace() == Some(HAVEN_NAMESPACE));
    let Some(element) = elements.next() else {
        return Ok(DeliveryFormat::HealthVault);
    };
    if elements.next().is_some() {
        return Err(WireError::DuplicateElement { parent: "common", element: "haven:delivery-format" });
    }
    DeliveryFormat::parse(&text_of(element))
}

#[cfg(test)]
pub(crate) mod tests;
