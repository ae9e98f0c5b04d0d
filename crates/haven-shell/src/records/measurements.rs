//! Adding a measurement by hand: a weight (in kilograms or pounds) or a blood pressure
//! (systolic, diastolic, optional pulse), at a date and time that defaults to now. Values
//! outside what a human body can show are refused with a message next to the field, and the
//! typed values stay. The thing is built as the Platform builds a PutThings thing (validated
//! for its type by [`Thing::create`]) and written through `ThingStore::write_things`, so the
//! record's operation log and the thing's history are kept as for any other write.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use haven_domain::access_log::AccessKind;
use haven_domain::ids::{ThingId, ThingTypeId, VersionStamp};
use haven_domain::record::Record;
use haven_domain::thing::{CommonData, Thing, ThingDraft, ThingFlags, ThingKey};
use haven_domain::thing_type::{BLOOD_PRESSURE, WEIGHT};
use haven_store::{StoreError, ThingChange};
use serde::Deserialize;
use time::macros::format_description;
use time::{Duration, OffsetDateTime, PrimitiveDateTime};

use super::create::shell_audit;
use super::summary::number_text;
use super::{OpenRecord, log_access, open_record, read_only_page, see_other, sign_in_first};
use crate::error::{ShellError, render};
use crate::form::FieldErrors;
use crate::visit::Visit;
use crate::{Chrome, ShellState};

/// Kilograms in a pound (exact, by definition).
const KILOGRAMS_PER_POUND: f64 = 0.453_592_37;

/// The lightest weight accepted, in kilograms (below the smallest surviving newborns).
pub(crate) const MIN_WEIGHT_KG: f64 = 0.2;

/// The heaviest weight accepted, in kilograms (above the heaviest person recorded).
pub(crate) const MAX_WEIGHT_KG: f64 = 650.0;

/// Systolic pressures accepted, in mmHg.
pub(crate) const SYSTOLIC_RANGE: (u32, u32) = (40, 300);

/// Diastolic pressures accepted, in mmHg.
pub(crate) const DIASTOLIC_RANGE: (u32, u32) = (20, 200);

/// Pulses accepted, in beats per minute.
pub(crate) const PULSE_RANGE: (u32, u32) = (20, 300);

/// How far past the server's UTC time a measurement may be dated. The date and time are the
/// person's wall-clock time, which can be ahead of UTC by up to 14 hours (UTC+14).
const LOCAL_TIME_AHEAD_OF_UTC: Duration = Duration::hours(14);

/// The earliest year a measurement may be dated.
const EARLIEST_YEAR: i32 = 1900;

/// The form's date-time field format (`datetime-local`), which is also how it is shown.
const WHEN_FORMAT: &[time::format_description::FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]");

// ---------------------------------------------------------------------------- shared

/// Reads a number as people type it: surrounding spaces, and a decimal comma, are fine.
fn parse_number(text: &str) -> Option<f64> {
    text.trim().replace(',', ".").parse::<f64>().ok().filter(|value| value.is_finite())
}

/// Reads a whole number.
fn parse_whole(text: &str) -> Option<u32> {
    text.trim().parse::<u32>().ok()
}

