//! The things an entry becomes, as read from either kind of document, and how each is written:
//! its HealthVault data in schema order, and its summary for the review screen.

use super::codes::{Codable, Code};
use super::dates::ApproxDateTime;
use super::thing_xml::{Measurement, ThingXml};
use super::{ReconciledItem, ReconciledSection};

/// A problem, for `condition.xsd`.
#[derive(Debug)]
pub(super) struct Condition {
    pub(super) name: Codable,
    pub(super) onset: Option<ApproxDateTime>,
    pub(super) status: Option<ProblemStatus>,
    pub(super) stop: Option<ApproxDateTime>,
}

/// A problem's status as the document gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ProblemStatus {
    Active,
    Inactive,
    Resolved,
}

/// A medication, for `medication.xsd`.
#[derive(Debug)]
pub(super) struct Medication {
    pub(super) name: Codable,
    pub(super) dose: Option<Measurement>,
    pub(super) strength: Option<Measurement>,
    pub(super) frequency: Option<Measurement>,
    pub(super) route: Option<Codable>,
    pub(super) started: Option<ApproxDateTime>,
    pub(super) discontinued: Option<ApproxDateTime>,
}

/// An allergy, for `allergy.xsd`: named by its allergen.
#[derive(Debug)]
pub(super) struct Allergy {
    pub(super) name: Codable,
    pub(super) reactions: Vec<Codable>,
    pub(super) first_observed: Option<ApproxDateTime>,
    pub(super) allergen_type: Option<Codable>,
}

/// A vaccine given, for `immunization.xsd`.
#[derive(Debug)]
pub(super) struct Immunization {
    pub(super) name: Codable,
    pub(super) given: Option<ApproxDateTime>,
    pub(super) manufacturer: Option<Codable>,
    pub(super) lot: Option<String>,
    pub(super) route: Option<Codable>,
}

/// A panel of lab results, for `lab-test-results.xsd`: one group of results. Invariant:
/// `results` is not empty.
#[derive(Debug)]
pub(super) struct LabPanel {
    pub(super) name: Codable,
    pub(super) when: Option<ApproxDateTime>,
    pub(super) results: Vec<LabResult>,
}

/// One lab test's result.
#[derive(Debug, Clone)]
pub(super) struct LabResult {
    pub(super) name: Codable,
    pub(super) when: Option<ApproxDateTime>,
    pub(super) value: Option<Measurement>,
    pub(super) ranges: Vec<Range>,
    pub(super) flag: Option<Flag>,
}

/// A reference range. Invariant: the bounds are plain decimals (`thing_xml::decimal`).
#[derive(Debug, Clone)]
pub(super) struct Range {
    pub(super) text: String,
    pub(super) minimum: Option<String>,
    pub(super) maximum: Option<String>,
}

/// An interpretation of a result, such as "High", and whether it means normal.
#[derive(Debug, Clone)]
pub(super) struct Flag {
    pub(super) value: Codable,
    pub(super) normal: bool,
}

impl ProblemStatus {
    /// The SNOMED CT problem status codes, else the words.
    pub(super) fn from_value(value: &Codable) -> Option<Self> {
        let by_code = value.codes.iter().find_map(|code| match code.value.as_str() {
            "55561003" => Some(Self::Active),
            "73425007" => Some(Self::Inactive),
            "413322009" => Some(Self::Resolved),
            _ => None,
        });
        by_code.or_else(|| Self::from_word(&value.text))
    }

    /// "Active", "Inactive" or "Resolved" in any case.
    pub(super) fn from_word(word: &str) -> Option<Self> {
        match word.trim().to_ascii_lowercase().as_str() {
            "active" => Some(Self::Active),
            "inactive" => Some(Self::Inactive),
            "resolved" => Some(Self::Resolved),
            _ => None,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
            Self::Resolved => "resolved",
        }
    }

    /// HealthVault's `condition-occurrence` vocabulary tells current from past conditions.
    fn codable(self) -> Codable {
        let (text, value) = match self {
            Self::Active => ("Active", "active"),
            Self::Inactive => ("Inactive", "inactive"),
            Self::Resolved => ("Resolved", "inactive"),
        };
        Codable { text: text.to_owned(), codes: vec![healthvault_code(value, "condition-occurrence")] }
    }
}

