//! A record's page (its things grouped by type, newest first) and a thing's page (its
//! current version and every version before it, with who wrote each).

use std::collections::BTreeMap;

use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use haven_domain::access_log::AccessKind;
use haven_domain::ids::{ApplicationId, PersonId, ThingId, ThingTypeId};
use haven_domain::record::{Record, Relationship};
use haven_domain::thing::{AccessAvenue, Audit, Thing, ThingFlags, ThingQuery, ThingState};
use haven_domain::thing_type::{BLOOD_PRESSURE, WEIGHT};
use serde::Deserialize;

use super::summary::{action_text, type_name, value_text};
use super::{OpenRecord, log_access, moment_text, open_record, sign_in_first, wall_clock_text};
use crate::error::{ShellError, render};
use crate::visit::Visit;
use crate::{Chrome, ShellState};

/// The most things the record page reads; beyond it, the newest are shown and the page
/// says so.
pub(crate) const MAX_THINGS_ON_RECORD_PAGE: u32 = 1000;

/// The most things of one type listed on the record page; the rest are one link away.
pub(crate) const THINGS_PER_TYPE_ON_RECORD_PAGE: usize = 20;

/// One thing in a list.
#[derive(Debug)]
struct ThingRow {
    path: String,
    date: String,
    value: String,
    personal: bool,
}

/// The things of one type.
#[derive(Debug)]
struct TypeGroup {
    name: String,
    count: usize,
    rows: Vec<ThingRow>,
    /// The page listing them all, when some are left out here.
    more_path: Option<String>,
}

/// A record's page.
#[derive(Template)]
#[template(path = "record_page.html")]
struct RecordPage<'a> {
    chrome: Chrome,
    record: &'a Record,
    path: String,
    relationship: &'static str,
    is_custodian: bool,
    can_add_weight: bool,
    can_add_blood_pressure: bool,
    /// Where a member who is not its custodian leaves the record.
    leave_path: String,
    groups: Vec<TypeGroup>,
    /// The type the page is narrowed to, if any.
    only_type: Option<String>,
    truncated: bool,
    notice: Option<&'static str>,
}

/// The record page's query: `type` narrows it to one type; `added` follows a new
/// measurement.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct RecordQuery {
    #[serde(default, rename = "type")]
    only_type: Option<String>,
    #[serde(default)]
    added: Option<String>,
}

/// One thing as a row: its date, and its value or type name.
fn thing_row(record_path: &str, thing: &Thing) -> ThingRow {
    ThingRow {
        path: format!("{record_path}/things/{}", thing.key.id),
        date: wall_clock_text(thing.eff_date),
        value: value_text(thing).unwrap_or_else(|| type_name(thing.type_id)),
        personal: thing.flags.contains(ThingFlags::PERSONAL),
    }
}

/// GET /records/{record_id}: the record's active things by type (types by name, things
/// newest first), Personal ones included.
pub(crate) async fn record_page(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    Path(record_id): Path<String>,
    Query(query): Query<RecordQuery>,
) -> Result<Response, ShellError> {
    let Some(person) = &visit.person else { return Ok(sign_in_first(&format!("/records/{record_id}"))) };
    let open = open_record(&state, person, &record_id).await?;
    let path = open.path();
    let only_type = match query.only_type.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
        Some(text) => Some(ThingTypeId::parse(text).map_err(|_| ShellError::NotFound)?),
        None => None,
    };
    let thing_query = ThingQuery {
        type_ids: only_type.into_iter().collect(),
        limit: Some(MAX_THINGS_ON_RECORD_PAGE),
        ..ThingQuery::default()
    };
    let things = state.store.query_things(open.record.id, &thing_query).await?;
    log_access(&state, &open, AccessKind::Read, "record page", things.iter().map(|thing| thing.type_id), things.len())
        .await;
    let truncated = things.len() >= MAX_THINGS_ON_RECORD_PAGE as usize;

    let mut by_type: BTreeMap<String, (ThingTypeId, Vec<&Thing>)> = BTreeMap::new();
    for thing in &things {
        by_type.entry(type_name(thing.type_id)).or_insert_with(|| (thing.type_id, Vec::new())).1.push(thing);
    }
    let shown_per_type = if only_type.is_some() { usize::MAX } else { THINGS_PER_TYPE_ON_RECORD_PAGE };
    let groups = by_type
        .into_iter()
        .map(|(name, (type_id, things))| TypeGroup {
            count: things.len(),
            rows: things.iter().take(shown_per_type).map(|thing| thing_row(&path, thing)).collect(),
            more_path: (things.len() > shown_per_type).then(|| format!("{path}?type={type_id}")),
            name,
        })
        .collect();
    let page = RecordPage {
        chrome: visit.chrome(&state),
        record: &open.record,
        relationship: if open.member.relationship == Relationship::SELF {
            "Your own record"
        } else {
            open.member.relationship.name()
        },
        is_custodian: open.member.is_custodian,
        can_add_weight: open.can_add(WEIGHT),
        can_add_blood_pressure: open.can_add(BLOOD_PRESSURE),
        leave_path: format!("{path}/sharing/members/{}/remove", open.person.id),
        groups,
        only_type: only_type.map(type_name),
        truncated,
        notice: query.added.is_some().then_some("Added to the record."),
        path,
    };
    Ok(render(&page)?.into_response())
}

