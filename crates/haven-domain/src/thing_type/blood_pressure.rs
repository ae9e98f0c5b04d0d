//! Blood pressure (`bp.xsd`): one blood pressure measurement.

use super::ThingDataError;
use super::common::optional_boolean;
use super::dates::DateTime;
use super::reader::Element;

/// A blood pressure measurement, in mmHg.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BloodPressure {
    /// When the pressure was measured.
    pub when: DateTime,
    /// The systolic pressure in mmHg.
    pub systolic: u32,
    /// The diastolic pressure in mmHg.
    pub diastolic: u32,
    /// The pulse in beats per minute, if measured.
    pub pulse: Option<u32>,
    /// Whether the device detected an irregular heartbeat.
    pub irregular_heartbeat: Option<bool>,
}

impl BloodPressure {
    /// Reads `<when>`, `<systolic>`, `<diastolic>`, `<pulse>?`, `<irregular-heartbeat>?`;
    /// the numbers are `int`s of 0 or more.
    pub(super) fn parse(root: &Element<'_, '_>) -> Result<Self, ThingDataError> {
        let mut children = root.children()?;
        let when = DateTime::parse(&children.required("when")?)?;
        let systolic = children.required("systolic")?.whole_number(0_i32, None)?.unsigned_abs();
        let diastolic = children.required("diastolic")?.whole_number(0_i32, None)?.unsigned_abs();
        let pulse = children.optional("pulse").map(|pulse| pulse.whole_number(0_i32, None)).transpose()?;
        let irregular_heartbeat = optional_boolean(children.optional("irregular-heartbeat"))?;
        children.finish()?;
        Ok(Self { when, systolic, diastolic, pulse: pulse.map(i32::unsigned_abs), irregular_heartbeat })
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::super::test_support::{rejection, validate, validate_sample};
    use super::super::{BLOOD_PRESSURE, TypedData};

    const WHEN: &str = "<when><date><y>2006</y><m>1</m><d>1</d></date>\
        <time><h>9</h><m>30</m><s>0</s><f>0</f></time></when>";

    #[test]
    fn the_reference_sample_validates() {
        if let Some(validated) = validate_sample(BLOOD_PRESSURE) {
            assert_eq!(validated.effective_date, Some(datetime!(2006-01-01 9:30)));
            assert!(matches!(validated.typed, Some(TypedData::BloodPressure(_))));
        }
    }

    #[test]
    fn the_inline_sample_parses() {
        let sample = format!(
            "<blood-pressure>{WHEN}<systolic>115</systolic><diastolic>76</diastolic><pulse>80</pulse>\
             <irregular-heartbeat>false</irregular-heartbeat></blood-pressure>"
        );
        let validated = validate(BLOOD_PRESSURE, &sample).unwrap();
        assert_eq!(validated.effective_date, Some(datetime!(2006-01-01 9:30)));
        let Some(TypedData::BloodPressure(pressure)) = validated.typed else { panic!("not a blood pressure") };
        assert_eq!((pressure.systolic, pressure.diastolic, pressure.pulse), (115, 76, Some(80)));
        assert_eq!(pressure.irregular_heartbeat, Some(false));
    }

    #[test]
    fn invalid_pressures_are_rejected_with_their_path() {
        assert_eq!(
            rejection(BLOOD_PRESSURE, &format!("<blood-pressure>{WHEN}<systolic>115</systolic></blood-pressure>")),
            "blood-pressure/diastolic: is required but missing"
        );
        assert_eq!(
            rejection(
                BLOOD_PRESSURE,
                &format!("<blood-pressure>{WHEN}<systolic>115.5</systolic><diastolic>76</diastolic></blood-pressure>")
            ),
            "blood-pressure/systolic: must be a whole number of at least 0, got \"115.5\""
        );
        assert_eq!(
            rejection(
                BLOOD_PRESSURE,
                &format!("<blood-pressure>{WHEN}<systolic>1</systolic><diastolic>-76</diastolic></blood-pressure>")
            ),
            "blood-pressure/diastolic: must be a whole number of at least 0, got \"-76\""
        );
        assert_eq!(
            rejection(
                BLOOD_PRESSURE,
                "<blood-pressure><when><date><y>2006</y><m>1</m><d>1</d></date><time><h>9</h><m>60</m></time></when>\
                 <systolic>1</systolic><diastolic>1</diastolic></blood-pressure>"
            ),
            "blood-pressure/when/time/m: must be a whole number from 0 to 59, got \"60\""
        );
        assert_eq!(
            rejection(BLOOD_PRESSURE, "<bp/>"),
            "Blood pressure data must have the root element <blood-pressure>, not <bp>"
        );
        assert_eq!(
            rejection(
                BLOOD_PRESSURE,
                &format!(
                    "<blood-pressure>{WHEN}<systolic>1</systolic><diastolic>1</diastolic>\
                     <irregular-heartbeat>true</irregular-heartbeat><pulse>80</pulse></blood-pressure>"
                )
            ),
            "blood-pressure/pulse: is out of order or repeated: the schema fixes where it goes and how often"
        );
        assert_eq!(
            rejection(
                BLOOD_PRESSURE,
                &format!(
                    "<blood-pressure>{WHEN}<systolic>1</systolic><diastolic>1</diastolic>\
                     <irregular-heartbeat>maybe</irregular-heartbeat></blood-pressure>"
                )
            ),
            "blood-pressure/irregular-heartbeat: must be true or false, got \"maybe\""
        );
    }
}
