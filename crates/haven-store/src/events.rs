//! Eventing: subscriptions (documents keyed by id and application), the notification outbox
//! that `write_things` fills in the same transaction as the change (see
//! [`enqueue_notifications`]), and the delivery worker's claims. A claim moves a due
//! notification's next attempt past a lease, in one statement per notification inside a
//! transaction that locks the rows it takes (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite
//! has one writer at a time anyway), so workers of several processes share the work without
//! taking the same notification, and a worker that dies leaves its claims to come due again.

use std::sync::Arc;

use async_trait::async_trait;
use haven_domain::eventing::{NotificationId, Subscription, SubscriptionId};
use haven_domain::ids::{ApplicationId, PersonId, RecordId, ThingId};
use time::{Duration, OffsetDateTime};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::attempts::attempts;
use crate::db::{SqlStore, in_write_transaction, on_db};
use crate::error::StoreError;
use crate::rows::{from_json, instant, micros, to_json};
use crate::{EventStore, StoreResult};

/// A notification taken for delivery, with its subscription as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedNotification {
    /// Its id, the same on every attempt.
    pub id: NotificationId,
    /// The subscription notified.
    pub subscription: Subscription,
    /// The person whose authorization lets the application read the record offline.
    pub person_id: PersonId,
    /// The record changed.
    pub record_id: RecordId,
    /// The things changed.
    pub thing_ids: Vec<ThingId>,
    /// When the change was written.
    pub occurred_at: OffsetDateTime,
    /// Attempts so far, this one included.
    pub attempts: u32,
}

/// Where a notification stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationState {
    /// Waiting for (another) attempt.
    Pending,
    /// A receiver answered 200.
    Delivered,
    /// Given up: past the deadline, or its subscription is gone.
    Abandoned,
}

impl NotificationState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Abandoned => "abandoned",
        }
    }

    fn parse(text: &str) -> Result<Self, StoreError> {
        match text {
            "pending" => Ok(Self::Pending),
            "delivered" => Ok(Self::Delivered),
            "abandoned" => Ok(Self::Abandoned),
            other => Err(StoreError::corrupt(format!("notification state {other:?}"))),
        }
    }
}

/// What became of a delivery attempt, as the worker records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotificationOutcome {
    /// A receiver accepted it at `at`.
    Delivered {
        /// The notification.
        id: NotificationId,
        /// When.
        at: OffsetDateTime,
    },
    /// The attempt failed; try again at `next`.
    Retry {
        /// The notification.
        id: NotificationId,
        /// When it is due again.
        next: OffsetDateTime,
        /// Why the attempt failed (a status or the kind of error, never content).
        error: String,
    },
    /// Given up at `at`.
    Abandoned {
        /// The notification.
        id: NotificationId,
        /// When.
        at: OffsetDateTime,
        /// Why.
        error: String,
    },
}

/// A notification as stored, for inspection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNotification {
    /// Its id.
    pub id: NotificationId,
    /// The subscription notified.
    pub subscription_id: SubscriptionId,
    /// The person.
    pub person_id: PersonId,
    /// The record.
    pub record_id: RecordId,
    /// The things changed.
    pub thing_ids: Vec<ThingId>,
    /// When the change was written.
    pub occurred_at: OffsetDateTime,
    /// Where it stands.
    pub state: NotificationState,
    /// Attempts so far.
    pub attempts: u32,
    /// When it is due next (pending) or was last tried.
    pub next_attempt_at: OffsetDateTime,
    /// Why the last attempt failed, or why it was abandoned.
    pub last_error: Option<String>,
    /// When it was delivered or abandoned.
    pub finished_at: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct NotificationRow {
    id: Uuid,
    subscription_id: Uuid,
    person_id: Uuid,
    record_id: Uuid,
    thing_ids: String,
    occurred_at: i64,
    state: String,
    attempts: i64,
    next_attempt_at: i64,
    last_error: Option<String>,
    finished_at: Option<i64>,
}

