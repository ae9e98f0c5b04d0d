-- SQLite twin of migrations/postgres/0008_eventing.up.sql.
-- Eventing: applications' subscriptions (documents, keyed by id and application) and the
-- outbox of notifications, written in the same transaction as the thing change that causes
-- them and delivered by the delivery worker. `next_attempt_at` orders the work; a claimed
-- notification's next attempt moves past its lease, so other workers skip it and a crashed
-- worker's claim comes due again (at-least-once). `state` is pending, delivered or abandoned.

CREATE TABLE event_subscriptions (
    id BLOB PRIMARY KEY,
    application_id BLOB NOT NULL REFERENCES applications (id),
    document TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX event_subscriptions_by_application ON event_subscriptions (application_id);

CREATE TABLE event_notifications (
    id BLOB PRIMARY KEY,
    subscription_id BLOB NOT NULL REFERENCES event_subscriptions (id),
    person_id BLOB NOT NULL,
    record_id BLOB NOT NULL,
    thing_ids TEXT NOT NULL,
    occurred_at INTEGER NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    finished_at INTEGER
) STRICT;
CREATE INDEX event_notifications_due ON event_notifications (state, next_attempt_at);
CREATE INDEX event_notifications_by_subscription ON event_notifications (subscription_id);
