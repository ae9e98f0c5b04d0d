//! Authorization rules: what an application asks a person to grant, per thing type and
//! permission, separately for online and offline access (HealthVault's `auth.xsd`).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::PrimitiveDateTime;

use crate::ids::ThingTypeId;

/// A set of permissions on things (`All | Read | Update | Create | Delete`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Permissions(u8);

impl Permissions {
    /// No permission.
    pub const NONE: Self = Self(0);
    /// Read things.
    pub const READ: Self = Self(0x1);
    /// Update existing things.
    pub const UPDATE: Self = Self(0x2);
    /// Create things.
    pub const CREATE: Self = Self(0x4);
    /// Delete things.
    pub const DELETE: Self = Self(0x8);
    /// All four.
    pub const ALL: Self = Self(0xF);

    /// Whether every permission in `other` is included.
    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Permissions in both.
    pub fn intersection(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }

    /// Permissions in either.
    pub fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// Whether there is no permission.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Reads one wire name (`All`, `Read`, `Update`, `Create`, `Delete`), case-insensitively.
    pub fn parse_name(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "all" => Some(Self::ALL),
            "read" => Some(Self::READ),
            "update" => Some(Self::UPDATE),
            "create" => Some(Self::CREATE),
            "delete" => Some(Self::DELETE),
            _ => None,
        }
    }

    /// The wire names, one per permission held. Never `All`: HealthVault listed the four one
    /// by one, and pyhealthvault cannot read `All`.
    pub fn names(self) -> Vec<&'static str> {
        [(Self::READ, "Read"), (Self::UPDATE, "Update"), (Self::CREATE, "Create"), (Self::DELETE, "Delete")]
            .into_iter()
            .filter(|(permission, _)| self.contains(*permission))
            .map(|(_, name)| name)
            .collect()
    }
}

/// Things a rule covers: the listed types (all types when the list is empty), optionally
/// only within effective-date ranges.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TargetSet {
    /// Covered types; empty means every type.
    pub type_ids: BTreeSet<ThingTypeId>,
    /// Effective-date ranges; empty means any date.
    pub date_ranges: Vec<DateRange>,
}

/// An inclusive effective-date range; an open end is unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateRange {
    /// Earliest covered effective date.
    pub min: Option<PrimitiveDateTime>,
    /// Latest covered effective date.
    pub max: Option<PrimitiveDateTime>,
}

impl TargetSet {
    fn covers_type(&self, type_id: ThingTypeId) -> bool {
        self.type_ids.is_empty() || self.type_ids.contains(&type_id)
    }
}

/// Longest rule name HealthVault allows.
pub const MAX_RULE_NAME_LENGTH: usize = 16;

/// One rule: permissions on a set of things, with a reason shown to the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthRule {
    /// Short name (at most [`MAX_RULE_NAME_LENGTH`] characters), unique within the rule set.
    pub name: String,
    /// Why the application needs it, shown at consent.
    pub reason: String,
    /// Granted with the application, or chosen separately by the person.
    pub is_optional: bool,
    /// HealthVault's "incremental" marker, kept as given.
    pub is_incremental: bool,
    /// Display hints for optional rules (first-time display, checked by default...).
    pub display_flags: u32,
    /// What the application may do.
    pub permissions: Permissions,
    /// What things it may do it to; empty means nothing is covered.
    pub target_sets: Vec<TargetSet>,
    /// Things excluded from the target sets.
    pub exception_sets: Vec<TargetSet>,
}

impl AuthRule {
    /// The permissions this rule gives on a type (ignoring date ranges, which only narrow
    /// access to individual things).
    pub fn permissions_for(&self, type_id: ThingTypeId) -> Permissions {
        let targeted = self.target_sets.iter().any(|set| set.covers_type(type_id));
        let excepted = self
            .exception_sets
            .iter()
            .any(|set| set.date_ranges.is_empty() && !set.type_ids.is_empty() && set.type_ids.contains(&type_id));
        if targeted && !excepted { self.permissions } else { Permissions::NONE }
    }
}

/// Why a rule set is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// Empty, too long, or repeated rule name.
    #[error("rule name {0:?} must be 1 to 16 characters and unique")]
    BadName(String),
    /// A rule without any permission.
    #[error("rule {0:?} grants no permission")]
    NoPermission(String),
    /// A rule without any target set.
    #[error("rule {0:?} has no target set")]
    NoTarget(String),
}

