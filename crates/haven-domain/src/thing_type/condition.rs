//! Condition (`condition.xsd`): a health condition the person has or had.

use super::ThingDataError;
use super::common::{CodableValue, optional_codable, optional_text};
use super::dates::ApproxDateTime;
use super::reader::Element;

/// A condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The condition's name, e.g. "High blood pressure".
    pub name: CodableValue,
    /// When it began; the type's effective date.
    pub onset_date: Option<ApproxDateTime>,
    /// Its status, e.g. "Past: No longer has this".
    pub status: Option<CodableValue>,
    /// When it ended.
    pub stop_date: Option<ApproxDateTime>,
    /// Why it ended, e.g. "In control".
    pub stop_reason: Option<String>,
}

impl Condition {
    /// Reads the `condition` sequence; only `<name>` is required.
    pub(super) fn parse(root: &Element<'_, '_>) -> Result<Self, ThingDataError> {
        let mut children = root.children()?;
        let name = CodableValue::parse(&children.required("name")?)?;
        let onset_date = children.optional("onset-date").map(|date| ApproxDateTime::parse(&date)).transpose()?;
        let status = optional_codable(children.optional("status"))?;
        let stop_date = children.optional("stop-date").map(|date| ApproxDateTime::parse(&date)).transpose()?;
        let stop_reason = optional_text(children.optional("stop-reason"))?;
        children.finish()?;
        Ok(Self { name, onset_date, status, stop_date, stop_reason })
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::super::ApproxDateTime;
    use super::super::test_support::{rejection, validate, validate_sample};
    use super::super::{CONDITION, TypedData};

    const NAME: &str = "<name><text>High blood pressure </text><code><value>1147</value><family>Mayo</family>\
        <type>MayoConditions</type><version>2.0</version></code></name>";

    #[test]
    fn the_reference_sample_validates() {
        if let Some(validated) = validate_sample(CONDITION) {
            assert_eq!(validated.effective_date, Some(datetime!(2009-02-01 20:30)));
            assert!(matches!(validated.typed, Some(TypedData::Condition(_))));
        }
    }

    #[test]
    fn the_inline_sample_parses() {
        let sample = format!(
            "<condition>{NAME}<onset-date><structured><date><y>2009</y><m>2</m><d>1</d></date>\
             <time><h>20</h><m>30</m><s>0</s><f>0</f></time></structured></onset-date>\
             <status><text>Past: No longer has this</text><code><value>inactive</value><family>wc</family>\
             <type>condition-occurrence</type><version>1</version></code></status>\
             <stop-date><structured><date><y>2009</y><m>10</m><d>1</d></date>\
             <time><h>0</h><m>0</m><s>0</s><f>0</f></time></structured></stop-date>\
             <stop-reason>In Control</stop-reason></condition>"
        );
        let validated = validate(CONDITION, &sample).unwrap();
        assert_eq!(validated.effective_date, Some(datetime!(2009-02-01 20:30)));
        let Some(TypedData::Condition(condition)) = validated.typed else { panic!("not a condition") };
        assert_eq!(condition.name.text, "High blood pressure ");
        assert_eq!(condition.stop_reason.as_deref(), Some("In Control"));
        assert_eq!(condition.stop_date.and_then(|date| date.to_primitive()), Some(datetime!(2009-10-01 0:00)));
    }

    #[test]
    fn a_descriptive_onset_gives_no_effective_date() {
        let sample =
            format!("<condition>{NAME}<onset-date><descriptive>as a child</descriptive></onset-date></condition>");
        let validated = validate(CONDITION, &sample).unwrap();
        assert_eq!(validated.effective_date, None);
        let Some(TypedData::Condition(condition)) = validated.typed else { panic!("not a condition") };
        assert_eq!(condition.onset_date, Some(ApproxDateTime::Descriptive("as a child".to_owned())));
    }

    #[test]
    fn invalid_conditions_are_rejected_with_their_path() {
        assert_eq!(
            rejection(CONDITION, "<condition><stop-reason>gone</stop-reason></condition>"),
            "condition/name: is required but missing"
        );
        assert_eq!(
            rejection(
                CONDITION,
                &format!(
                    "<condition>{NAME}<onset-date><structured><date><y>20x9</y></date></structured></onset-date></condition>"
                )
            ),
            "condition/onset-date/structured/date/y: must be a whole number from 1000 to 9999, got \"20x9\""
        );
        assert_eq!(
            rejection(
                CONDITION,
                &format!(
                    "<condition>{NAME}<onset-date><structured><date><y>2009</y><m>2</m><d>29</d></date>\
                          </structured></onset-date></condition>"
                )
            ),
            "condition/onset-date/structured/date/d: February 2009 has no day 29"
        );
        assert_eq!(
            rejection(CONDITION, "<problem/>"),
            "Condition data must have the root element <condition>, not <problem>"
        );
        assert_eq!(
            rejection(CONDITION, &format!("<condition>{NAME}<severity>mild</severity></condition>")),
            "condition/severity: is not an element the schema allows here"
        );
        assert_eq!(
            rejection(
                CONDITION,
                &format!(
                    "<condition>{NAME}<stop-reason>gone</stop-reason><status><text>Past</text></status></condition>"
                )
            ),
            "condition/status: is out of order or repeated: the schema fixes where it goes and how often"
        );
    }
}
