//! Eventing: subscriptions, the notifications a thing change queues in its own transaction,
//! and the delivery worker's claims (leased, never handed to two workers at once).

use haven_domain::eventing::{
    DeliveryFormat, KeyVersion, MAX_SUBSCRIPTIONS_PER_APPLICATION, NotificationKey, Subscription, SubscriptionId,
};
use haven_store::{EventStore, NotificationOutcome, NotificationState};

use super::things::{create, height_draft, put, weight_draft};
use super::*;

fn subscription(application_id: ApplicationId, types: &[ThingTypeId]) -> Subscription {
    Subscription {
        id: SubscriptionId::from_uuid(Uuid::new_v4()),
        application_id,
        url: url::Url::parse("https://tracker.example/hv/events").unwrap(),
        key: NotificationKey::new(vec![9; 64]).unwrap(),
        key_version: KeyVersion::parse("v1").unwrap(),
        type_filters: vec![types.iter().copied().collect()],
        format: DeliveryFormat::HealthVault,
        created_at: NOW,
    }
}

/// An application authorized on the fixture's record, reading weights offline when
/// `offline` (online only otherwise).
async fn authorized_application(fixture: &Fixture, offline: bool) -> Application {
    let app = application();
    fixture.store.put_application(&app).await.unwrap();
    let offline_rules = offline.then(|| RuleSet {
        rules: vec![AuthRule {
            name: "sync".to_owned(),
            reason: String::new(),
            is_optional: false,
            is_incremental: false,
            display_flags: 0,
            permissions: Permissions::READ,
            target_sets: vec![TargetSet { type_ids: [WEIGHT].into_iter().collect(), date_ranges: Vec::new() }],
            exception_sets: Vec::new(),
        }],
    });
    let grant = AppAuthorization {
        person_id: fixture.person.id,
        record_id: fixture.record.id,
        application_id: app.id,
        online: Some(app.online_rules.clone()),
        offline: offline_rules,
        granted_at: NOW,
        expires_at: None,
        revoked_at: None,
    };
    fixture.store.put_authorization(&grant).await.unwrap();
    app
}

pub(crate) async fn subscriptions_are_kept_per_application_up_to_the_limit(fixture: &Fixture) {
    let app = authorized_application(fixture, true).await;
    let other = authorized_application(fixture, true).await;
    let first = subscription(app.id, &[WEIGHT]);
    fixture.store.add_subscription(&first, MAX_SUBSCRIPTIONS_PER_APPLICATION).await.unwrap();
    assert_eq!(fixture.store.subscription(first.id).await.unwrap(), Some(first.clone()));
    let second = subscription(app.id, &[HEIGHT]);
    fixture.store.add_subscription(&second, 2).await.unwrap();
    let refused = fixture.store.add_subscription(&subscription(app.id, &[WEIGHT]), 2).await;
    assert!(matches!(refused, Err(StoreError::TooManySubscriptions(2))), "{refused:?}");
    fixture.store.add_subscription(&subscription(other.id, &[WEIGHT]), 2).await.unwrap();
    assert_eq!(fixture.store.subscriptions_of_application(app.id).await.unwrap().len(), 2);

    let mut changed = second.clone();
    changed.url = url::Url::parse("https://tracker.example/hv/other").unwrap();
    assert!(fixture.store.update_subscription(&changed).await.unwrap());
    assert_eq!(fixture.store.subscription(second.id).await.unwrap(), Some(changed.clone()));
    let stolen = Subscription { application_id: other.id, ..changed.clone() };
    assert!(!fixture.store.update_subscription(&stolen).await.unwrap(), "only its own application changes it");
    assert!(!fixture.store.delete_subscription(other.id, second.id).await.unwrap());
    assert!(fixture.store.delete_subscription(app.id, second.id).await.unwrap());
    assert!(fixture.store.subscription(second.id).await.unwrap().is_none());
}

pub(crate) async fn a_change_queues_notifications_in_its_transaction(fixture: &Fixture) {
    let reader = authorized_application(fixture, true).await;
    let online_only = authorized_application(fixture, false).await;
    let watching = subscription(reader.id, &[WEIGHT]);
    let heights = subscription(reader.id, &[HEIGHT]);
    let not_offline = subscription(online_only.id, &[WEIGHT]);
    for subscription in [&watching, &heights, &not_offline] {
        fixture.store.add_subscription(subscription, MAX_SUBSCRIPTIONS_PER_APPLICATION).await.unwrap();
    }
    let signal = fixture.store.outbox_signal();
    let woken = signal.notified();

    let when = PrimitiveDateTime::new(NOW.date(), NOW.time());
    let weight = create(fixture, weight_draft("70", when, None), NOW);
    let height = create(fixture, height_draft("1.8", when), NOW);
    let keys = put(fixture, vec![weight.clone(), height]).await;
    tokio::time::timeout(std::time::Duration::from_secs(1), woken).await.expect("the worker is woken");

    let queued = fixture.store.notifications_of_subscription(watching.id).await.unwrap();
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(queued[0].thing_ids, vec![keys[0].id]);
    assert_eq!((queued[0].person_id, queued[0].record_id), (fixture.person.id, fixture.record.id));
    assert_eq!(queued[0].state, NotificationState::Pending);
    assert_eq!(queued[0].occurred_at, NOW);
    // Heights cannot be read offline, and online-only access notifies nothing.
    assert!(fixture.store.notifications_of_subscription(heights.id).await.unwrap().is_empty());
    assert!(fixture.store.notifications_of_subscription(not_offline.id).await.unwrap().is_empty());

    // A write that fails queues nothing.
    let duplicate = fixture.store.write_things(fixture.record.id, &[ThingChange::Create(weight)]).await;
    assert!(duplicate.is_err());
    assert_eq!(fixture.store.notifications_of_subscription(watching.id).await.unwrap().len(), 1);
}

