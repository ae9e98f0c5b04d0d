//! Consent: a person's authorization of an application on a record, and the effective
//! permissions that follow from it.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::application::Application;
use crate::auth_rules::{Permissions, RuleSet};
use crate::ids::{ApplicationId, PersonId, RecordId, ThingTypeId};
use crate::record::RecordMember;
use crate::thing::AccessAvenue;

/// What a person granted an application on a record: the rules they accepted for online
/// and for offline access, as the application declared them at that moment.
///
/// Invariant: the granted rule sets are subsets (by rule) of what the application asked
/// for when the person consented.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppAuthorization {
    /// Who consented.
    pub person_id: PersonId,
    /// On which record.
    pub record_id: RecordId,
    /// To which application.
    pub application_id: ApplicationId,
    /// Rules granted for online access; `None` if online access was not granted.
    pub online: Option<RuleSet>,
    /// Rules granted for offline access; `None` if offline access was not granted.
    pub offline: Option<RuleSet>,
    /// When consent was given (or last renewed).
    pub granted_at: OffsetDateTime,
    /// When it lapses; `None` for never.
    pub expires_at: Option<OffsetDateTime>,
    /// When the person withdrew it; a revoked authorization grants nothing.
    pub revoked_at: Option<OffsetDateTime>,
}

/// What an application must do before it can use a record (`app-record-auth-action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordAuthAction {
    /// Authorized; nothing to do.
    NoActionRequired,
    /// Never authorized (or revoked or expired): send the person to consent.
    AuthorizationRequired,
    /// The application's required rules grew since consent: send the person to consent again.
    ReauthorizationRequired,
    /// The record is in an instance the application is not live in.
    RecordLocationNotSupported,
}

impl RecordAuthAction {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoActionRequired => "NoActionRequired",
            Self::AuthorizationRequired => "AuthorizationRequired",
            Self::ReauthorizationRequired => "ReauthorizationRequired",
            Self::RecordLocationNotSupported => "RecordLocationNotSupported",
        }
    }
}

impl AppAuthorization {
    /// Whether it is in force at `now`.
    pub fn is_active_at(&self, now: OffsetDateTime) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|expires_at| now < expires_at)
    }

    /// The rules granted for an avenue.
    pub fn granted(&self, avenue: AccessAvenue) -> Option<&RuleSet> {
        match avenue {
            AccessAvenue::Online => self.online.as_ref(),
            AccessAvenue::Offline => self.offline.as_ref(),
        }
    }
}

/// The application's declared rules for an avenue.
fn declared(application: &Application, avenue: AccessAvenue) -> &RuleSet {
    match avenue {
        AccessAvenue::Online => &application.online_rules,
        AccessAvenue::Offline => &application.offline_rules,
    }
}

/// What `application` may do to things of `type_id` in the record, for the person who
/// authorized it, at `now`: the intersection of what the person granted, what the
/// application still declares (it may have narrowed its rules since), and what the person
/// themself may do on the record. Nothing if the authorization or the person's access has
/// lapsed.
pub fn effective_permissions(
    application: &Application,
    authorization: &AppAuthorization,
    member: &RecordMember,
    avenue: AccessAvenue,
    type_id: ThingTypeId,
    now: OffsetDateTime,
) -> Permissions {
    let applies = authorization.application_id == application.id
        && authorization.person_id == member.person_id
        && authorization.record_id == member.record_id
        && authorization.is_active_at(now)
        && member.is_active_at(now);
    if !applies {
        return Permissions::NONE;
    }
    let Some(granted) = authorization.granted(avenue) else {
        return Permissions::NONE;
    };
    granted
        .permissions_for(type_id)
        .intersection(declared(application, avenue).permissions_for(type_id))
        .intersection(person_permissions(member, type_id))
}

/// What a person may do to things of `type_id` on a record themself: everything for a
/// custodian or a member without limits (`access: None`), else what their access rules give.
/// It does not look at expiry ([`RecordMember::is_active_at`]).
pub fn person_permissions(member: &RecordMember, type_id: ThingTypeId) -> Permissions {
    match &member.access {
        Some(access) if !member.is_custodian => access.permissions_for(type_id),
        _ => Permissions::ALL,
    }
}

