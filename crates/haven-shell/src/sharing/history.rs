//! The record's access history: every read and write, by a person in the Shell or by an
//! application (for a person online, or offline), newest first, a page at a time. Custodians
//! only: it shows who else uses the record.

use std::collections::BTreeMap;

use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use haven_domain::access_log::{AccessKind, RecordAccess};
use haven_domain::ids::{ApplicationId, PersonId};
use haven_domain::record::Record;
use haven_domain::thing::AccessAvenue;
use haven_domain::thing_type;
use serde::Deserialize;
use time::OffsetDateTime;

use crate::error::{ShellError, render};
use crate::records::{moment_text, open_record, read_only_page, sign_in_first};
use crate::visit::Visit;
use crate::{Chrome, ShellState};

/// Entries on one page.
const PAGE_SIZE: u32 = 50;

/// One access as the page shows it.
#[derive(Debug)]
struct HistoryRow {
    when: String,
    who: String,
    how: &'static str,
    what: String,
}

#[derive(Template)]
#[template(path = "record_history.html")]
struct HistoryPage<'a> {
    chrome: Chrome,
    record: &'a Record,
    record_path: String,
    rows: Vec<HistoryRow>,
    older_path: Option<String>,
}

/// The page's query: entries before this moment (microseconds since the epoch).
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct HistoryQuery {
    before: Option<i64>,
}

/// `GET /records/{id}/history`.
pub(crate) async fn page(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    Path(record_id): Path<String>,
    Query(query): Query<HistoryQuery>,
) -> Result<Response, ShellError> {
    let Some(person) = &visit.person else { return Ok(sign_in_first(&format!("/records/{record_id}/history"))) };
    let open = open_record(&state, person, &record_id).await?;
    if !open.can_manage() {
        return read_only_page(&state, &visit, &open);
    }
    let before =
        query.before.and_then(|micros| OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000).ok());
    let accesses = state.store.record_accesses(open.record.id, before, PAGE_SIZE).await?;
    let mut people: BTreeMap<PersonId, String> = BTreeMap::new();
    let mut applications: BTreeMap<ApplicationId, String> = BTreeMap::new();
    let mut rows = Vec::with_capacity(accesses.len());
    for access in &accesses {
        let person_name = match access.person_id {
            Some(person_id) => Some(match people.get(&person_id) {
                Some(name) => name.clone(),
                None => {
                    let name = state
                        .store
                        .person(person_id)
                        .await?
                        .map_or_else(|| "a person no longer here".to_owned(), |person| person.full_name());
                    people.insert(person_id, name.clone());
                    name
                }
            }),
            None => None,
        };
        let application_name = match access.application_id {
            Some(application_id) => Some(match applications.get(&application_id) {
                Some(name) => name.clone(),
                None => {
                    let name = state.store.application(application_id).await?.map_or_else(
                        || "an application no longer registered".to_owned(),
                        |application| application.name,
                    );
                    applications.insert(application_id, name.clone());
                    name
                }
            }),
            None => None,
        };
        rows.push(HistoryRow {
            when: moment_text(access.at),
            who: who_text(access, person_name, application_name),
            how: how_text(access),
            what: what_text(access),
        });
    }
    // A page may hold more than PAGE_SIZE entries: the store never splits one instant.
    let older_path = (accesses.len() >= PAGE_SIZE as usize)
        .then(|| accesses.last())
        .flatten()
        .map(|oldest| format!("{}/history?before={}", open.path(), oldest.at.unix_timestamp_nanos() / 1000));
    let page =
        HistoryPage { chrome: visit.chrome(&state), record: &open.record, record_path: open.path(), rows, older_path };
    Ok(render(&page)?.into_response())
}

fn who_text(access: &RecordAccess, person: Option<String>, application: Option<String>) -> String {
    match (application, person) {
        (Some(application), Some(person)) if access.avenue == AccessAvenue::Offline => {
            format!("{application} (offline, authorized by {person})")
        }
        (Some(application), Some(person)) => format!("{application}, used by {person}"),
        (Some(application), None) => application,
        (None, Some(person)) => person,
        (None, None) => "unknown".to_owned(),
    }
}

fn how_text(access: &RecordAccess) -> &'static str {
    match access.kind {
        AccessKind::Read => "Read",
        AccessKind::Write => "Changed",
    }
}

fn what_text(access: &RecordAccess) -> String {
    let names: Vec<&str> = access
        .type_ids
        .iter()
        .map(|type_id| thing_type::by_id(*type_id).map_or("other information", |thing_type| thing_type.name))
        .collect();
    let items = if access.thing_count == 1 { "1 item".to_owned() } else { format!("{} items", access.thing_count) };
    if names.is_empty() {
        format!("{} ({items})", access.operation)
    } else {
        format!("{} ({items}: {})", access.operation, names.join(", "))
    }
}
