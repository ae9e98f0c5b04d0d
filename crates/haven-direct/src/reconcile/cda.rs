//! Reading a CDA `ClinicalDocument` (C-CDA or CCD release 1): finding its sections and the
//! shared pieces of their entries (coded names, times, negation).

mod allergies;
mod immunizations;
mod medications;
mod problems;
mod results;

use std::collections::HashMap;

use roxmltree::{Document, Node};

use super::codes::{Codable, Code, normalize_space};
use super::dates::ApproxDateTime;
use super::{HL7_V3_NAMESPACE, ReconciledItem, ReconciledSection};

/// The XML Schema instance namespace, of `xsi:type`.
const XSI_NAMESPACE: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// The LOINC code system, which names the sections.
const LOINC: &str = "2.16.840.1.113883.6.1";

/// Each section's templateIds (C-CDA with and without required entries, then CCD release 1)
/// and its LOINC code.
const SECTIONS: &[(ReconciledSection, &[&str], &str)] = &[
    (
        ReconciledSection::Problems,
        &["2.16.840.1.113883.10.20.22.2.5.1", "2.16.840.1.113883.10.20.22.2.5", "2.16.840.1.113883.10.20.1.11"],
        "11450-4",
    ),
    (
        ReconciledSection::Medications,
        &["2.16.840.1.113883.10.20.22.2.1.1", "2.16.840.1.113883.10.20.22.2.1", "2.16.840.1.113883.10.20.1.8"],
        "10160-0",
    ),
    (
        ReconciledSection::Allergies,
        &["2.16.840.1.113883.10.20.22.2.6.1", "2.16.840.1.113883.10.20.22.2.6", "2.16.840.1.113883.10.20.1.2"],
        "48765-2",
    ),
    (
        ReconciledSection::Results,
        &["2.16.840.1.113883.10.20.22.2.3.1", "2.16.840.1.113883.10.20.22.2.3", "2.16.840.1.113883.10.20.1.14"],
        "30954-2",
    ),
    (
        ReconciledSection::Immunizations,
        &["2.16.840.1.113883.10.20.22.2.2.1", "2.16.840.1.113883.10.20.22.2.2", "2.16.840.1.113883.10.20.1.6"],
        "11369-6",
    ),
];

/// What an entry's reader needs besides the entry: the section, and the narrative its coded
/// values refer to.
#[derive(Debug)]
pub(super) struct Context<'a, 'input> {
    /// The title of the section being read, e.g. "Results".
    section_title: Option<String>,
    narrative: Narrative<'a, 'input>,
}

/// The document's narrative elements by `ID`, with the text of those already read.
#[derive(Debug)]
struct Narrative<'a, 'input> {
    by_id: HashMap<&'a str, Node<'a, 'input>>,
    texts: HashMap<&'a str, Option<String>>,
}

impl<'a, 'input> Narrative<'a, 'input> {
    fn of(document: &'a Document<'input>) -> Self {
        let mut by_id = HashMap::new();
        for node in document.descendants().filter(Node::is_element) {
            if let Some(id) = node.attribute("ID") {
                by_id.entry(id).or_insert(node);
            }
        }
        Self { by_id, texts: HashMap::new() }
    }

    /// The text of the narrative element a `reference/@value` such as `#problem1` points to.
    fn text(&mut self, reference: &str) -> Option<String> {
        let id = reference.trim().strip_prefix('#')?;
        let node = *self.by_id.get(id)?;
        let key = node.attribute("ID")?;
        self.texts.entry(key).or_insert_with(|| normalize_space(&text_of(node))).clone()
    }
}

