//! AddApplication (v1, v2; Master method group): a master application creates a child
//! application in this instance and gets its new id. The caller is necessarily registered
//! here, since it holds a session with this instance, so "a master must be present in an
//! instance to provision children there" holds by construction; a child exists only in the
//! instance that created it, and a master serving several instances adds a child (with a new
//! id) in each.
//!
//! The child gets the description's name, description, certificates, rules and action URL,
//! the web method groups (Basic and HostedWebApplication: v1's "base methods"; Haven ignores
//! v2's `methods`, having no per-master method ceiling), and this instance as its supported
//! instance, plus those `supported-instances` names (every instance for
//! `support-all-instances`). Its rules must be within its master's, avenue by avenue and type
//! by type (date ranges aside), or INVALID_APPAUTH. Haven keeps no logos, privacy statement,
//! terms of use or auth reason: the statements only count for the schema's rule that a
//! child has an action URL or both statements (INVALID_XML otherwise).

use haven_domain::application::{AppCertificate, Application, ApplicationError, MethodGroup, Thumbprint};
use haven_domain::auth_rules::RuleSet;
use haven_domain::ids::{ApplicationId, ThingTypeId};
use haven_domain::thing_type;
use haven_wire::methods::add_application::{AddApplicationRequest, AddApplicationResponse, ApplicationFields};
use haven_wire::{Request, Response};
use openssl::hash::MessageDigest;
use openssl::x509::X509;

use crate::auth::AuthenticatedCall;
use crate::error::PlatformError;
use crate::{AppState, PlatformState};

pub(crate) async fn handle(
    state: &AppState,
    request: &Request<'_>,
    call: &AuthenticatedCall,
) -> Result<Response, PlatformError> {
    let parameters = AddApplicationRequest::from_request(request)?;
    let fields = &parameters.fields;
    let has_statements = fields.privacy_statement.is_some() && fields.terms_of_use.is_some();
    if fields.action_url.is_none() && !has_statements {
        return Err(PlatformError::InvalidApplication(
            "a child application needs an action-url, or both a privacy-statement and terms-of-use".to_owned(),
        ));
    }
    let platform = &state.platform;
    let master = &call.application;
    let mut child = Application {
        id: ApplicationId::from_uuid(uuid::Uuid::new_v4()),
        name: String::new(),
        description: String::new(),
        certificates: Vec::new(),
        action_url: None,
        online_rules: RuleSet::default(),
        offline_rules: RuleSet::default(),
        method_groups: MethodGroup::web_defaults(),
        supported_instances: [platform.instance_id.clone()].into_iter().collect(),
        master_id: Some(master.id),
        is_soda: false,
        soda_secret: None,
        created_at: platform.clock.now(),
    };
    apply_fields(platform, master, &mut child, fields)?;
    platform.store.put_application(&child).await?;
    Ok(Response::ok(AddApplicationResponse { id: child.id }.to_info()))
}

/// Changes `child` as `fields` say (absent fields leave it as it is), then checks it: the
/// certificates parse, the rules are within `master`'s, the instances are in the topology
/// and [`Application::validate`] passes. Shared by AddApplication and UpdateApplication.
pub(super) fn apply_fields(
    platform: &PlatformState,
    master: &Application,
    child: &mut Application,
    fields: &ApplicationFields,
) -> Result<(), PlatformError> {
    if let Some(name) = &fields.name {
        name.trim().clone_into(&mut child.name);
    }
    if let Some(description) = &fields.description {
        description.trim().clone_into(&mut child.description);
    }
    if let Some(keys) = &fields.public_keys {
        child.certificates =
            keys.iter().enumerate().map(|(index, der)| certificate(index, der)).collect::<Result<_, _>>()?;
    }
    if let Some(rules) = &fields.online_rules {
        within_master(rules, &master.online_rules, "online")?;
        child.online_rules = rules.clone();
    }
    if let Some(rules) = &fields.offline_rules {
        within_master(rules, &master.offline_rules, "offline")?;
        child.offline_rules = rules.clone();
    }
    if let Some(text) = &fields.action_url {
        let url = url::Url::parse(text)
            .map_err(|error| PlatformError::InvalidApplication(format!("action-url {text:?} is not a URL: {error}")))?;
        child.action_url = Some(url);
    }
    if let Some(instances) = &fields.supported_instances {
        let mut supported: std::collections::BTreeSet<_> = if instances.all {
            platform.topology.instances().iter().map(|instance| instance.id.clone()).collect()
        } else {
            instances.instance_ids.clone()
        };
        if let Some(unknown) = supported.iter().find(|id| platform.topology.instance(id).is_none()) {
            return Err(PlatformError::InvalidApplication(format!(
                "supported-instances names instance {unknown}, which is not in this deployment's topology"
            )));
        }
        // The child exists in this instance, so it is live here whatever else it serves.
        supported.insert(platform.instance_id.clone());
        child.supported_instances = supported;
    }
    child.validate().map_err(|error| match error {
        ApplicationError::BadRules { .. } | ApplicationError::SodaOnlineRules => {
            PlatformError::InvalidAppAuth(error.to_string())
        }
        ApplicationError::NoCertificate => PlatformError::InvalidPublicKey(error.to_string()),
        ApplicationError::BadName | ApplicationError::MissingActionUrl | ApplicationError::BadActionUrl => {
            PlatformError::InvalidApplication(error.to_string())
        }
    })
}

/// The registration form of the `index`th public key: a DER X.509 certificate with a public key.
fn certificate(index: usize, der: &[u8]) -> Result<AppCertificate, PlatformError> {
    let invalid = |detail: String| {
        PlatformError::InvalidPublicKey(format!("public key {} is not an X.509 certificate: {detail}", index + 1))
    };
    let parsed = X509::from_der(der).map_err(|error| invalid(error.to_string()))?;
    parsed.public_key().map_err(|error| invalid(error.to_string()))?;
    let digest = parsed.digest(MessageDigest::sha1()).map_err(|error| invalid(error.to_string()))?;
    let digest: [u8; 20] =
        digest.as_ref().try_into().map_err(|_| invalid("its SHA-1 digest is not 20 bytes".to_owned()))?;
    Ok(AppCertificate { thumbprint: Thumbprint::from_sha1(&digest), der: der.to_vec() })
}

/// Refuses child rules that give, on some thing type, a permission the master's rules for the
/// same avenue do not. Every registered type is checked, and every type the child names.
fn within_master(child: &RuleSet, master: &RuleSet, avenue: &str) -> Result<(), PlatformError> {
    let named = child.rules.iter().flat_map(|rule| &rule.target_sets).flat_map(|set| set.type_ids.iter().copied());
    let mut types: Vec<ThingTypeId> = thing_type::all().iter().map(|thing_type| thing_type.id).chain(named).collect();
    types.sort_unstable();
    types.dedup();
    match types.into_iter().find(|type_id| !master.permissions_for(*type_id).contains(child.permissions_for(*type_id)))
    {
        Some(type_id) => Err(PlatformError::InvalidAppAuth(format!(
            "the child's {avenue} rules give {} on thing type {type_id}, beyond the master application's {avenue} rules ({})",
            child.permissions_for(type_id).names().join(", "),
            describe(master.permissions_for(type_id).names()),
        ))),
        None => Ok(()),
    }
}

fn describe(names: Vec<&'static str>) -> String {
    if names.is_empty() { "nothing".to_owned() } else { names.join(", ") }
}
