//! Operator commands: register applications, take them live in instances, show them, and
//! print the topology. They work directly on the instances' databases, named by their
//! configuration files.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use haven_domain::application::{Application, MethodGroup};
use haven_domain::auth_rules::{AuthRule, Permissions, RuleSet, TargetSet};
use haven_domain::clock::{Clock, SystemClock};
use haven_domain::ids::{ApplicationId, ThingTypeId};
use haven_domain::thing_type;
use haven_domain::topology::{InstanceId, Topology};
use haven_store::{ApplicationStore, SqlStore};
use url::Url;

use crate::config::{self, InstanceConfig};
use crate::{certificate, up};

/// The configuration files to act on: those given, or else the local deployment's.
pub fn resolve_configs(given: &[PathBuf]) -> anyhow::Result<Vec<InstanceConfig>> {
    let paths: Vec<PathBuf> = if given.is_empty() {
        let defaults = up::config_paths(Path::new(up::DEFAULT_DATA_DIR));
        if !defaults.iter().all(|path| path.exists()) {
            bail!("no --config given and no local deployment in ./{} (run `haven up` first)", up::DEFAULT_DATA_DIR);
        }
        defaults.to_vec()
    } else {
        given.to_vec()
    };
    paths.iter().map(|path| config::load(path).map_err(anyhow::Error::from)).collect()
}

/// What `haven app register` was asked to register.
#[derive(Debug)]
pub struct Registration {
    /// Id to use; a new one is generated when absent.
    pub id: Option<ApplicationId>,
    /// Name shown at consent.
    pub name: String,
    /// Description shown at consent.
    pub description: String,
    /// Certificate files (PEM or DER).
    pub certificates: Vec<PathBuf>,
    /// Action URL.
    pub action_url: Option<Url>,
    /// Online rules, as `NAME:PERMISSIONS:TYPES[:optional]`.
    pub online_rules: Vec<String>,
    /// Offline rules, same form.
    pub offline_rules: Vec<String>,
    /// Method groups; the web defaults when empty.
    pub method_groups: Vec<String>,
    /// A SODA (mobile/desktop) master application.
    pub soda: bool,
}

/// Parses a rule given on the command line: `NAME:PERMISSIONS:TYPES[:optional]`, where
/// PERMISSIONS is a comma list of read, create, update, delete or all, and TYPES a comma
/// list of thing type names or ids (`*` for every type). Example:
/// `weights:read,create:Weight,Height:optional`.
pub fn parse_rule(spec: &str) -> anyhow::Result<AuthRule> {
    let parts: Vec<&str> = spec.split(':').collect();
    let (name, permissions, types, optional) = match parts.as_slice() {
        [name, permissions, types] => (*name, *permissions, *types, false),
        [name, permissions, types, "optional"] => (*name, *permissions, *types, true),
        _ => bail!("rule {spec:?} must look like NAME:PERMISSIONS:TYPES[:optional], e.g. weights:read,create:Weight"),
    };
    let mut granted = Permissions::NONE;
    for permission in permissions.split(',') {
        let Some(parsed) = Permissions::parse_name(permission) else {
            bail!("rule {spec:?}: {permission:?} is not one of read, create, update, delete, all");
        };
        granted = granted.union(parsed);
    }
    let mut type_ids: BTreeSet<ThingTypeId> = BTreeSet::new();
    if types.trim() != "*" {
        for type_name in types.split(',') {
            let type_id = thing_type::by_name(type_name.trim())
                .map(|thing_type| thing_type.id)
                .or_else(|| ThingTypeId::parse(type_name).ok().filter(|id| thing_type::by_id(*id).is_some()));
            let Some(type_id) = type_id else {
                bail!("rule {spec:?}: {type_name:?} is not a known thing type name or id (see `haven types`)");
            };
            type_ids.insert(type_id);
        }
    }
    Ok(AuthRule {
        name: name.to_owned(),
        reason: String::new(),
        is_optional: optional,
        is_incremental: false,
        display_flags: 0,
        permissions: granted,
        target_sets: vec![TargetSet { type_ids, date_ranges: Vec::new() }],
        exception_sets: Vec::new(),
    })
}