const NOTIFICATION_COLUMNS: &str = "id, subscription_id, person_id, record_id, thing_ids, occurred_at, state, attempts, \
     next_attempt_at, last_error, finished_at";

impl TryFrom<NotificationRow> for StoredNotification {
    type Error = StoreError;
    fn try_from(row: NotificationRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: NotificationId::from_uuid(row.id),
            subscription_id: SubscriptionId::from_uuid(row.subscription_id),
            person_id: PersonId::from_uuid(row.person_id),
            record_id: RecordId::from_uuid(row.record_id),
            thing_ids: from_json(&row.thing_ids)?,
            occurred_at: instant(row.occurred_at)?,
            state: NotificationState::parse(&row.state)?,
            attempts: attempts(row.attempts)?,
            next_attempt_at: instant(row.next_attempt_at)?,
            last_error: row.last_error,
            finished_at: row.finished_at.map(instant).transpose()?,
        })
    }
}

pub(crate) fn subscription_from_document(document: &str) -> Result<Subscription, StoreError> {
    from_json(document)
}

/// The wake-up the write path gives the delivery worker of this process when it queued
/// notifications (workers of other processes find them by polling).
#[derive(Debug, Default, Clone)]
pub(crate) struct OutboxSignal(Arc<Notify>);

/// Inside `write_things`' transaction: the notifications the changes produce, from the
/// subscriptions of applications authorized on the record (one joined query, empty unless
/// such subscriptions exist), decided by `haven_domain::eventing::notifications_for`.
/// Returns how many were queued.
macro_rules! enqueue_notifications {
    ($tx:expr, $record_id:expr, $changed:expr, $occurred_at:expr) => {{
        let record_id: haven_domain::ids::RecordId = $record_id;
        let changed: &[haven_domain::eventing::ChangedThing] = $changed;
        let occurred_at: time::OffsetDateTime = $occurred_at;
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT s.document, a.document FROM event_subscriptions s \
             JOIN app_authorizations a ON a.application_id = s.application_id WHERE a.record_id = $1",
        )
        .bind(record_id.as_uuid())
        .fetch_all(&mut *$tx)
        .await?;
        let mut queued = 0_usize;
        if !rows.is_empty() {
            let mut subscriptions = std::collections::BTreeMap::new();
            let mut authorizations = std::collections::BTreeMap::new();
            for (subscription, authorization) in &rows {
                let subscription = $crate::events::subscription_from_document(subscription)?;
                let authorization = $crate::rows::authorization_from_document(authorization)?;
                authorizations.insert((authorization.person_id, authorization.application_id), authorization);
                subscriptions.insert(subscription.id, subscription);
            }
            let subscriptions: Vec<_> = subscriptions.into_values().collect();
            let authorizations: Vec<_> = authorizations.into_values().collect();
            let drafts = haven_domain::eventing::notifications_for(
                record_id,
                changed,
                &subscriptions,
                &authorizations,
                occurred_at,
            );
            for draft in drafts {
                sqlx::query(
                    "INSERT INTO event_notifications (id, subscription_id, person_id, record_id, thing_ids, \
                     occurred_at, state, attempts, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $6)",
                )
                .bind(uuid::Uuid::new_v4())
                .bind(draft.subscription_id.as_uuid())
                .bind(draft.person_id.as_uuid())
                .bind(draft.record_id.as_uuid())
                .bind($crate::rows::to_json(&draft.thing_ids)?)
                .bind($crate::rows::micros(occurred_at))
                .execute(&mut *$tx)
                .await?;
                queued += 1;
            }
        }
        queued
    }};
}
pub(crate) use enqueue_notifications;

impl SqlStore {
    /// Wakes this process's delivery worker (after notifications were queued).
    pub(crate) fn signal_outbox(&self) {
        self.outbox.0.notify_one();
    }
}

