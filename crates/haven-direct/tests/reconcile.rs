//! Reconciling realistic clinical documents (`tests/data`): a C-CDA visit summary and a CCD
//! release 1 (HITSP C32) summary become exactly the expected things, and these and a CCR's are
//! each valid for their type in the domain and against their HealthVault schema (with
//! `xmllint`); hostile or damaged input gives errors or valid things, never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]
#![allow(clippy::print_stderr, reason = "a skipped schema check says why")]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use haven_direct::{ReconcileError, ReconciledItem, ReconciledSection, reconcile};
use haven_domain::thing_type::{self, TypedData, ValidatedData};

const CCDA: &str = include_str!("data/ccda-visit-summary.xml");
const CCD_RELEASE_1: &str = include_str!("data/ccd-r1-summary.xml");
const CCR: &str = include_str!("data/ccr-summary.xml");

/// Reconciles a document that must be readable.
fn items_of(document: &str) -> Vec<ReconciledItem> {
    reconcile(document.as_bytes()).expect("the document reconciles")
}

/// The domain's validation of an item, which must accept it.
fn validated(item: &ReconciledItem) -> ValidatedData {
    let thing_type = thing_type::by_id(item.type_id).expect("a registered type");
    thing_type
        .validate(&item.data_xml)
        .unwrap_or_else(|error| panic!("{} rejected {}: {error}", thing_type.name, item.data_xml))
}

fn sections_and_summaries(items: &[ReconciledItem]) -> Vec<(ReconciledSection, &str)> {
    items.iter().map(|item| (item.section, item.summary.as_str())).collect()
}

/// The effective date the domain reads from an item, as text.
fn effective_date(item: &ReconciledItem) -> Option<String> {
    validated(item).effective_date.map(|date| date.to_string())
}