/// Reads the document's sections, in document order.
pub(super) fn reconcile(document: &Document<'_>) -> Vec<ReconciledItem> {
    let mut context = Context { section_title: None, narrative: Narrative::of(document) };
    let root = document.root_element();
    let Some(body) = path(root, &["component", "structuredBody"]) else {
        return Vec::new();
    };
    let mut items = Vec::new();
    for section in body.descendants().filter(|node| is(*node, "section")) {
        let Some(kind) = section_kind(section) else { continue };
        context.section_title = child(section, "title").and_then(|title| normalize_space(&text_of(title)));
        for entry in children(section, "entry") {
            let entry_items = match kind {
                ReconciledSection::Problems => problems::read(entry, &mut context),
                ReconciledSection::Medications => medications::read(entry, &mut context),
                ReconciledSection::Allergies => allergies::read(entry, &mut context),
                ReconciledSection::Results => results::read(entry, &mut context),
                ReconciledSection::Immunizations => immunizations::read(entry, &mut context),
            };
            items.extend(entry_items);
        }
    }
    items
}

/// The kind of a section, by its templateId or else its LOINC code.
fn section_kind(section: Node<'_, '_>) -> Option<ReconciledSection> {
    let templates: Vec<&str> =
        children(section, "templateId").filter_map(|template| template.attribute("root")).collect();
    let by_template =
        SECTIONS.iter().find(|(_, roots, _)| templates.iter().any(|template| roots.contains(&template.trim())));
    let by_code = || {
        let code = child(section, "code")?;
        let system = code.attribute("codeSystem").map_or(LOINC, str::trim);
        let value = code.attribute("code")?.trim();
        SECTIONS.iter().find(|(_, _, loinc)| system == LOINC && value == *loinc)
    };
    by_template.or_else(by_code).map(|(kind, _, _)| *kind)
}

impl Context<'_, '_> {
    /// A coded element (`CD`, `CE`, `CV`, `CO`) as a codable value. The text is the
    /// `displayName`, else the narrative its `originalText` refers to (or the original text
    /// itself), else a translation's `displayName`, else the code. `None` when there is none of
    /// these: a `nullFlavor` code with nothing else names nothing.
    pub(super) fn codable(&mut self, coded: Node<'_, '_>) -> Option<Codable> {
        let mut codes = Vec::new();
        codes.extend(code_of(coded));
        let translations: Vec<Node<'_, '_>> = children(coded, "translation").collect();
        codes.extend(translations.iter().filter_map(|translation| code_of(*translation)));
        let text = display_name(coded)
            .or_else(|| self.original_text(coded))
            .or_else(|| translations.iter().find_map(|translation| display_name(*translation)))
            .or_else(|| codes.first().map(|code| code.value.clone()))?;
        Some(Codable { text, codes })
    }

    /// A coded element's `originalText`: the narrative it refers to, else its own text.
    fn original_text(&mut self, coded: Node<'_, '_>) -> Option<String> {
        let original = child(coded, "originalText")?;
        let referenced = child(original, "reference")
            .and_then(|reference| reference.attribute("value"))
            .and_then(|reference| self.narrative.text(reference));
        referenced.or_else(|| {
            let own: String = original.children().filter(Node::is_text).filter_map(|text| text.text()).collect();
            normalize_space(&own)
        })
    }

    /// Text that may be a narrative reference, as an observation range's `<text>` is.
    pub(super) fn text_or_reference(&mut self, element: Node<'_, '_>) -> Option<String> {
        child(element, "reference")
            .and_then(|reference| reference.attribute("value"))
            .and_then(|reference| self.narrative.text(reference))
            .or_else(|| normalize_space(&text_of(element)))
    }

    /// The section's title.
    pub(super) fn section_title(&self) -> Option<&str> {
        self.section_title.as_deref()
    }
}

/// The code of a coded element, when it has both a code and a code system.
fn code_of(coded: Node<'_, '_>) -> Option<Code> {
    Code::from_oid(coded.attribute("code")?, coded.attribute("codeSystem")?, coded.attribute("codeSystemVersion"))
}

fn display_name(coded: Node<'_, '_>) -> Option<String> {
    coded.attribute("displayName").and_then(normalize_space)
}

/// Whether this is the HL7 element with this local name.
pub(super) fn is(node: Node<'_, '_>, name: &str) -> bool {
    node.is_element() && node.tag_name().name() == name && node.tag_name().namespace() == Some(HL7_V3_NAMESPACE)
}