#[async_trait]
impl EventStore for SqlStore {
    async fn add_subscription(&self, subscription: &Subscription, limit: usize) -> StoreResult<()> {
        let document = to_json(subscription)?;
        in_write_transaction!(&self.db, |tx, _lock| {
            async {
                let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM event_subscriptions WHERE application_id = $1")
                    .bind(subscription.application_id.as_uuid())
                    .fetch_one(&mut *tx)
                    .await?;
                if usize::try_from(count).unwrap_or(usize::MAX) >= limit {
                    return Err(StoreError::TooManySubscriptions(limit));
                }
                sqlx::query(
                    "INSERT INTO event_subscriptions (id, application_id, document, created_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(subscription.id.as_uuid())
                .bind(subscription.application_id.as_uuid())
                .bind(&document)
                .bind(micros(subscription.created_at))
                .execute(&mut *tx)
                .await?;
                Ok(())
            }
            .await
        })
    }

    async fn subscriptions_of_application(&self, application_id: ApplicationId) -> StoreResult<Vec<Subscription>> {
        let documents: Vec<String> = on_db!(&self.db, |pool| {
            sqlx::query_scalar(
                "SELECT document FROM event_subscriptions WHERE application_id = $1 ORDER BY created_at, id",
            )
            .bind(application_id.as_uuid())
            .fetch_all(pool)
            .await
        })?;
        documents.iter().map(|document| subscription_from_document(document)).collect()
    }

    async fn subscription(&self, id: SubscriptionId) -> StoreResult<Option<Subscription>> {
        let document: Option<String> = on_db!(&self.db, |pool| {
            sqlx::query_scalar("SELECT document FROM event_subscriptions WHERE id = $1")
                .bind(id.as_uuid())
                .fetch_optional(pool)
                .await
        })?;
        document.map(|document| subscription_from_document(&document)).transpose()
    }

    async fn update_subscription(&self, subscription: &Subscription) -> StoreResult<bool> {
        let document = to_json(subscription)?;
        let updated = on_db!(&self.db, |pool| {
            sqlx::query("UPDATE event_subscriptions SET document = $1 WHERE id = $2 AND application_id = $3")
                .bind(&document)
                .bind(subscription.id.as_uuid())
                .bind(subscription.application_id.as_uuid())
                .execute(pool)
                .await
                .map(|result| result.rows_affected())
        })?;
        Ok(updated == 1)
    }

    async fn delete_subscription(&self, application_id: ApplicationId, id: SubscriptionId) -> StoreResult<bool> {
        in_write_transaction!(&self.db, |tx, _lock| {
            async {
                let owned: Option<Uuid> =
                    sqlx::query_scalar("SELECT id FROM event_subscriptions WHERE id = $1 AND application_id = $2")
                        .bind(id.as_uuid())
                        .bind(application_id.as_uuid())
                        .fetch_optional(&mut *tx)
                        .await?;
                if owned.is_none() {
                    return Ok(false);
                }
                // Its notifications, delivered or not, go with it.
                sqlx::query("DELETE FROM event_notifications WHERE subscription_id = $1")
                    .bind(id.as_uuid())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM event_subscriptions WHERE id = $1")
                    .bind(id.as_uuid())
                    .execute(&mut *tx)
                    .await?;
                Ok(true)
            }
            .await
        })
    }

    async fn claim_notifications(
        &self,
        now: OffsetDateTime,
        lease: Duration,
        limit: u32,
    ) -> StoreResult<Vec<ClaimedNotification>> {
        let select = format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM event_notifications WHERE state = 'pending' AND next_attempt_at <= $1 \
             ORDER BY next_attempt_at LIMIT $2"
        );
        let rows: Vec<(NotificationRow, Option<String>)> = in_write_transaction!(&self.db, |tx, lock| {
            async {
                let skip_locked = if lock.is_empty() { "" } else { " FOR UPDATE SKIP LOCKED" };
                let rows: Vec<NotificationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{select}{skip_locked}")))
                    .bind(micros(now))
                    .bind(i64::from(limit))
                    .fetch_all(&mut *tx)
                    .await?;
                let mut claimed = Vec::with_capacity(rows.len());
                for row in rows {
                    sqlx::query(
                        "UPDATE event_notifications SET attempts = attempts + 1, next_attempt_at = $1 WHERE id = $2",
                    )
                    .bind(micros(now + lease))
                    .bind(row.id)
                    .execute(&mut *tx)
                    .await?;
                    let document: Option<String> =
                        sqlx::query_scalar("SELECT document FROM event_subscriptions WHERE id = $1")
                            .bind(row.subscription_id)
                            .fetch_optional(&mut *tx)
                            .await?;
                    claimed.push((row, document));
                }
                Ok::<_, StoreError>(claimed)
            }
            .await
        })?;
        let mut claimed = Vec::with_capacity(rows.len());
        for (row, document) in rows {
            let Some(document) = document else {
                // Cannot happen (deleting a subscription deletes its notifications); skip.
                continue;
            };
            let stored = StoredNotification::try_from(row)?;
            claimed.push(ClaimedNotification {
                id: stored.id,
                subscription: subscription_from_document(&document)?,
                person_id: stored.person_id,
                record_id: stored.record_id,
                thing_ids: stored.thing_ids,
                occurred_at: stored.occurred_at,
                attempts: stored.attempts + 1,
            });
        }
        Ok(claimed)
    }

