//! Weights as the sample reads and writes them.

use haven_domain::thing::{CommonData, ThingDraft, ThingFlags};
use haven_domain::thing_type::{self, ThingDataError, TypedData, WEIGHT};
use time::PrimitiveDateTime;
use time::macros::format_description;

use crate::error::SodaCliError;

/// One weight measurement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weight {
    /// When it was measured (wall-clock time, as written).
    pub measured: PrimitiveDateTime,
    /// Whether the measurement gave a time of day, not only a date.
    pub has_time: bool,
    /// The weight in kilograms.
    pub kilograms: f64,
}

impl Weight {
    /// A weight of `kilograms` measured at `measured` (kept to the minute, as it is written).
    pub fn new(measured: PrimitiveDateTime, kilograms: f64) -> Result<Self, SodaCliError> {
        if !kilograms.is_finite() || kilograms <= 0.0 {
            return Err(SodaCliError::InvalidWeight(kilograms));
        }
        let measured = measured.replace_second(0).and_then(|minute| minute.replace_nanosecond(0)).unwrap_or(measured);
        Ok(Self { measured, has_time: true, kilograms })
    }

    /// Reads a weight thing's `data-xml`.
    pub(crate) fn from_data_xml(data_xml: &str) -> Result<Self, SodaCliError> {
        let not_a_weight = || ThingDataError::Invalid { path: "weight".to_owned(), message: "not a weight".to_owned() };
        let validated = thing_type::by_id(WEIGHT).ok_or_else(not_a_weight)?.validate(data_xml)?;
        let Some(TypedData::Weight(weight)) = validated.typed else { return Err(not_a_weight().into()) };
        Ok(Self {
            measured: weight.when.to_primitive(),
            has_time: weight.when.time.is_some(),
            kilograms: weight.value.kilograms,
        })
    }

    /// The Weight thing (type `3d34d87e-7fc1-4153-800f-f56592cb0d17`) to put, its `when` to
    /// the minute and its value in kilograms.
    pub(crate) fn to_draft(self) -> ThingDraft {
        let measured = self.measured;
        let data_xml = format!(
            "<weight><when><date><y>{}</y><m>{}</m><d>{}</d></date><time><h>{}</h><m>{}</m></time></when>\
             <value><kg>{}</kg></value></weight>",
            measured.year(),
            u8::from(measured.month()),
            measured.day(),
            measured.hour(),
            measured.minute(),
            self.kilograms
        );
        ThingDraft {
            type_id: WEIGHT,
            flags: ThingFlags::default(),
            data_xml,
            common: CommonData::default(),
            blobs: Vec::new(),
            updated_end_date: None,
        }
    }
}

impl std::fmt::Display for Weight {
    /// `2026-10-05 07:30  72.5 kg` (blanks for the time when none was given).
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let date = self.measured.date().format(format_description!("[year]-[month]-[day]"));
        let time = self.measured.time().format(format_description!("[hour]:[minute]"));
        let (Ok(date), Ok(time)) = (date, time) else { return write!(formatter, "{}", self.measured) };
        let time = if self.has_time { time } else { " ".repeat(time.len()) };
        write!(formatter, "{date} {time}  {} kg", (self.kilograms * 100.0).round() / 100.0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

    use time::macros::datetime;

    use super::*;

    #[test]
    fn a_weight_writes_valid_data_and_reads_back_as_a_line() {
        let weight = Weight::new(datetime!(2026-10-05 07:30), 72.5).unwrap();
        let draft = weight.to_draft();
        let read = Weight::from_data_xml(&draft.data_xml).unwrap();
        assert_eq!(read, weight);
        assert_eq!(read.to_string(), "2026-10-05 07:30  72.5 kg");
    }

    #[test]
    fn a_weight_without_a_time_keeps_the_columns() {
        let weight = Weight::from_data_xml(
            "<weight><when><date><y>2026</y><m>1</m><d>2</d></date></when><value><kg>80</kg></value></weight>",
        )
        .unwrap();
        assert_eq!(weight.to_string(), "2026-01-02        80 kg");
    }

    #[test]
    fn only_positive_finite_kilograms_are_a_weight() {
        let now = datetime!(2026-10-05 07:30);
        for kilograms in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(Weight::new(now, kilograms), Err(SodaCliError::InvalidWeight(_))));
        }
    }
}
