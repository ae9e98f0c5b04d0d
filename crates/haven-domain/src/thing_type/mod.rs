//! The thing-type registry: every type Haven knows, with its root element, where its
//! effective date comes from, and how its data is validated.
//!
//! Every type's data must be well-formed XML whose root element has the type's name (with
//! or without a namespace: names are matched on their local part). The common types that
//! Haven reads itself (`TypedKind`) are also parsed into Rust values and checked against
//! their HealthVault schema: required elements, element order, numeric ranges and formats,
//! and no elements the schema does not allow. The effective date is read from the element
//! named by the type's `EffectiveDate`; the HealthVault schemas' `effective-date-element`
//! annotations chose it where they have one, otherwise the type's primary date (see
//! `registry.rs`).

mod allergy;
mod basic_demographic;
mod blood_glucose;
mod blood_pressure;
mod common;
mod condition;
mod dates;
mod file;
mod heart_rate;
mod height;
mod immunization;
mod medication;
mod person;
mod reader;
mod registry;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
mod weight;

use time::{PrimitiveDateTime, Time};

use crate::ids::ThingTypeId;

pub use allergy::Allergy;
pub use basic_demographic::{BasicDemographic, Gender, Language};
pub use blood_glucose::BloodGlucose;
pub use blood_pressure::BloodPressure;
pub use common::{
    BloodGlucoseValue, CodableValue, CodedValue, DisplayValue, GeneralMeasurement, LengthValue, StructuredMeasurement,
    WeightValue,
};
pub use condition::Condition;
pub use dates::{ApproxDate, ApproxDateTime, DateTime, StructuredApproxDate};
pub use file::File;
pub use heart_rate::HeartRate;
pub use height::Height;
pub use immunization::Immunization;
pub use medication::{Medication, Prescription};
pub use person::{Address, ContactInfo, Email, PersonItem, PersonName, Phone};
pub use registry::*;
pub use weight::Weight;

use reader::Element;

/// Where a type's effective date (`eff-date`) comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EffectiveDate {
    /// A HealthVault `date-time` element (`<date><y/><m/><d/></date><time>...</time>`) at this
    /// path of child elements below the root, e.g. `&["when"]`.
    DateTime(&'static [&'static str]),
    /// An `approx-date-time` element (structured date-time, or free text which has no date).
    ApproxDateTime(&'static [&'static str]),
    /// A `date` element (`<y/><m/><d/>`), taken at midnight.
    Date(&'static [&'static str]),
    /// The type has no date of its own: the effective date is the created date.
    Created,
}

/// The types whose data Haven parses into Rust values and checks against their schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TypedKind {
    /// `weight.xsd`.
    Weight,
    /// `height.xsd`.
    Height,
    /// `bp.xsd`.
    BloodPressure,
    /// `blood-glucose.xsd`.
    BloodGlucose,
    /// `heart-rate.xsd`.
    HeartRate,
    /// `medication.xsd` (version 2).
    Medication,
    /// `condition.xsd`.
    Condition,
    /// `allergy.xsd`.
    Allergy,
    /// `immunization.xsd` (version 2).
    Immunization,
    /// `file.xsd`.
    File,
    /// `basicV2.xsd`.
    BasicDemographic,
}

impl TypedKind {
    fn parse(self, root: &Element<'_, '_>) -> Result<TypedData, ThingDataError> {
        Ok(match self {
            Self::Weight => TypedData::Weight(Weight::parse(root)?),
            Self::Height => TypedData::Height(Height::parse(root)?),
            Self::BloodPressure => TypedData::BloodPressure(BloodPressure::parse(root)?),
            Self::BloodGlucose => TypedData::BloodGlucose(BloodGlucose::parse(root)?),
            Self::HeartRate => TypedData::HeartRate(HeartRate::parse(root)?),
            Self::Medication => TypedData::Medication(Box::new(Medication::parse(root)?)),
            Self::Condition => TypedData::Condition(Condition::parse(root)?),
            Self::Allergy => TypedData::Allergy(Box::new(Allergy::parse(root)?)),
            Self::Immunization => TypedData::Immunization(Box::new(Immunization::parse(root)?)),
            Self::File => TypedData::File(File::parse(root)?),
            Self::BasicDemographic => TypedData::BasicDemographic(BasicDemographic::parse(root)?),
        })
    }
}

/// A thing type. The registry (`all()`) holds one per id, with unique names.
#[derive(Debug)]
pub struct ThingType {
    /// The type id.
    pub id: ThingTypeId,
    /// English name, e.g. "Blood pressure".
    pub name: &'static str,
    /// Root element of the type's data XML, e.g. `blood-pressure`.
    pub root_element: &'static str,
    /// Where the effective date comes from.
    pub effective_date: EffectiveDate,
    /// The typed parser for the data, if Haven reads this type; otherwise only the root
    /// element (and the effective-date element) is checked.
    pub typed: Option<TypedKind>,
}

