//! The record pages (issue 4): the signed-in person's records, creating a record for someone
//! they look after, a record's things and each thing's history, adding a weight or a blood
//! pressure by hand, and the applications authorized on a record, which a custodian can
//! revoke.
//!
//! Only people with access to a record (an active [`RecordMember`]) see it; to anyone else
//! it does not exist (404), so a guessed address reveals nothing. Only custodians add
//! things or revoke applications; other members see the same pages read-only. The Shell
//! shows the person every thing, Personal ones included: they are the person's own.

mod applications;
pub(crate) mod create;
pub(crate) mod measurements;
mod summary;
mod view;

use askama::Template;
use axum::Router;
use axum::http::header::LOCATION;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use haven_domain::access_log::{AccessKind, Accessor, RecordAccess, RecordAccessId};
use haven_domain::auth_rules::Permissions;
use haven_domain::ids::{PersonId, RecordId, ThingTypeId};
use haven_domain::person::Person;
use haven_domain::record::{Record, RecordMember, RecordState};
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::accounts::sign_in_then;
use crate::error::{ShellError, render};
use crate::visit::Visit;
use crate::{Chrome, ShellState};

/// The record pages' routes, merged into the Shell's pages.
pub(crate) fn routes() -> Router<ShellState> {
    Router::new()
        .route("/records", get(create::list))
        .route("/records/new", get(create::new_record_form).post(create::create_record))
        .route("/records/{record_id}", get(view::record_page))
        .route("/records/{record_id}/things/{thing_id}", get(view::thing_page))
        .route("/records/{record_id}/weight", get(measurements::weight_form).post(measurements::add_weight))
        .route(
            "/records/{record_id}/blood-pressure",
            get(measurements::blood_pressure_form).post(measurements::add_blood_pressure),
        )
        .route("/records/{record_id}/applications", get(applications::applications_page))
        .route("/records/{record_id}/applications/{application_id}/revoke", post(applications::revoke))
}

/// A record as one of its members sees it.
#[derive(Debug, Clone)]
pub(crate) struct OpenRecord {
    /// The signed-in person.
    pub(crate) person: Person,
    /// The record.
    pub(crate) record: Record,
    /// The person's access to it, active now.
    pub(crate) member: RecordMember,
}

impl OpenRecord {
    /// Whether the person looks after the record: shares it, sees its history. Custodians only.
    pub(crate) fn can_manage(&self) -> bool {
        self.member.is_custodian
    }

    /// Whether the person may add things of `type_id`: custodians, and people it is shared with
    /// whose access allows it, while the record is writable.
    pub(crate) fn can_add(&self, type_id: ThingTypeId) -> bool {
        self.record.state == RecordState::Active && self.member.may(Permissions::CREATE, type_id)
    }

    /// The record's page.
    pub(crate) fn path(&self) -> String {
        format!("/records/{}", self.record.id)
    }
}

/// Opens the record named in a path for `person`: [`ShellError::NotFound`] when the id is
/// not a record id, the record does not exist or is deleted, or the person has no active
/// access to it. All three look the same, so nobody learns which records exist.
pub(crate) async fn open_record(
    state: &ShellState,
    person: &Person,
    record_id_text: &str,
) -> Result<OpenRecord, ShellError> {
    let record_id = RecordId::parse(record_id_text).map_err(|_| ShellError::NotFound)?;
    let now = state.clock.now();
    let member = state
        .store
        .record_member(record_id, person.id)
        .await?
        .filter(|member| member.is_active_at(now))
        .ok_or(ShellError::NotFound)?;
    let record = state
        .store
        .record(record_id)
        .await?
        .filter(|record| record.state != RecordState::Deleted)
        .ok_or(ShellError::NotFound)?;
    Ok(OpenRecord { person: person.clone(), record, member })
}

/// Records in the record's access history that the person read or changed it in the Shell
/// (`operation` names the page, such as "record page"), with the kinds and number of things.
/// The entry goes to the state's `AccessLogWriter` (written in a batch off the request path);
/// a failure to write it is the writer's warning, not the request's failure.
pub(crate) async fn log_access(
    state: &ShellState,
    open: &OpenRecord,
    kind: AccessKind,
    operation: &str,
    type_ids: impl IntoIterator<Item = ThingTypeId>,
    thing_count: usize,
) {
    log_person_access(state, open.record.id, open.person.id, kind, operation, type_ids, thing_count).await;
}

/// [`log_access`] for a record and person the caller has checked another way.
pub(crate) async fn log_person_access(
    state: &ShellState,
    record_id: RecordId,
    person_id: PersonId,
    kind: AccessKind,
    operation: &str,
    type_ids: impl IntoIterator<Item = ThingTypeId>,
    thing_count: usize,
) {
    let entry = RecordAccess::new(
        RecordAccessId::from_uuid(uuid::Uuid::new_v4()),
        record_id,
        state.clock.now(),
        Accessor::Person(person_id),
        kind,
        operation,
    )
    .with_things(type_ids, u32::try_from(thing_count).unwrap_or(u32::MAX));
    state.access_log.log(entry).await;
}

/// A 303 to `location`, a path on this Shell.
pub(crate) fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

/// The answer to a signed-out visitor of `here`: the sign-in page, coming back afterwards.
pub(crate) fn sign_in_first(here: &str) -> Response {
    see_other(&sign_in_then(here))
}

/// The page telling a member why they cannot change the record.
#[derive(Template)]
#[template(path = "record_read_only.html")]
struct ReadOnlyPage<'a> {
    chrome: Chrome,
    record: &'a Record,
    reason: &'static str,
}

/// The page a member who may not change the record sees instead of a form (403).
pub(crate) fn read_only_page(state: &ShellState, visit: &Visit, open: &OpenRecord) -> Result<Response, ShellError> {
    let reason = if open.record.state != RecordState::Active {
        "This record cannot be changed at the moment."
    } else if open.member.is_custodian {
        "Your access does not allow this."
    } else if open.member.access.is_some() {
        "It was shared with you, and your access does not allow this: only its custodians can share it, see its \
         history or change which applications may use it, and you may add only what they allowed."
    } else {
        "Only the record's custodians can do this."
    };
    let page = ReadOnlyPage { chrome: visit.chrome(state), record: &open.record, reason };
    Ok((StatusCode::FORBIDDEN, render(&page)?).into_response())
}

/// A moment in UTC for people: "22 November 2026, 09:00 UTC".
pub(crate) fn moment_text(moment: OffsetDateTime) -> String {
    let utc = moment.to_offset(time::UtcOffset::UTC);
    let description = format_description!("[day padding:none] [month repr:long] [year], [hour]:[minute] UTC");
    utc.format(description).unwrap_or_else(|_| utc.to_string())
}

/// A wall-clock date and time as written in a thing: "22 November 2026, 09:00", or the date
/// alone at midnight (types that carry only a date).
pub(crate) fn wall_clock_text(moment: PrimitiveDateTime) -> String {
    let formatted = if moment.time() == time::Time::MIDNIGHT {
        moment.format(format_description!("[day padding:none] [month repr:long] [year]"))
    } else {
        moment.format(format_description!("[day padding:none] [month repr:long] [year], [hour]:[minute]"))
    };
    formatted.unwrap_or_else(|_| moment.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn moments_read_as_words() {
        assert_eq!(moment_text(datetime!(2026-11-22 09:05 +02:00)), "22 November 2026, 07:05 UTC");
        assert_eq!(wall_clock_text(datetime!(2026-03-04 7:30)), "4 March 2026, 07:30");
        assert_eq!(wall_clock_text(datetime!(2026-03-04 0:00)), "4 March 2026");
    }
}
