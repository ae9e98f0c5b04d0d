//! Dates as documents write them (HL7 `TS` values, a CCR's ISO 8601 `ExactDateTime`), read into
//! the parts of a HealthVault `approx-date-time`. The wall-clock time is kept as written; a time
//! zone is kept as its text and never applied.

/// The years a HealthVault date may carry.
const FIRST_YEAR: u16 = 1000;
const LAST_YEAR: u16 = 9999;

const MONTH_NAMES: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A date, possibly partial, with an optional time of day. Invariants: the year is 1000 to
/// 9999, a day only comes with a month and is a real day of it, and a time only comes with a
/// day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ApproxDateTime {
    pub(super) year: u16,
    pub(super) month: Option<u8>,
    pub(super) day: Option<u8>,
    pub(super) time: Option<TimeOfDay>,
    /// The time zone as written, e.g. `-0500`; only with a time.
    pub(super) zone: Option<String>,
}

/// A wall-clock time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TimeOfDay {
    pub(super) hour: u8,
    pub(super) minute: u8,
    pub(super) second: Option<u8>,
    pub(super) millisecond: Option<u16>,
}

impl ApproxDateTime {
    /// Reads an HL7 v3 `TS` value: `YYYY[MM[DD[HH[MM[SS[.fff]]]]]]` and an optional `+ZZZZ` or
    /// `-ZZZZ` offset. Anything else, or a date that does not exist, gives `None`.
    pub(super) fn from_hl7(value: &str) -> Option<Self> {
        let value = value.trim();
        let (moment, zone) = match value.find(['+', '-']) {
            Some(at) => (&value[..at], Some(&value[at..])),
            None => (value, None),
        };
        let (digits, fraction) = match moment.split_once('.') {
            Some((digits, fraction)) => (digits, Some(fraction)),
            None => (moment, None),
        };
        if !digits.bytes().all(|byte| byte.is_ascii_digit()) || ![4, 6, 8, 10, 12, 14].contains(&digits.len()) {
            return None;
        }
        if fraction.is_some() && digits.len() != 14 {
            return None;
        }
        let part =
            |from: usize, length: usize| digits.get(from..from + length).and_then(|text| text.parse::<u16>().ok());
        let year = part(0, 4)?;
        let month = if digits.len() >= 6 { Some(u8::try_from(part(4, 2)?).ok()?) } else { None };
        let day = if digits.len() >= 8 { Some(u8::try_from(part(6, 2)?).ok()?) } else { None };
        let time = if digits.len() >= 10 {
            let hour = u8::try_from(part(8, 2)?).ok()?;
            let minute = if digits.len() >= 12 { u8::try_from(part(10, 2)?).ok()? } else { 0 };
            let second = if digits.len() >= 14 { Some(u8::try_from(part(12, 2)?).ok()?) } else { None };
            let millisecond = valid_if_present(fraction.map(milliseconds))?;
            Some(TimeOfDay { hour, minute, second, millisecond })
        } else {
            None
        };
        let zone = match zone {
            Some(zone) if zone.len() == 5 && zone.bytes().skip(1).all(|byte| byte.is_ascii_digit()) => {
                time.map(|_| zone.to_owned())
            }
            Some(_) => return None,
            None => None,
        };
        Self { year, month, day, time, zone }.checked()
    }

    /// Reads an ISO 8601 date or date-time as a CCR's `ExactDateTime` has it: `YYYY`,
    /// `YYYY-MM`, `YYYY-MM-DD`, or that with `THH:MM[:SS[.fff]]` and an optional `Z` or offset.
    pub(super) fn from_iso8601(value: &str) -> Option<Self> {
        let value = value.trim();
        let (date, time_text) = match value.split_once('T') {
            Some((date, time)) => (date, Some(time)),
            None => (value, None),
        };
        let mut date_parts = date.split('-');
        let year = fixed_digits(date_parts.next()?, 4)?;
        let month = valid_if_present(date_parts.next().map(|month| fixed_digits(month, 2)))?;
        let day = valid_if_present(date_parts.next().map(|day| fixed_digits(day, 2)))?;
        if date_parts.next().is_some() {
            return None;
        }
        let (time, zone) = match time_text {
            None => (None, None),
            Some(text) => {
                let (clock, zone) = match text.find(['+', '-', 'Z']) {
                    Some(at) => (&text[..at], Some(&text[at..])),
                    None => (text, None),
                };
                let (clock, fraction) = match clock.split_once('.') {
                    Some((clock, fraction)) => (clock, Some(fraction)),
                    None => (clock, None),
                };
                let mut clock_parts = clock.split(':');
                let hour = fixed_digits(clock_parts.next()?, 2)?;
                let minute = fixed_digits(clock_parts.next()?, 2)?;
                let second = valid_if_present(clock_parts.next().map(|second| fixed_digits(second, 2)))?;
                if clock_parts.next().is_some() || (fraction.is_some() && second.is_none()) {
                    return None;
                }
                let zone_ok = zone.is_none_or(|zone| match zone.as_bytes() {
                    b"Z" => true,
                    [_, hour_tens, hour_units, b':', minute_tens, minute_units] => {
                        [hour_tens, hour_units, minute_tens, minute_units].iter().all(|byte| byte.is_ascii_digit())
                    }
                    _ => false,
                });
                if !zone_ok {
                    return None;
                }
                let millisecond = valid_if_present(fraction.map(milliseconds))?;
                let time = TimeOfDay {
                    hour: u8::try_from(hour).ok()?,
                    minute: u8::try_from(minute).ok()?,
                    second: second.map(u8::try_from).transpose().ok()?,
                    millisecond,
                };
                (Some(time), zone.map(str::to_owned))
            }
        };
        let month = month.map(u8::try_from).transpose().ok()?;
        let day = day.map(u8::try_from).transpose().ok()?;
        Self { year, month, day, time, zone }.checked()
    }

