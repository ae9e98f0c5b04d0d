//! Things in plain words: a type's name, and a one-line reading of the common types
//! ("72.5 kg", "120/80 mmHg, pulse 70", a medication's name). The data is read with the
//! thing-type registry's typed parsers, the same ones that validated it on write, so the
//! Shell never parses HealthVault XML itself.

use haven_domain::ids::ThingTypeId;
use haven_domain::thing::{AuditAction, Thing};
use haven_domain::thing_type::{self, DisplayValue, TypedData};

/// The English name of a thing type, or a plain description for a type Haven does not know.
pub(crate) fn type_name(type_id: ThingTypeId) -> String {
    thing_type::by_id(type_id).map_or_else(|| "Other information".to_owned(), |thing_type| thing_type.name.to_owned())
}

/// A one-line reading of the thing's value, for the types people read most; `None` for
/// the others, which are shown by type name and date.
pub(crate) fn value_text(thing: &Thing) -> Option<String> {
    let thing_type = thing_type::by_id(thing.type_id)?;
    let typed = thing_type.validate(&thing.data_xml).ok()?.typed?;
    Some(match typed {
        TypedData::Weight(weight) => measured(weight.value.kilograms, "kg", weight.value.display.as_ref(), 1),
        TypedData::Height(height) => measured(height.value.meters, "m", height.value.display.as_ref(), 2),
        TypedData::BloodPressure(pressure) => {
            let reading = format!("{}/{} mmHg", pressure.systolic, pressure.diastolic);
            match pressure.pulse {
                Some(pulse) => format!("{reading}, pulse {pulse}"),
                None => reading,
            }
        }
        TypedData::BloodGlucose(glucose) => {
            measured(glucose.value.millimoles_per_liter, "mmol/L", glucose.value.display.as_ref(), 1)
        }
        TypedData::HeartRate(heart_rate) => format!("{} beats per minute", heart_rate.beats_per_minute),
        TypedData::Medication(medication) => medication.name.text,
        TypedData::Condition(condition) => condition.name.text,
        TypedData::Allergy(allergy) => allergy.name.text,
        TypedData::Immunization(immunization) => immunization.name.text,
        TypedData::File(file) => format!("{} ({})", file.name, size_text(file.size)),
        TypedData::BasicDemographic(_) => return None,
    })
    .filter(|text| !text.trim().is_empty())
}

/// What a version did, in plain words.
pub(crate) fn action_text(action: AuditAction) -> &'static str {
    match action {
        AuditAction::Created => "Created",
        AuditAction::Updated => "Changed",
        AuditAction::Deleted => "Deleted",
    }
}

/// A measured value in its canonical unit, with the value as entered first when it was
/// entered in another unit: "72.5 kg", or "160 lb (72.6 kg)".
fn measured(canonical: f64, unit: &str, display: Option<&DisplayValue>, decimals: usize) -> String {
    let canonical_text = format!("{} {unit}", number_text(canonical, decimals));
    match display {
        Some(display) if !display.units.eq_ignore_ascii_case(unit) => {
            let entered = match &display.text {
                Some(text) if !text.trim().is_empty() => text.trim().to_owned(),
                _ => format!("{} {}", number_text(display.value, decimals.max(1)), display.units),
            };
            format!("{entered} ({canonical_text})")
        }
        _ => canonical_text,
    }
}

/// A number with at most `decimals` decimals and no trailing zeros: 72.5, 80, 1.75.
pub(crate) fn number_text(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_owned() } else { text }
}

/// A file size for people: "812 bytes", "1.5 kB", "3.2 MB".
fn size_text(bytes: u64) -> String {
    const UNITS: [&str; 3] = ["kB", "MB", "GB"];
    if bytes < 1000 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = UNITS[0];
    for next in &UNITS[1..] {
        if value < 1000.0 {
            break;
        }
        value /= 1000.0;
        unit = next;
    }
    format!("{} {unit}", number_text(value, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_lose_trailing_zeros() {
        assert_eq!(number_text(72.5, 1), "72.5");
        assert_eq!(number_text(80.0, 1), "80");
        assert_eq!(number_text(1.754, 2), "1.75");
        assert_eq!(number_text(72.57472, 1), "72.6");
    }

    #[test]
    fn values_entered_in_another_unit_come_first() {
        let pounds = DisplayValue { value: 160.0, units: "lb".to_owned(), units_code: None, text: None };
        assert_eq!(measured(72.57472, "kg", Some(&pounds), 1), "160 lb (72.6 kg)");
        let kilograms = DisplayValue { value: 72.5, units: "kg".to_owned(), units_code: None, text: None };
        assert_eq!(measured(72.5, "kg", Some(&kilograms), 1), "72.5 kg");
        assert_eq!(measured(1.75, "m", None, 2), "1.75 m");
    }

    #[test]
    fn file_sizes_read_as_words() {
        assert_eq!(size_text(812), "812 bytes");
        assert_eq!(size_text(1500), "1.5 kB");
        assert_eq!(size_text(3_200_000), "3.2 MB");
    }
}
