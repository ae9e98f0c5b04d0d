//! The body the Platform POSTs to a subscription's URL when things change (protocol notes,
//! section 15; `notification.xsd`), in two shapes.
//!
//! HealthVault's, for every subscription that did not ask otherwise: one or more
//! notifications, possibly for different subscriptions, in a `wc:notifications` document whose
//! children are unqualified:
//!
//! ```xml
//! <wc:notifications xmlns:wc="urn:com.microsoft.wc.notification">
//!   <notification>
//!     <common><subscription-id>GUID</subscription-id></common>
//!     <record-change-notification>
//!       <person-id>GUID</person-id><record-id>GUID</record-id>
//!       <things><thing><thing-id>GUID</thing-id></thing>...</things>
//!     </record-change-notification>
//!   </notification>
//! </wc:notifications>
//! ```
//!
//! The schema types `things` as a single `Thing` (`<things><thing-id>GUID</thing-id></things>`),
//! which cannot carry the several thing ids its own documentation promises; HealthVault's
//! sample and the .NET SDK use `things/thing*`, which is what [`write_notifications`] writes.
//! [`parse_notifications`] reads both. The schema says receivers must expect kinds of
//! notification other than `record-change-notification`; the reader skips them.
//!
//! Haven's Standard Webhooks delivery (see [`crate::methods::subscription`]) sends one
//! notification per message instead, as the JSON of a [`WebhookEvent`]. Signing either body
//! is not this crate's business.

use haven_domain::ids::{PersonId, RecordId, ThingId};
use roxmltree::Node;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::WireError;
use crate::methods::subscription::parse_subscription_id;
use crate::thing_xml::parse_guid;
use crate::xml::{XmlBuilder, children_named, describe_element, is_named, parse_document, required_child, text_of};

/// The namespace of the `notifications` document element.
pub const NOTIFICATION_NAMESPACE: &str = "urn:com.microsoft.wc.notification";

/// The Standard Webhooks event type of a [`RecordThingsChanged`] event.
pub const RECORD_THINGS_CHANGED: &str = "record.things.changed";

/// One notification: a subscription's matching changes in one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// `common/subscription-id`, lower-case hyphenated.
    pub subscription_id: String,
    /// `record-change-notification`.
    pub record_change: RecordChangeNotification,
}

/// `record-change-notification`: things that were created, changed or deleted in a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordChangeNotification {
    /// `person-id`: the person whose record changed, usable in offline calls to read the things.
    pub person_id: PersonId,
    /// `record-id`.
    pub record_id: RecordId,
    /// `things/thing/thing-id`, in document order; never empty in a notification read here,
    /// and should not be empty in one written.
    pub thing_ids: Vec<ThingId>,
}

/// Writes the `wc:notifications` body for one POST (without an XML declaration; the bytes
/// written are the bytes to sign).
pub fn write_notifications(notifications: &[Notification]) -> String {
    let mut builder = XmlBuilder::new();
    builder.start_with("wc:notifications", &[("xmlns:wc", NOTIFICATION_NAMESPACE)]);
    for notification in notifications {
        let change = &notification.record_change;
        builder.start("notification");
        builder.start("common");
        builder.text_element("subscription-id", &notification.subscription_id);
        builder.end("common");
        builder.start("record-change-notification");
        builder.text_element("person-id", &change.person_id.to_string());
        builder.text_element("record-id", &change.record_id.to_string());
        builder.start("things");
        for thing_id in &change.thing_ids {
            builder.start("thing");
            builder.text_element("thing-id", &thing_id.to_string());
            builder.end("thing");
        }
        builder.end("things");
        builder.end("record-change-notification");
        builder.end("notification");
    }
    builder.end("wc:notifications");
    builder.finish()
}