pub(crate) async fn claims_are_leased_and_finished(fixture: &Fixture) {
    let reader = authorized_application(fixture, true).await;
    let watching = subscription(reader.id, &[WEIGHT]);
    fixture.store.add_subscription(&watching, MAX_SUBSCRIPTIONS_PER_APPLICATION).await.unwrap();
    let when = PrimitiveDateTime::new(NOW.date(), NOW.time());
    for kg in ["70", "71", "72"] {
        put(fixture, vec![create(fixture, weight_draft(kg, when, None), NOW)]).await;
    }
    let lease = Duration::minutes(1);
    assert!(
        fixture.store.claim_notifications(NOW - Duration::seconds(1), lease, 10).await.unwrap().is_empty(),
        "not due yet"
    );
    let claimed = fixture.store.claim_notifications(NOW, lease, 2).await.unwrap();
    assert_eq!(claimed.len(), 2);
    assert_eq!(claimed[0].subscription, watching);
    assert_eq!(claimed[0].attempts, 1);
    let rest = fixture.store.claim_notifications(NOW, lease, 10).await.unwrap();
    assert_eq!(rest.len(), 1, "claimed ones are not handed out again within the lease");

    let outcomes = [
        NotificationOutcome::Delivered { id: claimed[0].id, at: NOW },
        NotificationOutcome::Retry {
            id: claimed[1].id,
            next: NOW + Duration::minutes(5),
            error: "HTTP 500".to_owned(),
        },
    ];
    fixture.store.record_outcomes(&outcomes).await.unwrap();
    // The third was never finished (its worker died): it comes back after the lease.
    let again = fixture.store.claim_notifications(NOW + lease, Duration::hours(1), 10).await.unwrap();
    assert_eq!(again.iter().map(|claim| claim.id).collect::<Vec<_>>(), vec![rest[0].id]);
    assert_eq!(again[0].attempts, 2);
    let retried = fixture.store.claim_notifications(NOW + Duration::minutes(5), lease, 10).await.unwrap();
    assert_eq!(retried.iter().map(|claim| claim.id).collect::<Vec<_>>(), vec![claimed[1].id]);
    let abandoned = NotificationOutcome::Abandoned { id: claimed[1].id, at: NOW, error: "too late".to_owned() };
    fixture.store.record_outcomes(&[abandoned]).await.unwrap();

    let stored = fixture.store.notifications_of_subscription(watching.id).await.unwrap();
    let delivered = stored.iter().find(|notification| notification.id == claimed[0].id).unwrap();
    assert_eq!((delivered.state, delivered.finished_at), (NotificationState::Delivered, Some(NOW)));
    let abandoned = stored.iter().find(|notification| notification.id == claimed[1].id).unwrap();
    assert_eq!(abandoned.state, NotificationState::Abandoned);
    assert_eq!(abandoned.last_error.as_deref(), Some("too late"));
    assert_eq!(fixture.store.delete_finished_notifications(NOW).await.unwrap(), 2);
    assert_eq!(
        fixture.store.notifications_of_subscription(watching.id).await.unwrap().len(),
        1,
        "the pending one stays"
    );

    // Deleting the subscription takes its notifications with it.
    assert!(fixture.store.delete_subscription(reader.id, watching.id).await.unwrap());
    assert!(fixture.store.claim_notifications(NOW + Duration::days(1), lease, 10).await.unwrap().is_empty());
}

pub(crate) async fn concurrent_claims_never_share_a_notification(fixture: &Fixture) {
    let reader = authorized_application(fixture, true).await;
    let watching = subscription(reader.id, &[WEIGHT]);
    fixture.store.add_subscription(&watching, MAX_SUBSCRIPTIONS_PER_APPLICATION).await.unwrap();
    let when = PrimitiveDateTime::new(NOW.date(), NOW.time());
    for _ in 0..40 {
        put(fixture, vec![create(fixture, weight_draft("70", when, None), NOW)]).await;
    }
    let store = &fixture.store;
    let claim = || async move {
        let mut mine = Vec::new();
        loop {
            let batch = store.claim_notifications(NOW, Duration::minutes(5), 3).await.unwrap();
            if batch.is_empty() {
                return mine;
            }
            mine.extend(batch.into_iter().map(|claim| claim.id));
        }
    };
    let (first, second, third) = tokio::join!(claim(), claim(), claim());
    let mut all: Vec<_> = first.into_iter().chain(second).chain(third).collect();
    assert_eq!(all.len(), 40);
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 40, "no notification was claimed twice");
}
