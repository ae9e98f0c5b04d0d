//! Height (`height.xsd`): one height measurement.

use super::ThingDataError;
use super::common::LengthValue;
use super::dates::DateTime;
use super::reader::Element;

/// A height measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct Height {
    /// When the height was measured.
    pub when: DateTime,
    /// The height, in metres and as entered.
    pub value: LengthValue,
}

impl Height {
    /// Reads `<when>` then `<value>`.
    pub(super) fn parse(root: &Element<'_, '_>) -> Result<Self, ThingDataError> {
        let mut children = root.children()?;
        let when = DateTime::parse(&children.required("when")?)?;
        let value = LengthValue::parse(&children.required("value")?)?;
        children.finish()?;
        Ok(Self { when, value })
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::super::test_support::{rejection, validate, validate_sample};
    use super::super::{HEIGHT, TypedData};

    const SAMPLE: &str = "<height><when><date><y>2005</y><m>1</m><d>1</d></date>\
        <time><h>6</h><m>0</m><s>0</s><f>0</f></time></when>\
        <value><m>1.8</m><display units=\"feets\">6</display></value></height>";

    #[test]
    fn the_reference_sample_validates() {
        if let Some(validated) = validate_sample(HEIGHT) {
            assert_eq!(validated.effective_date, Some(datetime!(2005-01-01 6:00)));
            assert!(matches!(validated.typed, Some(TypedData::Height(_))));
        }
    }

    #[test]
    fn the_inline_sample_parses() {
        let validated = validate(HEIGHT, SAMPLE).unwrap();
        assert_eq!(validated.effective_date, Some(datetime!(2005-01-01 6:00)));
        let Some(TypedData::Height(height)) = validated.typed else { panic!("not a height") };
        assert_eq!(height.value.meters, 1.8);
        assert_eq!(height.value.display.map(|display| display.units), Some("feets".to_owned()));
    }

    #[test]
    fn invalid_heights_are_rejected_with_their_path() {
        let when = "<when><date><y>2005</y><m>1</m><d>1</d></date></when>";
        assert_eq!(
            rejection(HEIGHT, "<height><value><m>1.8</m></value></height>"),
            "height/when: is required but missing"
        );
        assert_eq!(
            rejection(HEIGHT, &format!("<height>{when}<value><m>0</m></value></height>")),
            "height/value/m: must be a number greater than 0, got 0"
        );
        assert_eq!(
            rejection(HEIGHT, &format!("<height>{when}<value><m>1,8</m></value></height>")),
            "height/value/m: must be a number, got \"1,8\""
        );
        assert_eq!(
            rejection(
                HEIGHT,
                "<height><when><date><y>2005</y><m>0</m><d>1</d></date></when><value><m>1</m></value></height>"
            ),
            "height/when/date/m: must be a whole number from 1 to 12, got \"0\""
        );
        assert_eq!(rejection(HEIGHT, "<weight/>"), "Height data must have the root element <height>, not <weight>");
        assert_eq!(
            rejection(HEIGHT, &format!("<height>{when}<value><m>1.8</m><cm>180</cm></value></height>")),
            "height/value/cm: is not an element the schema allows here"
        );
    }
}
