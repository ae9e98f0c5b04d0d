//! The consent screen: the application's rules in plain words, the optional rules to tick
//! and the record picker.

use super::*;

/// One rule as the screen shows it.
#[derive(Debug)]
struct RuleView {
    name: String,
    reason: String,
    access: Vec<String>,
    checked: bool,
    requested: bool,
}

/// One avenue's rules.
#[derive(Debug)]
struct AvenueView {
    field: &'static str,
    heading: &'static str,
    intro: &'static str,
    required: Vec<RuleView>,
    optional: Vec<RuleView>,
}

/// One record in the picker.
#[derive(Debug)]
struct RecordView {
    id: String,
    name: String,
    relationship: &'static str,
    checked: bool,
    authorized: bool,
    /// For a record shared with the person with limits: what they may do, which bounds what
    /// the application can do there.
    shared_access: Option<String>,
}

#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentPage {
    chrome: Chrome,
    application_id: String,
    application_name: String,
    application_description: String,
    device_note: Option<String>,
    avenues: Vec<AvenueView>,
    records: Vec<RecordView>,
    multiple: bool,
    reauthorization: bool,
    problem: Option<String>,
    target: &'static str,
    targetqs: String,
    trm: &'static str,
}

pub(super) fn consent_page(
    state: &ShellState,
    visit: &Visit,
    situation: &Situation<'_>,
    choices: &Choices,
    problem: Option<String>,
) -> Result<Response, RedirectFailure> {
    let mut avenues = Vec::new();
    for avenue in [Avenue::Online, Avenue::Offline] {
        let declared = avenue.declared(situation.application);
        if declared.is_empty() {
            continue;
        }
        let requested = situation.request.params.numbered(avenue.requested_parameter());
        let view = |rule: &AuthRule| RuleView {
            name: rule.name.clone(),
            reason: rule.reason.clone(),
            access: describe_rule(rule),
            checked: !rule.is_optional || choices.optional(avenue).contains(&rule.name),
            requested: requested.contains(&rule.name),
        };
        let (heading, intro) = match avenue {
            Avenue::Online => (
                "While you use the application",
                "The application can do this only while you are signed in and using it.",
            ),
            Avenue::Offline => (
                "When you are not using the application (offline access)",
                "The application can do this at any time, without you being signed in, until you withdraw your \
                 consent.",
            ),
        };
        avenues.push(AvenueView {
            field: avenue.field(),
            heading,
            intro,
            required: declared.required().map(view).collect(),
            optional: declared.rules.iter().filter(|rule| rule.is_optional).map(view).collect(),
        });
    }
    let records = situation
        .records
        .iter()
        .map(|(record, member)| RecordView {
            id: record.id.to_string(),
            name: record.display_name.clone(),
            relationship: if member.relationship == Relationship::SELF { "you" } else { member.relationship.name() },
            checked: choices.records.contains(&record.id),
            authorized: situation.authorizations.iter().any(|authorization| authorization.record_id == record.id),
            shared_access: (!member.is_custodian && member.access.is_some())
                .then(|| crate::sharing::member_access_text(member).to_lowercase()),
        })
        .collect();
    let status = if problem.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = ConsentPage {
        chrome: visit.chrome(state),
        application_id: situation.application.id.to_string(),
        application_name: situation.subject.display_name.clone(),
        application_description: situation.application.description.clone(),
        device_note: situation.subject.device_note.clone(),
        avenues,
        records,
        multiple: situation.request.is_multi_record(),
        reauthorization: situation.needs_reauthorization(state),
        problem,
        target: situation.request.target.as_str(),
        targetqs: situation.request.targetqs.clone(),
        trm: situation.request.token_redirection.as_str(),
    };
    Ok((status, render(&page)?).into_response())
}

/// What a rule lets the application do, one line per target set, in plain words.
pub(crate) fn describe_rule(rule: &AuthRule) -> Vec<String> {
    let verbs = permission_words(rule.permissions);
    let mut lines: Vec<String> =
        rule.target_sets.iter().map(|set| format!("{verbs}: {}", describe_targets(set))).collect();
    for exception in &rule.exception_sets {
        lines.push(format!("Except: {}", describe_targets(exception)));
    }
    lines
}

/// "Read, add, change and delete" for the permissions held.
fn permission_words(permissions: Permissions) -> String {
    let words: Vec<&str> = [
        (Permissions::READ, "read"),
        (Permissions::CREATE, "add"),
        (Permissions::UPDATE, "change"),
        (Permissions::DELETE, "delete"),
    ]
    .into_iter()
    .filter(|(permission, _)| permissions.contains(*permission))
    .map(|(_, word)| word)
    .collect();
    let sentence = match words.as_slice() {
        [] => "nothing".to_owned(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    };
    let mut characters = sentence.chars();
    characters.next().map(|first| first.to_uppercase().chain(characters).collect()).unwrap_or_default()
}

/// The types of a target set by name, and its date limits.
fn describe_targets(set: &TargetSet) -> String {
    let types = if set.type_ids.is_empty() {
        "every kind of information in the record".to_owned()
    } else {
        let mut names: Vec<String> = set
            .type_ids
            .iter()
            .map(|type_id| {
                thing_type::by_id(*type_id)
                    .map_or_else(|| format!("information of type {type_id}"), |thing_type| thing_type.name.to_owned())
            })
            .collect();
        names.sort();
        names.join(", ")
    };
    let dates: Vec<String> = set
        .date_ranges
        .iter()
        .map(|range| match (range.min, range.max) {
            (Some(min), Some(max)) => format!("from {} to {}", min.date(), max.date()),
            (Some(min), None) => format!("from {} on", min.date()),
            (None, Some(max)) => format!("up to {}", max.date()),
            (None, None) => "of any date".to_owned(),
        })
        .collect();
    if dates.is_empty() { types } else { format!("{types} (only items dated {})", dates.join(" or ")) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use haven_domain::thing_type::{HEIGHT, WEIGHT};

    #[test]
    fn permissions_read_as_words() {
        assert_eq!(permission_words(Permissions::ALL), "Read, add, change and delete");
        assert_eq!(permission_words(Permissions::READ), "Read");
        assert_eq!(permission_words(Permissions::READ.union(Permissions::CREATE)), "Read and add");
    }

    #[test]
    fn target_sets_name_their_types() {
        let set = TargetSet { type_ids: [WEIGHT, HEIGHT].into_iter().collect(), date_ranges: Vec::new() };
        assert_eq!(describe_targets(&set), "Height, Weight");
        assert_eq!(describe_targets(&TargetSet::default()), "every kind of information in the record");
    }
}
