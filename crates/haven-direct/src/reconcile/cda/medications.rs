//! Medications: each medication activity (`substanceAdministration`) becomes a Medication.

use roxmltree::Node;

use super::{Context, child, end_time, is, is_negated, material_name, path, start_time, xsi_type};
use crate::reconcile::ReconciledItem;
use crate::reconcile::items::Medication;
use crate::reconcile::thing_xml::{Measurement, decimal};

/// The medications of one entry.
pub(super) fn read(entry: Node<'_, '_>, context: &mut Context<'_, '_>) -> Vec<ReconciledItem> {
    entry
        .children()
        .filter(|act| is(*act, "substanceAdministration") && !is_negated(*act))
        .filter_map(|activity| medication(activity, context))
        .collect()
}

/// One activity: the drug from its consumable, start and stop from its interval, frequency from
/// its periodic time, dose and route.
fn medication(activity: Node<'_, '_>, context: &mut Context<'_, '_>) -> Option<ReconciledItem> {
    let material = path(activity, &["consumable", "manufacturedProduct", "manufacturedMaterial"])?;
    let name = material_name(material, context)?;
    let mut started = None;
    let mut discontinued = None;
    let mut frequency = None;
    for effective_time in activity.children().filter(|node| is(*node, "effectiveTime")) {
        match xsi_type(effective_time) {
            Some("PIVL_TS") => frequency = frequency.or_else(|| every(effective_time)),
            Some("IVL_TS" | "TS") | None => {
                started = started.or_else(|| start_time(effective_time));
                discontinued = discontinued.or_else(|| end_time(effective_time));
            }
            // Event-related and other timing (such as "before meals") is not read.
            Some(_) => {}
        }
    }
    let dose = child(activity, "doseQuantity")
        .and_then(|dose| Measurement::quantity(dose.attribute("value")?, dose.attribute("unit")));
    let route = child(activity, "routeCode").and_then(|route| context.codable(route));
    Some(Medication { name, dose, strength: None, frequency, route, started, discontinued }.into_item())
}

/// How often, from a periodic interval's `period`: "every 12 hours", "every day".
fn every(periodic: Node<'_, '_>) -> Option<Measurement> {
    let period = child(periodic, "period")?;
    let value = decimal(period.attribute("value")?)?;
    let (singular, plural) = match period.attribute("unit").map(str::trim) {
        Some("min") => ("minute", "minutes"),
        Some("h") => ("hour", "hours"),
        Some("d") => ("day", "days"),
        Some("wk") => ("week", "weeks"),
        Some("mo") => ("month", "months"),
        _ => return None,
    };
    let display = if value == "1" { format!("every {singular}") } else { format!("every {value} {plural}") };
    Some(Measurement::text(display))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_read_as_words() {
        let every_of = |value: &str, unit: &str| {
            let xml = format!(
                "<effectiveTime xmlns=\"urn:hl7-org:v3\"><period value=\"{value}\" unit=\"{unit}\"/></effectiveTime>"
            );
            let document = roxmltree::Document::parse(&xml).unwrap();
            every(document.root_element()).map(|measurement| measurement.display)
        };
        assert_eq!(every_of("12", "h").as_deref(), Some("every 12 hours"));
        assert_eq!(every_of("1", "d").as_deref(), Some("every day"));
        assert_eq!(every_of("1", "s"), None);
        assert_eq!(every_of("x", "h"), None);
    }
}
