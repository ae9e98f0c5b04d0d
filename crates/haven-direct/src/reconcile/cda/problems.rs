//! Problems: each problem observation, inside a concern act or on its own, becomes a Condition
//! named by its `value`.

use roxmltree::Node;

use super::{Context, child, end_time, has_template, is, is_negated, related, start_time};
use crate::reconcile::ReconciledItem;
use crate::reconcile::items::{Condition, ProblemStatus};

/// The Problem Status observation (C-CDA, then CCD release 1).
const STATUS_TEMPLATES: &[&str] = &["2.16.840.1.113883.10.20.22.4.6", "2.16.840.1.113883.10.20.1.50"];
/// SNOMED CT codes that say there is no problem ("No current problems or disability").
const NO_KNOWN_PROBLEMS: &[&str] = &["160245001"];

/// The conditions of one entry.
pub(super) fn read(entry: Node<'_, '_>, context: &mut Context<'_, '_>) -> Vec<ReconciledItem> {
    let mut items = Vec::new();
    for act in entry.children() {
        if is(act, "act") && !is_negated(act) {
            let concern_status =
                child(act, "statusCode").and_then(|status| status.attribute("code")).and_then(concern_status);
            for (type_code, observation) in related(act, "observation") {
                if type_code.is_none_or(|type_code| type_code == "SUBJ") {
                    items.extend(condition(observation, concern_status, context));
                }
            }
        } else if is(act, "observation") {
            items.extend(condition(act, None, context));
        }
    }
    items
}

/// A concern act's `statusCode`: an active concern is an active problem, a completed one is
/// resolved.
fn concern_status(status_code: &str) -> Option<ProblemStatus> {
    match status_code.trim() {
        "active" => Some(ProblemStatus::Active),
        "completed" => Some(ProblemStatus::Resolved),
        _ => None,
    }
}

/// One problem observation. Its status is the Problem Status observation's, else resolved when
/// the problem has ended, else the concern's.
fn condition(
    observation: Node<'_, '_>,
    concern_status: Option<ProblemStatus>,
    context: &mut Context<'_, '_>,
) -> Option<ReconciledItem> {
    if is_negated(observation) {
        return None;
    }
    let name = context.codable(child(observation, "value")?)?;
    if name.codes.iter().any(|code| NO_KNOWN_PROBLEMS.iter().any(|value| code.is("SNOMED CT", value))) {
        return None;
    }
    let effective_time = child(observation, "effectiveTime");
    let onset = effective_time.and_then(start_time);
    let stop = effective_time.and_then(end_time);
    let observed_status = related(observation, "observation")
        .map(|(_, related)| related)
        .filter(|related| has_template(*related, STATUS_TEMPLATES))
        .find_map(|status| child(status, "value").and_then(|value| context.codable(value)))
        .and_then(|value| ProblemStatus::from_value(&value));
    let status = observed_status.or(stop.as_ref().map(|_| ProblemStatus::Resolved)).or(concern_status);
    Some(Condition { name, onset, status, stop }.into_item())
}