    /// The value if its parts name a real moment, as the invariants require.
    fn checked(self) -> Option<Self> {
        if !(FIRST_YEAR..=LAST_YEAR).contains(&self.year) {
            return None;
        }
        if self.month.is_some_and(|month| !(1..=12).contains(&month)) {
            return None;
        }
        match (self.month, self.day) {
            (None, Some(_)) => return None,
            (Some(month), Some(day)) if day == 0 || day > days_in_month(self.year, month) => return None,
            _ => {}
        }
        let impossible_time =
            |time: TimeOfDay| time.hour > 23 || time.minute > 59 || time.second.is_some_and(|second| second > 59);
        if self.time.is_some_and(|time| self.day.is_none() || impossible_time(time)) {
            return None;
        }
        Some(self)
    }

    /// The date for people: "12 Mar 2019", "Mar 2019" or "2019".
    pub(super) fn display(&self) -> String {
        let month_name = self.month.and_then(|month| MONTH_NAMES.get(usize::from(month).checked_sub(1)?));
        match (self.day, month_name) {
            (Some(day), Some(month)) => format!("{day} {month} {}", self.year),
            (None, Some(month)) => format!("{month} {}", self.year),
            _ => self.year.to_string(),
        }
    }
}

/// An optional part that must be valid when present: `None` (invalid) when it is present but
/// unreadable, else whether it is there.
fn valid_if_present<T>(part: Option<Option<T>>) -> Option<Option<T>> {
    match part {
        None => Some(None),
        Some(None) => None,
        Some(Some(value)) => Some(Some(value)),
    }
}

/// A number written with exactly `length` digits.
fn fixed_digits(text: &str, length: usize) -> Option<u16> {
    if text.len() != length || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// The milliseconds of a decimal fraction of a second (its first three digits).
fn milliseconds(fraction: &str) -> Option<u16> {
    if fraction.is_empty() || !fraction.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let first_three: String = fraction.chars().chain(std::iter::repeat('0')).take(3).collect();
    first_three.parse().ok()
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hl7(value: &str) -> Option<ApproxDateTime> {
        ApproxDateTime::from_hl7(value)
    }

    #[test]
    fn hl7_timestamps_keep_their_precision() {
        let year = hl7("2019").unwrap();
        assert_eq!((year.year, year.month, year.day, year.time), (2019, None, None, None));
        assert_eq!(hl7("201903").unwrap().display(), "Mar 2019");
        assert_eq!(hl7("20190312").unwrap().display(), "12 Mar 2019");
        let moment = hl7("201903121030-0500").unwrap();
        assert_eq!(moment.time, Some(TimeOfDay { hour: 10, minute: 30, second: None, millisecond: None }));
        assert_eq!(moment.zone.as_deref(), Some("-0500"));
        let precise = hl7("20190312103015.25+0100").unwrap();
        assert_eq!(precise.time, Some(TimeOfDay { hour: 10, minute: 30, second: Some(15), millisecond: Some(250) }));
        let hour_only = hl7("2019031209").unwrap();
        assert_eq!(hour_only.time, Some(TimeOfDay { hour: 9, minute: 0, second: None, millisecond: None }));
    }

    #[test]
    fn impossible_or_odd_timestamps_give_nothing() {
        for value in [
            "",
            "19",
            "20190",
            "20190230",
            "20230229",
            "20191301",
            "20190012",
            "201903122460",
            "0999",
            "2019-03-12",
            "20190312.5",
            "20190312-05",
            "2019031210-0500x",
            "٢٠١٩",
            "20190312103099",
        ] {
            assert_eq!(hl7(value), None, "{value}");
        }
        assert_eq!(hl7("20240229").unwrap().display(), "29 Feb 2024");
        // A zone without a time says nothing about the date, so it is dropped.
        assert_eq!(hl7("20190312-0500").unwrap().zone, None);
    }

    #[test]
    fn iso_dates_as_a_ccr_writes_them() {
        assert_eq!(ApproxDateTime::from_iso8601("2019-03-12").unwrap().display(), "12 Mar 2019");
        assert_eq!(ApproxDateTime::from_iso8601("2019").unwrap().display(), "2019");
        let moment = ApproxDateTime::from_iso8601("2019-03-12T10:30:00Z").unwrap();
        assert_eq!(moment.time, Some(TimeOfDay { hour: 10, minute: 30, second: Some(0), millisecond: None }));
        assert_eq!(moment.zone.as_deref(), Some("Z"));
        assert_eq!(ApproxDateTime::from_iso8601("2019-03-12T10:30-05:00").unwrap().zone.as_deref(), Some("-05:00"));
        for value in
            ["2019-3-12", "2019-02-30", "2019-03-12T25:00", "2019-03-12T10", "12/03/2019", "2019-03-12T10:30+5"]
        {
            assert_eq!(ApproxDateTime::from_iso8601(value), None, "{value}");
        }
    }
}
