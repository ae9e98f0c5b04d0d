//! The list of the person's records, and creating another record that they look after (a
//! child's, a parent's...). A new record's date of birth, when given, is kept as its
//! Personal demographic information thing, where HealthVault kept it.

use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use haven_domain::ids::{RecordId, ThingId, VersionStamp};
use haven_domain::person::Person;
use haven_domain::record::{DEFAULT_RECORD_QUOTA_BYTES, Record, RecordMember, RecordState, Relationship};
use haven_domain::thing::{AccessAvenue, Audit, AuditAction, CommonData, Thing, ThingDraft, ThingFlags, ThingKey};
use haven_domain::thing_type::PERSONAL_DEMOGRAPHIC;
use haven_store::ThingChange;
use serde::Deserialize;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

use super::{see_other, sign_in_first};
use crate::error::{ShellError, render};
use crate::form::{FieldErrors, local_path};
use crate::visit::Visit;
use crate::{Chrome, ShellState};

/// Longest record name accepted, in characters.
pub(crate) const MAX_RECORD_NAME_CHARS: usize = 100;

/// The earliest year of birth accepted for a new record.
const EARLIEST_BIRTH_YEAR: i32 = 1900;

/// The relationships a person can choose for a record they create, in the order offered:
/// every known value of the HealthVault vocabulary but Self (the person's own record
/// already exists).
pub(crate) const CHOOSABLE_RELATIONSHIPS: [Relationship; 11] = [
    Relationship::CHILD,
    Relationship(14),
    Relationship(15),
    Relationship::PARENT,
    Relationship::SPOUSE,
    Relationship(11),
    Relationship(10),
    Relationship::GUARDIAN,
    Relationship::PATIENT,
    Relationship(13),
    Relationship::OTHER,
];

// ---------------------------------------------------------------------------- list

/// One row of the records list.
#[derive(Debug)]
struct RecordRow {
    path: String,
    name: String,
    relationship: &'static str,
    is_custodian: bool,
}

/// The records list.
#[derive(Template)]
#[template(path = "records.html")]
struct RecordsPage {
    chrome: Chrome,
    rows: Vec<RecordRow>,
}

/// How the person relates to the record, for people: "You" for their own record.
pub(crate) fn relationship_text(relationship: Relationship) -> &'static str {
    if relationship == Relationship::SELF { "You" } else { relationship.name() }
}

/// GET /records: the records the person can open, their own first.
pub(crate) async fn list(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
) -> Result<Response, ShellError> {
    let Some(person) = &visit.person else { return Ok(sign_in_first("/records")) };
    let now = state.clock.now();
    let rows = state
        .store
        .records_for_person(person.id)
        .await?
        .into_iter()
        .filter(|(record, member)| member.is_active_at(now) && record.state != RecordState::Deleted)
        .map(|(record, member)| RecordRow {
            path: format!("/records/{}", record.id),
            name: record.display_name,
            relationship: relationship_text(member.relationship),
            is_custodian: member.is_custodian,
        })
        .collect();
    Ok(render(&RecordsPage { chrome: visit.chrome(&state), rows })?.into_response())
}

// ---------------------------------------------------------------------------- new record

/// What the new-record form sends; every field a string so any submission can be answered
/// with the form and its messages.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct NewRecordForm {
    csrf: String,
    display_name: String,
    relationship: String,
    birth_date: String,
    /// Where to go afterwards (a path on this Shell; CREATERECORD comes back to the redirect
    /// interface this way); the new record's page when empty.
    next: String,
}

/// The query of `GET /records/new`.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct NewRecordQuery {
    #[serde(default)]
    next: String,
}

/// A relationship in the picker.
#[derive(Debug)]
struct RelationshipOption {
    code: String,
    name: &'static str,
}

/// The new-record form, with its messages.
#[derive(Template)]
#[template(path = "record_new.html")]
struct NewRecordPage<'a> {
    chrome: Chrome,
    form: &'a NewRecordForm,
    errors: FieldErrors,
    relationships: Vec<RelationshipOption>,
}

/// Renders the new-record form: 200 when fresh, 422 with messages.
fn new_record_page(
    state: &ShellState,
    visit: &Visit,
    form: &NewRecordForm,
    errors: FieldErrors,
) -> Result<Response, ShellError> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let relationships = CHOOSABLE_RELATIONSHIPS
        .iter()
        .map(|relationship| RelationshipOption { code: relationship.0.to_string(), name: relationship.name() })
        .collect();
    let page = NewRecordPage { chrome: visit.chrome(state), form, errors, relationships };
    Ok((status, render(&page)?).into_response())
}

/// GET /records/new.
pub(crate) async fn new_record_form(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    Query(query): Query<NewRecordQuery>,
) -> Result<Response, ShellError> {
    if visit.person.is_none() {
        let here = if query.next.is_empty() {
            "/records/new".to_owned()
        } else {
            format!(
                "/records/new?next={}",
                url::form_urlencoded::byte_serialize(query.next.as_bytes()).collect::<String>()
            )
        };
        return Ok(sign_in_first(&here));
    }
    let form = NewRecordForm { next: query.next, ..NewRecordForm::default() };
    new_record_page(&state, &visit, &form, FieldErrors::default())
}

