//! Reading the newest weight in a record.

use haven_domain::ids::RecordId;
use haven_domain::thing::{CommonData, ThingDraft, ThingFlags};
use haven_domain::thing_type::{self, ThingDataError, TypedData, WEIGHT};
use haven_sdk::{CallAs, Connection};
use haven_wire::methods::get_things::{ThingFilter, ThingFormat, ThingSection, ThingsGroupRequest};
use time::PrimitiveDateTime;
use time::macros::format_description;

use crate::error::AppError;

/// One weight measurement, as the pages show it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LatestWeight {
    /// The weight in kilograms.
    pub(crate) kilograms: f64,
    /// When it was measured, as written (wall-clock time).
    pub(crate) measured: PrimitiveDateTime,
    /// Whether the measurement gave a time of day, not only a date.
    pub(crate) has_time: bool,
}

impl LatestWeight {
    /// Reads a weight's `data-xml`.
    pub(crate) fn from_data_xml(data_xml: &str) -> Result<Self, AppError> {
        let not_a_weight = || ThingDataError::Invalid { path: "weight".to_owned(), message: "not a weight".to_owned() };
        let validated = thing_type::by_id(WEIGHT).ok_or_else(not_a_weight)?.validate(data_xml)?;
        let Some(TypedData::Weight(weight)) = validated.typed else { return Err(not_a_weight().into()) };
        Ok(Self {
            kilograms: weight.value.kilograms,
            measured: weight.when.to_primitive(),
            has_time: weight.when.time.is_some(),
        })
    }

    /// The weight, e.g. `72.5 kg`.
    pub(crate) fn kilograms_text(&self) -> String {
        format!("{} kg", (self.kilograms * 100.0).round() / 100.0)
    }

    /// When it was measured, e.g. `2026-10-05 07:30`, or `2026-10-05` without a time.
    pub(crate) fn date_text(&self) -> String {
        let formatted = if self.has_time {
            self.measured.format(format_description!("[year]-[month]-[day] [hour]:[minute]"))
        } else {
            self.measured.date().format(format_description!("[year]-[month]-[day]"))
        };
        formatted.unwrap_or_else(|_| self.measured.to_string())
    }
}

/// The weight with the newest effective date in `record_id`, or `None` when there is none.
/// One GetThings call asking for at most one weight, with its data.
pub(crate) async fn latest_weight(
    connection: &Connection,
    call_as: &CallAs,
    record_id: RecordId,
) -> Result<Option<LatestWeight>, AppError> {
    let group = ThingsGroupRequest {
        max: Some(1),
        filters: vec![ThingFilter { type_ids: vec![WEIGHT], ..ThingFilter::default() }],
        format: ThingFormat { sections: vec![ThingSection::Core], xml: vec![String::new()], ..ThingFormat::default() },
        ..ThingsGroupRequest::default()
    };
    let answer = connection.get_things(call_as, record_id, vec![group]).await?;
    let newest = answer.groups.into_iter().flat_map(|group| group.things).find_map(|thing| thing.data_xml);
    newest.map(|data_xml| LatestWeight::from_data_xml(&data_xml)).transpose()
}

/// The heaviest weight the form accepts, in kilograms.
const MAX_KILOGRAMS: f64 = 700.0;

/// Reads a weight typed in the form (`72.5`, or `72,5`), in kilograms.
pub(crate) fn parse_kilograms(text: &str) -> Result<f64, AppError> {
    let invalid = || AppError::InvalidWeight(text.chars().take(40).collect());
    let kilograms: f64 = text.trim().replace(',', ".").parse().map_err(|_| invalid())?;
    if kilograms.is_finite() && kilograms > 0.0 && kilograms <= MAX_KILOGRAMS { Ok(kilograms) } else { Err(invalid()) }
}

/// Adds a Weight thing of `kilograms` measured at `measured` (kept to the minute) to
/// `record_id` (PutThings).
pub(crate) async fn add_weight(
    connection: &Connection,
    call_as: &CallAs,
    record_id: RecordId,
    kilograms: f64,
    measured: PrimitiveDateTime,
) -> Result<(), AppError> {
    let data_xml = format!(
        "<weight><when><date><y>{}</y><m>{}</m><d>{}</d></date><time><h>{}</h><m>{}</m></time></when>\
         <value><kg>{kilograms}</kg><display units=\"kg\">{kilograms}</display></value></weight>",
        measured.year(),
        u8::from(measured.month()),
        measured.day(),
        measured.hour(),
        measured.minute(),
    );
    let draft = ThingDraft {
        type_id: WEIGHT,
        flags: ThingFlags::default(),
        data_xml,
        common: CommonData::default(),
        blobs: Vec::new(),
        updated_end_date: None,
    };
    connection.put_things(call_as, record_id, vec![(None, draft)]).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

    use super::*;

    #[test]
    fn a_weight_reads_with_its_date() {
        let weight = LatestWeight::from_data_xml(
            "<weight><when><date><y>2026</y><m>10</m><d>5</d></date><time><h>7</h><m>30</m></time></when>\
             <value><kg>72.5</kg><display units=\"kg\">72.5</display></value></weight>",
        )
        .unwrap();
        assert_eq!(
            (weight.kilograms_text(), weight.date_text()),
            ("72.5 kg".to_owned(), "2026-10-05 07:30".to_owned())
        );
        let no_time = LatestWeight::from_data_xml(
            "<weight><when><date><y>2026</y><m>1</m><d>9</d></date></when><value><kg>80</kg></value></weight>",
        )
        .unwrap();
        assert_eq!((no_time.kilograms_text(), no_time.date_text()), ("80 kg".to_owned(), "2026-01-09".to_owned()));
    }

    #[test]
    fn typed_weights_are_kilograms_within_reason() {
        assert_eq!(parse_kilograms(" 72.5 ").unwrap(), 72.5);
        assert_eq!(parse_kilograms("64,2").unwrap(), 64.2);
        for wrong in ["", "heavy", "-3", "0", "1e9", "NaN", "inf"] {
            assert!(matches!(parse_kilograms(wrong), Err(AppError::InvalidWeight(_))), "{wrong:?}");
        }
    }

    #[test]
    fn something_else_is_refused() {
        assert!(LatestWeight::from_data_xml("<height/>").is_err());
    }
}
