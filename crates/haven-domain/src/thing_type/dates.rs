//! The HealthVault date types of `dates.xsd`: `date`, `time`, `date-time`, `approx-date` and
//! `approx-date-time`. Values are local times as the person entered them; a `<tz>` is kept as
//! written and never applied.

use time::{Date, Month, PrimitiveDateTime, Time};

use super::ThingDataError;
use super::common::CodableValue;
use super::reader::Element;

/// Years a HealthVault date may carry (`dates.xsd` type `year`).
const FIRST_YEAR: i32 = 1000;
const LAST_YEAR: i32 = 9999;

/// A `date-time`: a calendar date with an optional time of day and time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateTime {
    /// The calendar date.
    pub date: Date,
    /// The time of day, if given.
    pub time: Option<Time>,
    /// The time zone as written (`<tz>`); never applied to `date` and `time`.
    pub time_zone: Option<CodableValue>,
}

impl DateTime {
    /// The moment as a local date and time; a missing time means midnight.
    pub fn to_primitive(&self) -> PrimitiveDateTime {
        PrimitiveDateTime::new(self.date, self.time.unwrap_or(Time::MIDNIGHT))
    }

    /// Reads `<date>`, then an optional `<time>` and `<tz>`.
    pub(super) fn parse(element: &Element<'_, '_>) -> Result<Self, ThingDataError> {
        let mut children = element.children()?;
        let date = parse_date(&children.required("date")?)?;
        let time = children.optional("time").map(|time| parse_time(&time)).transpose()?;
        let time_zone = children.optional("tz").map(|zone| CodableValue::parse(&zone)).transpose()?;
        children.finish()?;
        Ok(Self { date, time, time_zone })
    }
}

/// An `approx-date`: a year, optionally with a month, and a day only when the month is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApproxDate {
    /// The year, 1000 to 9999.
    pub year: i32,
    /// The month, if known.
    pub month: Option<Month>,
    /// The day of the month, if known; always a valid day of `month` in `year`.
    pub day: Option<u8>,
}

impl ApproxDate {
    /// The first day the approximate date can mean: a missing month is January, a missing
    /// day the 1st.
    pub fn earliest(&self) -> Option<Date> {
        Date::from_calendar_date(self.year, self.month.unwrap_or(Month::January), self.day.unwrap_or(1)).ok()
    }

    /// Reads `<y>`, then an optional `<m>` and `<d>`.
    pub(super) fn parse(element: &Element<'_, '_>) -> Result<Self, ThingDataError> {
        let mut children = element.children()?;
        let year = children.required("y")?.whole_number(FIRST_YEAR, Some(LAST_YEAR))?;
        let month = children.optional("m").map(|month| parse_month(&month)).transpose()?;
        let day_element = children.optional("d");
        children.finish()?;
        let day = match (day_element, month) {
            (None, _) => None,
            (Some(day), None) => return Err(day.error("a day needs a month (<m>) before it")),
            (Some(day), Some(month)) => Some(parse_day(&day, year, month)?.day()),
        };
        Ok(Self { year, month, day })
    }
}

/// The `structured` form of an `approx-date-time`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructuredApproxDate {
    /// The (possibly partial) date.
    pub date: ApproxDate,
    /// The time of day, if given.
    pub time: Option<Time>,
    /// The time zone as written (`<tz>`); never applied.
    pub time_zone: Option<CodableValue>,
}

/// An `approx-date-time`: a structured date and time, or free text such as "as a child".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApproxDateTime {
    /// A date, possibly partial, with an optional time.
    Structured(StructuredApproxDate),
    /// Free text, which has no date.
    Descriptive(String),
}

impl ApproxDateTime {
    /// The earliest moment meant, as a local date and time: missing month, day and time
    /// become January, the 1st and midnight. Descriptive text gives `None`.
    pub fn to_primitive(&self) -> Option<PrimitiveDateTime> {
        match self {
            Self::Structured(structured) => {
                let date = structured.date.earliest()?;
                Some(PrimitiveDateTime::new(date, structured.time.unwrap_or(Time::MIDNIGHT)))
            }
            Self::Descriptive(_) => None,
        }
    }

    /// Reads the choice of `<structured>` or `<descriptive>`.
    pub(super) fn parse(element: &Element<'_, '_>) -> Result<Self, ThingDataError> {
        let mut children = element.children()?;
        let value = if let Some(structured) = children.optional("structured") {
            let mut parts = structured.children()?;
            let date = ApproxDate::parse(&parts.required("date")?)?;
            let time = parts.optional("time").map(|time| parse_time(&time)).transpose()?;
            let time_zone = parts.optional("tz").map(|zone| CodableValue::parse(&zone)).transpose()?;
            parts.finish()?;
            Self::Structured(StructuredApproxDate { date, time, time_zone })
        } else if let Some(descriptive) = children.optional("descriptive") {
            Self::Descriptive(descriptive.text()?)
        } else {
            return Err(element.error("must hold either <structured> or <descriptive>"));
        };
        children.finish()?;
        Ok(value)
    }
}

