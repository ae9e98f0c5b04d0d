//! The notification handler: an HTTP endpoint for the Platform's POSTs. It reads the body,
//! verifies its signature with the key the keyring has for the key version sent
//! ([`crate::verify`]), discards (logs, does not process) what does not verify, and answers
//! 200 at once; verified deliveries go to another task, which reads the notifications
//! (haven-wire) and then the changed things, offline as the notification's person, through
//! haven-sdk. What happens is reported as [`HandlerEvent`]s.
//!
//! Every answer to a readable POST is 200, mismatches included, as HealthVault's sample did:
//! the Platform takes anything else as a failed delivery and retries it for days. The two
//! exceptions are failures on this side that a retry may get past: a keyring that cannot be
//! read (500) and a full processing queue (503).

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use haven_domain::ids::{PersonId, RecordId, ThingId, ThingTypeId};
use haven_sdk::{CallAs, Connection};
use haven_wire::methods::get_things::{ThingFormat, ThingSection, ThingTarget, ThingsGroupRequest};
use haven_wire::notification::{Notification, WebhookEvent, parse_notifications};
use time::OffsetDateTime;
use tokio::sync::mpsc;

use crate::keyring;
use crate::verify::{Discard, Verified, verify};

/// How many verified deliveries may wait for processing; beyond that the handler answers
/// 503 and the Platform tries again later.
pub const QUEUE_CAPACITY: usize = 256;

/// What the handler works with.
#[derive(Debug, Clone)]
pub struct HandlerConfig {
    /// The keyring file, read for every delivery.
    pub keyring: PathBuf,
    /// The application, to read the changed things with; without it the handler reports the
    /// notifications' ids only.
    pub connection: Option<Arc<Connection>>,
}

/// Something the handler did, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandlerEvent {
    /// A delivery whose signature did not verify: answered 200, not processed.
    Discarded(Discard),
    /// A delivery that verified, queued for processing.
    Verified(Verified),
    /// The keyring could not be read: answered 500, so the Platform will try again.
    KeyringUnreadable(String),
    /// The processing queue was full: answered 503, so the Platform will try again.
    Busy,
    /// A verified body that holds no readable notification.
    Unreadable(String),
    /// A notification that names no thing.
    NoThings {
        /// The notification's subscription.
        subscription_id: String,
        /// The record.
        record_id: RecordId,
    },
    /// One changed thing, and what reading it found.
    Thing(ChangedThing),
    /// Reading a notification's things failed.
    ReadFailed {
        /// The record.
        record_id: RecordId,
        /// What failed.
        error: String,
    },
}

/// A thing a notification named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedThing {
    /// The notification's subscription.
    pub subscription_id: String,
    /// The person the things were read as (offline).
    pub person_id: PersonId,
    /// The record.
    pub record_id: RecordId,
    /// The thing.
    pub thing_id: ThingId,
    /// What reading it found.
    pub found: Found,
}

/// What reading a changed thing found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// Its current version, of this type.
    Current {
        /// The type's id.
        type_id: ThingTypeId,
        /// The type's name, when Haven knows the type.
        type_name: Option<String>,
    },
    /// Nothing: the change was a deletion, or the application may no longer read it.
    NotFound,
    /// Not read: the handler has no application to read with.
    NotRead,
}

impl std::fmt::Display for ChangedThing {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Self { subscription_id, record_id, thing_id, .. } = self;
        write!(formatter, "record {record_id} thing {thing_id} (subscription {subscription_id}): ")?;
        match &self.found {
            Found::Current { type_id, type_name: Some(name) } => write!(formatter, "{name} ({type_id})"),
            Found::Current { type_id, type_name: None } => write!(formatter, "type {type_id}"),
            Found::NotFound => formatter.write_str("not found (deleted, or no longer readable offline)"),
            Found::NotRead => formatter.write_str("changed (not read: no application given)"),
        }
    }
}

/// A verified delivery waiting for processing.
#[derive(Debug)]
struct Delivery {
    verified: Verified,
    body: Bytes,
}

#[derive(Debug, Clone)]
struct HandlerState {
    keyring: Arc<PathBuf>,
    queue: mpsc::Sender<Delivery>,
    events: mpsc::UnboundedSender<HandlerEvent>,
}

/// The handler's routes (a POST to any path) and the receiver of its events. Starts the
/// processing task, so it must be called within a Tokio runtime; the task ends when the
/// router is dropped.
pub fn handler(config: HandlerConfig) -> (Router, mpsc::UnboundedReceiver<HandlerEvent>) {
    let (events, receiver) = mpsc::unbounded_channel();
    let (queue, deliveries) = mpsc::channel(QUEUE_CAPACITY);
    tokio::spawn(process(deliveries, config.connection, events.clone()));
    let state = HandlerState { keyring: Arc::new(config.keyring), queue, events };
    let router = Router::new().route("/", post(receive)).route("/{*path}", post(receive)).with_state(state);
    (router, receiver)
}