/// The first HL7 child element with this name.
pub(super) fn child<'a, 'input>(node: Node<'a, 'input>, name: &str) -> Option<Node<'a, 'input>> {
    node.children().find(|child| is(*child, name))
}

/// The HL7 child elements with this name.
pub(super) fn children<'a, 'input>(
    node: Node<'a, 'input>,
    name: &'static str,
) -> impl Iterator<Item = Node<'a, 'input>> {
    node.children().filter(move |child| is(*child, name))
}

/// Follows first children along `names`.
pub(super) fn path<'a, 'input>(node: Node<'a, 'input>, names: &[&str]) -> Option<Node<'a, 'input>> {
    names.iter().try_fold(node, |node, name| child(node, name))
}

/// Whether the act carries one of these templateIds.
pub(super) fn has_template(node: Node<'_, '_>, roots: &[&str]) -> bool {
    children(node, "templateId")
        .filter_map(|template| template.attribute("root"))
        .any(|root| roots.contains(&root.trim()))
}

/// Whether an act says the opposite of what it names (`negationInd="true"`): no known
/// allergies, a vaccine not given, a medication not taken.
pub(super) fn is_negated(node: Node<'_, '_>) -> bool {
    node.attribute("negationInd").is_some_and(|value| value.trim() == "true")
}

/// The local name of an element's `xsi:type`, e.g. `PQ`.
pub(super) fn xsi_type<'a>(node: Node<'a, '_>) -> Option<&'a str> {
    let value = node.attribute((XSI_NAMESPACE, "type"))?.trim();
    Some(value.rsplit(':').next().unwrap_or(value))
}

/// The entries' acts inside entry relationships of this act, with the relationship's type
/// code, e.g. `SUBJ` or `MFST`.
pub(super) fn related<'a, 'input>(
    node: Node<'a, 'input>,
    act_name: &'static str,
) -> impl Iterator<Item = (Option<&'a str>, Node<'a, 'input>)> {
    children(node, "entryRelationship").filter_map(move |relationship| {
        Some((relationship.attribute("typeCode").map(str::trim), child(relationship, act_name)?))
    })
}

/// The start of an `effectiveTime`: its `low`, else its own `value`.
pub(super) fn start_time(effective_time: Node<'_, '_>) -> Option<ApproxDateTime> {
    child(effective_time, "low")
        .and_then(|low| low.attribute("value"))
        .or_else(|| effective_time.attribute("value"))
        .and_then(ApproxDateTime::from_hl7)
}

/// The end of an `effectiveTime` interval: its `high`.
pub(super) fn end_time(effective_time: Node<'_, '_>) -> Option<ApproxDateTime> {
    child(effective_time, "high").and_then(|high| high.attribute("value")).and_then(ApproxDateTime::from_hl7)
}

/// The name of a drug, vaccine or allergen (`manufacturedMaterial`, `playingEntity`): its
/// `code`, else its `name`.
pub(super) fn material_name(material: Node<'_, '_>, context: &mut Context<'_, '_>) -> Option<Codable> {
    child(material, "code")
        .and_then(|code| context.codable(code))
        .or_else(|| child(material, "name").and_then(|name| Codable::text_only(&text_of(name))))
}

/// The text of an element and everything in it. Inline markup (`content`, `sup`) joins its
/// text to the words around it; table cells, paragraphs, list items and line breaks separate
/// theirs.
fn text_of(node: Node<'_, '_>) -> String {
    const SEPARATING: &[&str] = &["br", "td", "th", "tr", "paragraph", "item", "caption", "list", "table"];
    let mut text = String::new();
    for descendant in node.descendants() {
        if descendant.is_text() {
            text.push_str(descendant.text().unwrap_or_default());
        } else if descendant.is_element() && SEPARATING.contains(&descendant.tag_name().name()) {
            text.push(' ');
        }
    }
    text
}