/// Reads a `date`: `<y>`, `<m>` and `<d>`, which must name a real day.
pub(super) fn parse_date(element: &Element<'_, '_>) -> Result<Date, ThingDataError> {
    let mut children = element.children()?;
    let year = children.required("y")?.whole_number(FIRST_YEAR, Some(LAST_YEAR))?;
    let month = parse_month(&children.required("m")?)?;
    let day = children.required("d")?;
    children.finish()?;
    parse_day(&day, year, month)
}

/// Reads a `time`: `<h>`, `<m>`, then optional `<s>` and `<f>` (milliseconds).
pub(super) fn parse_time(element: &Element<'_, '_>) -> Result<Time, ThingDataError> {
    let mut children = element.children()?;
    let hour = children.required("h")?.whole_number(0_u8, Some(23))?;
    let minute = children.required("m")?.whole_number(0_u8, Some(59))?;
    let second = children.optional("s").map(|second| second.whole_number(0_u8, Some(59))).transpose()?;
    let millisecond = children.optional("f").map(|fraction| fraction.whole_number(0_u16, Some(999))).transpose()?;
    children.finish()?;
    Time::from_hms_milli(hour, minute, second.unwrap_or(0), millisecond.unwrap_or(0))
        .map_err(|_| element.error("is not a valid time of day"))
}

fn parse_month(element: &Element<'_, '_>) -> Result<Month, ThingDataError> {
    let number = element.whole_number(1_u8, Some(12))?;
    Month::try_from(number).map_err(|_| element.error(format!("{number} is not a month")))
}

fn parse_day(element: &Element<'_, '_>, year: i32, month: Month) -> Result<Date, ThingDataError> {
    let day = element.whole_number(1_u8, Some(31))?;
    Date::from_calendar_date(year, month, day).map_err(|_| element.error(format!("{month} {year} has no day {day}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_element<T>(xml: &str, read: impl Fn(&Element<'_, '_>) -> T) -> T {
        let document = roxmltree::Document::parse(xml).unwrap();
        read(&Element::root(document.root_element()))
    }

    fn error_of<T: std::fmt::Debug>(result: Result<T, ThingDataError>) -> String {
        result.unwrap_err().to_string()
    }

    #[test]
    fn a_date_time_without_time_means_midnight() {
        let value = with_element("<when><date><y>2026</y><m>1</m><d>5</d></date></when>", DateTime::parse).unwrap();
        assert_eq!(value.to_primitive(), time::macros::datetime!(2026-01-05 0:00));
    }

    #[test]
    fn a_date_time_keeps_seconds_and_milliseconds() {
        let xml = "<when><date><y>2026</y><m>1</m><d>5</d></date>\
                   <time><h>7</h><m>30</m><s>15</s><f>250</f></time><tz><text>PST</text></tz></when>";
        let value = with_element(xml, DateTime::parse).unwrap();
        assert_eq!(value.to_primitive(), time::macros::datetime!(2026-01-05 7:30:15.25));
        assert_eq!(value.time_zone.map(|zone| zone.text), Some("PST".to_owned()));
    }

    #[test]
    fn dates_must_be_real_days_in_range() {
        let leap = with_element("<d><y>2024</y><m>2</m><d>29</d></d>", parse_date);
        assert_eq!(leap.unwrap(), time::macros::date!(2024 - 02 - 29));
        let not_leap = error_of(with_element("<d><y>2023</y><m>2</m><d>29</d></d>", parse_date));
        assert_eq!(not_leap, "d/d: February 2023 has no day 29");
        let month = error_of(with_element("<d><y>2023</y><m>13</m><d>1</d></d>", parse_date));
        assert_eq!(month, "d/m: must be a whole number from 1 to 12, got \"13\"");
        let year = error_of(with_element("<d><y>999</y><m>1</m><d>1</d></d>", parse_date));
        assert_eq!(year, "d/y: must be a whole number from 1000 to 9999, got \"999\"");
    }

    #[test]
    fn times_are_checked_field_by_field() {
        let hour = error_of(with_element("<t><h>24</h><m>0</m></t>", parse_time));
        assert_eq!(hour, "t/h: must be a whole number from 0 to 23, got \"24\"");
        let missing = error_of(with_element("<t><h>1</h></t>", parse_time));
        assert_eq!(missing, "t/m: is required but missing");
        let order = error_of(with_element("<t><m>1</m><h>1</h></t>", parse_time));
        assert_eq!(order, "t/h: must come before <m>");
    }

    #[test]
    fn approximate_dates_may_be_partial() {
        let year_only = with_element("<a><structured><date><y>1990</y></date></structured></a>", ApproxDateTime::parse);
        assert_eq!(year_only.unwrap().to_primitive(), Some(time::macros::datetime!(1990-01-01 0:00)));
        let text = with_element("<a><descriptive>as a child</descriptive></a>", ApproxDateTime::parse).unwrap();
        assert_eq!(text, ApproxDateTime::Descriptive("as a child".to_owned()));
        assert_eq!(text.to_primitive(), None);
        let day_alone = error_of(with_element("<a><y>1990</y><d>3</d></a>", ApproxDate::parse));
        assert_eq!(day_alone, "a/d: a day needs a month (<m>) before it");
        let empty = error_of(with_element("<a/>", ApproxDateTime::parse));
        assert_eq!(empty, "a: must hold either <structured> or <descriptive>");
    }
}