/// The rules an application declares for one access avenue (online or offline).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RuleSet {
    /// The rules, in declaration order.
    pub rules: Vec<AuthRule>,
}

impl RuleSet {
    /// Checks names, permissions and targets.
    pub fn validate(&self) -> Result<(), RuleError> {
        let mut names = BTreeSet::new();
        for rule in &self.rules {
            let name_ok = !rule.name.is_empty()
                && rule.name.chars().count() <= MAX_RULE_NAME_LENGTH
                && names.insert(rule.name.as_str());
            if !name_ok {
                return Err(RuleError::BadName(rule.name.clone()));
            }
            if rule.permissions.is_empty() {
                return Err(RuleError::NoPermission(rule.name.clone()));
            }
            if rule.target_sets.is_empty() {
                return Err(RuleError::NoTarget(rule.name.clone()));
            }
        }
        Ok(())
    }

    /// The union of what every rule gives on a type.
    pub fn permissions_for(&self, type_id: ThingTypeId) -> Permissions {
        self.rules.iter().fold(Permissions::NONE, |granted, rule| granted.union(rule.permissions_for(type_id)))
    }

    /// The required rules.
    pub fn required(&self) -> impl Iterator<Item = &AuthRule> {
        self.rules.iter().filter(|rule| !rule.is_optional)
    }

    /// The rule with this name.
    pub fn rule(&self, name: &str) -> Option<&AuthRule> {
        self.rules.iter().find(|rule| rule.name == name)
    }

    /// Whether the rule set is empty (the application asks for no access on this avenue).
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::thing_type::{BLOOD_PRESSURE, HEIGHT, WEIGHT};

    fn rule(name: &str, permissions: Permissions, types: &[ThingTypeId], optional: bool) -> AuthRule {
        AuthRule {
            name: name.to_owned(),
            reason: "to chart it".to_owned(),
            is_optional: optional,
            is_incremental: false,
            display_flags: 0,
            permissions,
            target_sets: vec![TargetSet { type_ids: types.iter().copied().collect(), date_ranges: Vec::new() }],
            exception_sets: Vec::new(),
        }
    }

    #[test]
    fn permissions_are_the_union_of_the_rules_covering_a_type() {
        let rules = RuleSet {
            rules: vec![
                rule("weights", Permissions::READ, &[WEIGHT, HEIGHT], false),
                rule("write", Permissions::CREATE.union(Permissions::UPDATE), &[WEIGHT], true),
            ],
        };
        assert_eq!(
            rules.permissions_for(WEIGHT),
            Permissions::READ.union(Permissions::CREATE).union(Permissions::UPDATE)
        );
        assert_eq!(rules.permissions_for(HEIGHT), Permissions::READ);
        assert_eq!(rules.permissions_for(BLOOD_PRESSURE), Permissions::NONE);
        assert_eq!(rules.required().count(), 1);
    }

    #[test]
    fn an_empty_type_list_covers_every_type_and_exceptions_remove_types() {
        let mut everything = rule("all", Permissions::ALL, &[], false);
        everything.exception_sets.push(TargetSet { type_ids: [HEIGHT].into_iter().collect(), date_ranges: Vec::new() });
        assert_eq!(everything.permissions_for(WEIGHT), Permissions::ALL);
        assert_eq!(everything.permissions_for(HEIGHT), Permissions::NONE);
    }

    #[test]
    fn invalid_rule_sets_are_refused() {
        let long = RuleSet { rules: vec![rule("a-name-longer-than-16", Permissions::READ, &[WEIGHT], false)] };
        assert!(matches!(long.validate(), Err(RuleError::BadName(_))));
        let twice = RuleSet {
            rules: vec![rule("x", Permissions::READ, &[WEIGHT], false), rule("x", Permissions::READ, &[HEIGHT], false)],
        };
        assert!(matches!(twice.validate(), Err(RuleError::BadName(_))));
        let nothing = RuleSet { rules: vec![rule("x", Permissions::NONE, &[WEIGHT], false)] };
        assert!(matches!(nothing.validate(), Err(RuleError::NoPermission(_))));
    }

    #[test]
    fn permission_names_round_trip() {
        assert_eq!(Permissions::ALL.names(), vec!["Read", "Update", "Create", "Delete"]);
        assert_eq!(Permissions::READ.union(Permissions::DELETE).names(), vec!["Read", "Delete"]);
        assert_eq!(Permissions::parse_name("create"), Some(Permissions::CREATE));
        assert_eq!(Permissions::parse_name("write"), None);
    }
}
