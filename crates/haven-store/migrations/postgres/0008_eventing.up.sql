-- Eventing: applications' subscriptions (documents, keyed by id and application) and the
-- outbox of notifications, written in the same transaction as the thing change that causes
-- them and delivered by the delivery worker. `next_attempt_at` orders the work; a claimed
-- notification's next attempt moves past its lease, so other workers skip it and a crashed
-- worker's claim comes due again (at-least-once). `state` is pending, delivered or abandoned.

CREATE TABLE event_subscriptions (
    id UUID PRIMARY KEY,
    application_id UUID NOT NULL REFERENCES applications (id),
    document TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX event_subscriptions_by_application ON event_subscriptions (application_id);

CREATE TABLE event_notifications (
    id UUID PRIMARY KEY,
    subscription_id UUID NOT NULL REFERENCES event_subscriptions (id),
    person_id UUID NOT NULL,
    record_id UUID NOT NULL,
    thing_ids TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    finished_at BIGINT
);
CREATE INDEX event_notifications_due ON event_notifications (state, next_attempt_at);
CREATE INDEX event_notifications_by_subscription ON event_notifications (subscription_id);