fn parse_rules(specs: &[String]) -> anyhow::Result<RuleSet> {
    Ok(RuleSet { rules: specs.iter().map(|spec| parse_rule(spec)).collect::<Result<_, _>>()? })
}

/// Registers an application in every given instance; it is live in those instances.
pub async fn register(configs: &[InstanceConfig], registration: Registration) -> anyhow::Result<Application> {
    let mut method_groups = BTreeSet::new();
    for group in &registration.method_groups {
        let Some(parsed) = MethodGroup::parse(group) else {
            let names: Vec<&str> = MethodGroup::ALL.iter().map(|group| group.as_str()).collect();
            bail!("{group:?} is not a method group; choose from {}", names.join(", "));
        };
        method_groups.insert(parsed);
    }
    if method_groups.is_empty() {
        method_groups =
            if registration.soda { [MethodGroup::Soda].into_iter().collect() } else { MethodGroup::web_defaults() };
    }
    let certificates = registration
        .certificates
        .iter()
        .map(|path| certificate::read_certificate(path))
        .collect::<Result<Vec<_>, _>>()?;
    let application = Application {
        id: registration.id.unwrap_or_else(|| ApplicationId::from_uuid(uuid::Uuid::new_v4())),
        name: registration.name,
        description: registration.description,
        certificates,
        action_url: registration.action_url,
        online_rules: parse_rules(&registration.online_rules)?,
        offline_rules: parse_rules(&registration.offline_rules)?,
        method_groups,
        supported_instances: configs.iter().map(|config| config.instance_id.clone()).collect(),
        master_id: None,
        is_soda: registration.soda,
        soda_secret: None,
        created_at: SystemClock.now(),
    };
    application.validate().context("the application cannot be registered")?;
    for config in configs {
        let store = open(config).await?;
        if store.application(application.id).await?.is_some() {
            bail!("application {} is already registered in instance {}", application.id, config.instance_id);
        }
        store.put_application(&application).await?;
        store.close().await;
    }
    Ok(application)
}

async fn open(config: &InstanceConfig) -> anyhow::Result<SqlStore> {
    SqlStore::open(&config.database)
        .await
        .with_context(|| format!("{}: cannot open the database", config.path.display()))
}

/// Makes an application live in exactly `instances`: it is copied into those of the given
/// configurations that lack it, and its supported instances become `instances`
/// everywhere it is registered. Every named instance must be among the configurations.
pub async fn go_live(
    configs: &[InstanceConfig],
    id: ApplicationId,
    instances: &[InstanceId],
) -> anyhow::Result<Application> {
    for instance in instances {
        if !configs.iter().any(|config| &config.instance_id == instance) {
            bail!("instance {instance} is not among the configurations given (add --config for it)");
        }
    }
    let mut found = None;
    for config in configs {
        let store = open(config).await?;
        if let Some(application) = store.application(id).await? {
            found = Some(application);
        }
        store.close().await;
    }
    let Some(mut application) = found else {
        bail!("application {id} is not registered in any of the given instances");
    };
    application.supported_instances = instances.iter().cloned().collect();
    for config in configs {
        let store = open(config).await?;
        let registered = store.application(id).await?.is_some();
        if registered || instances.contains(&config.instance_id) {
            store.put_application(&application).await?;
        }
        store.close().await;
    }
    Ok(application)
}

/// Describes the application as registered in each instance.
pub async fn show(configs: &[InstanceConfig], id: ApplicationId) -> anyhow::Result<String> {
    let mut text = String::new();
    let mut found = false;
    for config in configs {
        let store = open(config).await?;
        let application = store.application(id).await?;
        store.close().await;
        match application {
            None => text.push_str(&format!("instance {}: not registered\n", config.instance_id)),
            Some(application) => {
                found = true;
                text.push_str(&format!("instance {}:\n{}", config.instance_id, describe(&application)));
            }
        }
    }
    if !found {
        bail!("application {id} is not registered in any of the given instances");
    }
    Ok(text)
}