impl Flag {
    /// An HL7 `ObservationInterpretation` code (with the code as the document gave it, if it
    /// did) and HealthVault's `lab-result-flag` code where there is one. The text is the
    /// document's, else the code's meaning.
    pub(super) fn from_interpretation(code: &str, display_name: Option<String>, coded: Option<Code>) -> Option<Self> {
        let code = code.trim();
        let (meaning, lab_result_flag) = match code {
            "N" => ("Normal", Some("N")),
            "H" => ("High", Some("H")),
            "L" => ("Low", Some("L")),
            "A" => ("Abnormal", Some("A")),
            "HH" => ("Critically high", Some("C")),
            "LL" => ("Critically low", Some("C")),
            "AA" => ("Critically abnormal", Some("C")),
            _ => (code, None),
        };
        let text = display_name.or_else(|| super::codes::normalize_space(meaning))?;
        let mut codes: Vec<Code> = coded.into_iter().collect();
        codes.extend(lab_result_flag.map(|value| healthvault_code(value, "lab-result-flag")));
        Some(Self { value: Codable { text, codes }, normal: code == "N" })
    }
}

/// A code of one of HealthVault's own (`wc`) vocabularies, version 1.
fn healthvault_code(value: &str, vocabulary: &str) -> Code {
    Code {
        value: value.to_owned(),
        family: Some("wc".to_owned()),
        vocabulary: vocabulary.to_owned(),
        version: Some("1".to_owned()),
    }
}

impl Condition {
    pub(super) fn into_item(self) -> ReconciledItem {
        let mut xml = ThingXml::new();
        xml.element("condition", |xml| {
            xml.codable("name", &self.name);
            xml.optional_approx_date_time("onset-date", self.onset.as_ref());
            xml.optional_codable("status", self.status.map(ProblemStatus::codable).as_ref());
            xml.optional_approx_date_time("stop-date", self.stop.as_ref());
        });
        let mut details = Vec::new();
        details.extend(self.onset.as_ref().map(|onset| format!("since {}", onset.display())));
        match (self.status, &self.stop) {
            (Some(status), Some(stop)) => details.push(format!("{} {}", status.word(), stop.display())),
            (Some(status), None) => details.push(status.word().to_owned()),
            (None, Some(stop)) => details.push(format!("until {}", stop.display())),
            (None, None) => {}
        }
        ReconciledItem::new(ReconciledSection::Problems, summary(&self.name.text, &details), xml.finish())
    }
}

impl Medication {
    pub(super) fn into_item(self) -> ReconciledItem {
        let mut xml = ThingXml::new();
        xml.element("medication", |xml| {
            xml.codable("name", &self.name);
            xml.optional_measurement("dose", self.dose.as_ref());
            xml.optional_measurement("strength", self.strength.as_ref());
            xml.optional_measurement("frequency", self.frequency.as_ref());
            xml.optional_codable("route", self.route.as_ref());
            xml.optional_approx_date_time("date-started", self.started.as_ref());
            xml.optional_approx_date_time("date-discontinued", self.discontinued.as_ref());
        });
        let mut details = Vec::new();
        // A dose without units ("2") reads better named.
        details.extend(self.dose.map(|dose| match dose.structured {
            Some(_) => dose.display,
            None => format!("dose {}", dose.display),
        }));
        details.extend(self.route.map(|route| route.text));
        details.extend(self.frequency.map(|frequency| frequency.display));
        details.extend(span(self.started.as_ref(), self.discontinued.as_ref()));
        ReconciledItem::new(ReconciledSection::Medications, summary(&self.name.text, &details), xml.finish())
    }
}

impl Allergy {
    pub(super) fn into_item(self) -> ReconciledItem {
        // One reaction keeps its codes; several are listed as text, as a codable value names
        // one concept.
        let reaction = match self.reactions.as_slice() {
            [] => None,
            [reaction] => Some(reaction.clone()),
            several => Some(Codable {
                text: several.iter().map(|reaction| reaction.text.as_str()).collect::<Vec<_>>().join(", "),
                codes: Vec::new(),
            }),
        };
        let mut xml = ThingXml::new();
        xml.element("allergy", |xml| {
            xml.codable("name", &self.name);
            xml.optional_codable("reaction", reaction.as_ref());
            xml.optional_approx_date_time("first-observed", self.first_observed.as_ref());
            xml.optional_codable("allergen-type", self.allergen_type.as_ref());
        });
        let mut details = Vec::new();
        details.extend(reaction.map(|reaction| format!("reaction: {}", reaction.text)));
        details.extend(self.first_observed.map(|date| format!("since {}", date.display())));
        ReconciledItem::new(ReconciledSection::Allergies, summary(&self.name.text, &details), xml.finish())
    }
}