/// The measurement's date and time as the person entered it (wall-clock time), from the
/// `datetime-local` field or the same with a space or seconds.
fn parse_when(text: &str, now: OffsetDateTime, errors: &mut FieldErrors) -> Option<PrimitiveDateTime> {
    let text = text.trim();
    let formats: [&[time::format_description::FormatItem<'static>]; 4] = [
        WHEN_FORMAT,
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
        format_description!("[year]-[month]-[day] [hour]:[minute]"),
        format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"),
    ];
    let Some(when) = formats.iter().find_map(|format| PrimitiveDateTime::parse(text, format).ok()) else {
        errors
            .add("when", "Enter the date and time as year-month-day and hours:minutes, for example 2026-11-22T08:30.");
        return None;
    };
    let now_utc = now.to_offset(time::UtcOffset::UTC);
    let latest = PrimitiveDateTime::new(now_utc.date(), now_utc.time()) + LOCAL_TIME_AHEAD_OF_UTC;
    if when > latest {
        errors.add("when", "The date and time cannot be in the future.");
        return None;
    }
    if when.year() < EARLIEST_YEAR {
        errors.add("when", format!("Enter a date in {EARLIEST_YEAR} or later."));
        return None;
    }
    Some(when)
}

/// The default for the date-time field: now, in UTC (the Shell does not know the
/// person's time zone; they can correct it).
fn now_text(now: OffsetDateTime) -> String {
    let now_utc = now.to_offset(time::UtcOffset::UTC);
    now_utc.format(WHEN_FORMAT).unwrap_or_default()
}

/// A HealthVault `date-time` (`<when>`) for a wall-clock moment.
fn when_xml(when: PrimitiveDateTime) -> String {
    format!(
        "<when><date><y>{}</y><m>{}</m><d>{}</d></date><time><h>{}</h><m>{}</m><s>{}</s></time></when>",
        when.year(),
        u8::from(when.month()),
        when.day(),
        when.hour(),
        when.minute(),
        when.second()
    )
}

/// Opens the record for a measurement form, or answers for it: sign-in for a visitor, the
/// read-only page for a member who may not add to it.
async fn open_for_adding(
    state: &ShellState,
    visit: &Visit,
    record_id: &str,
    here: &str,
    type_id: ThingTypeId,
) -> Result<Result<OpenRecord, Response>, ShellError> {
    let Some(person) = &visit.person else { return Ok(Err(sign_in_first(here))) };
    let open = open_record(state, person, record_id).await?;
    if !open.can_add(type_id) {
        return Ok(Err(read_only_page(state, visit, &open)?));
    }
    Ok(Ok(open))
}

/// What the store said about a write of new things.
pub(crate) enum Written {
    /// They were written, with these ids, in order.
    Done(Vec<ThingId>),
    /// The record is full; the person should hear why.
    Full,
    /// The record cannot be written (read-only, suspended).
    NotWritable,
}

/// Writes one new thing of `type_id` to the record, as the person, now.
async fn write_new_thing(
    state: &ShellState,
    open: &OpenRecord,
    type_id: ThingTypeId,
    data_xml: String,
) -> Result<Written, ShellError> {
    write_new_things(state, open, vec![new_draft(type_id, data_xml)]).await
}

/// A draft of a new thing with no flags, common data or blobs.
pub(crate) fn new_draft(type_id: ThingTypeId, data_xml: String) -> ThingDraft {
    ThingDraft {
        type_id,
        flags: ThingFlags::default(),
        data_xml,
        common: CommonData::default(),
        blobs: Vec::new(),
        updated_end_date: None,
    }
}

/// Writes new things to the record in one transaction, as the person, now. A draft that is
/// not valid for its type is the Shell's own mistake ([`ShellError::Internal`]).
pub(crate) async fn write_new_things(
    state: &ShellState,
    open: &OpenRecord,
    drafts: Vec<ThingDraft>,
) -> Result<Written, ShellError> {
    let now = state.clock.now();
    let mut changes = Vec::with_capacity(drafts.len());
    for draft in drafts {
        let key = ThingKey {
            id: ThingId::from_uuid(uuid::Uuid::new_v4()),
            version: VersionStamp::from_uuid(uuid::Uuid::new_v4()),
        };
        let thing = Thing::create(open.record.id, key, draft, shell_audit(&open.person, now))
            .map_err(|error| ShellError::Internal(format!("the Shell built invalid thing data: {error}")))?;
        changes.push(ThingChange::Create(thing));
    }
    match state.store.write_things(open.record.id, &changes).await {
        Ok(keys) => {
            tracing::info!(person = %open.person.id, record = %open.record.id, things = keys.len(), "things added");
            let types = changes.iter().map(|change| change.thing().type_id);
            log_access(state, open, AccessKind::Write, "added in Haven", types, keys.len()).await;
            Ok(Written::Done(keys.into_iter().map(|key| key.id).collect()))
        }
        Err(StoreError::QuotaExceeded { .. }) => Ok(Written::Full),
        Err(StoreError::RecordNotWritable { .. }) => Ok(Written::NotWritable),
        Err(error) => Err(error.into()),
    }
}

/// The message when a record is full.
pub(crate) const RECORD_FULL: &str = "This record has reached its size limit, so nothing more can be added to it.";

/// Where to go after adding to the record.
fn after_adding(open: &OpenRecord) -> Response {
    see_other(&format!("{}?added=1", open.path()))
}

// ---------------------------------------------------------------------------- weight

/// What the weight form sends.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct WeightForm {
    csrf: String,
    value: String,
    unit: String,
    when: String,
}