fn describe_rules(rules: &RuleSet) -> String {
    if rules.is_empty() {
        return "    (none)\n".to_owned();
    }
    rules
        .rules
        .iter()
        .map(|rule| {
            let types: Vec<String> = rule
                .target_sets
                .iter()
                .flat_map(|set| {
                    if set.type_ids.is_empty() {
                        vec!["every type".to_owned()]
                    } else {
                        set.type_ids
                            .iter()
                            .map(|id| {
                                thing_type::by_id(*id)
                                    .map_or_else(|| id.to_string(), |thing_type| thing_type.name.to_owned())
                            })
                            .collect()
                    }
                })
                .collect();
            format!(
                "    {}{}: {} on {}\n",
                rule.name,
                if rule.is_optional { " (optional)" } else { "" },
                rule.permissions.names().join(", "),
                types.join(", ")
            )
        })
        .collect()
}

/// A human-readable description of an application.
pub fn describe(application: &Application) -> String {
    let groups: Vec<&str> = application.method_groups.iter().map(|group| group.as_str()).collect();
    let instances: Vec<&str> = application.supported_instances.iter().map(InstanceId::as_str).collect();
    let thumbprints: Vec<&str> =
        application.certificates.iter().map(|certificate| certificate.thumbprint.as_str()).collect();
    format!(
        "  id: {}\n  name: {}\n  description: {}\n  action url: {}\n  certificates: {}\n  method groups: {}\n  live in instances: {}\n  kind: {}\n  online rules:\n{}  offline rules:\n{}",
        application.id,
        application.name,
        application.description,
        application.action_url.as_ref().map_or("(none)", Url::as_str),
        if thumbprints.is_empty() { "(none)".to_owned() } else { thumbprints.join(", ") },
        groups.join(", "),
        instances.join(", "),
        if application.is_soda { "SODA (mobile/desktop)" } else { "web" },
        describe_rules(&application.online_rules),
        describe_rules(&application.offline_rules),
    )
}

/// A human-readable description of a topology.
pub fn describe_topology(topology: &Topology) -> String {
    let mut text = String::from("Instances:\n");
    for instance in topology.instances() {
        text.push_str(&format!(
            "  {} {} ({})\n    platform: {}\n    shell:    {}\n    minimum sign-up age: {}\n",
            instance.id,
            instance.name,
            instance.description,
            instance.platform_method_url(),
            instance.shell_url,
            instance.min_signup_age
        ));
    }
    text.push_str("Countries:\n");
    let mut assigned: std::collections::BTreeMap<&InstanceId, Vec<&str>> = std::collections::BTreeMap::new();
    for (country, instance) in topology.assigned_countries() {
        assigned.entry(instance).or_default().push(country.as_str());
    }
    for (instance, countries) in assigned {
        text.push_str(&format!("  {}: instance {instance}\n", countries.join(", ")));
    }
    let unsupported: Vec<&str> = topology.unsupported_countries().iter().map(|country| country.as_str()).collect();
    text.push_str(&format!("  every other country: instance {}\n", topology.default_instance()));
    text.push_str(&format!(
        "  unsupported: {}\n",
        if unsupported.is_empty() { "(none)".to_owned() } else { unsupported.join(", ") }
    ));
    text
}

/// The thing types Haven knows, one per line.
pub fn describe_types() -> String {
    thing_type::all()
        .iter()
        .map(|thing_type| format!("{}  {}  <{}>\n", thing_type.id, thing_type.name, thing_type.root_element))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_from_the_command_line_form() {
        let rule = parse_rule("weights:read,create:Weight,Height:optional").unwrap();
        assert_eq!(rule.name, "weights");
        assert!(rule.is_optional);
        assert_eq!(rule.permissions, Permissions::READ.union(Permissions::CREATE));
        assert_eq!(rule.target_sets[0].type_ids.len(), 2);
        let everything = parse_rule("all:all:*").unwrap();
        assert!(everything.target_sets[0].type_ids.is_empty());
        assert_eq!(everything.permissions, Permissions::ALL);
    }

    #[test]
    fn bad_rules_say_what_is_wrong() {
        assert!(parse_rule("x").unwrap_err().to_string().contains("NAME:PERMISSIONS:TYPES"));
        assert!(parse_rule("x:write:Weight").unwrap_err().to_string().contains("\"write\" is not one of"));
        assert!(parse_rule("x:read:Waist").unwrap_err().to_string().contains("\"Waist\" is not a known thing type"));
    }
}
