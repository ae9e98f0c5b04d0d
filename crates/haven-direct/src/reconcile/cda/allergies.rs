//! Allergies: each allergy observation, inside a concern act or on its own, becomes an Allergy
//! named by its allergen.

use roxmltree::Node;

use super::{Context, child, children, is, is_negated, material_name, path, related, start_time};
use crate::reconcile::ReconciledItem;
use crate::reconcile::codes::Codable;
use crate::reconcile::items::Allergy;

/// SNOMED CT codes that say there is no allergy: no known allergy, drug, food, environmental
/// allergy.
const NO_KNOWN_ALLERGY: &[&str] = &["716186003", "409137002", "429625007", "428607008"];

/// The allergies of one entry.
pub(super) fn read(entry: Node<'_, '_>, context: &mut Context<'_, '_>) -> Vec<ReconciledItem> {
    let mut items = Vec::new();
    for act in entry.children() {
        if is(act, "act") && !is_negated(act) {
            for (type_code, observation) in related(act, "observation") {
                if type_code.is_none_or(|type_code| type_code == "SUBJ") {
                    items.extend(allergy(observation, context));
                }
            }
        } else if is(act, "observation") {
            items.extend(allergy(act, context));
        }
    }
    items
}

/// One allergy observation: the allergen is the consumable participant's playing entity, the
/// observation's `value` the kind of allergy, and its manifestations the reactions.
fn allergy(observation: Node<'_, '_>, context: &mut Context<'_, '_>) -> Option<ReconciledItem> {
    if is_negated(observation) {
        return None;
    }
    let allergen_type = child(observation, "value").and_then(|value| context.codable(value));
    let no_known = |value: &Codable| {
        value.codes.iter().any(|code| NO_KNOWN_ALLERGY.iter().any(|no_known| code.is("SNOMED CT", no_known)))
    };
    if allergen_type.as_ref().is_some_and(no_known) {
        return None;
    }
    let name = children(observation, "participant")
        .filter(|participant| participant.attribute("typeCode").is_none_or(|type_code| type_code.trim() == "CSM"))
        .filter_map(|participant| path(participant, &["participantRole", "playingEntity"]))
        .find_map(|entity| material_name(entity, context))?;
    let reactions = related(observation, "observation")
        .filter(|(type_code, reaction)| *type_code == Some("MFST") && !is_negated(*reaction))
        .filter_map(|(_, reaction)| child(reaction, "value").and_then(|value| context.codable(value)))
        .collect();
    let first_observed = child(observation, "effectiveTime").and_then(start_time);
    Some(Allergy { name, reactions, first_observed, allergen_type }.into_item())
}
