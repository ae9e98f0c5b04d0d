//! Immunizations: each immunization given (`substanceAdministration`) becomes an Immunization.

use roxmltree::Node;

use super::{Context, child, is, is_negated, material_name, path, start_time};
use crate::reconcile::ReconciledItem;
use crate::reconcile::codes::{Codable, normalize_space};
use crate::reconcile::items::Immunization;

/// The immunizations of one entry. Refused vaccines (negated) and planned ones (`moodCode`
/// `INT`) were not given, so they are left out.
pub(super) fn read(entry: Node<'_, '_>, context: &mut Context<'_, '_>) -> Vec<ReconciledItem> {
    entry
        .children()
        .filter(|act| is(*act, "substanceAdministration") && !is_negated(*act))
        .filter(|act| act.attribute("moodCode").is_none_or(|mood| mood.trim() != "INT"))
        .filter_map(|activity| immunization(activity, context))
        .collect()
}

/// One vaccine given: the vaccine, its date, manufacturer, lot and route.
fn immunization(activity: Node<'_, '_>, context: &mut Context<'_, '_>) -> Option<ReconciledItem> {
    let product = path(activity, &["consumable", "manufacturedProduct"])?;
    let material = child(product, "manufacturedMaterial")?;
    let name = material_name(material, context)?;
    let given = child(activity, "effectiveTime").and_then(start_time);
    let manufacturer = path(product, &["manufacturerOrganization", "name"])
        .and_then(|organization| Codable::text_only(organization.text().unwrap_or_default()));
    let lot = child(material, "lotNumberText").and_then(|lot| normalize_space(lot.text().unwrap_or_default()));
    let route = child(activity, "routeCode").and_then(|route| context.codable(route));
    Some(Immunization { name, given, manufacturer, lot, route }.into_item())
}
