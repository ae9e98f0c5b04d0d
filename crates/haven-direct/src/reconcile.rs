//! Reconciling a clinical document received by Direct messaging into discrete HealthVault things
//! the person can review before adding them to their record.
//!
//! A C-CDA or HL7 CCD (release 1, HITSP C32) `ClinicalDocument` gives conditions, medications,
//! allergies, lab results and immunizations from its Problems, Medications, Allergies, Results
//! and Immunizations sections, each found by its templateId or its LOINC section code; an ASTM
//! CCR gives the same from its `Body`. Every item's data is the XML of its thing type, which the
//! domain's validation accepts. Nothing is invented: an entry without a usable name is skipped,
//! and so are negated entries ("no known allergies") and plans. Pure: no IO.

mod ccr;
mod cda;
mod codes;
mod dates;
mod items;
mod thing_xml;

use haven_domain::ids::ThingTypeId;
use haven_domain::thing_type;

/// The HL7 v3 namespace of CDA documents.
const HL7_V3_NAMESPACE: &str = "urn:hl7-org:v3";
/// The ASTM namespace of CCR documents.
const CCR_NAMESPACE: &str = "urn:astm-org:CCR";
/// How deep elements may nest. Real documents stay well under 50 levels; the limit keeps a
/// hostile document from making any walk over it costly.
const MAX_DEPTH: usize = 256;
/// How many XML nodes a document may have (elements, text and so on), which bounds memory.
const MAX_NODES: u32 = 1_000_000;

/// The part of a clinical document an item came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReconciledSection {
    /// Problems: conditions.
    Problems,
    /// Medications.
    Medications,
    /// Allergies (a CCR's alerts).
    Allergies,
    /// Results: lab test results.
    Results,
    /// Immunizations.
    Immunizations,
}

impl ReconciledSection {
    /// The section's name as shown on a review screen.
    pub fn label(self) -> &'static str {
        match self {
            Self::Problems => "Problems",
            Self::Medications => "Medications",
            Self::Allergies => "Allergies",
            Self::Results => "Results",
            Self::Immunizations => "Immunizations",
        }
    }

    /// The thing type the section's items become.
    fn type_id(self) -> ThingTypeId {
        match self {
            Self::Problems => thing_type::CONDITION,
            Self::Medications => thing_type::MEDICATION,
            Self::Allergies => thing_type::ALLERGY,
            Self::Results => thing_type::LAB_RESULTS,
            Self::Immunizations => thing_type::IMMUNIZATION,
        }
    }
}

/// One entry of a document as a HealthVault thing, for the person to review and then add.
///
/// `data_xml` is the thing's data (its type's root element, unqualified, as HealthVault wrote
/// it) and validates as `type_id`; `summary` says the same in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconciledItem {
    /// Where in the document the entry was.
    pub section: ReconciledSection,
    /// The entry in plain words, e.g. "Hypertension (since 12 Mar 2019, active)".
    pub summary: String,
    /// The thing type of `data_xml`.
    pub type_id: ThingTypeId,
    /// The thing's data, e.g. `<condition>...</condition>`.
    pub data_xml: String,
}

impl ReconciledItem {
    fn new(section: ReconciledSection, summary: String, data_xml: String) -> Self {
        Self { section, summary, type_id: section.type_id(), data_xml }
    }
}

/// Why a document cannot be reconciled. The messages never carry document content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReconcileError {
    /// Well-formed XML, but neither an HL7 `ClinicalDocument` nor an ASTM CCR.
    #[error("the document is neither an HL7 CDA ClinicalDocument nor an ASTM CCR")]
    NotAClinicalDocument,
    /// Not UTF-8 or not well-formed XML, a DTD, or nesting or size beyond the limits.
    #[error("the document is not well-formed UTF-8 XML without a DTD, or is nested or sized beyond the limits")]
    Malformed,
}

/// Reads a C-CDA, CCD or CCR document and returns its problems, medications, allergies, results
/// and immunizations as things, in document order. A clinical document without such sections
/// gives an empty list.
pub fn reconcile(document: &[u8]) -> Result<Vec<ReconciledItem>, ReconcileError> {
    let document = document.strip_prefix(b"\xef\xbb\xbf").unwrap_or(document);
    let text = std::str::from_utf8(document).map_err(|_| ReconcileError::Malformed)?;
    // DTDs stay refused (roxmltree's default), so no entity can expand.
    let options = roxmltree::ParsingOptions { allow_dtd: false, nodes_limit: MAX_NODES, ..Default::default() };
    let document = roxmltree::Document::parse_with_options(text, options).map_err(|_| ReconcileError::Malformed)?;
    if deeper_than(&document, MAX_DEPTH) {
        return Err(ReconcileError::Malformed);
    }
    let root = document.root_element();
    let name = root.tag_name();
    match (name.namespace(), name.name()) {
        (Some(HL7_V3_NAMESPACE), "ClinicalDocument") => Ok(cda::reconcile(&document)),
        (Some(CCR_NAMESPACE), "ContinuityOfCareRecord") => Ok(ccr::reconcile(root)),
        _ => Err(ReconcileError::NotAClinicalDocument),
    }
}

/// Whether any node is nested more than `limit` levels deep. One pass in document order: a
/// node's parent always comes before it, so its depth is known.
fn deeper_than(document: &roxmltree::Document<'_>, limit: usize) -> bool {
    let mut depths = vec![0_usize; document.descendants().count()];
    for node in document.descendants() {
        let depth = node.parent().and_then(|parent| depths.get(parent.id().get_usize())).map_or(0, |depth| depth + 1);
        if depth > limit {
            return true;
        }
        if let Some(slot) = depths.get_mut(node.id().get_usize()) {
            *slot = depth;
        }
    }
    false
}

#[cfg(test)]
mod tests;