/// Reads a `wc:notifications` body, for receivers (the eventing sample) and tests. A
/// byte-order mark and an XML declaration are allowed. Notifications of kinds other than
/// `record-change-notification` are skipped, so the result may be empty.
pub fn parse_notifications(body: &str) -> Result<Vec<Notification>, WireError> {
    let document = parse_document(body.strip_prefix('\u{feff}').unwrap_or(body))?;
    let root = document.root_element();
    if root.tag_name().name() != "notifications" || root.tag_name().namespace() != Some(NOTIFICATION_NAMESPACE) {
        return Err(WireError::WrongRoot {
            expected: "<notifications> in namespace urn:com.microsoft.wc.notification",
            found: describe_element(root),
        });
    }
    let mut elements = children_named(root, "notification").peekable();
    if elements.peek().is_none() {
        return Err(WireError::MissingElement { parent: "notifications", element: "notification" });
    }
    let mut notifications = Vec::new();
    for element in elements {
        let common = required_child(element, "notification", "common")?;
        let subscription_id = text_of(required_child(common, "common", "subscription-id")?);
        let subscription_id = parse_subscription_id("common/subscription-id", &subscription_id)?;
        let Some(change) = children_named(element, "record-change-notification").next() else {
            continue;
        };
        notifications.push(Notification { subscription_id, record_change: read_record_change(change)? });
    }
    Ok(notifications)
}

fn read_record_change(change: Node<'_, '_>) -> Result<RecordChangeNotification, WireError> {
    let parent = "record-change-notification";
    let person_id = parse_guid("person-id", &text_of(required_child(change, parent, "person-id")?), PersonId::parse)?;
    let record_id = parse_guid("record-id", &text_of(required_child(change, parent, "record-id")?), RecordId::parse)?;
    let things = required_child(change, parent, "things")?;
    // `things/thing/thing-id` as sent, or `things/thing-id` as the schema has it.
    let mut thing_ids = Vec::new();
    for child in things.children().filter(Node::is_element) {
        let thing_id = if is_named(child, "thing") {
            required_child(child, "thing", "thing-id")?
        } else if is_named(child, "thing-id") {
            child
        } else {
            continue;
        };
        thing_ids.push(parse_guid("thing/thing-id", &text_of(thing_id), ThingId::parse)?);
    }
    if thing_ids.is_empty() {
        return Err(WireError::MissingElement { parent: "things", element: "thing" });
    }
    Ok(RecordChangeNotification { person_id, record_id, thing_ids })
}

/// The JSON body of a Standard Webhooks message (the `webhook-id`, `webhook-timestamp` and
/// `webhook-signature` headers are the sender's):
///
/// ```json
/// {"type":"record.things.changed","timestamp":"2026-11-21T12:00:00.25Z",
///  "data":{"subscription_id":"…","person_id":"…","record_id":"…","thing_ids":["…"]}}
/// ```
///
/// GUIDs are lower-case hyphenated. Receivers should ignore members they do not know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEvent {
    /// `type`: [`RECORD_THINGS_CHANGED`], the only type so far.
    #[serde(rename = "type")]
    pub event_type: String,
    /// `timestamp`: when the change happened, RFC 3339.
    #[serde(with = "time::serde::rfc3339")]
    pub timestamp: OffsetDateTime,
    /// `data`.
    pub data: RecordThingsChanged,
}

impl WebhookEvent {
    /// The `record.things.changed` event for a notification.
    pub fn record_things_changed(notification: &Notification, timestamp: OffsetDateTime) -> Self {
        Self {
            event_type: RECORD_THINGS_CHANGED.to_owned(),
            timestamp,
            data: RecordThingsChanged::from_notification(notification),
        }
    }
}

/// The `data` of a `record.things.changed` event: a [`Notification`]'s content, flattened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordThingsChanged {
    /// The subscription whose filter the things matched.
    pub subscription_id: String,
    /// The person to act for (offline) when reading the things.
    pub person_id: PersonId,
    /// The record the things are in.
    pub record_id: RecordId,
    /// The things created, changed or deleted.
    pub thing_ids: Vec<ThingId>,
}

impl RecordThingsChanged {
    /// The event data carrying a notification's content.
    pub fn from_notification(notification: &Notification) -> Self {
        let change = &notification.record_change;
        Self {
            subscription_id: notification.subscription_id.clone(),
            person_id: change.person_id,
            record_id: change.record_id,
            thing_ids: change.thing_ids.clone(),
        }
    }

    /// The same content as a notification.
    pub fn to_notification(&self) -> Notification {
        Notification {
            subscription_id: self.subscription_id.clone(),
            record_change: RecordChangeNotification {
                person_id: self.person_id,
                record_id: self.record_id,
                thing_ids: self.thing_ids.clone(),
            },
        }
    }
}

#[cfg(test)]
mod tests;
