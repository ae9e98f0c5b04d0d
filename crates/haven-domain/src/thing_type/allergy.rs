//! Allergy (`allergy.xsd`): an allergy the person has, or explicitly does not have.

use super::ThingDataError;
use super::common::{CodableValue, optional_boolean, optional_codable};
use super::dates::ApproxDateTime;
use super::person::PersonItem;
use super::reader::Element;

/// An allergy.
#[derive(Debug, Clone, PartialEq)]
pub struct Allergy {
    /// The allergy's name, e.g. "Penicillin".
    pub name: CodableValue,
    /// The reaction, e.g. "difficulty swallowing".
    pub reaction: Option<CodableValue>,
    /// When it was first observed; the type's effective date.
    pub first_observed: Option<ApproxDateTime>,
    /// The kind of allergen, e.g. "animal".
    pub allergen_type: Option<CodableValue>,
    /// The allergen itself.
    pub allergen_code: Option<CodableValue>,
    /// Who treats it.
    pub treatment_provider: Option<PersonItem>,
    /// The treatment.
    pub treatment: Option<CodableValue>,
    /// True when the record says the person does *not* have this allergy.
    pub is_negated: Option<bool>,
}

impl Allergy {
    /// Reads the `allergy` sequence; only `<name>` is required.
    pub(super) fn parse(root: &Element<'_, '_>) -> Result<Self, ThingDataError> {
        let mut children = root.children()?;
        let name = CodableValue::parse(&children.required("name")?)?;
        let reaction = optional_codable(children.optional("reaction"))?;
        let first_observed =
            children.optional("first-observed").map(|date| ApproxDateTime::parse(&date)).transpose()?;
        let allergen_type = optional_codable(children.optional("allergen-type"))?;
        let allergen_code = optional_codable(children.optional("allergen-code"))?;
        let treatment_provider =
            children.optional("treatment-provider").map(|provider| PersonItem::parse(&provider)).transpose()?;
        let treatment = optional_codable(children.optional("treatment"))?;
        let is_negated = optional_boolean(children.optional("is-negated"))?;
        children.finish()?;
        Ok(Self {
            name,
            reaction,
            first_observed,
            allergen_type,
            allergen_code,
            treatment_provider,
            treatment,
            is_negated,
        })
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::super::test_support::{rejection, validate, validate_sample};
    use super::super::{ALLERGY, TypedData};

    const NAME: &str = "<name><text>allergy other than medicinal agents</text><code><value>V1509</value>\
        <family>icd</family><type>icd9cm</type><version>1</version></code></name>";

    /// The reference sample, shortened: most of the provider's details are left out.
    const SAMPLE: &str = "<allergy>\
        <name><text>allergy other than medicinal agents</text><code><value>V1509</value><family>icd</family>\
        <type>icd9cm</type><version>1</version></code></name>\
        <reaction><text>difficulty swallowing</text><code><value>787.2</value><family>wc</family>\
        <type>reactions</type><version>1</version></code></reaction>\
        <first-observed><structured><date><y>2005</y><m>1</m><d>1</d></date>\
        <time><h>6</h><m>0</m><s>0</s><f>0</f></time></structured></first-observed>\
        <allergen-type><text>animal</text></allergen-type><allergen-code><text>animal</text></allergen-code>\
        <treatment-provider><name><full>Peter Parker samuel</full><title><text>Dr</text></title>\
        <suffix><text>Senior</text></suffix></name><organization>Interlake Hospitals</organization><id/>\
        <contact><address><description>14503 Apt# 102</description><is-primary>true</is-primary>\
        <street>SE 140th St</street><city>DC</city><state>WA</state><postcode>98008</postcode><country/></address>\
        </contact><type><text>Provider</text></type></treatment-provider>\
        <treatment><text>Hotwatertreament</text></treatment><is-negated>true</is-negated></allergy>";

    #[test]
    fn the_reference_sample_validates() {
        if let Some(validated) = validate_sample(ALLERGY) {
            assert_eq!(validated.effective_date, Some(datetime!(2005-01-01 6:00)));
            assert!(matches!(validated.typed, Some(TypedData::Allergy(_))));
        }
    }

    #[test]
    fn the_inline_sample_parses() {
        let validated = validate(ALLERGY, SAMPLE).unwrap();
        assert_eq!(validated.effective_date, Some(datetime!(2005-01-01 6:00)));
        let Some(TypedData::Allergy(allergy)) = validated.typed else { panic!("not an allergy") };
        assert_eq!(allergy.reaction.map(|reaction| reaction.text), Some("difficulty swallowing".to_owned()));
        assert_eq!(allergy.is_negated, Some(true));
        let provider = allergy.treatment_provider.unwrap();
        assert_eq!(provider.name.suffix.map(|suffix| suffix.text), Some("Senior".to_owned()));
        assert_eq!(provider.contact.unwrap().addresses[0].country, "");
    }

    #[test]
    fn invalid_allergies_are_rejected_with_their_path() {
        assert_eq!(
            rejection(ALLERGY, "<allergy><reaction><text>rash</text></reaction></allergy>"),
            "allergy/name: is required but missing"
        );
        assert_eq!(
            rejection(ALLERGY, &format!("<allergy>{NAME}<is-negated>yes</is-negated></allergy>")),
            "allergy/is-negated: must be true or false, got \"yes\""
        );
        assert_eq!(
            rejection(
                ALLERGY,
                &format!(
                    "<allergy>{NAME}<first-observed><structured><date><y>2005</y><m>1</m></date>\
                          <time><h>25</h><m>0</m></time></structured></first-observed></allergy>"
                )
            ),
            "allergy/first-observed/structured/time/h: must be a whole number from 0 to 23, got \"25\""
        );
        assert_eq!(
            rejection(
                ALLERGY,
                &format!(
                    "<allergy>{NAME}<first-observed><structured><date><y>2005</y><m>13</m></date>\
                          </structured></first-observed></allergy>"
                )
            ),
            "allergy/first-observed/structured/date/m: must be a whole number from 1 to 12, got \"13\""
        );
        assert_eq!(
            rejection(ALLERGY, "<allergies/>"),
            "Allergy data must have the root element <allergy>, not <allergies>"
        );
        assert_eq!(
            rejection(ALLERGY, &format!("<allergy>{NAME}<severity>high</severity></allergy>")),
            "allergy/severity: is not an element the schema allows here"
        );
        assert_eq!(
            rejection(
                ALLERGY,
                &format!(
                    "<allergy>{NAME}<treatment-provider><organization>X</organization></treatment-provider></allergy>"
                )
            ),
            "allergy/treatment-provider/name: is required but missing"
        );
    }

    #[test]
    fn a_partial_first_observed_date_means_its_first_day() {
        let sample = format!(
            "<allergy>{NAME}<first-observed><structured><date><y>2005</y><m>3</m></date></structured></first-observed></allergy>"
        );
        assert_eq!(validate(ALLERGY, &sample).unwrap().effective_date, Some(datetime!(2005-03-01 0:00)));
    }
}
