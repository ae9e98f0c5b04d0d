//! The eventing sample, after HealthVault's Event Notification Service sample: an
//! application that is told when things change in the records it may read offline.
//!
//! - The **subscription manager** ([`manager`]) creates, lists, changes and deletes the
//!   application's subscriptions (SubscribeToEvent, GetEventSubscriptions,
//!   UpdateEventSubscription, UnsubscribeToEvent through haven-sdk), giving each a new
//!   64-byte key kept in the [`keyring`] by key version; a rotation keeps the old key, so
//!   notifications signed before it still verify.
//! - The **notification handler** ([`handler`]) verifies each POST's signature with the key
//!   of the version it names ([`verify`]: HealthVault's `HVEventingSharedKey`, or Standard
//!   Webhooks), discards mismatches, answers 200 at once, and reads the changed things
//!   offline on another task.
//! - The **test notification sender** ([`sender`]) posts a notification to the
//!   subscription's URL, the handler or any URL, signed correctly or not, naming fake, no or
//!   actual things.
//!
//! The `eventing-sample` binary is a command line over these; the tests call them
//! in-process.

pub mod error;
pub mod handler;
pub mod keyring;
pub mod manager;
pub mod sender;
pub mod verify;

pub use error::EventingError;
pub use handler::{ChangedThing, Found, HandlerConfig, HandlerEvent, handler, serve};
pub use keyring::{Keyring, generate_key};
pub use manager::{NewSubscription, Subscribed, SubscriptionChange, parse_thing_type};
pub use sender::{Mode, Sent, Target, TestNotification, ThingIds, send_test};
pub use verify::{Discard, Verified};
