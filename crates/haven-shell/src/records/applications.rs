//! The applications authorized on a record, what each may do in plain words, and revoking
//! them. Revoking sets `revoked_at` on every active authorization of the application on the
//! record (a custodian withdraws the application from the record, whoever authorized it);
//! from then on the Platform refuses the application's calls for the record, since it
//! checks `AppAuthorization::is_active_at`.
//!
//! The person's user tokens for the application are left as they are: the store offers no
//! way to find them by person and application (`SessionStore` looks them up by hash only).
//! They no longer open the record, because every call checks the authorization.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::header::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use haven_domain::auth_rules::{AuthRule, Permissions, RuleSet};
use haven_domain::authorization::AppAuthorization;
use haven_domain::ids::ApplicationId;
use haven_domain::record::Record;
use serde::Deserialize;

use super::summary::type_name;
use super::{moment_text, open_record, read_only_page, see_other, sign_in_first};
use crate::error::{ShellError, render};
use crate::visit::Visit;
use crate::{Chrome, ShellState};

/// What one avenue (online or offline) lets an application do.
#[derive(Debug)]
struct AvenueAccess {
    /// "While you use it (online)".
    heading: &'static str,
    /// One line per rule: "Read and add: Weight, Blood pressure".
    lines: Vec<String>,
}

/// One authorized application.
#[derive(Debug)]
struct ApplicationEntry {
    name: String,
    description: String,
    revoke_path: String,
    /// "Online and offline", "Online only", "Offline only".
    access: &'static str,
    avenues: Vec<AvenueAccess>,
    /// The people who authorized it, by name.
    authorized_by: String,
    /// The latest grant.
    granted: String,
}

/// The applications page.
#[derive(Template)]
#[template(path = "record_applications.html")]
struct ApplicationsPage<'a> {
    chrome: Chrome,
    record: &'a Record,
    record_path: String,
    can_revoke: bool,
    entries: Vec<ApplicationEntry>,
    notice: Option<String>,
}

/// The applications page's query: `revoked` names the application just revoked.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct ApplicationsQuery {
    #[serde(default)]
    revoked: Option<String>,
}

/// The verbs of a permission set: "Read, add, change and delete".
fn verbs(permissions: Permissions) -> String {
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
    let text = match words.as_slice() {
        [] => "nothing".to_owned(),
        [only] => (*only).to_owned(),
        [first @ .., last] => format!("{} and {last}", first.join(", ")),
    };
    let mut characters = text.chars();
    characters.next().map_or_else(String::new, |first| first.to_uppercase().chain(characters).collect())
}

/// A rule in plain words: "Read and add: Weight, Blood pressure".
fn rule_line(rule: &AuthRule) -> String {
    let every_type = rule.target_sets.iter().any(|set| set.type_ids.is_empty());
    let targets = if every_type {
        "everything in the record".to_owned()
    } else {
        let names: BTreeSet<String> =
            rule.target_sets.iter().flat_map(|set| set.type_ids.iter().copied()).map(type_name).collect();
        names.into_iter().collect::<Vec<_>>().join(", ")
    };
    let excepted: BTreeSet<String> =
        rule.exception_sets.iter().flat_map(|set| set.type_ids.iter().copied()).map(type_name).collect();
    let except = if excepted.is_empty() {
        String::new()
    } else {
        format!(", except {}", excepted.into_iter().collect::<Vec<_>>().join(", "))
    };
    let dated = rule.target_sets.iter().any(|set| !set.date_ranges.is_empty());
    let dates = if dated { " (only things within some dates)" } else { "" };
    format!("{}: {targets}{except}{dates}", verbs(rule.permissions))
}

/// The lines of every granted rule set of one avenue, without repeats.
fn avenue_lines<'a>(rule_sets: impl Iterator<Item = &'a RuleSet>) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for line in rule_sets.flat_map(|rules| rules.rules.iter()).map(rule_line) {
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    lines
}

/// Describes an application's active authorizations on the record.
async fn entry(
    state: &ShellState,
    record_path: &str,
    application_id: ApplicationId,
    authorizations: &[AppAuthorization],
) -> Result<ApplicationEntry, ShellError> {
    let application = state.store.application(application_id).await?;
    let (name, description) = application.map_or_else(
        || ("An application no longer registered".to_owned(), String::new()),
        |application| (application.name, application.description),
    );
    let online = authorizations.iter().any(|authorization| authorization.online.is_some());
    let offline = authorizations.iter().any(|authorization| authorization.offline.is_some());
    let access = match (online, offline) {
        (true, true) => "Online and offline",
        (false, true) => "Offline only",
        _ => "Online only",
    };
    let mut avenues = Vec::new();
    if online {
        avenues.push(AvenueAccess {
            heading: "While you use it (online)",
            lines: avenue_lines(authorizations.iter().filter_map(|authorization| authorization.online.as_ref())),
        });
    }
    if offline {
        avenues.push(AvenueAccess {
            heading: "On its own, when you are not there (offline)",
            lines: avenue_lines(authorizations.iter().filter_map(|authorization| authorization.offline.as_ref())),
        });
    }
    let mut people = Vec::new();
    for person_id in authorizations.iter().map(|authorization| authorization.person_id).collect::<BTreeSet<_>>() {
        let name = state
            .store
            .person(person_id)
            .await?
            .map_or_else(|| "someone who no longer has an account".to_owned(), |person| person.full_name());
        people.push(name);
    }
    let granted =
        authorizations.iter().map(|authorization| authorization.granted_at).max().map(moment_text).unwrap_or_default();
    Ok(ApplicationEntry {
        name,
        description,
        revoke_path: format!("{record_path}/applications/{application_id}/revoke"),
        access,
        avenues,
        authorized_by: people.join(", "),
        granted,
    })
}

