//! The shared value types of HealthVault's `base.xsd` that the typed thing types use:
//! coded text, display values and the measured values with their canonical units.

use super::ThingDataError;
use super::reader::{Element, NumberBound};

/// A `codable-value`: text for people, optionally with codes from vocabularies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodableValue {
    /// The text as shown to people, e.g. "Before meal".
    pub text: String,
    /// Codes for the same concept, in the order given.
    pub codes: Vec<CodedValue>,
}

impl CodableValue {
    /// Reads `<text>` then any number of `<code>`.
    pub(super) fn parse(element: &Element<'_, '_>) -> Result<Self, ThingDataError> {
        let mut children = element.children()?;
        let text = children.required("text")?.text()?;
        let codes = children.repeated("code").iter().map(CodedValue::parse).collect::<Result<_, _>>()?;
        children.finish()?;
        Ok(Self { text, codes })
    }
}

/// A `coded-value`: one code from a vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodedValue {
    /// The code, e.g. `BeforeMeal`.
    pub value: String,
    /// The vocabulary family, e.g. `wc`.
    pub family: Option<String>,
    /// The vocabulary name (the `<type>` element), e.g. `glucose-measurement-context`.
    pub vocabulary: String,
    /// The vocabulary version.
    pub version: Option<String>,
}

impl CodedValue {
    /// Reads `<value>`, `<family>?`, `<type>`, `<version>?`.
    pub(super) fn parse(element: &Element<'_, '_>) -> Result<Self, ThingDataError> {
        let mut children = element.children()?;
        let value = children.required("value")?.text()?;
        let family = optional_text(children.optional("family"))?;
        let vocabulary = children.required("type")?.text()?;
        let version = optional_text(children.optional("version"))?;
        children.finish()?;
        Ok(Self { value, family, vocabulary, version })
    }
}

/// A `display-value`: the number and units the person entered, kept for display beside the
/// canonical value.
#[derive(Debug, Clone, PartialEq)]
pub struct DisplayValue {
    /// The number as entered.
    pub value: f64,
    /// The units as shown, e.g. "lb".
    pub units: String,
    /// A code for the units.
    pub units_code: Option<String>,
    /// The whole value as text, e.g. "5 ft 11 in".
    pub text: Option<String>,
}

impl DisplayValue {
    /// Reads the number and its `units` (required), `units-code` and `text` attributes.
    pub(super) fn parse(element: &Element<'_, '_>) -> Result<Self, ThingDataError> {
        let value = element.number(NumberBound::Any)?;
        let Some(units) = element.attribute("units") else {
            return Err(element.error("needs a units attribute"));
        };
        Ok(Self {
            value,
            units: units.to_owned(),
            units_code: element.attribute("units-code").map(str::to_owned),
            text: element.attribute("text").map(str::to_owned),
        })
    }
}

/// A `weight-value`: kilograms, 0 or more.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightValue {
    /// The weight in kilograms.
    pub kilograms: f64,
    /// The weight as entered.
    pub display: Option<DisplayValue>,
}

impl WeightValue {
    /// Reads `<kg>` then an optional `<display>`.
    pub(super) fn parse(element: &Element<'_, '_>) -> Result<Self, ThingDataError> {
        let (kilograms, display) = parse_measured(element, "kg", NumberBound::NonNegative)?;
        Ok(Self { kilograms, display })
    }
}

/// A `length-value`: metres, more than 0.
#[derive(Debug, Clone, PartialEq)]
pub struct LengthValue {
    /// The length in metres.
    pub meters: f64,
    /// The length as entered.
    pub display: Option<DisplayValue>,
}

impl LengthValue {
    /// Reads `<m>` then an optional `<display>`.
    pub(super) fn parse(element: &Element<'_, '_>) -> Result<Self, ThingDataError> {
        let (meters, display) = parse_measured(element, "m", NumberBound::Positive)?;
        Ok(Self { meters, display })
    }
}

/// A `blood-glucose-value`: millimoles per litre, more than 0.
#[derive(Debug, Clone, PartialEq)]
pub struct BloodGlucoseValue {
    /// The concentration in mmol/L.
    pub millimoles_per_liter: f64,
    /// The concentration as entered, e.g. in mg/dL.
    pub display: Option<DisplayValue>,
}

impl BloodGlucoseValue {
    /// Reads `<mmolPerL>` then an optional `<display>`.
    pub(super) fn parse(element: &Element<'_, '_>) -> Result<Self, ThingDataError> {
        let (millimoles_per_liter, display) = parse_measured(element, "mmolPerL", NumberBound::Positive)?;
        Ok(Self { millimoles_per_liter, display })
    }
}