/// The weight form, with its messages.
#[derive(Template)]
#[template(path = "record_weight.html")]
struct WeightPage<'a> {
    chrome: Chrome,
    record: &'a Record,
    record_path: String,
    form: &'a WeightForm,
    errors: FieldErrors,
    problem: Option<&'static str>,
}

/// Renders the weight form: 200 when fresh, 422 with messages or a problem.
fn weight_page(
    state: &ShellState,
    visit: &Visit,
    open: &OpenRecord,
    form: &WeightForm,
    errors: FieldErrors,
    problem: Option<&'static str>,
) -> Result<Response, ShellError> {
    let status = if errors.is_empty() && problem.is_none() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = WeightPage {
        chrome: visit.chrome(state),
        record: &open.record,
        record_path: open.path(),
        form,
        errors,
        problem,
    };
    Ok((status, render(&page)?).into_response())
}

/// GET /records/{record_id}/weight.
pub(crate) async fn weight_form(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    Path(record_id): Path<String>,
) -> Result<Response, ShellError> {
    let open =
        match open_for_adding(&state, &visit, &record_id, &format!("/records/{record_id}/weight"), WEIGHT).await? {
            Ok(open) => open,
            Err(response) => return Ok(response),
        };
    let form = WeightForm { unit: "kg".to_owned(), when: now_text(state.clock.now()), ..WeightForm::default() };
    weight_page(&state, &visit, &open, &form, FieldErrors::default(), None)
}

/// A weight's value in kilograms and as entered, checked against the plausible range.
fn check_weight(form: &WeightForm, errors: &mut FieldErrors) -> Option<(f64, f64, &'static str)> {
    let unit = match form.unit.trim() {
        "kg" => "kg",
        "lb" => "lb",
        _ => {
            errors.add("unit", "Choose kilograms or pounds.");
            return None;
        }
    };
    let Some(entered) = parse_number(&form.value) else {
        let example = if unit == "lb" { "160" } else { "72.5" };
        errors.add("value", format!("Enter the weight as a number, for example {example}."));
        return None;
    };
    let kilograms = if unit == "lb" { entered * KILOGRAMS_PER_POUND } else { entered };
    if !(MIN_WEIGHT_KG..=MAX_WEIGHT_KG).contains(&kilograms) {
        let message = if unit == "lb" {
            let (lowest, highest) = (MIN_WEIGHT_KG / KILOGRAMS_PER_POUND, MAX_WEIGHT_KG / KILOGRAMS_PER_POUND);
            format!("A weight must be between {} and {} lb.", number_text(lowest, 1), number_text(highest, 0))
        } else {
            format!("A weight must be between {MIN_WEIGHT_KG} and {MAX_WEIGHT_KG} kg.")
        };
        errors.add("value", message);
        return None;
    }
    Some((kilograms, entered, unit))
}

/// POST /records/{record_id}/weight.
pub(crate) async fn add_weight(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    Path(record_id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<WeightForm>,
) -> Result<Response, ShellError> {
    visit.check_form(&headers, &form.csrf)?;
    visit.person()?;
    let open =
        match open_for_adding(&state, &visit, &record_id, &format!("/records/{record_id}/weight"), WEIGHT).await? {
            Ok(open) => open,
            Err(response) => return Ok(response),
        };
    let mut errors = FieldErrors::default();
    let weight = check_weight(&form, &mut errors);
    let when = parse_when(&form.when, state.clock.now(), &mut errors);
    let (Some((kilograms, entered, unit)), Some(when), true) = (weight, when, errors.is_empty()) else {
        return weight_page(&state, &visit, &open, &form, errors, None);
    };
    let data_xml = format!(
        "<weight>{}<value><kg>{}</kg><display units=\"{unit}\">{}</display></value></weight>",
        when_xml(when),
        number_text(kilograms, 3),
        number_text(entered, 3)
    );
    match write_new_thing(&state, &open, WEIGHT, data_xml).await? {
        Written::Done(_) => Ok(after_adding(&open)),
        Written::Full => weight_page(&state, &visit, &open, &form, errors, Some(RECORD_FULL)),
        Written::NotWritable => read_only_page(&state, &visit, &open),
    }
}

// ---------------------------------------------------------------------------- blood pressure

/// What the blood pressure form sends.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct BloodPressureForm {
    csrf: String,
    systolic: String,
    diastolic: String,
    pulse: String,
    when: String,
}

