//! Results: each result organizer (a panel) becomes one Lab results thing with one group of
//! results, and a result observation standing alone becomes one with a single result.

use roxmltree::Node;

use super::{Context, child, children, code_of, display_name, is, is_negated, start_time, xsi_type};
use crate::reconcile::codes::{Codable, normalize_space};
use crate::reconcile::items::{Flag, LabPanel, LabResult, Range};
use crate::reconcile::thing_xml::{Measurement, decimal};
use crate::reconcile::{ReconciledItem, ReconciledSection};

/// The lab results of one entry.
pub(super) fn read(entry: Node<'_, '_>, context: &mut Context<'_, '_>) -> Vec<ReconciledItem> {
    let mut items = Vec::new();
    for act in entry.children() {
        if is(act, "organizer") && !is_negated(act) {
            items.extend(panel(act, context).map(LabPanel::into_item));
        } else if is(act, "observation") && !is_negated(act) {
            items.extend(lab_result(act, context).map(|result| LabPanel::single(result).into_item()));
        }
    }
    items
}

/// A result organizer with at least one result: named by its code, else by the section's
/// title; dated by its own time, else its first result's.
fn panel(organizer: Node<'_, '_>, context: &mut Context<'_, '_>) -> Option<LabPanel> {
    let results: Vec<LabResult> = children(organizer, "component")
        .filter_map(|component| child(component, "observation"))
        .filter(|observation| !is_negated(*observation))
        .filter_map(|observation| lab_result(observation, context))
        .collect();
    let first_when = results.first()?.when.clone();
    let name = child(organizer, "code")
        .and_then(|code| context.codable(code))
        .or_else(|| context.section_title().and_then(Codable::text_only))
        .or_else(|| Codable::text_only(ReconciledSection::Results.label()))?;
    let when = child(organizer, "effectiveTime").and_then(start_time).or(first_when);
    Some(LabPanel { name, when, results })
}

/// One result observation: the test from its `code`, with its value, ranges and flag.
fn lab_result(observation: Node<'_, '_>, context: &mut Context<'_, '_>) -> Option<LabResult> {
    let name = context.codable(child(observation, "code")?)?;
    let when = child(observation, "effectiveTime").and_then(start_time);
    let value = child(observation, "value").and_then(|value| measurement(value, context));
    let ranges = children(observation, "referenceRange")
        .filter_map(|range| child(range, "observationRange"))
        .filter_map(|range| reference_range(range, context))
        .collect();
    let flag = child(observation, "interpretationCode").and_then(|interpretation| {
        Flag::from_interpretation(
            interpretation.attribute("code")?,
            display_name(interpretation),
            code_of(interpretation),
        )
    });
    Some(LabResult { name, when, value, ranges, flag })
}

/// A result's value: a physical quantity with its units, a number, a string, a coded value or
/// a yes or no.
fn measurement(value: Node<'_, '_>, context: &mut Context<'_, '_>) -> Option<Measurement> {
    match xsi_type(value) {
        Some("PQ") | None => Measurement::quantity(value.attribute("value")?, value.attribute("unit")),
        Some("INT" | "REAL") => decimal(value.attribute("value")?).map(|number| Measurement::text(number.to_owned())),
        Some("ST" | "ED") => normalize_space(value.text().unwrap_or_default()).map(Measurement::text),
        Some("CD" | "CE" | "CV" | "CO") => context.codable(value).map(|codable| Measurement::text(codable.text)),
        Some("BL") => match value.attribute("value").map(str::trim) {
            Some(answer @ ("true" | "false")) => Some(Measurement::text(answer.to_owned())),
            _ => None,
        },
        Some(_) => None,
    }
}

/// A normal range: numeric bounds (`IVL_PQ`) and text. A range with another interpretation
/// than normal (such as a critical range) is not a reference range.
fn reference_range(range: Node<'_, '_>, context: &mut Context<'_, '_>) -> Option<Range> {
    let interpretation = child(range, "interpretationCode").and_then(|code| code.attribute("code"));
    if interpretation.is_some_and(|code| code.trim() != "N") {
        return None;
    }
    let bound = |name: &str| {
        let bound = child(child(range, "value")?, name)?;
        let number = decimal(bound.attribute("value")?)?.to_owned();
        let unit = bound.attribute("unit").map(str::trim).filter(|unit| !unit.is_empty() && *unit != "1");
        Some((number, unit.map(str::to_owned)))
    };
    let low = bound("low");
    let high = bound("high");
    let unit = [&low, &high].into_iter().flatten().find_map(|(_, unit)| unit.clone());
    let with_unit = |text: String| match &unit {
        Some(unit) => format!("{text} {unit}"),
        None => text,
    };
    let numeric_text = match (&low, &high) {
        (Some((low, _)), Some((high, _))) => Some(with_unit(format!("{low}-{high}"))),
        (Some((low, _)), None) => Some(with_unit(format!(">= {low}"))),
        (None, Some((high, _))) => Some(with_unit(format!("<= {high}"))),
        (None, None) => None,
    };
    let text = child(range, "text").and_then(|text| context.text_or_reference(text)).or(numeric_text)?;
    Some(Range { text, minimum: low.map(|(low, _)| low), maximum: high.map(|(high, _)| high) })
}
