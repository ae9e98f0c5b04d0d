#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

use time::macros::datetime;

use super::*;
use crate::auth_rules::{AuthRule, RuleSet, TargetSet};
use crate::thing_type::{BLOOD_PRESSURE, HEIGHT, WEIGHT};

const NOW: OffsetDateTime = datetime!(2026-11-22 10:00 UTC);

fn id<T>(make: fn(Uuid) -> T, n: u128) -> T {
    make(Uuid::from_u128(n))
}

fn rules(permissions: Permissions, types: &[ThingTypeId]) -> RuleSet {
    RuleSet {
        rules: vec![AuthRule {
            name: "r".to_owned(),
            reason: String::new(),
            is_optional: false,
            is_incremental: false,
            display_flags: 0,
            permissions,
            target_sets: vec![TargetSet { type_ids: types.iter().copied().collect(), date_ranges: Vec::new() }],
            exception_sets: Vec::new(),
        }],
    }
}

fn subscription(application: u128, types: &[ThingTypeId]) -> Subscription {
    Subscription {
        id: id(SubscriptionId::from_uuid, 100 + application),
        application_id: id(ApplicationId::from_uuid, application),
        url: Url::parse("https://app.example/hv/events").unwrap(),
        key: NotificationKey::new(vec![7; 64]).unwrap(),
        key_version: KeyVersion::parse("v1").unwrap(),
        type_filters: vec![types.iter().copied().collect()],
        format: DeliveryFormat::HealthVault,
        created_at: NOW,
    }
}

fn authorization(application: u128, person: u128, offline: Option<RuleSet>) -> AppAuthorization {
    AppAuthorization {
        person_id: id(PersonId::from_uuid, person),
        record_id: id(RecordId::from_uuid, 9),
        application_id: id(ApplicationId::from_uuid, application),
        online: Some(rules(Permissions::ALL, &[WEIGHT, HEIGHT, BLOOD_PRESSURE])),
        offline,
        granted_at: NOW,
        expires_at: None,
        revoked_at: None,
    }
}

fn change(n: u128, type_id: ThingTypeId) -> ChangedThing {
    ChangedThing { thing_id: id(ThingId::from_uuid, n), type_id }
}

#[test]
fn a_change_notifies_subscriptions_whose_application_reads_the_type_offline() {
    let record = id(RecordId::from_uuid, 9);
    let subscriptions = [subscription(1, &[WEIGHT]), subscription(2, &[WEIGHT]), subscription(3, &[HEIGHT])];
    let authorizations = [
        authorization(1, 50, Some(rules(Permissions::READ, &[WEIGHT]))),
        authorization(1, 51, Some(rules(Permissions::READ, &[WEIGHT]))),
        // Online only: no notification.
        authorization(2, 50, None),
        // Watches heights, of which none changed (and may not even read them offline).
        authorization(3, 50, Some(rules(Permissions::CREATE, &[HEIGHT]))),
    ];
    let changed = [change(1, WEIGHT), change(2, BLOOD_PRESSURE), change(3, WEIGHT), change(1, WEIGHT)];
    let drafts = notifications_for(record, &changed, &subscriptions, &authorizations, NOW);
    assert_eq!(drafts.len(), 2, "{drafts:?}");
    for (draft, person) in drafts.iter().zip([50, 51]) {
        assert_eq!(draft.subscription_id, subscriptions[0].id);
        assert_eq!(draft.person_id, id(PersonId::from_uuid, person));
        assert_eq!(draft.record_id, record);
        assert_eq!(draft.thing_ids, [id(ThingId::from_uuid, 1), id(ThingId::from_uuid, 3)], "each thing once");
    }
}

#[test]
fn revoked_expired_and_other_records_authorizations_notify_nothing() {
    let record = id(RecordId::from_uuid, 9);
    let subscriptions = [subscription(1, &[WEIGHT])];
    let offline = Some(rules(Permissions::READ, &[WEIGHT]));
    let mut revoked = authorization(1, 50, offline.clone());
    revoked.revoked_at = Some(NOW);
    let mut expired = authorization(1, 51, offline.clone());
    expired.expires_at = Some(NOW);
    let mut elsewhere = authorization(1, 52, offline);
    elsewhere.record_id = id(RecordId::from_uuid, 10);
    let drafts = notifications_for(record, &[change(1, WEIGHT)], &subscriptions, &[revoked, expired, elsewhere], NOW);
    assert!(drafts.is_empty(), "{drafts:?}");
}

