//! Heart rate (`heart-rate.xsd`): one heart rate measurement.

use super::ThingDataError;
use super::common::{CodableValue, optional_codable};
use super::dates::DateTime;
use super::reader::Element;

/// A heart rate measurement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeartRate {
    /// When the heart rate was measured.
    pub when: DateTime,
    /// Beats per minute.
    pub beats_per_minute: u32,
    /// How it was measured, e.g. "Pulse measured by device".
    pub measurement_method: Option<CodableValue>,
    /// The conditions, e.g. "Resting".
    pub measurement_conditions: Option<CodableValue>,
    /// Flags on the measurement.
    pub measurement_flags: Option<CodableValue>,
}

impl HeartRate {
    /// Reads `<when>`, `<value>` (an `int` of 0 or more) and the optional codes.
    pub(super) fn parse(root: &Element<'_, '_>) -> Result<Self, ThingDataError> {
        let mut children = root.children()?;
        let when = DateTime::parse(&children.required("when")?)?;
        let beats_per_minute = children.required("value")?.whole_number(0_i32, None)?.unsigned_abs();
        let measurement_method = optional_codable(children.optional("measurement-method"))?;
        let measurement_conditions = optional_codable(children.optional("measurement-conditions"))?;
        let measurement_flags = optional_codable(children.optional("measurement-flags"))?;
        children.finish()?;
        Ok(Self { when, beats_per_minute, measurement_method, measurement_conditions, measurement_flags })
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::super::test_support::{rejection, validate, validate_sample};
    use super::super::{HEART_RATE, TypedData};

    const WHEN: &str = "<when><date><y>2009</y><m>12</m><d>1</d></date>\
        <time><h>18</h><m>15</m><s>0</s><f>0</f></time></when>";

    #[test]
    fn the_reference_sample_validates() {
        if let Some(validated) = validate_sample(HEART_RATE) {
            assert_eq!(validated.effective_date, Some(datetime!(2009-12-01 18:15)));
            assert!(matches!(validated.typed, Some(TypedData::HeartRate(_))));
        }
    }

    #[test]
    fn the_inline_sample_parses() {
        let sample = format!(
            "<heart-rate>{WHEN}<value>76</value>\
             <measurement-method><text>Pulse measured by device</text><code><value>DevicePulse</value>\
             <family>wc</family><type>heart-rate-measurement-method</type><version>1</version></code></measurement-method>\
             <measurement-conditions><text>Resting</text><code><value>Resting</value><family>wc</family>\
             <type>heart-rate-measurement-conditions</type><version>1</version></code></measurement-conditions>\
             </heart-rate>"
        );
        let validated = validate(HEART_RATE, &sample).unwrap();
        assert_eq!(validated.effective_date, Some(datetime!(2009-12-01 18:15)));
        let Some(TypedData::HeartRate(heart_rate)) = validated.typed else { panic!("not a heart rate") };
        assert_eq!(heart_rate.beats_per_minute, 76);
        assert_eq!(heart_rate.measurement_conditions.map(|conditions| conditions.text), Some("Resting".to_owned()));
    }

    #[test]
    fn invalid_heart_rates_are_rejected_with_their_path() {
        assert_eq!(
            rejection(HEART_RATE, &format!("<heart-rate>{WHEN}</heart-rate>")),
            "heart-rate/value: is required but missing"
        );
        assert_eq!(
            rejection(HEART_RATE, &format!("<heart-rate>{WHEN}<value>fast</value></heart-rate>")),
            "heart-rate/value: must be a whole number of at least 0, got \"fast\""
        );
        assert_eq!(
            rejection(HEART_RATE, &format!("<heart-rate>{WHEN}<value>99999999999</value></heart-rate>")),
            "heart-rate/value: must be a whole number of at least 0, got \"99999999999\""
        );
        assert_eq!(
            rejection(
                HEART_RATE,
                "<heart-rate><when><date><y>2009</y><m>12</m><d>32</d></date></when><value>1</value></heart-rate>"
            ),
            "heart-rate/when/date/d: must be a whole number from 1 to 31, got \"32\""
        );
        assert_eq!(
            rejection(HEART_RATE, "<pulse/>"),
            "Heart rate data must have the root element <heart-rate>, not <pulse>"
        );
        assert_eq!(
            rejection(
                HEART_RATE,
                &format!(
                    "<heart-rate>{WHEN}<value>70</value><measurement-method><code/></measurement-method></heart-rate>"
                )
            ),
            "heart-rate/measurement-method/text: is required but missing"
        );
        assert_eq!(
            rejection(HEART_RATE, &format!("<heart-rate>{WHEN}<value>70</value><rhythm>sinus</rhythm></heart-rate>")),
            "heart-rate/rhythm: is not an element the schema allows here"
        );
    }
}
