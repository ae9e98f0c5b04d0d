//! SODA (software on device) applications: each installed copy of a mobile or desktop
//! application becomes a child application of its SODA master. NewApplicationCreationInfo
//! creates the child with its own secret and a one-time creation token; the child is
//! provisional until a person completes CREATEAPPLICATION in the Shell with that token, and
//! only then may it sign in (CreateAuthenticatedSessionToken v2 with `hmacSig`).

use time::{Duration, OffsetDateTime};

use crate::application::{Application, SodaSecret};
use crate::ids::ApplicationId;
use crate::session::TokenHash;

/// How long an app-creation token stays usable. The person completes CREATEAPPLICATION
/// right after the device asked for the token (the application opens the Shell at once), so
/// an hour is ample; after it the device asks for a new child.
pub const SODA_CREATION_TOKEN_LIFETIME: Duration = Duration::hours(1);

/// Why an application cannot have SODA children.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SodaError {
    /// The application is not a SODA application.
    #[error("application {0} is not a SODA application; only SODA masters create application instances")]
    NotSoda(ApplicationId),
    /// The application is itself a SODA child.
    #[error("application {0} is an instance of a SODA application, not its master; use the master's id")]
    NotMaster(ApplicationId),
}

/// The child application NewApplicationCreationInfo creates for `master`: a new id, the
/// master's name, description, action URL, offline rules, method groups and instances, no
/// certificate, and its own `secret`.
pub fn child_application(
    master: &Application,
    child_id: ApplicationId,
    secret: SodaSecret,
    now: OffsetDateTime,
) -> Result<Application, SodaError> {
    if !master.is_soda {
        return Err(SodaError::NotSoda(master.id));
    }
    if master.master_id.is_some() || master.soda_secret.is_some() {
        return Err(SodaError::NotMaster(master.id));
    }
    Ok(Application {
        id: child_id,
        name: master.name.clone(),
        description: master.description.clone(),
        certificates: Vec::new(),
        action_url: master.action_url.clone(),
        online_rules: master.online_rules.clone(),
        offline_rules: master.offline_rules.clone(),
        method_groups: master.method_groups.clone(),
        supported_instances: master.supported_instances.clone(),
        master_id: Some(master.id),
        is_soda: true,
        soda_secret: Some(secret),
        created_at: now,
    })
}

/// A pending (or completed) creation of a SODA child: what the app-creation token stands
/// for. Only the token's hash is kept.
///
/// Invariant: `expires_at` is [`SODA_CREATION_TOKEN_LIFETIME`] after `created_at`; once
/// `completed_at` is set the token is spent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SodaCreation {
    /// Hash of the app-creation token.
    pub token_hash: TokenHash,
    /// The child application.
    pub application_id: ApplicationId,
    /// Its SODA master.
    pub master_id: ApplicationId,
    /// When NewApplicationCreationInfo issued the token.
    pub created_at: OffsetDateTime,
    /// When the token stops being usable.
    pub expires_at: OffsetDateTime,
    /// When a person completed CREATEAPPLICATION with it; the child is live from then on.
    pub completed_at: Option<OffsetDateTime>,
}

impl SodaCreation {
    /// A creation issued at `now`, usable for [`SODA_CREATION_TOKEN_LIFETIME`].
    pub fn start(
        token_hash: TokenHash,
        application_id: ApplicationId,
        master_id: ApplicationId,
        now: OffsetDateTime,
    ) -> Self {
        Self {
            token_hash,
            application_id,
            master_id,
            created_at: now,
            expires_at: now + SODA_CREATION_TOKEN_LIFETIME,
            completed_at: None,
        }
    }

    /// Whether the token can still complete the creation at `now`.
    pub fn is_pending_at(&self, now: OffsetDateTime) -> bool {
        self.completed_at.is_none() && now < self.expires_at
    }

    /// Whether a person completed it (the child may sign in).
    pub fn is_completed(&self) -> bool {
        self.completed_at.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::application::MethodGroup;
    use crate::auth_rules::RuleSet;
    use crate::topology::InstanceId;
    use time::macros::datetime;
    use uuid::uuid;

    const NOW: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

    fn master() -> Application {
        Application {
            id: ApplicationId::from_uuid(uuid!("50000000-0000-0000-0000-000000000000")),
            name: "Pocket tracker".to_owned(),
            description: "Your weight on your phone".to_owned(),
            certificates: Vec::new(),
            action_url: None,
            online_rules: RuleSet::default(),
            offline_rules: RuleSet::default(),
            method_groups: [MethodGroup::Soda].into_iter().collect(),
            supported_instances: [InstanceId::parse("1").unwrap()].into_iter().collect(),
            master_id: None,
            is_soda: true,
            soda_secret: None,
            created_at: datetime!(2026-01-01 0:00 UTC),
        }
    }

    #[test]
    fn children_inherit_from_their_master() {
        let child_id = ApplicationId::from_uuid(uuid!("50000000-0000-0000-0000-000000000001"));
        let child = child_application(&master(), child_id, SodaSecret::new(vec![9; 32]), NOW).unwrap();
        assert_eq!(child.id, child_id);
        assert_eq!(child.master_id, Some(master().id));
        assert_eq!((child.name.as_str(), child.is_soda), ("Pocket tracker", true));
        assert_eq!(child.method_groups, master().method_groups);
        assert_eq!(child.supported_instances, master().supported_instances);
        assert_eq!(child.soda_secret.as_ref().map(SodaSecret::as_bytes), Some(&[9; 32][..]));
        assert_eq!(child.validate(), Ok(()));
        assert!(!format!("{child:?}").contains("9, 9"), "the secret stays out of debug output");

        let grandchild = child_application(&child, child_id, SodaSecret::new(vec![1]), NOW);
        assert_eq!(grandchild, Err(SodaError::NotMaster(child_id)));
        let web = Application { is_soda: false, ..master() };
        assert_eq!(child_application(&web, child_id, SodaSecret::new(vec![1]), NOW), Err(SodaError::NotSoda(web.id)));
    }

    #[test]
    fn creations_expire_and_complete_once() {
        let creation = SodaCreation::start(TokenHash([3; 32]), master().id, master().id, NOW);
        assert!(creation.is_pending_at(NOW + SODA_CREATION_TOKEN_LIFETIME - Duration::seconds(1)));
        assert!(!creation.is_pending_at(NOW + SODA_CREATION_TOKEN_LIFETIME));
        let completed = SodaCreation { completed_at: Some(NOW), ..creation };
        assert!(completed.is_completed());
        assert!(!completed.is_pending_at(NOW));
    }

    #[test]
    fn documents_without_a_secret_still_read() {
        let document = toml::to_string(&master()).unwrap();
        assert!(!document.contains("soda_secret"), "no secret, no field:\n{document}");
        let read: Application = toml::from_str(&document).unwrap();
        assert_eq!(read, master());
    }
}