#[test]
fn notification_urls_are_https_under_the_action_url_root() {
    let action = Url::parse("https://www.app.com/hv/redirect.aspx?x=1").unwrap();
    assert_eq!(action_url_root(&action), "https://www.app.com/hv/");
    assert_eq!(action_url_root(&Url::parse("https://www.app.com").unwrap()), "https://www.app.com/");
    let strict = UrlPolicy::default();
    let url = |text: &str| Url::parse(text).unwrap();
    assert_eq!(check_url(&url("https://www.app.com/hv/events"), Some(&action), strict), Ok(()));
    assert!(matches!(
        check_url(&url("https://www.app.com/other/events"), Some(&action), strict),
        Err(SubscriptionError::OutsideActionUrl { .. })
    ));
    assert!(matches!(
        check_url(&url("https://www.app.com.evil.example/hv/"), Some(&action), strict),
        Err(SubscriptionError::OutsideActionUrl { .. })
    ));
    assert!(matches!(
        check_url(&url("http://www.app.com/hv/x"), Some(&action), strict),
        Err(SubscriptionError::NotHttps(_))
    ));
    assert_eq!(check_url(&url("https://www.app.com/hv/x"), None, strict), Err(SubscriptionError::NoActionUrl));

    // The development setting accepts plain HTTP on loopback only.
    let development = UrlPolicy { allow_loopback_http: true };
    for loopback in ["http://127.0.0.1:9000/events", "http://[::1]:9000/", "http://localhost/x"] {
        assert_eq!(check_url(&url(loopback), Some(&action), development), Ok(()), "{loopback}");
        assert!(check_url(&url(loopback), Some(&action), strict).is_err(), "{loopback}");
    }
    assert!(matches!(
        check_url(&url("http://10.0.0.1/x"), Some(&action), development),
        Err(SubscriptionError::NotHttps(_))
    ));
}

#[test]
fn keys_and_key_versions_are_checked() {
    assert!(NotificationKey::new(vec![1; 64]).is_ok());
    assert_eq!(NotificationKey::new(vec![1; 8]), Err(SubscriptionError::KeyLength(8)));
    assert_eq!(format!("{:?}", NotificationKey::new(vec![1; 64]).unwrap()), "NotificationKey(64 bytes)");
    assert!(KeyVersion::parse("2026-key-1").is_ok());
    for bad in ["", "has space", "ü", &"a".repeat(51)] {
        assert!(KeyVersion::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn retries_back_off_until_ten_days_after_the_change() {
    assert_eq!(retry_delay(1), Duration::seconds(30));
    assert_eq!(retry_delay(2), Duration::minutes(1));
    assert_eq!(retry_delay(5), Duration::minutes(8));
    assert_eq!(retry_delay(40), MAX_RETRY_DELAY);
    let occurred = NOW;
    assert_eq!(next_attempt(1, occurred, NOW), Some(NOW + Duration::seconds(30)));
    assert_eq!(next_attempt(30, occurred, NOW + Duration::days(9)), Some(NOW + Duration::days(9) + MAX_RETRY_DELAY));
    assert_eq!(next_attempt(30, occurred, NOW + Duration::days(10) - Duration::hours(1)), None, "past the deadline");
}

#[test]
fn signatures_follow_both_formats() {
    let key = NotificationKey::new(b"0123456789abcdef0123456789abcdef".to_vec()).unwrap();
    let subscription_id = SubscriptionId::from_uuid(Uuid::from_u128(0x1234));
    let header = hv_eventing_authorization(subscription_id, &KeyVersion::parse("v1").unwrap(), &key, b"<body/>");
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(b"<body/>");
    let expected = STANDARD.encode(mac.finalize().into_bytes());
    assert_eq!(header, format!("HVEventingSharedKey 00000000-0000-0000-0000-000000001234:v1:{expected}"));

    let message = NotificationId::from_uuid(Uuid::from_u128(0xabc));
    assert_eq!(message.to_string(), "msg_00000000000000000000000000000abc");
    let signature = standard_webhooks_signature(message, 1_790_000_000, &key, b"{}");
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(b"msg_00000000000000000000000000000abc.1790000000.{}");
    assert_eq!(signature, format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes())));
    assert_eq!(standard_webhooks_secret(&key), format!("whsec_{}", STANDARD.encode(key.as_bytes())));
}
