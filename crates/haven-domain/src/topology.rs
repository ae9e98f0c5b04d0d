//! The topology: every instance of a deployment and which instance serves which country.
//!
//! Every instance loads the same topology file. It is TOML:
//!
//! ```toml
//! [[instance]]
//! id = "1"
//! name = "US"
//! description = "US instance"
//! platform-url = "https://platform.example.org/"
//! shell-url = "https://account.example.org/"
//! min-signup-age = 13
//!
//! [countries]
//! unsupported = ["CA", "FR", "CU", "IR", "KP", "SD", "SY"]
//! default-instance = "2"      # every other supported country
//!
//! [[countries.assign]]
//! instance = "1"
//! countries = ["US", "PR", "GU", "VI", "AS", "MP", "UM"]
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use toml::Spanned;
use url::Url;

use crate::country::CountryCode;
use crate::source::{SourceError, SourceText};

/// The identifier of an instance, as HealthVault writes it (`"1"`, `"2"`): 1 to 255
/// characters, no whitespace.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct InstanceId(String);

/// Longest instance id the wire format allows (`string255nw` in `types.xsd`).
pub const MAX_INSTANCE_ID_LENGTH: usize = 255;

/// The text cannot be an instance id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("instance id must be 1 to 255 characters without whitespace, got {0:?}")]
pub struct InvalidInstanceId(pub String);

impl InstanceId {
    /// Checks the wire format's rules for an instance id.
    pub fn parse(text: &str) -> Result<Self, InvalidInstanceId> {
        let valid = !text.is_empty() && text.len() <= MAX_INSTANCE_ID_LENGTH && !text.chars().any(char::is_whitespace);
        if valid { Ok(Self(text.to_owned())) } else { Err(InvalidInstanceId(text.chars().take(64).collect())) }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for InstanceId {
    type Error = InvalidInstanceId;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<InstanceId> for String {
    fn from(id: InstanceId) -> Self {
        id.0
    }
}

impl fmt::Display for InstanceId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl fmt::Debug for InstanceId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "InstanceId({})", self.0)
    }
}

/// One instance: a deployment of the Platform and the Shell with its own database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Instance {
    /// The id applications see as `instanceid`.
    pub id: InstanceId,
    /// A short name, e.g. "US".
    pub name: String,
    /// A sentence for people and developers.
    pub description: String,
    /// Root URL of the Platform origin (ends with `/`); the method endpoint is
    /// [`Instance::platform_method_url`].
    pub platform_url: Url,
    /// Root URL of the Shell origin (ends with `/`).
    pub shell_url: Url,
    /// People younger than this may not sign up here.
    pub min_signup_age: u8,
}

impl Instance {
    /// The XML method endpoint, `<platform-url>platform/wildcat.ashx`, as GetServiceDefinition
    /// and SelectInstance report it.
    pub fn platform_method_url(&self) -> Url {
        self.platform_url.join("platform/wildcat.ashx").unwrap_or_else(|_| self.platform_url.clone())
    }
}

/// Where a person from a given country has their account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountryPlacement<'topology> {
    /// Accounts from this country live in this instance.
    Instance(&'topology Instance),
    /// No instance accepts accounts from this country.
    Unsupported,
}

/// A validated topology: instance ids are unique, every country maps to exactly one
/// instance or is unsupported, and every instance a rule names exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topology {
    instances: Vec<Instance>,
    unsupported: Vec<CountryCode>,
    assigned: BTreeMap<CountryCode, InstanceId>,
    default_instance: InstanceId,
}

/// What is wrong with a topology file, and where.
pub type TopologyError = SourceError;