/// POST /records/new: creates the record with the person as its custodian, then its date
/// of birth, and goes to it.
pub(crate) async fn create_record(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    headers: HeaderMap,
    Form(form): Form<NewRecordForm>,
) -> Result<Response, ShellError> {
    visit.check_form(&headers, &form.csrf)?;
    let person = visit.person()?;
    let now = state.clock.now();
    let mut errors = FieldErrors::default();

    let display_name = form.display_name.trim();
    if display_name.is_empty() {
        errors.add("display_name", "Enter the name of the person the record is about.");
    } else if display_name.chars().count() > MAX_RECORD_NAME_CHARS {
        errors.add("display_name", format!("Use at most {MAX_RECORD_NAME_CHARS} characters for the name."));
    }
    let relationship = form
        .relationship
        .trim()
        .parse::<i32>()
        .ok()
        .map(Relationship)
        .filter(|relationship| CHOOSABLE_RELATIONSHIPS.contains(relationship));
    if relationship.is_none() {
        errors.add("relationship", "Choose who the person is to you.");
    }
    let birth_date = parse_birth_date(&form.birth_date, now, &mut errors);

    let (Some(relationship), Ok(birth_date), true) = (relationship, birth_date, errors.is_empty()) else {
        return new_record_page(&state, &visit, &form, errors);
    };
    let record = Record {
        id: RecordId::from_uuid(uuid::Uuid::new_v4()),
        display_name: display_name.to_owned(),
        state: RecordState::Active,
        max_size_bytes: DEFAULT_RECORD_QUOTA_BYTES,
        size_bytes: 0,
        location_country: Some(person.country),
        created_at: now,
        latest_operation_sequence: 0,
    };
    let custodian = RecordMember {
        record_id: record.id,
        person_id: person.id,
        is_custodian: true,
        relationship,
        granted_at: now,
        expires_at: None,
        access: None,
    };
    // The date of birth is built (and validated) before anything is written, so only a
    // storage failure can leave the record without it.
    let birth_thing = birth_date.map(|date| personal_demographic(&record, person, date, now)).transpose()?;
    state.store.create_record(&record, &custodian).await?;
    if let Some(thing) = birth_thing {
        state.store.write_things(record.id, &[ThingChange::Create(thing)]).await?;
    }
    tracing::info!(person = %person.id, record = %record.id, "record created");
    Ok(see_other(&local_path(&form.next, &format!("/records/{}", record.id))))
}

/// Reads the optional date of birth: `Ok(None)` when left empty, `Err(())` (with the message
/// added) when it cannot be a date of birth.
fn parse_birth_date(text: &str, now: OffsetDateTime, errors: &mut FieldErrors) -> Result<Option<Date>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let Ok(date) = Date::parse(text, format_description!("[year]-[month]-[day]")) else {
        errors
            .add("birth_date", "Enter the date of birth as year-month-day, for example 2019-06-02, or leave it empty.");
        return Err(());
    };
    if date > now.date() {
        errors.add("birth_date", "A date of birth cannot be in the future.");
        return Err(());
    }
    if date.year() < EARLIEST_BIRTH_YEAR {
        errors.add("birth_date", format!("Enter a date of birth in {EARLIEST_BIRTH_YEAR} or later."));
        return Err(());
    }
    Ok(Some(date))
}

/// The record's Personal demographic information with its date of birth (`personal.xsd`:
/// `birthdate` is a `date-time`, here a date alone).
fn personal_demographic(
    record: &Record,
    person: &Person,
    birth_date: Date,
    now: OffsetDateTime,
) -> Result<Thing, ShellError> {
    let data_xml = format!(
        "<personal><birthdate><date><y>{}</y><m>{}</m><d>{}</d></date></birthdate></personal>",
        birth_date.year(),
        u8::from(birth_date.month()),
        birth_date.day()
    );
    let draft = ThingDraft {
        type_id: PERSONAL_DEMOGRAPHIC,
        flags: ThingFlags::default(),
        data_xml,
        common: CommonData::default(),
        blobs: Vec::new(),
        updated_end_date: None,
    };
    let key = ThingKey {
        id: ThingId::from_uuid(uuid::Uuid::new_v4()),
        version: VersionStamp::from_uuid(uuid::Uuid::new_v4()),
    };
    Thing::create(record.id, key, draft, shell_audit(person, now))
        .map_err(|error| ShellError::Internal(format!("the Shell built invalid personal information: {error}")))
}

/// The audit of a write a person makes in the Shell: no application, online.
pub(crate) fn shell_audit(person: &Person, now: OffsetDateTime) -> Audit {
    Audit {
        timestamp: now,
        application_id: None,
        person_id: Some(person.id),
        access_avenue: AccessAvenue::Online,
        action: AuditAction::Created,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn every_choosable_relationship_has_its_own_name() {
        let mut names: Vec<&str> = CHOOSABLE_RELATIONSHIPS.iter().map(|relationship| relationship.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CHOOSABLE_RELATIONSHIPS.len(), "{names:?}");
        assert!(!CHOOSABLE_RELATIONSHIPS.contains(&Relationship::SELF));
    }

    #[test]
    fn birth_dates_are_optional_but_plausible() {
        let now = datetime!(2026-11-22 09:00 UTC);
        let mut errors = FieldErrors::default();
        assert_eq!(parse_birth_date("  ", now, &mut errors), Ok(None));
        assert_eq!(parse_birth_date("2019-06-02", now, &mut errors), Ok(Some(date!(2019 - 06 - 02))));
        assert!(errors.is_empty());
        for bad in ["2019-02-30", "yesterday", "2027-01-01", "1850-01-01"] {
            let mut errors = FieldErrors::default();
            assert_eq!(parse_birth_date(bad, now, &mut errors), Err(()), "{bad}");
            assert!(errors.get("birth_date").is_some(), "{bad}");
        }
    }
}