#[test]
fn a_ccda_visit_summary_gives_its_problems_medications_allergies_results_and_immunizations() {
    let items = items_of(CCDA);
    assert_eq!(
        sections_and_summaries(&items),
        [
            (ReconciledSection::Allergies, "Penicillin (reaction: Hives, since 12 May 2010)"),
            (
                ReconciledSection::Medications,
                "Lisinopril 10 MG Oral Tablet (1 tbl, Oral, every 24 hours, since 12 Mar 2019)"
            ),
            (
                ReconciledSection::Medications,
                "Metformin hydrochloride 500 MG Oral Tablet (500 mg, Oral, every 12 hours, since 1 Jun 2015)"
            ),
            (ReconciledSection::Medications, "Amoxicillin 500 MG Oral Capsule (4 Nov 2022 to 14 Nov 2022)"),
            (ReconciledSection::Problems, "Essential hypertension (since 12 Mar 2019, active)"),
            (ReconciledSection::Problems, "Type 2 diabetes mellitus (since Jun 2015, active)"),
            (ReconciledSection::Problems, "Acute bronchitis (since 4 Nov 2022, resolved 25 Nov 2022)"),
            (
                ReconciledSection::Immunizations,
                "Influenza, seasonal, injectable, preservative free (given 15 Oct 2023)"
            ),
            (
                ReconciledSection::Results,
                "CBC panel - Blood by Automated count (15 Mar 2024): Hemoglobin [Mass/volume] in Blood 13.2 g/dL (low), \
                 Leukocytes 6.7 10*3/uL"
            ),
        ]
    );
    let expected_types = [
        thing_type::ALLERGY,
        thing_type::MEDICATION,
        thing_type::MEDICATION,
        thing_type::MEDICATION,
        thing_type::CONDITION,
        thing_type::CONDITION,
        thing_type::CONDITION,
        thing_type::IMMUNIZATION,
        thing_type::LAB_RESULTS,
    ];
    assert_eq!(items.iter().map(|item| item.type_id).collect::<Vec<_>>(), expected_types);
    assert_eq!(
        items.iter().map(effective_date).collect::<Vec<_>>(),
        [
            Some("2010-05-12 0:00:00.0"),
            Some("2019-03-12 0:00:00.0"),
            Some("2015-06-01 0:00:00.0"),
            Some("2022-11-04 0:00:00.0"),
            Some("2019-03-12 0:00:00.0"),
            Some("2015-06-01 0:00:00.0"),
            Some("2022-11-04 0:00:00.0"),
            Some("2023-10-15 0:00:00.0"),
            // The wall-clock time as written; the -0500 offset is kept but not applied.
            Some("2024-03-15 8:30:00.0"),
        ]
        .map(|date| date.map(str::to_owned))
    );

    let Some(TypedData::Allergy(allergy)) = validated(&items[0]).typed else { panic!("not an allergy") };
    assert_eq!((allergy.name.codes[0].value.as_str(), allergy.name.codes[0].vocabulary.as_str()), ("70618", "RxNorm"));
    assert_eq!(allergy.reaction.map(|reaction| reaction.codes[0].value.clone()), Some("247472004".to_owned()));
    assert_eq!(allergy.allergen_type.map(|kind| kind.text), Some("Drug allergy".to_owned()));

    let Some(TypedData::Medication(metformin)) = validated(&items[2]).typed else { panic!("not a medication") };
    assert_eq!(metformin.name.codes[0].value, "860975");
    let dose = metformin.dose.unwrap();
    assert_eq!((dose.structured[0].value, dose.structured[0].units.text.as_str()), (500.0, "mg"));
    assert_eq!(metformin.route.map(|route| route.codes[0].value.clone()), Some("C38288".to_owned()));
    let Some(TypedData::Medication(amoxicillin)) = validated(&items[3]).typed else { panic!("not a medication") };
    let discontinued = amoxicillin.date_discontinued.and_then(|date| date.to_primitive()).map(|date| date.to_string());
    assert_eq!(discontinued.as_deref(), Some("2022-11-14 0:00:00.0"));

    let Some(TypedData::Condition(hypertension)) = validated(&items[4]).typed else { panic!("not a condition") };
    let codes: Vec<(&str, &str)> =
        hypertension.name.codes.iter().map(|code| (code.value.as_str(), code.vocabulary.as_str())).collect();
    assert_eq!(codes, [("59621000", "SNOMED CT"), ("I10", "ICD-10-CM")]);
    assert_eq!(hypertension.status.map(|status| status.codes[0].value.clone()), Some("active".to_owned()));
    let Some(TypedData::Condition(bronchitis)) = validated(&items[6]).typed else { panic!("not a condition") };
    // No displayName: the name is the narrative the originalText refers to.
    assert_eq!(bronchitis.name.text, "Acute bronchitis");
    assert_eq!(bronchitis.status.map(|status| status.text), Some("Resolved".to_owned()));
    assert!(bronchitis.stop_date.is_some());

    let Some(TypedData::Immunization(influenza)) = validated(&items[7]).typed else { panic!("not an immunization") };
    assert_eq!(influenza.name.codes[0].value, "140");
    assert_eq!(influenza.name.codes[0].vocabulary, "CVX");
    assert_eq!(influenza.lot.as_deref(), Some("UT0812AA"));
    assert_eq!(influenza.manufacturer.map(|manufacturer| manufacturer.text), Some("Sanofi Pasteur Inc.".to_owned()));

    assert_eq!(
        items[8].data_xml,
        "<lab-test-results><when><structured><date><y>2024</y><m>3</m><d>15</d></date><time><h>8</h><m>30</m></time>\
         <tz><text>-0500</text></tz></structured></when><lab-group><group-name><text>CBC panel - Blood by Automated \
         count</text><code><value>58410-2</value><family>HL7</family><type>LOINC</type></code></group-name>\
         <results><when><structured><date><y>2024</y><m>3</m><d>15</d></date><time><h>8</h><m>30</m></time>\
         <tz><text>-0500</text></tz></structured></when><name>Hemoglobin [Mass/volume] in Blood</name>\
         <clinical-code><text>Hemoglobin [Mass/volume] in Blood</text><code><value>718-7</value><family>HL7</family>\
         <type>LOINC</type></code></clinical-code><value><measurement><display>13.2 g/dL</display><structured>\
         <value>13.2</value><units><text>g/dL</text></units></structured></measurement><ranges><type><text>Reference \
         range</text></type><text><text>13.5-17.5 g/dL</text></text><value><minimum-range>13.5</minimum-range>\
         <maximum-range>17.5</maximum-range></value></ranges><flag><text>Low</text><code><value>L</value>\
         <family>HL7</family><type>ObservationInterpretation</type></code><code><value>L</value><family>wc</family>\
         <type>lab-result-flag</type><version>1</version></code></flag></value></results><results><when><structured>\
         <date><y>2024</y><m>3</m><d>15</d></date><time><h>8</h><m>30</m></time><tz><text>-0500</text></tz>\
         </structured></when><name>Leukocytes</name><clinical-code><text>Leukocytes</text><code><value>6690-2</value>\
         <family>HL7</family><type>LOINC</type></code></clinical-code><value><measurement><display>6.7 10*3/uL\
         </display><structured><value>6.7</value><units><text>10*3/uL</text></units></structured></measurement>\
         <ranges><type><text>Reference range</text></type><text><text>4.5-11.0 10*3/uL</text></text><value>\
         <minimum-range>4.5</minimum-range><maximum-range>11.0</maximum-range></value></ranges><flag><text>Normal\
         </text><code><value>N</value><family>HL7</family><type>ObservationInterpretation</type></code><code>\
         <value>N</value><family>wc</family><type>lab-result-flag</type><version>1</version></code></flag></value>\
         </results></lab-group></lab-test-results>"
    );
}

