//! Medication, version 2 (`medication.xsd`): a medication the person takes or took.

use super::ThingDataError;
use super::common::{CodableValue, GeneralMeasurement, optional_codable};
use super::dates::{ApproxDateTime, parse_date};
use super::person::PersonItem;
use super::reader::Element;

/// A medication.
#[derive(Debug, Clone, PartialEq)]
pub struct Medication {
    /// The medication's name, e.g. "Ibuprofen".
    pub name: CodableValue,
    /// The generic name.
    pub generic_name: Option<CodableValue>,
    /// The dose, e.g. "3 tablets/day".
    pub dose: Option<GeneralMeasurement>,
    /// The strength, e.g. "600mg".
    pub strength: Option<GeneralMeasurement>,
    /// How often it is taken.
    pub frequency: Option<GeneralMeasurement>,
    /// The route, e.g. "By mouth".
    pub route: Option<CodableValue>,
    /// What it is taken for.
    pub indication: Option<CodableValue>,
    /// When the person started taking it; the type's effective date.
    pub date_started: Option<ApproxDateTime>,
    /// When the person stopped taking it.
    pub date_discontinued: Option<ApproxDateTime>,
    /// Whether it was prescribed, e.g. "Prescribed OTC".
    pub prescribed: Option<CodableValue>,
    /// The prescription, if there is one.
    pub prescription: Option<Prescription>,
}

impl Medication {
    /// Reads the `medication` sequence; only `<name>` is required.
    pub(super) fn parse(root: &Element<'_, '_>) -> Result<Self, ThingDataError> {
        let mut children = root.children()?;
        let name = CodableValue::parse(&children.required("name")?)?;
        let generic_name = optional_codable(children.optional("generic-name"))?;
        let dose = optional_measurement(children.optional("dose"))?;
        let strength = optional_measurement(children.optional("strength"))?;
        let frequency = optional_measurement(children.optional("frequency"))?;
        let route = optional_codable(children.optional("route"))?;
        let indication = optional_codable(children.optional("indication"))?;
        let date_started = optional_approx_date_time(children.optional("date-started"))?;
        let date_discontinued = optional_approx_date_time(children.optional("date-discontinued"))?;
        let prescribed = optional_codable(children.optional("prescribed"))?;
        let prescription =
            children.optional("prescription").map(|prescription| Prescription::parse(&prescription)).transpose()?;
        children.finish()?;
        Ok(Self {
            name,
            generic_name,
            dose,
            strength,
            frequency,
            route,
            indication,
            date_started,
            date_discontinued,
            prescribed,
            prescription,
        })
    }
}

/// A medication's prescription.
#[derive(Debug, Clone, PartialEq)]
pub struct Prescription {
    /// Who prescribed it.
    pub prescribed_by: PersonItem,
    /// When it was prescribed.
    pub date_prescribed: Option<ApproxDateTime>,
    /// How much was prescribed, e.g. "15 tablets".
    pub amount_prescribed: Option<GeneralMeasurement>,
    /// Whether a generic may be substituted.
    pub substitution: Option<CodableValue>,
    /// How many refills are allowed (0 or more).
    pub refills: Option<u32>,
    /// How many days one fill lasts (1 or more).
    pub days_supply: Option<u32>,
    /// When the prescription expires.
    pub expiration: Option<time::Date>,
    /// Instructions for taking it.
    pub instructions: Option<CodableValue>,
}

impl Prescription {
    /// Reads the `Prescription` sequence; `<prescribed-by>` is required.
    pub(super) fn parse(element: &Element<'_, '_>) -> Result<Self, ThingDataError> {
        let mut children = element.children()?;
        let prescribed_by = PersonItem::parse(&children.required("prescribed-by")?)?;
        let date_prescribed = optional_approx_date_time(children.optional("date-prescribed"))?;
        let amount_prescribed = optional_measurement(children.optional("amount-prescribed"))?;
        let substitution = optional_codable(children.optional("substitution"))?;
        let refills = children.optional("refills").map(|refills| refills.whole_number(0_i32, None)).transpose()?;
        let days_supply = children.optional("days-supply").map(|days| days.whole_number(1_i32, None)).transpose()?;
        let expiration = children.optional("prescription-expiration").map(|date| parse_date(&date)).transpose()?;
        let instructions = optional_codable(children.optional("instructions"))?;
        children.finish()?;
        Ok(Self {
            prescribed_by,
            date_prescribed,
            amount_prescribed,
            substitution,
            refills: refills.map(i32::unsigned_abs),
            days_supply: days_supply.map(i32::unsigned_abs),
            expiration,
            instructions,
        })
    }
}

fn optional_measurement(element: Option<Element<'_, '_>>) -> Result<Option<GeneralMeasurement>, ThingDataError> {
    element.map(|element| GeneralMeasurement::parse(&element)).transpose()
}