/// The parsed data of a typed type, for callers that show or compute with it.
#[derive(Debug, Clone, PartialEq)]
pub enum TypedData {
    /// A weight measurement.
    Weight(Weight),
    /// A height measurement.
    Height(Height),
    /// A blood pressure measurement.
    BloodPressure(BloodPressure),
    /// A blood glucose measurement.
    BloodGlucose(BloodGlucose),
    /// A heart rate measurement.
    HeartRate(HeartRate),
    /// A medication (boxed: it is much larger than a measurement).
    Medication(Box<Medication>),
    /// A condition.
    Condition(Condition),
    /// An allergy (boxed: it may carry a whole provider).
    Allergy(Box<Allergy>),
    /// An immunization (boxed: it may carry a whole administrator).
    Immunization(Box<Immunization>),
    /// A file's description (the content is a blob).
    File(File),
    /// Basic demographic information.
    BasicDemographic(BasicDemographic),
}

/// The result of validating a thing's data.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidatedData {
    /// The effective date found in the data, if the type has one and the data carries it.
    pub effective_date: Option<PrimitiveDateTime>,
    /// The parsed data, for the types in `TypedKind`.
    pub typed: Option<TypedData>,
}

/// Why a thing's data is not acceptable for its type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThingDataError {
    /// The data is not well-formed XML.
    #[error("the data is not well-formed XML: {0}")]
    NotWellFormed(String),
    /// The root element is not the type's.
    #[error("{type_name} data must have the root element <{expected}>, not <{found}>")]
    WrongRoot {
        /// The type's name.
        type_name: &'static str,
        /// The type's root element.
        expected: &'static str,
        /// What was found.
        found: String,
    },
    /// A value is missing or invalid.
    #[error("{path}: {message}")]
    Invalid {
        /// Slash-separated element path from the root, e.g. `weight/value/kg`.
        path: String,
        /// What is wrong.
        message: String,
    },
}

impl ThingType {
    /// Whether Haven parses this type's data (see `TypedKind`).
    pub fn is_typed(&self) -> bool {
        self.typed.is_some()
    }

    /// Checks `data_xml` (the type's root element, with or without the type's namespace,
    /// optionally after an XML declaration or whitespace), parses it when the type is typed,
    /// and reads its effective date. An effective-date element that is present is checked
    /// for every type, as a date that cannot be read would misplace the thing in time.
    pub fn validate(&self, data_xml: &str) -> Result<ValidatedData, ThingDataError> {
        let data_xml =
            data_xml.trim_start_matches(|character: char| character == '\u{feff}' || character.is_whitespace());
        let document =
            roxmltree::Document::parse(data_xml).map_err(|error| ThingDataError::NotWellFormed(error.to_string()))?;
        let root_node = document.root_element();
        if root_node.tag_name().name() != self.root_element {
            return Err(ThingDataError::WrongRoot {
                type_name: self.name,
                expected: self.root_element,
                found: root_node.tag_name().name().to_owned(),
            });
        }
        let root = Element::root(root_node);
        let typed = self.typed.map(|kind| kind.parse(&root)).transpose()?;
        let effective_date = read_effective_date(&root, self.effective_date)?;
        Ok(ValidatedData { effective_date, typed })
    }
}

/// Every registered type.
pub fn all() -> &'static [ThingType] {
    &registry::REGISTRY
}

/// The type with this id.
pub fn by_id(id: ThingTypeId) -> Option<&'static ThingType> {
    registry::REGISTRY.iter().find(|thing_type| thing_type.id == id)
}

/// The type with this name (case-insensitive), e.g. "weight".
pub fn by_name(name: &str) -> Option<&'static ThingType> {
    registry::REGISTRY.iter().find(|thing_type| thing_type.name.eq_ignore_ascii_case(name))
}

/// Follows `source`'s path from the root; a missing element means no effective date.
fn read_effective_date(
    root: &Element<'_, '_>,
    source: EffectiveDate,
) -> Result<Option<PrimitiveDateTime>, ThingDataError> {
    let path = match source {
        EffectiveDate::DateTime(path) | EffectiveDate::ApproxDateTime(path) | EffectiveDate::Date(path) => path,
        EffectiveDate::Created => return Ok(None),
    };
    let Some(element) = path.iter().try_fold(root.clone(), |element, name| element.child(name)) else {
        return Ok(None);
    };
    match source {
        EffectiveDate::DateTime(_) => Ok(Some(DateTime::parse(&element)?.to_primitive())),
        EffectiveDate::ApproxDateTime(_) => Ok(ApproxDateTime::parse(&element)?.to_primitive()),
        EffectiveDate::Date(_) => Ok(Some(PrimitiveDateTime::new(dates::parse_date(&element)?, Time::MIDNIGHT))),
        EffectiveDate::Created => Ok(None),
    }
}