impl Immunization {
    pub(super) fn into_item(self) -> ReconciledItem {
        let mut xml = ThingXml::new();
        xml.element("immunization", |xml| {
            xml.codable("name", &self.name);
            xml.optional_approx_date_time("administration-date", self.given.as_ref());
            xml.optional_codable("manufacturer", self.manufacturer.as_ref());
            xml.optional_text("lot", self.lot.as_deref());
            xml.optional_codable("route", self.route.as_ref());
        });
        let details: Vec<String> = self.given.iter().map(|date| format!("given {}", date.display())).collect();
        ReconciledItem::new(ReconciledSection::Immunizations, summary(&self.name.text, &details), xml.finish())
    }
}

impl LabPanel {
    /// A single result standing alone: its own name names the group.
    pub(super) fn single(result: LabResult) -> Self {
        Self { name: result.name.clone(), when: result.when.clone(), results: vec![result] }
    }

    pub(super) fn into_item(self) -> ReconciledItem {
        let mut xml = ThingXml::new();
        xml.element("lab-test-results", |xml| {
            xml.optional_approx_date_time("when", self.when.as_ref());
            xml.element("lab-group", |xml| {
                xml.codable("group-name", &self.name);
                for result in &self.results {
                    xml.element("results", |xml| result.write(xml));
                }
            });
        });
        ReconciledItem::new(ReconciledSection::Results, self.summary(), xml.finish())
    }

    /// "Panel (15 Mar 2024): Hemoglobin 13.2 g/dL (low), ...", or for a result alone
    /// "Hemoglobin A1c 7.1 % (15 Mar 2024)".
    fn summary(&self) -> String {
        let described: Vec<String> = self.results.iter().map(LabResult::describe).collect();
        let date = self.when.as_ref().map(|when| format!(" ({})", when.display())).unwrap_or_default();
        match (self.results.as_slice(), described.as_slice()) {
            ([result], [only]) if result.name.text == self.name.text => format!("{only}{date}"),
            _ => format!("{}{date}: {}", self.name.text, described.join(", ")),
        }
    }
}

impl LabResult {
    /// The `lab-test-result-type` sequence: when, name, clinical code, value.
    fn write(&self, xml: &mut ThingXml) {
        xml.optional_approx_date_time("when", self.when.as_ref());
        xml.text("name", &self.name.text);
        if !self.name.codes.is_empty() {
            xml.codable("clinical-code", &self.name);
        }
        // The value's measurement is required: ranges and a flag go only with a value.
        let Some(value) = &self.value else { return };
        xml.element("value", |xml| {
            xml.measurement("measurement", value);
            for range in &self.ranges {
                xml.element("ranges", |xml| {
                    xml.element("type", |xml| xml.text("text", "Reference range"));
                    xml.element("text", |xml| xml.text("text", &range.text));
                    if range.minimum.is_some() || range.maximum.is_some() {
                        xml.element("value", |xml| {
                            xml.optional_text("minimum-range", range.minimum.as_deref());
                            xml.optional_text("maximum-range", range.maximum.as_deref());
                        });
                    }
                });
            }
            if let Some(flag) = &self.flag {
                xml.codable("flag", &flag.value);
            }
        });
    }

    /// "Hemoglobin 13.2 g/dL (low)".
    fn describe(&self) -> String {
        let mut text = self.name.text.clone();
        // As in the data, a flag is only shown with the value it qualifies.
        if let Some(value) = &self.value {
            text = format!("{text} {}", value.display);
            if let Some(flag) = self.flag.as_ref().filter(|flag| !flag.normal) {
                text = format!("{text} ({})", flag.value.text.to_lowercase());
            }
        }
        text
    }
}

/// "since X", "X to Y" or "until Y".
fn span(start: Option<&ApproxDateTime>, end: Option<&ApproxDateTime>) -> Option<String> {
    match (start, end) {
        (Some(start), Some(end)) => Some(format!("{} to {}", start.display(), end.display())),
        (Some(start), None) => Some(format!("since {}", start.display())),
        (None, Some(end)) => Some(format!("until {}", end.display())),
        (None, None) => None,
    }
}

/// "Name (detail, detail)", or the name alone.
fn summary(name: &str, details: &[String]) -> String {
    if details.is_empty() { name.to_owned() } else { format!("{name} ({})", details.join(", ")) }
}
