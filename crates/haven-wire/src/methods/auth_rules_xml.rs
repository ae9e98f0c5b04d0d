//! The authorization rule XML of `auth.xsd` (protocol notes, section 11): what an application
//! asks a person to grant, as AddApplication declares it (`person-online-base-auth`),
//! GetApplicationInfo reports it (`person-online-base-auth-xml`) and the Shell shows it at
//! consent.
//!
//! ```xml
//! <auth><rules>
//!   <rule name="weights" is-optional="true">
//!     <reason>To chart your weight</reason><display-flags>1</display-flags>
//!     <permission>Read</permission><permission>Create</permission>
//!     <target-set><type-id>3d34d87e-7fc1-4153-800f-f56592cb0d17</type-id></target-set>
//!   </rule>
//! </rules></auth>
//! ```
//!
//! Each `target-set` and `exception-set` element is one [`TargetSet`]: its `type-id`s (none
//! means every type) and its `date-range`s of effective dates, which are wall-clock times
//! like `eff-date`. A rule with no `target-set` at all covers every thing, as HealthVault
//! and the .NET SDK read it, so it is read as one empty target set. A rule's reasons may be
//! localized (`xml:lang`); the domain keeps one, the unmarked one if there is one.

use haven_domain::auth_rules::{AuthRule, DateRange, Permissions, RuleSet, TargetSet};
use haven_domain::ids::ThingTypeId;
use roxmltree::Node;

use crate::error::{WireError, excerpt};
use crate::thing_xml::{format_boolean, format_wall_clock, parse_boolean, parse_guid, parse_wall_clock};
use crate::xml::{
    XmlBuilder, children_named, describe_element, optional_child, optional_text, parse_document, parse_number, text_of,
};

/// The namespace of `xml:lang`.
const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

/// Writes a rule set as a standalone `<auth><rules>...</rules></auth>` document, the form the
/// Shell and AddApplication exchange.
pub fn format_auth_xml(rules: &RuleSet) -> String {
    let mut builder = XmlBuilder::new();
    write_auth(&mut builder, rules);
    builder.finish()
}

/// Reads a standalone `<auth>` document (an XML declaration is allowed). Permissions,
/// type ids, booleans and dates are checked; rule names and counts are left to
/// [`RuleSet::validate`].
pub fn parse_auth_xml(xml: &str) -> Result<RuleSet, WireError> {
    let document = parse_document(xml.trim_start_matches('\u{feff}'))?;
    let root = document.root_element();
    if root.tag_name().name() != "auth" {
        return Err(WireError::WrongRoot { expected: "<auth>", found: describe_element(root) });
    }
    read_auth(root)
}

/// Writes `<auth><rules>...</rules></auth>`; an empty rule set writes an empty `rules`.
pub(crate) fn write_auth(builder: &mut XmlBuilder, rules: &RuleSet) {
    builder.start("auth");
    builder.start("rules");
    for rule in &rules.rules {
        write_rule(builder, rule);
    }
    builder.end("rules");
    builder.end("auth");
}

/// Reads an `auth` element; without `rules` it is an empty rule set.
pub(crate) fn read_auth(auth: Node<'_, '_>) -> Result<RuleSet, WireError> {
    let Some(rules) = optional_child(auth, "auth", "rules")? else {
        return Ok(RuleSet::default());
    };
    Ok(RuleSet { rules: children_named(rules, "rule").map(read_rule).collect::<Result<_, _>>()? })
}

/// Reads an `AuthXml` element such as `person-online-base-auth-xml`: an optional `auth`
/// child, whose absence means no rules.
pub(crate) fn read_auth_container(container: Node<'_, '_>, name: &'static str) -> Result<RuleSet, WireError> {
    match optional_child(container, name, "auth")? {
        Some(auth) => read_auth(auth),
        None => Ok(RuleSet::default()),
    }
}

fn write_rule(builder: &mut XmlBuilder, rule: &AuthRule) {
    let mut attributes: Vec<(&str, &str)> = vec![("name", &rule.name)];
    if rule.is_incremental {
        attributes.push(("is-incr", format_boolean(true)));
    }
    if rule.is_optional {
        attributes.push(("is-optional", format_boolean(true)));
    }
    builder.start_with("rule", &attributes);
    if !rule.reason.is_empty() {
        builder.text_element("reason", &rule.reason);
    }
    if rule.display_flags != 0 {
        builder.text_element("display-flags", &rule.display_flags.to_string());
    }
    for name in rule.permissions.names() {
        builder.text_element("permission", name);
    }
    for set in &rule.target_sets {
        write_set(builder, "target-set", set);
    }
    for set in &rule.exception_sets {
        write_set(builder, "exception-set", set);
    }
    builder.end("rule");
}