/// The blood pressure form, with its messages.
#[derive(Template)]
#[template(path = "record_blood_pressure.html")]
struct BloodPressurePage<'a> {
    chrome: Chrome,
    record: &'a Record,
    record_path: String,
    form: &'a BloodPressureForm,
    errors: FieldErrors,
    problem: Option<&'static str>,
}

/// Renders the blood pressure form: 200 when fresh, 422 with messages or a problem.
fn blood_pressure_page(
    state: &ShellState,
    visit: &Visit,
    open: &OpenRecord,
    form: &BloodPressureForm,
    errors: FieldErrors,
    problem: Option<&'static str>,
) -> Result<Response, ShellError> {
    let status = if errors.is_empty() && problem.is_none() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = BloodPressurePage {
        chrome: visit.chrome(state),
        record: &open.record,
        record_path: open.path(),
        form,
        errors,
        problem,
    };
    Ok((status, render(&page)?).into_response())
}

/// GET /records/{record_id}/blood-pressure.
pub(crate) async fn blood_pressure_form(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    Path(record_id): Path<String>,
) -> Result<Response, ShellError> {
    let here = format!("/records/{record_id}/blood-pressure");
    let open = match open_for_adding(&state, &visit, &record_id, &here, BLOOD_PRESSURE).await? {
        Ok(open) => open,
        Err(response) => return Ok(response),
    };
    let form = BloodPressureForm { when: now_text(state.clock.now()), ..BloodPressureForm::default() };
    blood_pressure_page(&state, &visit, &open, &form, FieldErrors::default(), None)
}

/// A whole number in `range`, or the message for `field`.
fn check_whole(
    text: &str,
    field: &'static str,
    what: &str,
    unit: &str,
    range: (u32, u32),
    errors: &mut FieldErrors,
) -> Option<u32> {
    let Some(value) = parse_whole(text) else {
        errors.add(field, format!("Enter the {what} as a whole number of {unit}."));
        return None;
    };
    if value < range.0 || value > range.1 {
        errors.add(field, format!("The {what} must be between {} and {} {unit}.", range.0, range.1));
        return None;
    }
    Some(value)
}