    async fn record_outcomes(&self, outcomes: &[NotificationOutcome]) -> StoreResult<()> {
        if outcomes.is_empty() {
            return Ok(());
        }
        let finish = "UPDATE event_notifications SET state = $1, last_error = $2, finished_at = $3 WHERE id = $4";
        let retry = "UPDATE event_notifications SET next_attempt_at = $1, last_error = $2 WHERE id = $3";
        // One transaction for a whole batch: on SQLite every transaction is a disk sync and a
        // turn of the single write lock, which per-notification updates would queue for.
        in_write_transaction!(&self.db, |tx, _lock| {
            async {
                for outcome in outcomes {
                    let query = match outcome {
                        NotificationOutcome::Delivered { id, at } => sqlx::query(finish)
                            .bind(NotificationState::Delivered.as_str())
                            .bind(None::<String>)
                            .bind(micros(*at))
                            .bind(id.as_uuid()),
                        NotificationOutcome::Abandoned { id, at, error } => sqlx::query(finish)
                            .bind(NotificationState::Abandoned.as_str())
                            .bind(Some(error.clone()))
                            .bind(micros(*at))
                            .bind(id.as_uuid()),
                        NotificationOutcome::Retry { id, next, error } => {
                            sqlx::query(retry).bind(micros(*next)).bind(Some(error.clone())).bind(id.as_uuid())
                        }
                    };
                    query.execute(&mut *tx).await?;
                }
                Ok::<_, StoreError>(())
            }
            .await
        })
    }

    async fn notifications_of_subscription(&self, id: SubscriptionId) -> StoreResult<Vec<StoredNotification>> {
        let sql = format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM event_notifications WHERE subscription_id = $1 ORDER BY occurred_at, id"
        );
        let rows: Vec<NotificationRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id.as_uuid()).fetch_all(pool).await
        })?;
        rows.into_iter().map(StoredNotification::try_from).collect()
    }

    async fn delete_finished_notifications(&self, before: OffsetDateTime) -> StoreResult<u64> {
        on_db!(&self.db, |pool| {
            sqlx::query("DELETE FROM event_notifications WHERE state <> 'pending' AND finished_at <= $1")
                .bind(micros(before))
                .execute(pool)
                .await
                .map(|result| result.rows_affected())
        })
        .map_err(StoreError::from)
    }

    fn outbox_signal(&self) -> Arc<Notify> {
        self.outbox.0.clone()
    }
}