#[test]
fn a_ccd_release_1_summary_is_read_by_templates_and_section_codes() {
    let items = items_of(CCD_RELEASE_1);
    assert_eq!(
        sections_and_summaries(&items),
        [
            (ReconciledSection::Problems, "Asthma (since 1998, active)"),
            (
                ReconciledSection::Medications,
                "Albuterol 0.09 MG/ACTUAT inhalant solution (dose 2, Respiratory (inhalation), since 1 Mar 2011)"
            ),
            (ReconciledSection::Allergies, "Sulfonamide antibiotics (reaction: Rash, Itching)"),
            (ReconciledSection::Results, "Hemoglobin A1c/Hemoglobin.total in Blood 6.1 % (1 Sep 2011)"),
            (ReconciledSection::Results, "Laboratory results (1 Sep 2011): Color of Urine Yellow"),
            (ReconciledSection::Immunizations, "Tdap (given 10 Jun 2015)"),
        ]
    );
    for item in &items {
        validated(item);
    }
    let Some(TypedData::Condition(asthma)) = validated(&items[0]).typed else { panic!("not a condition") };
    assert_eq!(
        asthma.onset_date.and_then(|date| date.to_primitive()).map(|date| date.to_string()).as_deref(),
        Some("1998-01-01 0:00:00.0")
    );
    let Some(TypedData::Allergy(sulfonamides)) = validated(&items[2]).typed else { panic!("not an allergy") };
    // Two reactions are one text; a codable value's codes name a single concept.
    assert_eq!(
        sulfonamides.reaction.map(|reaction| (reaction.text, reaction.codes.len())),
        Some(("Rash, Itching".to_owned(), 0))
    );
    assert_eq!(effective_date(&items[3]).as_deref(), Some("2011-09-01 9:15:00.0"));
    assert!(
        items[3]
            .data_xml
            .contains("<ranges><type><text>Reference range</text></type><text><text>4.0-5.6 %</text></text></ranges>")
    );
    // The organizer has no name of its own: the section's title names the group.
    assert!(items[4].data_xml.contains("<group-name><text>Laboratory results</text></group-name>"));
}

#[test]
fn every_item_matches_its_healthvault_schema() {
    let Some(xmllint) = Xmllint::locate() else { return };
    let items = [items_of(CCDA), items_of(CCD_RELEASE_1), items_of(CCR)].concat();
    assert_eq!(items.len(), 9 + 6 + 6);
    for item in &items {
        validated(item);
        xmllint.validate(item);
    }
}

#[test]
fn hostile_input_gives_errors_or_nothing() {
    let deep = format!(
        "<ClinicalDocument xmlns=\"urn:hl7-org:v3\">{}{}</ClinicalDocument>",
        "<component>".repeat(100_000),
        "</component>".repeat(100_000)
    );
    let entities = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]>\
        <ClinicalDocument xmlns=\"urn:hl7-org:v3\"><title>&lol2;</title></ClinicalDocument>";
    let external = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\
        <ClinicalDocument xmlns=\"urn:hl7-org:v3\"><title>&e;</title></ClinicalDocument>";
    type Outcome = Result<Vec<ReconciledItem>, ReconcileError>;
    let cases: [(&[u8], Outcome); 7] = [
        (b"\x00\x01\x02 not XML at all", Err(ReconcileError::Malformed)),
        (&[0xff, 0xfe, b'<', 0, b'a', 0, b'/', 0, b'>', 0], Err(ReconcileError::Malformed)),
        (entities.as_bytes(), Err(ReconcileError::Malformed)),
        (external.as_bytes(), Err(ReconcileError::Malformed)),
        (deep.as_bytes(), Err(ReconcileError::Malformed)),
        (
            b"<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><component><structuredBody/></component></ClinicalDocument>",
            Ok(Vec::new()),
        ),
        (b"<Bundle xmlns=\"http://hl7.org/fhir\"/>", Err(ReconcileError::NotAClinicalDocument)),
    ];
    for (input, expected) in cases {
        assert_eq!(reconcile(input), expected, "{}", String::from_utf8_lossy(&input[..input.len().min(80)]));
    }
    // A CCR is read too (see the unit tests); one without a body gives nothing.
    let ccr = "<ContinuityOfCareRecord xmlns=\"urn:astm-org:CCR\"><CCRDocumentObjectID>1</CCRDocumentObjectID>\
               </ContinuityOfCareRecord>";
    assert_eq!(reconcile(ccr.as_bytes()), Ok(Vec::new()));
}