fn optional_approx_date_time(element: Option<Element<'_, '_>>) -> Result<Option<ApproxDateTime>, ThingDataError> {
    element.map(|element| ApproxDateTime::parse(&element)).transpose()
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::super::test_support::{rejection, validate, validate_sample};
    use super::super::{MEDICATION, TypedData};

    const NAME: &str = "<name><text>Ibuprofen</text><code><value>df48b0ac-de8b-4bca-8785-dad6897fb53d</value>\
        <family>Mayo</family><type>MayoMedications</type><version>1.0</version></code></name>";

    /// The reference sample, shortened: the prescriber's contact details are left out.
    const SAMPLE: &str = "<medication>\
        <name><text>Ibuprofen</text><code><value>df48b0ac-de8b-4bca-8785-dad6897fb53d</value><family>Mayo</family>\
        <type>MayoMedications</type><version>1.0</version></code></name>\
        <generic-name><text>Ibuprofen / Tolperisone Oral Tablet</text></generic-name>\
        <dose><display>3 Tablets/Day</display><structured><value>3</value><units><text>Tablets</text></units>\
        </structured></dose>\
        <strength><display>600mg</display><structured><value>600</value><units><text>Milligrams (mg)</text></units>\
        </structured></strength>\
        <frequency><display>1 tablet every 8 hours</display></frequency>\
        <route><text>By mouth</text></route>\
        <date-started><structured><date><y>2005</y><m>1</m><d>1</d></date><time><h>6</h><m>0</m><s>0</s><f>0</f>\
        </time></structured></date-started>\
        <date-discontinued><structured><date><y>2005</y><m>1</m><d>10</d></date></structured></date-discontinued>\
        <prescribed><text>Prescribed OTC</text></prescribed>\
        <prescription><prescribed-by><name><full>John Mc Kense</full><first>John</first><last>Kense</last></name>\
        <organization>Interlake Hospitals</organization><id/></prescribed-by>\
        <date-prescribed><structured><date><y>2005</y><m>1</m><d>1</d></date></structured></date-prescribed>\
        <amount-prescribed><display>15 tablets</display></amount-prescribed>\
        <substitution><text>Substitution permitted</text></substitution>\
        <refills>2</refills><days-supply>5</days-supply>\
        <prescription-expiration><y>2005</y><m>1</m><d>12</d></prescription-expiration>\
        <instructions><text>3 tablets/day, have it after dinner.</text></instructions></prescription>\
        </medication>";

    #[test]
    fn the_reference_sample_validates() {
        if let Some(validated) = validate_sample(MEDICATION) {
            assert_eq!(validated.effective_date, Some(datetime!(2005-01-01 6:00)));
            assert!(matches!(validated.typed, Some(TypedData::Medication(_))));
        }
    }

    #[test]
    fn the_inline_sample_parses() {
        let validated = validate(MEDICATION, SAMPLE).unwrap();
        assert_eq!(validated.effective_date, Some(datetime!(2005-01-01 6:00)));
        let Some(TypedData::Medication(medication)) = validated.typed else { panic!("not a medication") };
        assert_eq!(medication.name.text, "Ibuprofen");
        assert_eq!(medication.strength.unwrap().structured[0].value, 600.0);
        let prescription = medication.prescription.unwrap();
        assert_eq!(prescription.prescribed_by.name.full, "John Mc Kense");
        assert_eq!((prescription.refills, prescription.days_supply), (Some(2), Some(5)));
        assert_eq!(prescription.expiration, Some(date!(2005 - 01 - 12)));
    }

    #[test]
    fn a_medication_without_a_start_has_no_effective_date() {
        let validated = validate(MEDICATION, &format!("<medication>{NAME}</medication>")).unwrap();
        assert_eq!(validated.effective_date, None);
    }

    #[test]
    fn invalid_medications_are_rejected_with_their_path() {
        assert_eq!(
            rejection(MEDICATION, "<medication><route><text>By mouth</text></route></medication>"),
            "medication/name: is required but missing"
        );
        assert_eq!(
            rejection(
                MEDICATION,
                &format!(
                    "<medication>{NAME}<dose><display>3</display><structured><value>three</value>\
                          <units><text>Tablets</text></units></structured></dose></medication>"
                )
            ),
            "medication/dose/structured/value: must be a number, got \"three\""
        );
        assert_eq!(
            rejection(
                MEDICATION,
                &format!(
                    "<medication>{NAME}<prescription><prescribed-by><name><full>J</full></name></prescribed-by>\
                          <days-supply>0</days-supply></prescription></medication>"
                )
            ),
            "medication/prescription/days-supply: must be a whole number of at least 1, got \"0\""
        );
        assert_eq!(
            rejection(
                MEDICATION,
                &format!(
                    "<medication>{NAME}<date-started><structured><date><y>2005</y><m>2</m><d>30</d></date>\
                          </structured></date-started></medication>"
                )
            ),
            "medication/date-started/structured/date/d: February 2005 has no day 30"
        );
        assert_eq!(
            rejection(MEDICATION, "<medicine/>"),
            "Medication data must have the root element <medication>, not <medicine>"
        );
        assert_eq!(
            rejection(MEDICATION, &format!("<medication>{NAME}<pharmacy>Corner</pharmacy></medication>")),
            "medication/pharmacy: is not an element the schema allows here"
        );
        assert_eq!(
            rejection(
                MEDICATION,
                &format!("<medication>{NAME}<prescription><refills>2</refills></prescription></medication>")
            ),
            "medication/prescription/prescribed-by: is required but missing"
        );
    }
}
