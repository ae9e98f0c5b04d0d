//! The benchmark's subscribers: applications that a person authorized to read weights
//! offline in their record, each with one HealthVault-format subscription to weights at the
//! receiver. Subscriptions are added to the store directly; whether their URL is allowed is
//! the Platform's question, and the receiver is plain HTTP on loopback.

use anyhow::{Context, Result};
use haven_domain::application::{Application, MethodGroup};
use haven_domain::auth_rules::{AuthRule, Permissions, RuleSet, TargetSet};
use haven_domain::authorization::AppAuthorization;
use haven_domain::eventing::{
    DeliveryFormat, KeyVersion, MAX_SUBSCRIPTIONS_PER_APPLICATION, NotificationKey, Subscription, SubscriptionId,
};
use haven_domain::ids::{ApplicationId, PersonId, RecordId};
use haven_domain::thing_type::WEIGHT;
use haven_domain::topology::InstanceId;
use haven_store::{ApplicationStore, AuthorizationStore, EventStore, SqlStore};
use time::OffsetDateTime;
use url::Url;
use uuid::Uuid;

use crate::store::data::create_records;

/// The record written to and the subscriptions told of it.
#[derive(Debug)]
pub struct Subscribers {
    /// The record's custodian, who writes the weights.
    pub person_id: PersonId,
    /// The record every application may read offline.
    pub record_id: RecordId,
    /// One subscription per application.
    pub subscription_ids: Vec<SubscriptionId>,
}

/// Adds a person with a record and `count` applications, each authorized on the record to
/// read weights offline and subscribed to weights at `url`.
pub async fn subscribe(store: &SqlStore, url: &Url, count: usize) -> Result<Subscribers> {
    let (person_id, record_ids) = create_records(store, 1).await?;
    let record_id = *record_ids.first().context("create_records made no record")?;
    let mut subscription_ids = Vec::with_capacity(count);
    for index in 0..count {
        let now = OffsetDateTime::now_utc();
        let application = application(index, now)?;
        store.put_application(&application).await?;
        store
            .put_authorization(&AppAuthorization {
                person_id,
                record_id,
                application_id: application.id,
                online: Some(application.online_rules.clone()),
                offline: Some(application.offline_rules.clone()),
                granted_at: now,
                expires_at: None,
                revoked_at: None,
            })
            .await?;
        let subscription = Subscription {
            id: SubscriptionId::from_uuid(Uuid::new_v4()),
            application_id: application.id,
            url: url.clone(),
            // 32 random bytes.
            key: NotificationKey::new([*Uuid::new_v4().as_bytes(), *Uuid::new_v4().as_bytes()].concat())?,
            key_version: KeyVersion::parse("bench-1")?,
            type_filters: vec![[WEIGHT].into_iter().collect()],
            format: DeliveryFormat::HealthVault,
            created_at: now,
        };
        store.add_subscription(&subscription, MAX_SUBSCRIPTIONS_PER_APPLICATION).await?;
        subscription_ids.push(subscription.id);
    }
    Ok(Subscribers { person_id, record_id, subscription_ids })
}

/// The `index`th subscribing application: it reads weights, online and offline. It never
/// signs in, so it has no certificate.
fn application(index: usize, now: OffsetDateTime) -> Result<Application> {
    let weights = RuleSet {
        rules: vec![AuthRule {
            name: "weights".to_owned(),
            reason: "charts weight as it changes".to_owned(),
            is_optional: false,
            is_incremental: false,
            display_flags: 0,
            permissions: Permissions::READ,
            target_sets: vec![TargetSet { type_ids: [WEIGHT].into_iter().collect(), date_ranges: Vec::new() }],
            exception_sets: Vec::new(),
        }],
    };
    Ok(Application {
        id: ApplicationId::from_uuid(Uuid::new_v4()),
        name: format!("haven-bench subscriber {}", index + 1),
        description: "Benchmark subscriber".to_owned(),
        certificates: Vec::new(),
        action_url: Some(Url::parse("http://127.0.0.1/hv")?),
        online_rules: weights.clone(),
        offline_rules: weights,
        method_groups: MethodGroup::web_defaults(),
        supported_instances: [InstanceId::parse("1")?].into_iter().collect(),
        master_id: None,
        is_soda: false,
        soda_secret: None,
        created_at: now,
    })
}
