//! Blood glucose (`blood-glucose.xsd`): one blood glucose measurement.

use super::ThingDataError;
use super::common::{BloodGlucoseValue, CodableValue, optional_boolean, optional_codable};
use super::dates::DateTime;
use super::reader::Element;

/// A blood glucose measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct BloodGlucose {
    /// When the glucose was measured.
    pub when: DateTime,
    /// The concentration, in mmol/L and as entered.
    pub value: BloodGlucoseValue,
    /// Whole blood or plasma (`glucose-measurement-type`).
    pub measurement_type: CodableValue,
    /// Whether the meter was outside its operating temperature.
    pub outside_operating_temperature: Option<bool>,
    /// Whether this was a control test rather than a reading of the person.
    pub is_control_test: Option<bool>,
    /// How normal the reading is, 1 (well below normal) to 5 (well above).
    pub normalcy: Option<u8>,
    /// The context, e.g. "Before meal".
    pub measurement_context: Option<CodableValue>,
}

impl BloodGlucose {
    /// Reads the `blood-glucose` sequence; `<glucose-measurement-type>` is required.
    pub(super) fn parse(root: &Element<'_, '_>) -> Result<Self, ThingDataError> {
        let mut children = root.children()?;
        let when = DateTime::parse(&children.required("when")?)?;
        let value = BloodGlucoseValue::parse(&children.required("value")?)?;
        let measurement_type = CodableValue::parse(&children.required("glucose-measurement-type")?)?;
        let outside_operating_temperature = optional_boolean(children.optional("outside-operating-temp"))?;
        let is_control_test = optional_boolean(children.optional("is-control-test"))?;
        let normalcy =
            children.optional("normalcy").map(|normalcy| normalcy.whole_number(1_u8, Some(5))).transpose()?;
        let measurement_context = optional_codable(children.optional("measurement-context"))?;
        children.finish()?;
        Ok(Self {
            when,
            value,
            measurement_type,
            outside_operating_temperature,
            is_control_test,
            normalcy,
            measurement_context,
        })
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::super::test_support::{rejection, validate, validate_sample};
    use super::super::{BLOOD_GLUCOSE, TypedData};

    const WHEN: &str = "<when><date><y>2006</y><m>1</m><d>1</d></date>\
        <time><h>9</h><m>30</m><s>0</s><f>0</f></time></when>";
    const TYPE: &str = "<glucose-measurement-type><text>Whole blood</text><code><value>wb</value><family>wc</family>\
        <type>glucose-measurement-type</type><version>1</version></code></glucose-measurement-type>";

    #[test]
    fn the_reference_sample_validates() {
        if let Some(validated) = validate_sample(BLOOD_GLUCOSE) {
            assert_eq!(validated.effective_date, Some(datetime!(2006-01-01 9:30)));
            assert!(matches!(validated.typed, Some(TypedData::BloodGlucose(_))));
        }
    }

    #[test]
    fn the_inline_sample_parses() {
        let sample = format!(
            "<blood-glucose>{WHEN}<value><mmolPerL>7.444444</mmolPerL><display units=\"mmolPerL\">7.444444</display>\
             </value>{TYPE}<outside-operating-temp>true</outside-operating-temp><is-control-test>true</is-control-test>\
             <normalcy>1</normalcy><measurement-context><text>Before meal</text><code><value>BeforeMeal</value>\
             <family>wc</family><type>glucose-measurement-context</type><version>1</version></code>\
             </measurement-context></blood-glucose>"
        );
        let validated = validate(BLOOD_GLUCOSE, &sample).unwrap();
        assert_eq!(validated.effective_date, Some(datetime!(2006-01-01 9:30)));
        let Some(TypedData::BloodGlucose(glucose)) = validated.typed else { panic!("not a blood glucose") };
        assert_eq!(glucose.value.millimoles_per_liter, 7.444444);
        assert_eq!(glucose.measurement_type.codes[0].value, "wb");
        assert_eq!((glucose.normalcy, glucose.is_control_test), (Some(1), Some(true)));
        assert_eq!(glucose.measurement_context.map(|context| context.text), Some("Before meal".to_owned()));
    }

    #[test]
    fn invalid_glucose_readings_are_rejected_with_their_path() {
        let value = "<value><mmolPerL>5.5</mmolPerL></value>";
        assert_eq!(
            rejection(BLOOD_GLUCOSE, &format!("<blood-glucose>{WHEN}{value}</blood-glucose>")),
            "blood-glucose/glucose-measurement-type: is required but missing"
        );
        assert_eq!(
            rejection(
                BLOOD_GLUCOSE,
                &format!("<blood-glucose>{WHEN}<value><mmolPerL>-5</mmolPerL></value>{TYPE}</blood-glucose>")
            ),
            "blood-glucose/value/mmolPerL: must be a number greater than 0, got -5"
        );
        assert_eq!(
            rejection(
                BLOOD_GLUCOSE,
                &format!("<blood-glucose>{WHEN}{value}{TYPE}<normalcy>6</normalcy></blood-glucose>")
            ),
            "blood-glucose/normalcy: must be a whole number from 1 to 5, got \"6\""
        );
        assert_eq!(
            rejection(
                BLOOD_GLUCOSE,
                &format!(
                    "<blood-glucose><when><date><y>10000</y><m>1</m><d>1</d></date></when>{value}{TYPE}</blood-glucose>"
                )
            ),
            "blood-glucose/when/date/y: must be a whole number from 1000 to 9999, got \"10000\""
        );
        assert_eq!(
            rejection(BLOOD_GLUCOSE, "<glucose/>"),
            "Blood glucose data must have the root element <blood-glucose>, not <glucose>"
        );
        assert_eq!(
            rejection(BLOOD_GLUCOSE, &format!("<blood-glucose>{WHEN}{value}{TYPE}<meal>lunch</meal></blood-glucose>")),
            "blood-glucose/meal: is not an element the schema allows here"
        );
    }
}
