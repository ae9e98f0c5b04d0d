//! Basic demographic information, version 2 (`basicV2.xsd`): the little the person shares
//! widely (gender, birth year, where they live, languages).

use super::ThingDataError;
use super::common::{CodableValue, optional_boolean, optional_codable, optional_text};
use super::reader::Element;

/// Basic demographic information.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasicDemographic {
    /// The person's gender.
    pub gender: Option<Gender>,
    /// The year of birth, 1000 to 3000.
    pub birth_year: Option<i32>,
    /// The country, e.g. ISO 3166 "US".
    pub country: Option<CodableValue>,
    /// The postal code.
    pub postcode: Option<String>,
    /// The city.
    pub city: Option<String>,
    /// The state or province.
    pub state: Option<CodableValue>,
    /// The first day of the week, 1 (Sunday) to 7 (Saturday).
    pub first_day_of_week: Option<u8>,
    /// The languages the person speaks.
    pub languages: Vec<Language>,
}

/// A gender as `basicV2.xsd` records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gender {
    /// `m`.
    Male,
    /// `f`.
    Female,
}

/// A `language` the person speaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Language {
    /// The language, e.g. ISO 639 "en".
    pub language: Option<CodableValue>,
    /// Whether it is the person's primary language.
    pub is_primary: Option<bool>,
}

impl BasicDemographic {
    /// Reads the `basic` sequence, in which every element is optional.
    pub(super) fn parse(root: &Element<'_, '_>) -> Result<Self, ThingDataError> {
        let mut children = root.children()?;
        let gender = children.optional("gender").map(|gender| parse_gender(&gender)).transpose()?;
        let birth_year =
            children.optional("birthyear").map(|year| year.whole_number(1000_i32, Some(3000))).transpose()?;
        let country = optional_codable(children.optional("country"))?;
        let postcode = optional_text(children.optional("postcode"))?;
        let city = optional_text(children.optional("city"))?;
        let state = optional_codable(children.optional("state"))?;
        let first_day_of_week = children.optional("firstdow").map(|day| day.whole_number(1_u8, Some(7))).transpose()?;
        let languages = children.repeated("language").iter().map(parse_language).collect::<Result<_, _>>()?;
        children.finish()?;
        Ok(Self { gender, birth_year, country, postcode, city, state, first_day_of_week, languages })
    }
}

fn parse_gender(element: &Element<'_, '_>) -> Result<Gender, ThingDataError> {
    let text = element.text()?;
    match text.trim() {
        "m" => Ok(Gender::Male),
        "f" => Ok(Gender::Female),
        _ => Err(element.error(format!("must be m or f, got {text:?}"))),
    }
}

fn parse_language(element: &Element<'_, '_>) -> Result<Language, ThingDataError> {
    let mut children = element.children()?;
    let language = optional_codable(children.optional("language"))?;
    let is_primary = optional_boolean(children.optional("is-primary"))?;
    children.finish()?;
    Ok(Language { language, is_primary })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{rejection, validate, validate_sample};
    use super::super::{BASIC_DEMOGRAPHIC, BASIC_DEMOGRAPHIC_V1, TypedData};
    use super::Gender;

    const SAMPLE: &str = "<basic><gender>m</gender><birthyear>1974</birthyear>\
        <country><text>United States</text><code><value>US</value><family>iso</family><type>iso3166</type>\
        <version>1.0</version></code></country><postcode>98102</postcode></basic>";

    #[test]
    fn the_reference_sample_validates() {
        if let Some(validated) = validate_sample(BASIC_DEMOGRAPHIC) {
            assert_eq!(validated.effective_date, None);
            assert!(matches!(validated.typed, Some(TypedData::BasicDemographic(_))));
        }
    }

    #[test]
    fn the_inline_sample_parses() {
        let validated = validate(BASIC_DEMOGRAPHIC, SAMPLE).unwrap();
        assert_eq!(validated.effective_date, None);
        let Some(TypedData::BasicDemographic(basic)) = validated.typed else { panic!("not basic information") };
        assert_eq!((basic.gender, basic.birth_year), (Some(Gender::Male), Some(1974)));
        assert_eq!(basic.country.map(|country| country.codes[0].value.clone()), Some("US".to_owned()));
        assert_eq!(basic.postcode.as_deref(), Some("98102"));
        let languages = "<basic><firstdow>1</firstdow><language><language><text>English</text></language>\
                         <is-primary>true</is-primary></language><language/></basic>";
        let Some(TypedData::BasicDemographic(basic)) = validate(BASIC_DEMOGRAPHIC, languages).unwrap().typed else {
            panic!("not basic information")
        };
        assert_eq!((basic.first_day_of_week, basic.languages.len()), (Some(1), 2));
        assert!(validate(BASIC_DEMOGRAPHIC, "<basic/>").is_ok());
    }

    #[test]
    fn the_first_version_checks_only_its_root() {
        let validated = validate(BASIC_DEMOGRAPHIC_V1, "<basic><country>US</country></basic>").unwrap();
        assert_eq!(validated.typed, None);
    }

    #[test]
    fn invalid_demographics_are_rejected_with_their_path() {
        assert_eq!(
            rejection(
                BASIC_DEMOGRAPHIC,
                "<basic><country><code><value>US</value><type>iso3166</type></code></country></basic>"
            ),
            "basic/country/text: is required but missing"
        );
        assert_eq!(
            rejection(BASIC_DEMOGRAPHIC, "<basic><birthyear>1974.5</birthyear></basic>"),
            "basic/birthyear: must be a whole number from 1000 to 3000, got \"1974.5\""
        );
        assert_eq!(
            rejection(BASIC_DEMOGRAPHIC, "<basic><birthyear>3001</birthyear></basic>"),
            "basic/birthyear: must be a whole number from 1000 to 3000, got \"3001\""
        );
        assert_eq!(
            rejection(BASIC_DEMOGRAPHIC, "<basic><gender>x</gender></basic>"),
            "basic/gender: must be m or f, got \"x\""
        );
        assert_eq!(
            rejection(BASIC_DEMOGRAPHIC, "<basic><firstdow>8</firstdow></basic>"),
            "basic/firstdow: must be a whole number from 1 to 7, got \"8\""
        );
        assert_eq!(
            rejection(BASIC_DEMOGRAPHIC, "<personal/>"),
            "Basic demographic information data must have the root element <basic>, not <personal>"
        );
        assert_eq!(
            rejection(BASIC_DEMOGRAPHIC, "<basic><country>US</country></basic>"),
            "basic/country: has text outside its child elements"
        );
        assert_eq!(
            rejection(BASIC_DEMOGRAPHIC, "<basic><postcode>1</postcode><gender>m</gender></basic>"),
            "basic/gender: is out of order or repeated: the schema fixes where it goes and how often"
        );
        assert_eq!(
            rejection(BASIC_DEMOGRAPHIC, "<basic><birthdate>1974-01-01</birthdate></basic>"),
            "basic/birthdate: is not an element the schema allows here"
        );
    }
}
