DROP TABLE event_notifications;
DROP TABLE event_subscriptions;