/// Smallest and largest minimum sign-up age a topology may set.
pub const MIN_SIGNUP_AGE_RANGE: std::ops::RangeInclusive<u8> = 0..=120;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawTopology {
    #[serde(default)]
    instance: Vec<Spanned<RawInstance>>,
    countries: Spanned<RawCountries>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawInstance {
    id: Spanned<String>,
    name: String,
    description: String,
    platform_url: Spanned<String>,
    shell_url: Spanned<String>,
    min_signup_age: Spanned<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawCountries {
    #[serde(default)]
    unsupported: Vec<Spanned<String>>,
    default_instance: Spanned<String>,
    #[serde(default)]
    assign: Vec<RawAssignment>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawAssignment {
    instance: Spanned<String>,
    countries: Vec<Spanned<String>>,
}

impl Topology {
    /// Parses and validates a topology file's text; `source_name` (usually the path) is
    /// named in every error.
    pub fn from_toml(source_name: &str, text: &str) -> Result<Self, TopologyError> {
        let source = SourceText::new(source_name, text);
        let raw: RawTopology = source.parse()?;
        Self::from_raw(&source, raw)
    }

    fn from_raw(source: &SourceText<'_>, raw: RawTopology) -> Result<Self, TopologyError> {
        if raw.instance.is_empty() {
            return Err(source.whole_error("no [[instance]] is listed; a topology needs at least one"));
        }
        let mut instances: Vec<Instance> = Vec::with_capacity(raw.instance.len());
        for raw_instance in raw.instance {
            let instance_span = raw_instance.span();
            let raw_instance = raw_instance.into_inner();
            let id = InstanceId::parse(raw_instance.id.get_ref())
                .map_err(|error| source.error(raw_instance.id.span(), format!("id: {error}")))?;
            if instances.iter().any(|existing| existing.id == id) {
                return Err(source.error(raw_instance.id.span(), format!("id: instance {id} is listed twice")));
            }
            let platform_url = base_url(source, "platform-url", &raw_instance.platform_url)?;
            let shell_url = base_url(source, "shell-url", &raw_instance.shell_url)?;
            let age = *raw_instance.min_signup_age.get_ref();
            let min_signup_age =
                u8::try_from(age).ok().filter(|age| MIN_SIGNUP_AGE_RANGE.contains(age)).ok_or_else(|| {
                    source.error(
                        raw_instance.min_signup_age.span(),
                        format!("min-signup-age: {age} is not an age between 0 and 120"),
                    )
                })?;
            if raw_instance.name.trim().is_empty() {
                return Err(source.error(instance_span, "name: must not be empty"));
            }
            instances.push(Instance {
                id,
                name: raw_instance.name,
                description: raw_instance.description,
                platform_url,
                shell_url,
                min_signup_age,
            });
        }

        let countries = raw.countries.into_inner();
        let known_instance = |spanned: &Spanned<String>, field: &str| {
            let id = InstanceId::parse(spanned.get_ref())
                .map_err(|error| source.error(spanned.span(), format!("{field}: {error}")))?;
            if instances.iter().any(|instance| instance.id == id) {
                Ok(id)
            } else {
                Err(source.error(spanned.span(), format!("{field}: no instance has id \"{id}\"")))
            }
        };
        let country = |spanned: &Spanned<String>, field: &str| {
            CountryCode::parse(spanned.get_ref())
                .map_err(|error| source.error(spanned.span(), format!("{field}: {error}")))
        };

        let default_instance = known_instance(&countries.default_instance, "countries.default-instance")?;
        let mut unsupported = Vec::new();
        for spanned in &countries.unsupported {
            let code = country(spanned, "countries.unsupported")?;
            if unsupported.contains(&code) {
                return Err(source.error(spanned.span(), format!("countries.unsupported: {code} is listed twice")));
            }
            unsupported.push(code);
        }
        let mut assigned = BTreeMap::new();
        for assignment in &countries.assign {
            let instance_id = known_instance(&assignment.instance, "countries.assign.instance")?;
            for spanned in &assignment.countries {
                let code = country(spanned, "countries.assign.countries")?;
                if unsupported.contains(&code) {
                    return Err(source.error(
                        spanned.span(),
                        format!("countries.assign.countries: {code} is also listed as unsupported"),
                    ));
                }
                if let Some(previous) = assigned.insert(code, instance_id.clone()) {
                    return Err(source.error(
                        spanned.span(),
                        format!("countries.assign.countries: {code} is already assigned to instance {previous}"),
                    ));
                }
            }
        }
        Ok(Self { instances, unsupported, assigned, default_instance })
    }

    /// Every instance, in file order.
    pub fn instances(&self) -> &[Instance] {
        &self.instances
    }

    /// The instance with this id, if the topology lists it.
    pub fn instance(&self, id: &InstanceId) -> Option<&Instance> {
        self.instances.iter().find(|instance| &instance.id == id)
    }

    /// The instance where people from `country` have their accounts, or
    /// [`CountryPlacement::Unsupported`].
    pub fn instance_for_country(&self, country: CountryCode) -> CountryPlacement<'_> {
        if self.unsupported.contains(&country) {
            return CountryPlacement::Unsupported;
        }
        let id = self.assigned.get(&country).unwrap_or(&self.default_instance);
        match self.instance(id) {
            Some(instance) => CountryPlacement::Instance(instance),
            // Validation guarantees every named instance exists.
            None => CountryPlacement::Unsupported,
        }
    }

    /// Countries without an instance.
    pub fn unsupported_countries(&self) -> &[CountryCode] {
        &self.unsupported
    }

    /// Countries mapped explicitly (not through the default instance).
    pub fn assigned_countries(&self) -> impl Iterator<Item = (&CountryCode, &InstanceId)> {
        self.assigned.iter()
    }

    /// The instance for every supported country not assigned explicitly.
    pub fn default_instance(&self) -> &InstanceId {
        &self.default_instance
    }
}

fn base_url(source: &SourceText<'_>, field: &str, spanned: &Spanned<String>) -> Result<Url, TopologyError> {
    let text = spanned.get_ref();
    let mut url = Url::parse(text)
        .map_err(|error| source.error(spanned.span(), format!("{field}: {text:?} is not a URL: {error}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(source.error(spanned.span(), format!("{field}: {text:?} must be an http or https URL with a host")));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(source.error(spanned.span(), format!("{field}: {text:?} must not have a query or fragment")));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// A two-instance topology (US and EU on loopback addresses) with HealthVault's country rules:
/// the shape `haven up` writes, for documentation and tests.
pub const EXAMPLE_TOML: &str = r#"
[[instance]]
id = "1"
name = "US"
description = "US instance"
platform-url = "http://127.0.0.1:8111"
shell-url = "http://127.0.0.1:8110/"
min-signup-age = 13

[[instance]]
id = "2"
name = "EU"
description = "EU instance"
platform-url = "http://127.0.0.1:8121/"
shell-url = "http://127.0.0.1:8120/"
min-signup-age = 16

[countries]
unsupported = ["CA", "FR", "CU", "IR", "KP", "SD", "SY"]
default-instance = "2"

[[countries.assign]]
instance = "1"
countries = ["US", "PR", "GU", "VI", "AS", "MP", "UM"]
"#;

#[cfg(test)]
mod tests {
    use super::*;

    use super::EXAMPLE_TOML;

    fn topology() -> Topology {
        Topology::from_toml("topology.toml", EXAMPLE_TOML).unwrap()
    }

    fn placed(topology: &Topology, code: &str) -> Option<String> {
        match topology.instance_for_country(CountryCode::parse(code).unwrap()) {
            CountryPlacement::Instance(instance) => Some(instance.id.to_string()),
            CountryPlacement::Unsupported => None,
        }
    }

    #[test]
    fn countries_go_to_their_instances() {
        let topology = topology();
        for (code, expected) in [
            ("US", Some("1")),
            ("PR", Some("1")),
            ("GU", Some("1")),
            ("UM", Some("1")),
            ("NL", Some("2")),
            ("DE", Some("2")),
            ("JP", Some("2")),
            ("GB", Some("2")),
            ("CA", None),
            ("FR", None),
            ("CU", None),
            ("IR", None),
            ("KP", None),
            ("SD", None),
            ("SY", None),
        ] {
            assert_eq!(placed(&topology, code).as_deref(), expected, "country {code}");
        }
    }

    #[test]
    fn unknown_country_codes_are_errors() {
        assert!(CountryCode::parse("ZZ").is_err());
    }

    #[test]
    fn instances_by_id_and_urls() {
        let topology = topology();
        let us = topology.instance(&InstanceId::parse("1").unwrap()).unwrap();
        assert_eq!(us.name, "US");
        assert_eq!(us.min_signup_age, 13);
        assert_eq!(us.platform_url.as_str(), "http://127.0.0.1:8111/");
        assert_eq!(us.platform_method_url().as_str(), "http://127.0.0.1:8111/platform/wildcat.ashx");
        assert!(topology.instance(&InstanceId::parse("3").unwrap()).is_none());
    }

    fn error_for(text: &str) -> TopologyError {
        Topology::from_toml("bad.toml", text).unwrap_err()
    }

    #[test]
    fn malformed_toml_names_file_and_line() {
        let error = error_for("[[instance]]\nid = \"1\"\nname = \n");
        assert_eq!(error.source_name, "bad.toml");
        assert_eq!(error.line, Some(3));
        assert!(error.to_string().starts_with("bad.toml:3: "), "{error}");
    }

    #[test]
    fn unknown_field_is_named() {
        let text = EXAMPLE_TOML.replace("min-signup-age = 16", "min-signup-age = 16\nregion = \"x\"");
        let error = error_for(&text);
        assert!(error.message.contains("region"), "{error}");
        assert_eq!(error.line, Some(17));
    }

    #[test]
    fn unknown_country_names_field_and_line() {
        let text = EXAMPLE_TOML.replace("\"SY\"]", "\"SY\", \"XQ\"]");
        let error = error_for(&text);
        assert_eq!(error.line, Some(19));
        assert!(error.message.starts_with("countries.unsupported: "), "{error}");
        assert!(error.message.contains("XQ"), "{error}");
    }

    #[test]
    fn rule_naming_missing_instance_is_refused() {
        let error = error_for(&EXAMPLE_TOML.replace("default-instance = \"2\"", "default-instance = \"7\""));
        assert_eq!(error.line, Some(20));
        assert!(error.message.contains("no instance has id \"7\""), "{error}");
    }

    #[test]
    fn duplicate_ids_and_conflicting_rules_are_refused() {
        let duplicate = error_for(&EXAMPLE_TOML.replace("id = \"2\"", "id = \"1\""));
        assert!(duplicate.message.contains("listed twice"), "{duplicate}");
        let conflict = error_for(&EXAMPLE_TOML.replace("\"UM\"]", "\"UM\", \"CA\"]"));
        assert!(conflict.message.contains("also listed as unsupported"), "{conflict}");
    }

    #[test]
    fn bad_urls_and_ages_are_refused() {
        let url = error_for(&EXAMPLE_TOML.replace("http://127.0.0.1:8110/", "ftp://x/"));
        assert!(url.message.starts_with("shell-url: "), "{url}");
        assert_eq!(url.line, Some(7));
        let age = error_for(&EXAMPLE_TOML.replace("min-signup-age = 13", "min-signup-age = 300"));
        assert!(age.message.starts_with("min-signup-age: 300"), "{age}");
    }

    #[test]
    fn missing_countries_section_is_named() {
        let text = EXAMPLE_TOML.split("[countries]").next().unwrap();
        let error = error_for(text);
        assert!(error.message.contains("countries"), "{error}");
    }
}