/// POST /records/{record_id}/blood-pressure.
pub(crate) async fn add_blood_pressure(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    Path(record_id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<BloodPressureForm>,
) -> Result<Response, ShellError> {
    visit.check_form(&headers, &form.csrf)?;
    visit.person()?;
    let here = format!("/records/{record_id}/blood-pressure");
    let open = match open_for_adding(&state, &visit, &record_id, &here, BLOOD_PRESSURE).await? {
        Ok(open) => open,
        Err(response) => return Ok(response),
    };
    let mut errors = FieldErrors::default();
    let systolic = check_whole(&form.systolic, "systolic", "systolic pressure", "mmHg", SYSTOLIC_RANGE, &mut errors);
    let diastolic =
        check_whole(&form.diastolic, "diastolic", "diastolic pressure", "mmHg", DIASTOLIC_RANGE, &mut errors);
    if let (Some(systolic), Some(diastolic)) = (systolic, diastolic)
        && diastolic >= systolic
    {
        errors.add("diastolic", "The diastolic pressure (the lower number) must be less than the systolic pressure.");
    }
    let pulse = if form.pulse.trim().is_empty() {
        Ok(None)
    } else {
        check_whole(&form.pulse, "pulse", "pulse", "beats per minute", PULSE_RANGE, &mut errors).map(Some).ok_or(())
    };
    let when = parse_when(&form.when, state.clock.now(), &mut errors);
    let (Some(systolic), Some(diastolic), Ok(pulse), Some(when), true) =
        (systolic, diastolic, pulse, when, errors.is_empty())
    else {
        return blood_pressure_page(&state, &visit, &open, &form, errors, None);
    };
    let pulse_xml = pulse.map(|pulse| format!("<pulse>{pulse}</pulse>")).unwrap_or_default();
    let data_xml = format!(
        "<blood-pressure>{}<systolic>{systolic}</systolic><diastolic>{diastolic}</diastolic>{pulse_xml}</blood-pressure>",
        when_xml(when)
    );
    match write_new_thing(&state, &open, BLOOD_PRESSURE, data_xml).await? {
        Written::Done(_) => Ok(after_adding(&open)),
        Written::Full => blood_pressure_page(&state, &visit, &open, &form, errors, Some(RECORD_FULL)),
        Written::NotWritable => read_only_page(&state, &visit, &open),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-22 09:00 UTC);

    #[test]
    fn dates_and_times_are_read_as_entered() {
        let mut errors = FieldErrors::default();
        assert_eq!(parse_when("2026-11-22T08:30", NOW, &mut errors), Some(datetime!(2026-11-22 8:30)));
        assert_eq!(parse_when(" 2026-11-21 23:05:10 ", NOW, &mut errors), Some(datetime!(2026-11-21 23:05:10)));
        // A person at UTC+13 can be a day ahead.
        assert_eq!(parse_when("2026-11-22T21:00", NOW, &mut errors), Some(datetime!(2026-11-22 21:00)));
        assert!(errors.is_empty());
        for bad in ["2026-11-23T09:00", "now", "2026-02-30T10:00", "1850-01-01T10:00"] {
            let mut errors = FieldErrors::default();
            assert_eq!(parse_when(bad, NOW, &mut errors), None, "{bad}");
            assert!(errors.get("when").is_some(), "{bad}");
        }
        assert_eq!(now_text(datetime!(2026-11-22 10:30 +01:00)), "2026-11-22T09:30");
    }

    #[test]
    fn the_built_data_is_valid_for_its_type() {
        let when = when_xml(datetime!(2026-11-22 8:30));
        let weight =
            format!("<weight>{when}<value><kg>72.575</kg><display units=\"lb\">160</display></value></weight>");
        let weight_type = haven_domain::thing_type::by_id(WEIGHT).unwrap();
        assert_eq!(weight_type.validate(&weight).unwrap().effective_date, Some(datetime!(2026-11-22 8:30)));
        let pressure =
            format!("<blood-pressure>{when}<systolic>120</systolic><diastolic>80</diastolic></blood-pressure>");
        assert!(haven_domain::thing_type::by_id(BLOOD_PRESSURE).unwrap().validate(&pressure).is_ok());
    }

    #[test]
    fn weights_must_be_human() {
        let form = |value: &str, unit: &str| WeightForm {
            value: value.to_owned(),
            unit: unit.to_owned(),
            ..WeightForm::default()
        };
        let mut errors = FieldErrors::default();
        assert_eq!(check_weight(&form("72,5", "kg"), &mut errors), Some((72.5, 72.5, "kg")));
        let (kilograms, _, _) = check_weight(&form("160", "lb"), &mut errors).unwrap();
        assert!((kilograms - 72.574_779_2).abs() < 1e-6);
        assert!(errors.is_empty());
        for (value, unit, message) in [
            ("heavy", "kg", "as a number"),
            ("NaN", "kg", "as a number"),
            ("0", "kg", "between 0.2 and 650 kg"),
            ("2000", "lb", "between 0.4 and 1433 lb"),
            ("70", "stone", "kilograms or pounds"),
        ] {
            let mut errors = FieldErrors::default();
            assert_eq!(check_weight(&form(value, unit), &mut errors), None);
            let text = errors.get("value").or_else(|| errors.get("unit")).unwrap();
            assert!(text.contains(message), "{value} {unit}: {text}");
        }
    }
}