/// Cutting the document anywhere refuses it; changing any attribute value to something odd
/// still gives only valid things.
#[test]
fn damaged_documents_never_give_invalid_things() {
    for end in (0..CCDA.trim_end().len()).step_by(211) {
        assert!(reconcile(&CCDA.as_bytes()[..end]).is_err(), "cut at {end}");
    }
    let odd_values =
        ["", " ", "#", "0", "-1", "1e400", "NaN", "99999999999999", "20191301", "2019031225", "&amp;<>", "\u{202e}x"];
    let attribute_starts: Vec<usize> = CCDA.match_indices("=\"").map(|(at, _)| at + 2).collect();
    for start in attribute_starts.iter().step_by(3) {
        let Some(length) = CCDA[*start..].find('"') else { continue };
        for odd in odd_values {
            let escaped = odd.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
            let damaged = format!("{}{escaped}{}", &CCDA[..*start], &CCDA[start + length..]);
            if let Ok(items) = reconcile(damaged.as_bytes()) {
                for item in &items {
                    validated(item);
                }
            }
        }
    }
}

/// `xmllint` with the HealthVault thing schemas, or `None` when it or the reference docs are
/// missing (locally; under CI that fails the test).
struct Xmllint {
    schemas: tempfile::TempDir,
}

/// The schemas a thing's data is checked against, all in the reference docs' `reference/xsd`.
const SCHEMA_FILES: &[&str] =
    &["condition", "medication", "allergy", "immunization", "lab-test-results", "base", "dates", "types"];

/// A stand-in for the W3C schema of the `xml:` attributes, which `types.xsd` imports as
/// `xml.xsd` but the reference docs do not include: the imports resolve only with it.
const XML_NAMESPACE_XSD: &str = r#"<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://www.w3.org/XML/1998/namespace">
  <xs:attribute name="lang" type="xs:language"/>
  <xs:attribute name="space" type="xs:NCName"/>
</xs:schema>
"#;

impl Xmllint {
    fn locate() -> Option<Self> {
        let skip = |reason: String| {
            assert!(std::env::var_os("CI").is_none(), "{reason} (CI is set, so this fails instead of skipping)");
            eprintln!("skipping the schema check: {reason}");
        };
        let found = Command::new("xmllint").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status();
        if !found.is_ok_and(|status| status.success()) {
            skip("xmllint is not installed (apt-get install libxml2-utils)".to_owned());
            return None;
        }
        let docs =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/healthvault-docs/reference/xsd");
        if !docs.join("lab-test-results.xsd").is_file() {
            skip(format!("the HealthVault schemas are missing ({})", docs.display()));
            return None;
        }
        let schemas = tempfile::tempdir().unwrap();
        for name in SCHEMA_FILES {
            let file_name = format!("{name}.xsd");
            std::fs::copy(docs.join(&file_name), schemas.path().join(&file_name)).unwrap();
        }
        std::fs::write(schemas.path().join("xml.xsd"), XML_NAMESPACE_XSD).unwrap();
        Some(Self { schemas })
    }

    /// Checks the item's data against its type's schema. The data is unqualified, as
    /// HealthVault writes it; the schema's root element is in the type's namespace, so the
    /// root is qualified for the check.
    fn validate(&self, item: &ReconciledItem) {
        let root = thing_type::by_id(item.type_id).unwrap().root_element;
        let schema: PathBuf = self.schemas.path().join(format!("{root}.xsd"));
        let open = format!("<{root}>");
        let close = format!("</{root}>");
        assert!(item.data_xml.starts_with(&open) && item.data_xml.ends_with(&close), "{}", item.data_xml);
        let inner = &item.data_xml[open.len()..item.data_xml.len() - close.len()];
        let qualified = format!("<t:{root} xmlns:t=\"urn:com.microsoft.wc.thing.{root}\">{inner}</t:{root}>");
        let mut child = Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(&schema)
            .arg("-")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(qualified.as_bytes()).unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{} does not match {root}.xsd:\n{}",
            item.data_xml,
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
