//! Immunization, version 2 (`immunization.xsd`): a vaccine the person received.

use super::ThingDataError;
use super::common::{CodableValue, optional_codable, optional_text};
use super::dates::{ApproxDate, ApproxDateTime};
use super::person::PersonItem;
use super::reader::Element;

/// An immunization.
#[derive(Debug, Clone, PartialEq)]
pub struct Immunization {
    /// The vaccine's name, e.g. "Anthrax vaccine".
    pub name: CodableValue,
    /// When it was given; the type's effective date.
    pub administration_date: Option<ApproxDateTime>,
    /// Who gave it.
    pub administrator: Option<PersonItem>,
    /// The vaccine's manufacturer.
    pub manufacturer: Option<CodableValue>,
    /// The lot number.
    pub lot: Option<String>,
    /// The route, e.g. "Intramuscular".
    pub route: Option<CodableValue>,
    /// When the vaccine expires (possibly a partial date).
    pub expiration_date: Option<ApproxDate>,
    /// Which dose of a series, as text.
    pub sequence: Option<String>,
    /// Where on the body it was given.
    pub anatomic_surface: Option<CodableValue>,
    /// Any adverse event, as text.
    pub adverse_event: Option<String>,
    /// The consent given, as text.
    pub consent: Option<String>,
}

impl Immunization {
    /// Reads the `immunization` sequence; only `<name>` is required.
    pub(super) fn parse(root: &Element<'_, '_>) -> Result<Self, ThingDataError> {
        let mut children = root.children()?;
        let name = CodableValue::parse(&children.required("name")?)?;
        let administration_date =
            children.optional("administration-date").map(|date| ApproxDateTime::parse(&date)).transpose()?;
        let administrator = children.optional("administrator").map(|person| PersonItem::parse(&person)).transpose()?;
        let manufacturer = optional_codable(children.optional("manufacturer"))?;
        let lot = optional_text(children.optional("lot"))?;
        let route = optional_codable(children.optional("route"))?;
        let expiration_date = children.optional("expiration-date").map(|date| ApproxDate::parse(&date)).transpose()?;
        let sequence = optional_text(children.optional("sequence"))?;
        let anatomic_surface = optional_codable(children.optional("anatomic-surface"))?;
        let adverse_event = optional_text(children.optional("adverse-event"))?;
        let consent = optional_text(children.optional("consent"))?;
        children.finish()?;
        Ok(Self {
            name,
            administration_date,
            administrator,
            manufacturer,
            lot,
            route,
            expiration_date,
            sequence,
            anatomic_surface,
            adverse_event,
            consent,
        })
    }
}

#[cfg(test)]
mod tests {
    use time::Month;
    use time::macros::datetime;

    use super::super::test_support::{rejection, validate, validate_sample};
    use super::super::{IMMUNIZATION, TypedData};

    const NAME: &str = "<name><text>Anthrax vaccine</text><code><value>24</value><family>wc</family>\
        <type>immunizations-common</type><version>1</version></code></name>";

    /// The reference sample, shortened: the administrator's contact details are left out.
    const SAMPLE: &str = "<immunization>\
        <name><text>Anthrax vaccine</text><code><value>24</value><family>wc</family>\
        <type>immunizations-common</type><version>1</version></code></name>\
        <administration-date><structured><date><y>2005</y><m>1</m><d>1</d></date>\
        <time><h>6</h><m>0</m><s>0</s><f>0</f></time></structured></administration-date>\
        <administrator><name><full>John Mc kense</full><title><text>Mr</text><code><value>Mr</value>\
        <family>wc</family><type>name-prefixes</type><version/></code></title><first>John</first></name>\
        <organization>Interlake Hospitals</organization><professional-training>AtoZ Training</professional-training>\
        </administrator>\
        <manufacturer><text>Abbott Laboratories</text><code><value>AB</value><family>HL7</family>\
        <type>vaccine-manufacturers-mvx</type><version>2.3 07_2008</version></code></manufacturer>\
        <lot>N/A</lot><route><text>compounding</text></route>\
        <expiration-date><y>2008</y><m>1</m><d>1</d></expiration-date>\
        <anatomic-surface><text>Buttock</text></anatomic-surface></immunization>";

    #[test]
    fn the_reference_sample_validates() {
        if let Some(validated) = validate_sample(IMMUNIZATION) {
            assert_eq!(validated.effective_date, Some(datetime!(2005-01-01 6:00)));
            assert!(matches!(validated.typed, Some(TypedData::Immunization(_))));
        }
    }

    #[test]
    fn the_inline_sample_parses() {
        let validated = validate(IMMUNIZATION, SAMPLE).unwrap();
        assert_eq!(validated.effective_date, Some(datetime!(2005-01-01 6:00)));
        let Some(TypedData::Immunization(immunization)) = validated.typed else { panic!("not an immunization") };
        assert_eq!(immunization.lot.as_deref(), Some("N/A"));
        let expiration = immunization.expiration_date.unwrap();
        assert_eq!((expiration.year, expiration.month, expiration.day), (2008, Some(Month::January), Some(1)));
        let administrator = immunization.administrator.unwrap();
        assert_eq!(administrator.name.title.unwrap().codes[0].version.as_deref(), Some(""));
    }

    #[test]
    fn invalid_immunizations_are_rejected_with_their_path() {
        assert_eq!(
            rejection(IMMUNIZATION, "<immunization><lot>1</lot></immunization>"),
            "immunization/name: is required but missing"
        );
        assert_eq!(
            rejection(
                IMMUNIZATION,
                &format!("<immunization>{NAME}<expiration-date><y>soon</y></expiration-date></immunization>")
            ),
            "immunization/expiration-date/y: must be a whole number from 1000 to 9999, got \"soon\""
        );
        assert_eq!(
            rejection(
                IMMUNIZATION,
                &format!(
                    "<immunization>{NAME}<expiration-date><y>2008</y><m>6</m><d>31</d></expiration-date></immunization>"
                )
            ),
            "immunization/expiration-date/d: June 2008 has no day 31"
        );
        assert_eq!(
            rejection(
                IMMUNIZATION,
                &format!(
                    "<immunization>{NAME}<administration-date><date><y>2005</y><m>1</m><d>1</d></date>\
                          </administration-date></immunization>"
                )
            ),
            "immunization/administration-date: must hold either <structured> or <descriptive>"
        );
        assert_eq!(
            rejection(IMMUNIZATION, "<vaccine/>"),
            "Immunization data must have the root element <immunization>, not <vaccine>"
        );
        assert_eq!(
            rejection(IMMUNIZATION, &format!("<immunization>{NAME}<dose>2</dose></immunization>")),
            "immunization/dose: is not an element the schema allows here"
        );
        assert_eq!(
            rejection(IMMUNIZATION, &format!("<immunization>{NAME}{NAME}</immunization>")),
            "immunization/name: is out of order or repeated: the schema fixes where it goes and how often"
        );
    }
}
