//! Reading an ASTM Continuity of Care Record: its `Body`'s problems, medications, alerts
//! (allergies), results and immunizations.

use roxmltree::Node;

use super::codes::{Codable, Code, normalize_space};
use super::dates::ApproxDateTime;
use super::items::{Allergy, Condition, Flag, Immunization, LabPanel, LabResult, Medication, ProblemStatus, Range};
use super::thing_xml::{Measurement, decimal};
use super::{CCR_NAMESPACE, ReconciledItem};

/// Reads the record's body, in document order.
pub(super) fn reconcile(root: Node<'_, '_>) -> Vec<ReconciledItem> {
    let Some(body) = child(root, "Body") else {
        return Vec::new();
    };
    let mut items = Vec::new();
    for part in body.children().filter(|part| part.is_element() && part.tag_name().namespace() == Some(CCR_NAMESPACE)) {
        let part_items: Vec<ReconciledItem> = match part.tag_name().name() {
            "Problems" => children(part, "Problem").filter_map(condition).map(Condition::into_item).collect(),
            "Medications" => children(part, "Medication").filter_map(medication).map(Medication::into_item).collect(),
            "Alerts" => children(part, "Alert").filter_map(allergy).map(Allergy::into_item).collect(),
            "Results" => children(part, "Result").filter_map(panel).map(LabPanel::into_item).collect(),
            "Immunizations" => {
                children(part, "Immunization").filter_map(immunization).map(Immunization::into_item).collect()
            }
            _ => Vec::new(),
        };
        items.extend(part_items);
    }
    items
}

/// A problem: its description, onset and resolution dates, and status.
fn condition(problem: Node<'_, '_>) -> Option<Condition> {
    let name = described(child(problem, "Description")?)?;
    let onset = date_of(problem, &["onset", "start"]).or_else(|| undated_time(problem));
    let stop = date_of(problem, &["resol", "stop", "end"]);
    let status = status_text(problem).and_then(|status| ProblemStatus::from_word(&status));
    Some(Condition { name, onset, status, stop })
}

/// A medication: the product's name and strength, the first direction's dose, route and
/// frequency, and its start and stop dates.
fn medication(medication: Node<'_, '_>) -> Option<Medication> {
    let product = child(medication, "Product")?;
    let name = child(product, "ProductName").and_then(described)?;
    let strength = child(product, "Strength").and_then(quantity);
    let direction = path(medication, &["Directions", "Direction"]);
    let dose = direction.and_then(|direction| child(direction, "Dose")).and_then(quantity);
    let route = direction.and_then(|direction| child(direction, "Route")).and_then(described);
    let frequency = direction
        .and_then(|direction| path(direction, &["Frequency", "Value"]))
        .and_then(|value| normalize_space(&text_of(value)))
        .map(Measurement::text);
    let started = date_of(medication, &["start"]).or_else(|| undated_time(medication));
    let discontinued = date_of(medication, &["stop", "end", "discontinu"]);
    Some(Medication { name, dose, strength, frequency, route, started, discontinued })
}

/// An alert that is an allergy or adverse reaction, named by its agent's product. Other alerts
/// (and "no known allergies", which has no agent) give nothing.
fn allergy(alert: Node<'_, '_>) -> Option<Allergy> {
    let alert_type = path(alert, &["Type", "Text"]).map(text_of).unwrap_or_default().to_ascii_lowercase();
    let is_allergy =
        alert_type.is_empty() || ["allerg", "adverse", "intoleran"].iter().any(|kind| alert_type.contains(kind));
    if !is_allergy {
        return None;
    }
    let name = path(alert, &["Agent", "Products", "Product"]).and_then(|product| {
        child(product, "Description").and_then(described).or_else(|| child(product, "ProductName").and_then(described))
    })?;
    if name.text.to_ascii_lowercase().starts_with("no known") {
        return None;
    }
    let reactions = children(alert, "Reaction")
        .filter_map(|reaction| child(reaction, "Description"))
        .filter_map(described)
        .collect();
    let first_observed = date_of(alert, &["onset", "start"]).or_else(|| undated_time(alert));
    let allergen_type = path(alert, &["Type", "Text"]).and_then(|text| Codable::text_only(&text_of(text)));
    Some(Allergy { name, reactions, first_observed, allergen_type })
}

/// A result with its tests, named by its description.
fn panel(result: Node<'_, '_>) -> Option<LabPanel> {
    let results: Vec<LabResult> = children(result, "Test").filter_map(lab_result).collect();
    let first_when = results.first()?.when.clone();
    let name = child(result, "Description").and_then(described)?;
    let when = first_time(result).or(first_when);
    Some(LabPanel { name, when, results })
}