/// Writes a set in the schema's order: date ranges, then type ids.
fn write_set(builder: &mut XmlBuilder, name: &str, set: &TargetSet) {
    builder.start(name);
    for range in &set.date_ranges {
        builder.start("date-range");
        builder.optional_text_element("date-min", range.min.map(format_wall_clock).as_deref());
        builder.optional_text_element("date-max", range.max.map(format_wall_clock).as_deref());
        builder.end("date-range");
    }
    for type_id in &set.type_ids {
        builder.text_element("type-id", &type_id.to_string());
    }
    builder.end(name);
}

fn read_rule(rule: Node<'_, '_>) -> Result<AuthRule, WireError> {
    let flag = |attribute: &'static str, element: &'static str| -> Result<bool, WireError> {
        rule.attribute(attribute).map_or(Ok(false), |text| parse_boolean(element, text))
    };
    let mut permissions = None;
    for permission in children_named(rule, "permission") {
        let text = text_of(permission);
        let parsed = Permissions::parse_name(&text).ok_or(WireError::InvalidValue {
            element: "rule/permission",
            expected: "All, Read, Update, Create or Delete",
            text: excerpt(&text),
        })?;
        permissions = Some(permissions.unwrap_or(Permissions::NONE).union(parsed));
    }
    let permissions = permissions.ok_or(WireError::MissingElement { parent: "rule", element: "permission" })?;
    let mut target_sets: Vec<TargetSet> =
        children_named(rule, "target-set").map(|set| read_set(set, "target-set")).collect::<Result<_, _>>()?;
    if target_sets.is_empty() {
        // HealthVault reads a rule without target sets as covering every thing.
        target_sets.push(TargetSet::default());
    }
    Ok(AuthRule {
        name: rule.attribute("name").unwrap_or_default().trim().to_owned(),
        reason: preferred_reason(rule),
        is_optional: flag("is-optional", "rule@is-optional")?,
        is_incremental: flag("is-incr", "rule@is-incr")?,
        display_flags: match optional_text(rule, "rule", "display-flags")? {
            Some(text) => parse_number("display-flags", &text)?,
            None => 0,
        },
        permissions,
        target_sets,
        exception_sets: children_named(rule, "exception-set")
            .map(|set| read_set(set, "exception-set"))
            .collect::<Result<_, _>>()?,
    })
}

/// The reason without `xml:lang`, else an English one, else the first; empty if none.
fn preferred_reason(rule: Node<'_, '_>) -> String {
    let reasons: Vec<_> = children_named(rule, "reason").collect();
    let language = |reason: &Node<'_, '_>| reason.attribute((XML_NAMESPACE, "lang")).unwrap_or_default().to_owned();
    let chosen = reasons
        .iter()
        .find(|reason| language(reason).is_empty())
        .or_else(|| reasons.iter().find(|reason| language(reason).to_ascii_lowercase().starts_with("en")))
        .or_else(|| reasons.first());
    chosen.map(|reason| text_of(*reason).trim().to_owned()).unwrap_or_default()
}

fn read_set(set: Node<'_, '_>, name: &'static str) -> Result<TargetSet, WireError> {
    let date_ranges = children_named(set, "date-range")
        .map(|range| {
            let bound = |bound_name: &'static str, element: &'static str| {
                optional_text(range, "date-range", bound_name)?.map(|text| parse_wall_clock(element, &text)).transpose()
            };
            Ok(DateRange {
                min: bound("date-min", "date-range/date-min")?,
                max: bound("date-max", "date-range/date-max")?,
            })
        })
        .collect::<Result<_, WireError>>()?;
    let type_ids = children_named(set, "type-id")
        .map(|type_id| parse_guid(type_id_element(name), &text_of(type_id), ThingTypeId::parse))
        .collect::<Result<_, _>>()?;
    Ok(TargetSet { type_ids, date_ranges })
}

/// How a set's `type-id` is named in errors.
fn type_id_element(set_name: &'static str) -> &'static str {
    if set_name == "exception-set" { "exception-set/type-id" } else { "target-set/type-id" }
}

#[cfg(test)]
mod tests;
