//! Coded names as HealthVault keeps them (`codable-value`): text for people and the codes of
//! the vocabularies that name the same concept.

/// Code systems named by their HL7 OIDs, with the vocabulary name HealthVault data uses for
/// them (the coded value's `type`). Their family is `HL7`, whose registry assigns the OIDs.
const CODE_SYSTEMS: &[(&str, &str)] = &[
    ("2.16.840.1.113883.6.96", "SNOMED CT"),
    ("2.16.840.1.113883.6.88", "RxNorm"),
    ("2.16.840.1.113883.6.1", "LOINC"),
    ("2.16.840.1.113883.12.292", "CVX"),
    ("2.16.840.1.113883.12.227", "MVX"),
    ("2.16.840.1.113883.6.90", "ICD-10-CM"),
    ("2.16.840.1.113883.6.103", "ICD-9-CM"),
    ("2.16.840.1.113883.6.69", "NDC"),
    ("2.16.840.1.113883.4.9", "UNII"),
    ("2.16.840.1.113883.6.8", "UCUM"),
    ("2.16.840.1.113883.3.26.1.1", "NCI Thesaurus"),
    ("2.16.840.1.113883.5.83", "ObservationInterpretation"),
    ("2.16.840.1.113883.5.4", "ActCode"),
];

/// Other names documents give the systems of `CODE_SYSTEMS` (lower case, letters and digits
/// only).
const NAME_ALIASES: &[(&str, &str)] = &[("snomed", "SNOMED CT"), ("icd9", "ICD-9-CM"), ("icd10", "ICD-10-CM")];

/// The family of the code systems in `CODE_SYSTEMS`.
const HL7_FAMILY: &str = "HL7";

/// A `codable-value`. Invariant: `text` is not empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Codable {
    pub(super) text: String,
    pub(super) codes: Vec<Code>,
}

/// One `coded-value`. Invariant: `value` and `vocabulary` are not empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Code {
    pub(super) value: String,
    pub(super) family: Option<String>,
    pub(super) vocabulary: String,
    pub(super) version: Option<String>,
}

impl Codable {
    /// Text alone, or `None` when it is blank.
    pub(super) fn text_only(text: &str) -> Option<Self> {
        let text = normalize_space(text)?;
        Some(Self { text, codes: Vec::new() })
    }
}

impl Code {
    /// A code from the system with this OID: known systems get their HealthVault name and the
    /// HL7 family, others keep the OID as their vocabulary.
    pub(super) fn from_oid(value: &str, oid: &str, version: Option<&str>) -> Option<Self> {
        let value = value.trim();
        let oid = oid.trim();
        if value.is_empty() || oid.is_empty() {
            return None;
        }
        let known = CODE_SYSTEMS.iter().find(|(known_oid, _)| *known_oid == oid);
        Some(Self {
            value: value.to_owned(),
            family: known.map(|_| HL7_FAMILY.to_owned()),
            vocabulary: known.map_or(oid, |(_, name)| name).to_owned(),
            version: version.and_then(normalize_space),
        })
    }

    /// A code from a vocabulary given by name (a CCR's `CodingSystem`).
    pub(super) fn named(value: &str, vocabulary: &str, version: Option<&str>) -> Option<Self> {
        let value = value.trim();
        let vocabulary = normalize_space(vocabulary)?;
        if value.is_empty() {
            return None;
        }
        let compact = |name: &str| -> String {
            name.chars().filter(char::is_ascii_alphanumeric).map(|character| character.to_ascii_lowercase()).collect()
        };
        let wanted = compact(&vocabulary);
        let known = CODE_SYSTEMS
            .iter()
            .map(|(_, name)| *name)
            .find(|name| compact(name) == wanted)
            .or_else(|| NAME_ALIASES.iter().find(|(alias, _)| *alias == wanted).map(|(_, name)| *name));
        Some(Self {
            value: value.to_owned(),
            family: known.map(|_| HL7_FAMILY.to_owned()),
            vocabulary: known.map_or(vocabulary, str::to_owned),
            version: version.and_then(normalize_space),
        })
    }

    /// Whether this is the code `value` of the system with HealthVault name `vocabulary`.
    pub(super) fn is(&self, vocabulary: &str, value: &str) -> bool {
        self.vocabulary == vocabulary && self.value == value
    }
}

/// The text with runs of white space made one space and the ends trimmed; `None` when nothing
/// is left.
pub(super) fn normalize_space(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() { None } else { Some(words.join(" ")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_systems_get_their_names_and_others_keep_the_oid() {
        let snomed = Code::from_oid("59621000", "2.16.840.1.113883.6.96", None).unwrap();
        assert_eq!((snomed.family.as_deref(), snomed.vocabulary.as_str()), (Some("HL7"), "SNOMED CT"));
        let local = Code::from_oid("X1", "1.2.3.4", Some(" 2 ")).unwrap();
        assert_eq!((local.family, local.vocabulary.as_str(), local.version.as_deref()), (None, "1.2.3.4", Some("2")));
        assert_eq!(Code::from_oid(" ", "1.2.3", None), None);
        assert_eq!(Code::named("140", "cvx", None).unwrap().vocabulary, "CVX");
        assert_eq!(Code::named("44054006", "SNOMED", None).unwrap().vocabulary, "SNOMED CT");
        assert_eq!(Code::named("E11.9", "ICD10-CM", None).unwrap().vocabulary, "ICD-10-CM");
        assert_eq!(Code::named("1", "Local", None).unwrap().family, None);
    }

    #[test]
    fn space_is_normalized() {
        assert_eq!(normalize_space("  Acute \n\t bronchitis "), Some("Acute bronchitis".to_owned()));
        assert_eq!(normalize_space(" \n"), None);
    }
}
