//! `xsd:dateTime` as clients write it, read leniently, and as we write it.

use time::format_description::well_known::{Iso8601, Rfc3339};
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// Reads an `xsd:dateTime`, or `None` if the text is not one.
///
/// Lenient on purpose, because real clients are sloppy (protocol notes, section 2): any number
/// of fractional digits (.NET writes seven), `Z` or a `±hh:mm` offset, and no offset at all,
/// which is read as UTC (HealthVault itself writes `updated-date` without one and the .NET SDK
/// reads that as UTC). Surrounding whitespace is ignored.
pub fn parse_date_time(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    if let Ok(parsed) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(parsed);
    }
    if let Ok(parsed) = OffsetDateTime::parse(text, &Iso8601::DEFAULT) {
        return Some(parsed);
    }
    PrimitiveDateTime::parse(text, &Iso8601::DEFAULT).ok().map(PrimitiveDateTime::assume_utc)
}

/// Writes a time as an `xsd:dateTime` in UTC with a `Z`, to whole milliseconds
/// (`2017-04-20T21:53:19Z`, `2017-04-20T21:53:19.250Z`).
///
/// Milliseconds are what every client can read back and echo (for example as
/// GetServiceDefinition's `updated-date`); see [`truncate_to_millis`].
pub fn format_date_time(value: OffsetDateTime) -> String {
    let utc = truncate_to_millis(value).to_offset(UtcOffset::UTC);
    let whole = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second()
    );
    match utc.millisecond() {
        0 => format!("{whole}Z"),
        millisecond => format!("{whole}.{millisecond:03}Z"),
    }
}

/// The time [`format_date_time`] writes: `value` without its sub-millisecond part. Compare
/// against this when a client echoes a time we sent.
pub fn truncate_to_millis(value: OffsetDateTime) -> OffsetDateTime {
    let nanoseconds = value.nanosecond();
    value.replace_nanosecond(nanoseconds - nanoseconds % 1_000_000).unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn reads_what_clients_send() {
        let cases = [
            ("2012-04-28T19:10:41.3940000Z", datetime!(2012-04-28 19:10:41.394 UTC)),
            ("2008-06-21T03:13:50.750-04:00", datetime!(2008-06-21 03:13:50.75 -04:00)),
            ("2017-04-20T21:53:19", datetime!(2017-04-20 21:53:19 UTC)),
            (" 2026-11-21T22:11:05 ", datetime!(2026-11-21 22:11:05 UTC)),
            ("2017-04-20T21:53:19.5", datetime!(2017-04-20 21:53:19.5 UTC)),
            ("2017-04-20T21:53:19+01:00", datetime!(2017-04-20 21:53:19 +01:00)),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_date_time(text), Some(expected), "{text}");
        }
        for bad in ["", "yesterday", "2017-13-01T00:00:00Z", "2017-04-20T25:00:00"] {
            assert_eq!(parse_date_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn writes_utc_milliseconds_and_reads_it_back() {
        let value = datetime!(2017-04-20 23:53:19.250_999 +02:00);
        let text = format_date_time(value);
        assert_eq!(text, "2017-04-20T21:53:19.250Z");
        assert_eq!(parse_date_time(&text), Some(truncate_to_millis(value)));
        assert_eq!(format_date_time(datetime!(2017-04-20 21:53:19 UTC)), "2017-04-20T21:53:19Z");
    }
}