/// Whether the application can use the record as things stand, or what the person must
/// do first.
pub fn record_auth_action(
    application: &Application,
    authorization: Option<&AppAuthorization>,
    record_instance: &crate::topology::InstanceId,
    now: OffsetDateTime,
) -> RecordAuthAction {
    if !application.supports_instance(record_instance) {
        return RecordAuthAction::RecordLocationNotSupported;
    }
    let Some(authorization) = authorization.filter(|authorization| authorization.is_active_at(now)) else {
        return RecordAuthAction::AuthorizationRequired;
    };
    for avenue in [AccessAvenue::Online, AccessAvenue::Offline] {
        // Only avenues the person granted can need renewal.
        let Some(granted) = authorization.granted(avenue) else { continue };
        let covered = declared(application, avenue)
            .required()
            .all(|rule| granted.rule(&rule.name).is_some_and(|granted_rule| covers(granted_rule, rule)));
        if !covered {
            return RecordAuthAction::ReauthorizationRequired;
        }
    }
    RecordAuthAction::NoActionRequired
}

/// Whether a granted rule gives at least what the declared rule asks.
fn covers(granted: &crate::auth_rules::AuthRule, declared: &crate::auth_rules::AuthRule) -> bool {
    granted.permissions.contains(declared.permissions)
        && declared.target_sets.iter().all(|set| granted.target_sets.contains(set))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::application::{AppCertificate, MethodGroup, Thumbprint};
    use crate::auth_rules::{AuthRule, TargetSet};
    use crate::record::Relationship;
    use crate::thing_type::{HEIGHT, WEIGHT};
    use crate::topology::InstanceId;
    use time::Duration;
    use time::macros::datetime;
    use uuid::uuid;

    const NOW: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

    fn rule(name: &str, permissions: Permissions, types: &[ThingTypeId]) -> AuthRule {
        AuthRule {
            name: name.to_owned(),
            reason: String::new(),
            is_optional: false,
            is_incremental: false,
            display_flags: 0,
            permissions,
            target_sets: vec![TargetSet { type_ids: types.iter().copied().collect(), date_ranges: Vec::new() }],
            exception_sets: Vec::new(),
        }
    }

    fn application(online: Vec<AuthRule>, offline: Vec<AuthRule>) -> Application {
        Application {
            id: ApplicationId::from_uuid(uuid!("30000000-0000-0000-0000-000000000000")),
            name: "Tracker".to_owned(),
            description: String::new(),
            certificates: vec![AppCertificate { thumbprint: Thumbprint::from_sha1(&[1; 20]), der: Vec::new() }],
            action_url: Some(url::Url::parse("https://tracker.example/").unwrap()),
            online_rules: RuleSet { rules: online },
            offline_rules: RuleSet { rules: offline },
            method_groups: MethodGroup::web_defaults(),
            supported_instances: [InstanceId::parse("1").unwrap()].into_iter().collect(),
            master_id: None,
            is_soda: false,
            soda_secret: None,
            created_at: NOW,
        }
    }

    fn member() -> RecordMember {
        RecordMember {
            record_id: RecordId::from_uuid(uuid!("20000000-0000-0000-0000-000000000000")),
            person_id: PersonId::from_uuid(uuid!("10000000-0000-0000-0000-000000000000")),
            is_custodian: true,
            relationship: Relationship::SELF,
            granted_at: NOW,
            expires_at: None,
            access: None,
        }
    }

    fn authorization(
        app: &Application,
        online: Option<Vec<AuthRule>>,
        offline: Option<Vec<AuthRule>>,
    ) -> AppAuthorization {
        AppAuthorization {
            person_id: member().person_id,
            record_id: member().record_id,
            application_id: app.id,
            online: online.map(|rules| RuleSet { rules }),
            offline: offline.map(|rules| RuleSet { rules }),
            granted_at: NOW,
            expires_at: None,
            revoked_at: None,
        }
    }

    #[test]
    fn permissions_are_what_was_granted_and_still_declared() {
        let read_write = Permissions::READ.union(Permissions::CREATE);
        let app = application(vec![rule("w", read_write, &[WEIGHT])], vec![rule("r", Permissions::READ, &[WEIGHT])]);
        let grant = authorization(&app, Some(vec![rule("w", read_write, &[WEIGHT])]), None);
        assert_eq!(effective_permissions(&app, &grant, &member(), AccessAvenue::Online, WEIGHT, NOW), read_write);
        assert_eq!(
            effective_permissions(&app, &grant, &member(), AccessAvenue::Online, HEIGHT, NOW),
            Permissions::NONE
        );
        // No offline grant: nothing offline, whatever the application declares.
        assert_eq!(
            effective_permissions(&app, &grant, &member(), AccessAvenue::Offline, WEIGHT, NOW),
            Permissions::NONE
        );

        let narrowed = application(vec![rule("w", Permissions::READ, &[WEIGHT])], Vec::new());
        assert_eq!(
            effective_permissions(&narrowed, &grant, &member(), AccessAvenue::Online, WEIGHT, NOW),
            Permissions::READ
        );
    }

    #[test]
    fn revoked_expired_or_foreign_authorizations_grant_nothing() {
        let app = application(vec![rule("w", Permissions::ALL, &[WEIGHT])], Vec::new());
        let mut grant = authorization(&app, Some(vec![rule("w", Permissions::ALL, &[WEIGHT])]), None);
        grant.expires_at = Some(NOW + Duration::hours(1));
        assert_eq!(effective_permissions(&app, &grant, &member(), AccessAvenue::Online, WEIGHT, NOW), Permissions::ALL);
        assert_eq!(
            effective_permissions(&app, &grant, &member(), AccessAvenue::Online, WEIGHT, NOW + Duration::hours(1)),
            Permissions::NONE
        );
        grant.expires_at = None;
        grant.revoked_at = Some(NOW);
        assert_eq!(
            effective_permissions(&app, &grant, &member(), AccessAvenue::Online, WEIGHT, NOW),
            Permissions::NONE
        );

        let other_record =
            RecordMember { record_id: RecordId::from_uuid(uuid!("20000000-0000-0000-0000-00000000ffff")), ..member() };
        let fresh = authorization(&app, Some(vec![rule("w", Permissions::ALL, &[WEIGHT])]), None);
        assert_eq!(
            effective_permissions(&app, &fresh, &other_record, AccessAvenue::Online, WEIGHT, NOW),
            Permissions::NONE
        );
    }

    #[test]
    fn a_non_custodian_limits_what_their_applications_may_do() {
        let app = application(vec![rule("w", Permissions::ALL, &[WEIGHT, HEIGHT])], Vec::new());
        let grant = authorization(&app, Some(vec![rule("w", Permissions::ALL, &[WEIGHT, HEIGHT])]), None);
        let viewer = RecordMember {
            is_custodian: false,
            access: Some(RuleSet {
                rules: vec![rule("view", Permissions::READ, &[]), rule("edit", Permissions::ALL, &[WEIGHT])],
            }),
            ..member()
        };
        assert_eq!(person_permissions(&viewer, HEIGHT), Permissions::READ);
        assert_eq!(effective_permissions(&app, &grant, &viewer, AccessAvenue::Online, HEIGHT, NOW), Permissions::READ);
        assert_eq!(effective_permissions(&app, &grant, &viewer, AccessAvenue::Online, WEIGHT, NOW), Permissions::ALL);

        // A custodian's rules, or none at all, limit nothing.
        let custodian = RecordMember { is_custodian: true, ..viewer.clone() };
        assert_eq!(person_permissions(&custodian, HEIGHT), Permissions::ALL);
        let unlimited = RecordMember { access: None, ..viewer };
        assert_eq!(person_permissions(&unlimited, HEIGHT), Permissions::ALL);
        assert!(unlimited.may(Permissions::ALL, HEIGHT));
    }

    #[test]
    fn growing_required_rules_need_reauthorization() {
        let us = InstanceId::parse("1").unwrap();
        let app = application(vec![rule("w", Permissions::READ, &[WEIGHT])], Vec::new());
        assert_eq!(record_auth_action(&app, None, &us, NOW), RecordAuthAction::AuthorizationRequired);
        let grant = authorization(&app, Some(vec![rule("w", Permissions::READ, &[WEIGHT])]), None);
        assert_eq!(record_auth_action(&app, Some(&grant), &us, NOW), RecordAuthAction::NoActionRequired);

        let grown = application(vec![rule("w", Permissions::READ, &[WEIGHT, HEIGHT])], Vec::new());
        assert_eq!(record_auth_action(&grown, Some(&grant), &us, NOW), RecordAuthAction::ReauthorizationRequired);
        assert_eq!(
            record_auth_action(&app, Some(&grant), &InstanceId::parse("2").unwrap(), NOW),
            RecordAuthAction::RecordLocationNotSupported
        );
    }
}