// ---------------------------------------------------------------------------- thing

/// One version in a thing's history.
#[derive(Debug)]
struct VersionRow {
    when: String,
    who: String,
    action: &'static str,
    value: String,
}

/// A thing's page.
#[derive(Template)]
#[template(path = "record_thing.html")]
struct ThingPage<'a> {
    chrome: Chrome,
    record: &'a Record,
    record_path: String,
    type_name: String,
    value: Option<String>,
    date: String,
    deleted: bool,
    personal: bool,
    read_only: bool,
    note: Option<String>,
    source: Option<String>,
    created: String,
    updated: String,
    versions: Vec<VersionRow>,
}

/// Names of the people and applications that wrote versions, each looked up once.
#[derive(Debug, Default)]
struct Writers {
    people: BTreeMap<PersonId, String>,
    applications: BTreeMap<ApplicationId, String>,
}

impl Writers {
    /// Who wrote a version: the application's name (and whether it acted alone), or the
    /// person's name when they wrote it in the Shell.
    async fn describe(&mut self, state: &ShellState, audit: &Audit) -> Result<String, ShellError> {
        if let Some(application_id) = audit.application_id {
            let name = match self.applications.get(&application_id) {
                Some(name) => name.clone(),
                None => {
                    let name = state.store.application(application_id).await?.map_or_else(
                        || "An application no longer registered".to_owned(),
                        |application| application.name,
                    );
                    self.applications.insert(application_id, name.clone());
                    name
                }
            };
            return Ok(match audit.access_avenue {
                AccessAvenue::Online => name,
                AccessAvenue::Offline => format!("{name} (on its own, with offline access)"),
            });
        }
        let Some(person_id) = audit.person_id else { return Ok("Haven".to_owned()) };
        if let Some(name) = self.people.get(&person_id) {
            return Ok(name.clone());
        }
        let name = state
            .store
            .person(person_id)
            .await?
            .map_or_else(|| "Someone who no longer has an account".to_owned(), |person| person.full_name());
        self.people.insert(person_id, name.clone());
        Ok(name)
    }
}

/// GET /records/{record_id}/things/{thing_id}: the current version and the history.
pub(crate) async fn thing_page(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    Path((record_id, thing_id)): Path<(String, String)>,
) -> Result<Response, ShellError> {
    let Some(person) = &visit.person else {
        return Ok(sign_in_first(&format!("/records/{record_id}/things/{thing_id}")));
    };
    let open: OpenRecord = open_record(&state, person, &record_id).await?;
    let thing_id = ThingId::parse(&thing_id).map_err(|_| ShellError::NotFound)?;
    let thing = state.store.thing(open.record.id, thing_id).await?.ok_or(ShellError::NotFound)?;
    let history = state.store.thing_history(open.record.id, thing_id).await?;
    log_access(&state, &open, AccessKind::Read, "item page", [thing.type_id], 1).await;

    let mut writers = Writers::default();
    let mut versions = Vec::with_capacity(history.len());
    for version in &history {
        versions.push(VersionRow {
            when: moment_text(version.updated.timestamp),
            who: writers.describe(&state, &version.updated).await?,
            action: action_text(version.updated.action),
            value: value_text(version).unwrap_or_default(),
        });
    }
    let created_by = writers.describe(&state, &thing.created).await?;
    let updated_by = writers.describe(&state, &thing.updated).await?;
    let page = ThingPage {
        chrome: visit.chrome(&state),
        record: &open.record,
        record_path: open.path(),
        type_name: type_name(thing.type_id),
        value: value_text(&thing),
        date: wall_clock_text(thing.eff_date),
        deleted: thing.state == ThingState::Deleted,
        personal: thing.flags.contains(ThingFlags::PERSONAL),
        read_only: thing.flags.contains(ThingFlags::READ_ONLY),
        note: thing.common.note.clone().filter(|note| !note.trim().is_empty()),
        source: thing.common.source.clone().filter(|source| !source.trim().is_empty()),
        created: format!("{} by {created_by}", moment_text(thing.created.timestamp)),
        updated: format!("{} by {updated_by}", moment_text(thing.updated.timestamp)),
        versions,
    };
    Ok(render(&page)?.into_response())
}