/// Serves the handler on `listener` until the process stops, passing each event to
/// `on_event`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: HandlerConfig,
    mut on_event: impl FnMut(HandlerEvent) + Send + 'static,
) -> std::io::Result<()> {
    let (router, mut events) = handler(config);
    let reporter = tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            on_event(event);
        }
    });
    let served = axum::serve(listener, router).await;
    reporter.abort();
    served
}

async fn receive(State(state): State<HandlerState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let report = |event| {
        // The receiver is gone only when nobody wants the events.
        let _ = state.events.send(event);
    };
    let keyring = match keyring::load(&state.keyring) {
        Ok(keyring) => keyring,
        Err(error) => {
            report(HandlerEvent::KeyringUnreadable(error.to_string()));
            return StatusCode::INTERNAL_SERVER_ERROR;
        }
    };
    let verified = match verify(&keyring, &headers, &body, OffsetDateTime::now_utc()) {
        Ok(verified) => verified,
        Err(discard) => {
            report(HandlerEvent::Discarded(discard));
            return StatusCode::OK;
        }
    };
    report(HandlerEvent::Verified(verified.clone()));
    match state.queue.try_send(Delivery { verified, body }) {
        Ok(()) => StatusCode::OK,
        Err(mpsc::error::TrySendError::Full(_)) => {
            report(HandlerEvent::Busy);
            StatusCode::SERVICE_UNAVAILABLE
        }
        // The processing task ended; the process is stopping.
        Err(mpsc::error::TrySendError::Closed(_)) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// The processing task: one delivery at a time, in the order they verified.
async fn process(
    mut deliveries: mpsc::Receiver<Delivery>,
    connection: Option<Arc<Connection>>,
    events: mpsc::UnboundedSender<HandlerEvent>,
) {
    while let Some(delivery) = deliveries.recv().await {
        let notifications = match read_body(&delivery) {
            Ok(notifications) => notifications,
            Err(error) => {
                let _ = events.send(HandlerEvent::Unreadable(error));
                continue;
            }
        };
        for notification in notifications {
            for event in read_things(connection.as_deref(), &notification).await {
                let _ = events.send(event);
            }
        }
    }
}

/// The notifications in a verified body.
fn read_body(delivery: &Delivery) -> Result<Vec<Notification>, String> {
    match delivery.verified {
        Verified::HealthVault { .. } => {
            let text = std::str::from_utf8(&delivery.body).map_err(|_| "the body is not UTF-8".to_owned())?;
            let notifications = parse_notifications(text).map_err(|error| error.to_string())?;
            if notifications.is_empty() {
                return Err("the body holds no record change notification".to_owned());
            }
            Ok(notifications)
        }
        Verified::StandardWebhooks { .. } => {
            let event: WebhookEvent = serde_json::from_slice(&delivery.body).map_err(|error| error.to_string())?;
            Ok(vec![event.data.to_notification()])
        }
    }
}

/// Reads a notification's things (GetThings offline as its person, by id) and reports each.
async fn read_things(connection: Option<&Connection>, notification: &Notification) -> Vec<HandlerEvent> {
    let change = &notification.record_change;
    if change.thing_ids.is_empty() {
        return vec![HandlerEvent::NoThings {
            subscription_id: notification.subscription_id.clone(),
            record_id: change.record_id,
        }];
    }
    let changed = |thing_id: ThingId, found: Found| {
        HandlerEvent::Thing(ChangedThing {
            subscription_id: notification.subscription_id.clone(),
            person_id: change.person_id,
            record_id: change.record_id,
            thing_id,
            found,
        })
    };
    let Some(connection) = connection else {
        return change.thing_ids.iter().map(|thing_id| changed(*thing_id, Found::NotRead)).collect();
    };
    let group = ThingsGroupRequest {
        target: ThingTarget::Ids(change.thing_ids.clone()),
        format: ThingFormat { sections: vec![ThingSection::Core], ..ThingFormat::default() },
        ..ThingsGroupRequest::default()
    };
    let answer = match connection.get_things(&CallAs::Offline(change.person_id), change.record_id, vec![group]).await {
        Ok(answer) => answer,
        Err(error) => {
            return vec![HandlerEvent::ReadFailed { record_id: change.record_id, error: error.to_string() }];
        }
    };
    let things: Vec<_> = answer.groups.into_iter().flat_map(|group| group.things).collect();
    change
        .thing_ids
        .iter()
        .map(|thing_id| {
            let found = match things.iter().find(|thing| thing.key.id == *thing_id) {
                Some(thing) => Found::Current {
                    type_id: thing.type_id,
                    type_name: thing.type_name.clone().or_else(|| {
                        haven_domain::thing_type::by_id(thing.type_id).map(|thing_type| thing_type.name.to_owned())
                    }),
                },
                None => Found::NotFound,
            };
            changed(*thing_id, found)
        })
        .collect()
}
