//! Delivery of event notifications: the worker that takes the notifications `write_things`
//! queued in the store's outbox, POSTs them to their subscriptions' URLs and records what
//! happened. HealthVault-format subscriptions get `wc:notifications` XML (several
//! notifications of one subscription per POST) signed with `Authorization:
//! HVEventingSharedKey`, and only HTTP 200 counts as delivered; Standard Webhooks
//! subscriptions get one JSON event per POST with the `webhook-id`, `webhook-timestamp` and
//! `webhook-signature` headers, and any 2xx counts. Anything else, a timeout or a
//! connection error is retried on the domain's schedule (`next_attempt`) until the delivery
//! deadline, then abandoned with the reason recorded.
//!
//! The worker takes the store and the clock as arguments: tests drive
//! [`DeliveryWorker::deliver_due`] with a manual clock instead of waiting, and several
//! workers over one database share the outbox through leased claims.

mod error;
mod request;
mod settings;
mod worker;

pub use error::DeliveryError;
pub use settings::{
    DEFAULT_BATCH_SIZE, DEFAULT_CLEANUP_INTERVAL, DEFAULT_ERROR_PAUSE, DEFAULT_KEEP_FINISHED, DEFAULT_LEASE,
    DEFAULT_MAX_BATCHES_PER_PASS, DEFAULT_MAX_CONCURRENT_REQUESTS, DEFAULT_POLL_INTERVAL, DEFAULT_REQUEST_TIMEOUT,
    DeliverySettings,
};
pub use worker::{DeliveryReport, DeliveryWorker, PAST_DEADLINE};