/// One test: its description, result with units, normal range and flag.
fn lab_result(test: Node<'_, '_>) -> Option<LabResult> {
    let name = child(test, "Description").and_then(described)?;
    let when = first_time(test);
    let value = child(test, "TestResult").and_then(|result| {
        quantity(result).or_else(|| {
            let text = child(result, "Value").or_else(|| path(result, &["Description", "Text"]))?;
            normalize_space(&text_of(text)).map(Measurement::text)
        })
    });
    let ranges = path(test, &["NormalResult", "Normal"])
        .and_then(|normal| path(normal, &["Description", "Text"]))
        .and_then(|text| normalize_space(&text_of(text)))
        .map(|text| Range { text, minimum: None, maximum: None })
        .into_iter()
        .collect();
    let flag = path(test, &["Flag", "Text"]).and_then(|flag| normalize_space(&text_of(flag))).and_then(|text| {
        let code = match text.to_ascii_lowercase().as_str() {
            "normal" => "N",
            "high" => "H",
            "low" => "L",
            "abnormal" => "A",
            _ => "",
        };
        if code.is_empty() {
            Some(Flag { value: Codable { text, codes: Vec::new() }, normal: false })
        } else {
            Flag::from_interpretation(code, Some(text), None)
        }
    });
    Some(LabResult { name, when, value, ranges, flag })
}

/// A vaccine given: the product's name and manufacturer, its date and route.
fn immunization(immunization: Node<'_, '_>) -> Option<Immunization> {
    let product = child(immunization, "Product")?;
    let name = child(product, "ProductName").and_then(described)?;
    let given = first_time(immunization);
    let manufacturer =
        path(product, &["Manufacturer", "Description", "Text"]).and_then(|text| Codable::text_only(&text_of(text)));
    let route = path(immunization, &["Directions", "Direction", "Route"]).and_then(described);
    Some(Immunization { name, given, manufacturer, lot: None, route })
}

/// A CCR coded description (`Text` and `Code`s): the text, else the first code's value.
fn described(description: Node<'_, '_>) -> Option<Codable> {
    let codes: Vec<Code> = children(description, "Code")
        .filter_map(|code| {
            let value = text_of(child(code, "Value")?);
            let system = text_of(child(code, "CodingSystem")?);
            let version = child(code, "Version").map(text_of);
            Code::named(&value, &system, version.as_deref())
        })
        .collect();
    let text = child(description, "Text")
        .and_then(|text| normalize_space(&text_of(text)))
        .or_else(|| codes.first().map(|code| code.value.clone()))?;
    Some(Codable { text, codes })
}

/// A `Value` with `Units/Unit`, as a measurement.
fn quantity(measured: Node<'_, '_>) -> Option<Measurement> {
    let value = text_of(child(measured, "Value")?);
    let unit = path(measured, &["Units", "Unit"]).map(text_of);
    if decimal(&value).is_some() { Measurement::quantity(&value, unit.as_deref()) } else { None }
}

/// The status's text, e.g. "Active".
fn status_text(node: Node<'_, '_>) -> Option<String> {
    path(node, &["Status", "Text"]).and_then(|text| normalize_space(&text_of(text)))
}

/// The exact date of the first `DateTime` whose `Type/Text` contains one of the words.
fn date_of(node: Node<'_, '_>, words: &[&str]) -> Option<ApproxDateTime> {
    children(node, "DateTime").find_map(|date_time| {
        let kind = path(date_time, &["Type", "Text"]).map(text_of)?.to_ascii_lowercase();
        if words.iter().any(|word| kind.contains(word)) { exact(date_time) } else { None }
    })
}

/// The exact date of the first `DateTime` without a type.
fn undated_time(node: Node<'_, '_>) -> Option<ApproxDateTime> {
    children(node, "DateTime").filter(|date_time| child(*date_time, "Type").is_none()).find_map(exact)
}

/// The exact date of the first `DateTime` of any type.
fn first_time(node: Node<'_, '_>) -> Option<ApproxDateTime> {
    children(node, "DateTime").find_map(exact)
}

fn exact(date_time: Node<'_, '_>) -> Option<ApproxDateTime> {
    ApproxDateTime::from_iso8601(&text_of(child(date_time, "ExactDateTime")?))
}

/// Whether this is the CCR element with this local name.
fn is(node: Node<'_, '_>, name: &str) -> bool {
    node.is_element() && node.tag_name().name() == name && node.tag_name().namespace() == Some(CCR_NAMESPACE)
}

fn child<'a, 'input>(node: Node<'a, 'input>, name: &str) -> Option<Node<'a, 'input>> {
    node.children().find(|child| is(*child, name))
}

fn children<'a, 'input>(node: Node<'a, 'input>, name: &'static str) -> impl Iterator<Item = Node<'a, 'input>> {
    node.children().filter(move |child| is(*child, name))
}

fn path<'a, 'input>(node: Node<'a, 'input>, names: &[&str]) -> Option<Node<'a, 'input>> {
    names.iter().try_fold(node, |node, name| child(node, name))
}

/// The text directly in an element.
fn text_of(node: Node<'_, '_>) -> String {
    node.children().filter(Node::is_text).filter_map(|text| text.text()).collect()
}
