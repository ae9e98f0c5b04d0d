//! Weight (`weight.xsd`): one weight measurement.

use super::ThingDataError;
use super::common::WeightValue;
use super::dates::DateTime;
use super::reader::Element;

/// A weight measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct Weight {
    /// When the weight was measured.
    pub when: DateTime,
    /// The weight, in kilograms and as entered.
    pub value: WeightValue,
}

impl Weight {
    /// Reads `<when>` then `<value>`.
    pub(super) fn parse(root: &Element<'_, '_>) -> Result<Self, ThingDataError> {
        let mut children = root.children()?;
        let when = DateTime::parse(&children.required("when")?)?;
        let value = WeightValue::parse(&children.required("value")?)?;
        children.finish()?;
        Ok(Self { when, value })
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::super::test_support::{rejection, validate, validate_sample};
    use super::super::{TypedData, WEIGHT};

    const SAMPLE: &str = "<weight><when><date><y>1990</y><m>1</m><d>1</d></date>\
        <time><h>1</h><m>0</m><s>0</s><f>0</f></time></when>\
        <value><kg>60</kg><display units=\"lb\">132</display></value></weight>";

    #[test]
    fn the_reference_sample_validates() {
        if let Some(validated) = validate_sample(WEIGHT) {
            assert_eq!(validated.effective_date, Some(datetime!(1990-01-01 1:00)));
            assert!(matches!(validated.typed, Some(TypedData::Weight(_))));
        }
    }

    #[test]
    fn the_inline_sample_parses() {
        let validated = validate(WEIGHT, SAMPLE).unwrap();
        assert_eq!(validated.effective_date, Some(datetime!(1990-01-01 1:00)));
        let Some(TypedData::Weight(weight)) = validated.typed else { panic!("not a weight") };
        assert_eq!(weight.value.kilograms, 60.0);
        let display = weight.value.display.unwrap();
        assert_eq!((display.value, display.units.as_str()), (132.0, "lb"));
    }

    #[test]
    fn namespaces_declarations_and_leading_whitespace_are_accepted() {
        let qualified = "\n  <?xml version=\"1.0\" encoding=\"utf-8\"?>\n<w:weight xmlns:w=\"urn:com.microsoft.wc.thing.weight\">\
            <w:when><w:date><w:y>2026</w:y><w:m>1</w:m><w:d>5</w:d></w:date></w:when>\
            <w:value><w:kg>72.5</w:kg></w:value></w:weight>";
        let validated = validate(WEIGHT, qualified).unwrap();
        assert_eq!(validated.effective_date, Some(datetime!(2026-01-05 0:00)));
    }

    #[test]
    fn invalid_weights_are_rejected_with_their_path() {
        let when = "<when><date><y>2026</y><m>1</m><d>5</d></date></when>";
        assert_eq!(rejection(WEIGHT, &format!("<weight>{when}</weight>")), "weight/value: is required but missing");
        assert_eq!(
            rejection(WEIGHT, &format!("<weight>{when}<value><kg>-1</kg></value></weight>")),
            "weight/value/kg: must be a number of 0 or more, got -1"
        );
        assert_eq!(
            rejection(WEIGHT, &format!("<weight>{when}<value><kg>heavy</kg></value></weight>")),
            "weight/value/kg: must be a number, got \"heavy\""
        );
        assert_eq!(
            rejection(
                WEIGHT,
                "<weight><when><date><y>2026</y><m>4</m><d>31</d></date></when><value><kg>1</kg></value></weight>"
            ),
            "weight/when/date/d: April 2026 has no day 31"
        );
        assert_eq!(rejection(WEIGHT, "<height/>"), "Weight data must have the root element <weight>, not <height>");
        assert_eq!(
            rejection(WEIGHT, &format!("<weight>{when}<value><kg>1</kg></value><bmi>20</bmi></weight>")),
            "weight/bmi: is not an element the schema allows here"
        );
        assert_eq!(
            rejection(WEIGHT, &format!("<weight><value><kg>1</kg></value>{when}</weight>")),
            "weight/when: must come before <value>"
        );
        assert!(rejection(WEIGHT, "<weight>").starts_with("the data is not well-formed XML"));
    }
}