/// A `general-measurement`: text such as "3 tablets/day" with optional structured values.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneralMeasurement {
    /// The measurement as text.
    pub display: String,
    /// The same measurement as numbers with units.
    pub structured: Vec<StructuredMeasurement>,
}

impl GeneralMeasurement {
    /// Reads `<display>` then any number of `<structured>`.
    pub(super) fn parse(element: &Element<'_, '_>) -> Result<Self, ThingDataError> {
        let mut children = element.children()?;
        let display = children.required("display")?.text()?;
        let structured =
            children.repeated("structured").iter().map(StructuredMeasurement::parse).collect::<Result<_, _>>()?;
        children.finish()?;
        Ok(Self { display, structured })
    }
}

/// A `structured-measurement`: a number with coded units.
#[derive(Debug, Clone, PartialEq)]
pub struct StructuredMeasurement {
    /// The number.
    pub value: f64,
    /// The units, e.g. "Tablets".
    pub units: CodableValue,
}

impl StructuredMeasurement {
    /// Reads `<value>` then `<units>`.
    pub(super) fn parse(element: &Element<'_, '_>) -> Result<Self, ThingDataError> {
        let mut children = element.children()?;
        let value = children.required("value")?.number(NumberBound::Any)?;
        let units = CodableValue::parse(&children.required("units")?)?;
        children.finish()?;
        Ok(Self { value, units })
    }
}

/// The text of an optional element.
pub(super) fn optional_text(element: Option<Element<'_, '_>>) -> Result<Option<String>, ThingDataError> {
    element.map(|element| element.text()).transpose()
}

/// The codable value of an optional element.
pub(super) fn optional_codable(element: Option<Element<'_, '_>>) -> Result<Option<CodableValue>, ThingDataError> {
    element.map(|element| CodableValue::parse(&element)).transpose()
}

/// The boolean of an optional element.
pub(super) fn optional_boolean(element: Option<Element<'_, '_>>) -> Result<Option<bool>, ThingDataError> {
    element.map(|element| element.boolean()).transpose()
}

/// Reads the shape every measured value shares: the canonical number, then a display value.
fn parse_measured(
    element: &Element<'_, '_>,
    unit_element: &'static str,
    bound: NumberBound,
) -> Result<(f64, Option<DisplayValue>), ThingDataError> {
    let mut children = element.children()?;
    let value = children.required(unit_element)?.number(bound)?;
    let display = children.optional("display").map(|display| DisplayValue::parse(&display)).transpose()?;
    children.finish()?;
    Ok((value, display))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_with<T>(xml: &str, read: impl Fn(&Element<'_, '_>) -> Result<T, ThingDataError>) -> Result<T, String> {
        let document = roxmltree::Document::parse(xml).unwrap();
        read(&Element::root(document.root_element())).map_err(|error| error.to_string())
    }

    #[test]
    fn codable_values_need_text_and_complete_codes() {
        let xml = "<c><text>Whole blood</text><code><value>wb</value><family>wc</family>\
                   <type>glucose-measurement-type</type><version>1</version></code></c>";
        let value = parse_with(xml, CodableValue::parse).unwrap();
        assert_eq!(value.text, "Whole blood");
        assert_eq!(value.codes[0].vocabulary, "glucose-measurement-type");
        let no_text = parse_with("<c><code><value>x</value><type>t</type></code></c>", CodableValue::parse);
        assert_eq!(no_text.unwrap_err(), "c/text: is required but missing");
        let second_code =
            "<c><text>x</text><code><value>a</value><type>t</type></code><code><value>b</value></code></c>";
        assert_eq!(
            parse_with(second_code, CodableValue::parse).unwrap_err(),
            "c/code[2]/type: is required but missing"
        );
    }

    #[test]
    fn display_values_need_units() {
        let error = parse_with("<value><kg>60</kg><display>132</display></value>", WeightValue::parse).unwrap_err();
        assert_eq!(error, "value/display: needs a units attribute");
    }

    #[test]
    fn measured_values_keep_their_bounds() {
        let weight = parse_with("<value><kg>0</kg></value>", WeightValue::parse).unwrap();
        assert_eq!(weight.kilograms, 0.0);
        let length = parse_with("<value><m>0</m></value>", LengthValue::parse).unwrap_err();
        assert_eq!(length, "value/m: must be a number greater than 0, got 0");
        let glucose = parse_with("<value><mmolPerL>NaN</mmolPerL></value>", BloodGlucoseValue::parse).unwrap_err();
        assert_eq!(glucose, "value/mmolPerL: must be a number, got \"NaN\"");
    }
}