/// GET /records/{record_id}/applications.
pub(crate) async fn applications_page(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    Path(record_id): Path<String>,
    Query(query): Query<ApplicationsQuery>,
) -> Result<Response, ShellError> {
    let Some(person) = &visit.person else {
        return Ok(sign_in_first(&format!("/records/{record_id}/applications")));
    };
    let open = open_record(&state, person, &record_id).await?;
    let record_path = open.path();
    let now = state.clock.now();
    let mut by_application: BTreeMap<ApplicationId, Vec<AppAuthorization>> = BTreeMap::new();
    for authorization in state.store.authorizations_for_record(open.record.id).await? {
        if authorization.is_active_at(now) {
            by_application.entry(authorization.application_id).or_default().push(authorization);
        }
    }
    let mut entries = Vec::with_capacity(by_application.len());
    for (application_id, authorizations) in &by_application {
        entries.push(entry(&state, &record_path, *application_id, authorizations).await?);
    }
    entries.sort_by_key(|entry| entry.name.to_lowercase());

    let notice = match query.revoked.as_deref().map(ApplicationId::parse) {
        Some(Ok(application_id)) => {
            let name = state.store.application(application_id).await?.map(|application| application.name);
            Some(format!("{} can no longer use this record.", name.as_deref().unwrap_or("The application")))
        }
        Some(Err(_)) | None => None,
    };
    let page = ApplicationsPage {
        chrome: visit.chrome(&state),
        record: &open.record,
        record_path,
        can_revoke: open.member.is_custodian,
        entries,
        notice,
    };
    Ok(render(&page)?.into_response())
}

/// What the revoke button sends.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct RevokeForm {
    csrf: String,
}

/// POST /records/{record_id}/applications/{application_id}/revoke: custodians only.
pub(crate) async fn revoke(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    Path((record_id, application_id)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<RevokeForm>,
) -> Result<Response, ShellError> {
    visit.check_form(&headers, &form.csrf)?;
    let person = visit.person()?;
    let open = open_record(&state, person, &record_id).await?;
    let application_id = ApplicationId::parse(&application_id).map_err(|_| ShellError::NotFound)?;
    if !open.member.is_custodian {
        return read_only_page(&state, &visit, &open);
    }
    let now = state.clock.now();
    let active: Vec<AppAuthorization> = state
        .store
        .authorizations_for_record(open.record.id)
        .await?
        .into_iter()
        .filter(|authorization| authorization.application_id == application_id && authorization.is_active_at(now))
        .collect();
    if active.is_empty() {
        // Nothing to withdraw (already revoked, or never authorized): the list says so.
        return Ok(see_other(&format!("{}/applications", open.path())));
    }
    for authorization in active {
        state.store.put_authorization(&AppAuthorization { revoked_at: Some(now), ..authorization }).await?;
    }
    tracing::info!(person = %person.id, record = %open.record.id, application = %application_id, "authorization revoked");
    Ok(see_other(&format!("{}/applications?revoked={application_id}", open.path())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use haven_domain::auth_rules::TargetSet;
    use haven_domain::thing_type::{BLOOD_PRESSURE, WEIGHT};

    fn rule(permissions: Permissions, target_sets: Vec<TargetSet>) -> AuthRule {
        AuthRule {
            name: "r".to_owned(),
            reason: String::new(),
            is_optional: false,
            is_incremental: false,
            display_flags: 0,
            permissions,
            target_sets,
            exception_sets: Vec::new(),
        }
    }

    #[test]
    fn rules_read_as_sentences() {
        assert_eq!(verbs(Permissions::ALL), "Read, add, change and delete");
        assert_eq!(verbs(Permissions::READ.union(Permissions::CREATE)), "Read and add");
        assert_eq!(verbs(Permissions::UPDATE), "Change");
        let types = TargetSet { type_ids: [WEIGHT, BLOOD_PRESSURE].into_iter().collect(), date_ranges: Vec::new() };
        assert_eq!(rule_line(&rule(Permissions::READ, vec![types])), "Read: Blood pressure, Weight");
        assert_eq!(
            rule_line(&rule(Permissions::ALL, vec![TargetSet::default()])),
            "Read, add, change and delete: everything in the record"
        );
    }
}
