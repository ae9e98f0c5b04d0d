//! The rules of reconciling, each on a small document made for it. The realistic documents are
//! in `tests/reconcile.rs`.

use super::*;

const PROBLEMS: &str = "2.16.840.1.113883.10.20.22.2.5.1";
const MEDICATIONS: &str = "2.16.840.1.113883.10.20.22.2.1.1";
const ALLERGIES: &str = "2.16.840.1.113883.10.20.22.2.6.1";
const RESULTS: &str = "2.16.840.1.113883.10.20.22.2.3.1";
const IMMUNIZATIONS: &str = "2.16.840.1.113883.10.20.22.2.2.1";

fn document(sections: &str) -> String {
    format!(
        "<ClinicalDocument xmlns=\"urn:hl7-org:v3\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\
         <templateId root=\"2.16.840.1.113883.10.20.22.1.1\"/><component><structuredBody>{sections}\
         </structuredBody></component></ClinicalDocument>"
    )
}

fn section(template: &str, narrative: &str, entries: &str) -> String {
    format!(
        "<component><section><templateId root=\"{template}\"/><text>{narrative}</text>{entries}</section></component>"
    )
}

/// A problem observation entry whose `value` is `value`.
fn problem(value: &str) -> String {
    format!("<entry><observation classCode=\"OBS\" moodCode=\"EVN\">{value}</observation></entry>")
}

/// Reconciles, checking every item's data against its type.
fn reconciled(xml: &str) -> Vec<ReconciledItem> {
    let items = reconcile(xml.as_bytes()).unwrap();
    for item in &items {
        let thing_type = thing_type::by_id(item.type_id).unwrap();
        if let Err(error) = thing_type.validate(&item.data_xml) {
            panic!("{} is not valid {}: {error}", item.data_xml, thing_type.name);
        }
    }
    items
}

fn summaries(items: &[ReconciledItem]) -> Vec<String> {
    items.iter().map(|item| format!("{}: {}", item.section.label(), item.summary)).collect()
}

#[test]
fn names_come_from_the_display_name_then_the_narrative_then_the_code() {
    let snomed = "codeSystem=\"2.16.840.1.113883.6.96\"";
    let entries = [
        format!(
            "<value xsi:type=\"CD\" code=\"195967001\" {snomed} displayName=\" Asthma \">\
             <originalText><reference value=\"#p2\"/></originalText></value>"
        ),
        format!(
            "<value xsi:type=\"CD\" code=\"37796009\" {snomed}><originalText><reference value=\"#p2\"/></originalText></value>"
        ),
        format!("<value xsi:type=\"CD\" code=\"90560007\" {snomed}><originalText>Gout</originalText></value>"),
        format!(
            "<value xsi:type=\"CD\" code=\"21719001\" {snomed}><translation code=\"J30.2\" \
             codeSystem=\"2.16.840.1.113883.6.90\" displayName=\"Hay fever\"/></value>"
        ),
        format!(
            "<value xsi:type=\"CD\" code=\"38341003\" {snomed}><originalText><reference value=\"#missing\"/></originalText></value>"
        ),
        "<value xsi:type=\"CD\" nullFlavor=\"UNK\"/>".to_owned(),
        "<value xsi:type=\"CD\" nullFlavor=\"OTH\"><originalText>Back pain</originalText></value>".to_owned(),
        "<value xsi:type=\"CD\" code=\"1\" displayName=\"Local\" codeSystem=\"1.2.3.4.5\"/>".to_owned(),
    ];
    let narrative = "<list><item><content ID=\"p2\">\n  Migraine <sup>with</sup>  aura\n</content></item></list>";
    let entries: String = entries.iter().map(|value| problem(value)).collect();
    let items = reconciled(&document(&section(PROBLEMS, narrative, &entries)));
    assert_eq!(
        summaries(&items),
        [
            "Problems: Asthma",
            "Problems: Migraine with aura",
            "Problems: Gout",
            "Problems: Hay fever",
            "Problems: 38341003",
            "Problems: Back pain",
            "Problems: Local"
        ]
    );
    assert!(items.iter().all(|item| item.type_id == thing_type::CONDITION));
    assert!(items[3].data_xml.contains(
        "<code><value>21719001</value><family>HL7</family><type>SNOMED CT</type></code>\
         <code><value>J30.2</value><family>HL7</family><type>ICD-10-CM</type></code>"
    ));
    assert_eq!(items[5].data_xml, "<condition><name><text>Back pain</text></name></condition>");
    assert!(items[6].data_xml.contains("<code><value>1</value><type>1.2.3.4.5</type></code>"));
}

#[test]
fn negated_planned_and_no_known_entries_are_skipped() {
    let allergy = |attributes: &str, value: &str, allergen: &str| {
        format!(
            "<entry><act classCode=\"ACT\" moodCode=\"EVN\"><entryRelationship typeCode=\"SUBJ\">\
             <observation classCode=\"OBS\" moodCode=\"EVN\" {attributes}>{value}<participant typeCode=\"CSM\">\
             <participantRole><playingEntity>{allergen}</playingEntity></participantRole></participant>\
             </observation></entryRelationship></act></entry>"
        )
    };
    let drug_allergy = "<value xsi:type=\"CD\" code=\"416098002\" codeSystem=\"2.16.840.1.113883.6.96\"/>";
    let no_known = "<value xsi:type=\"CD\" code=\"716186003\" codeSystem=\"2.16.840.1.113883.6.96\" \
                    displayName=\"No known allergy\"/>";
    let penicillin = "<code code=\"70618\" codeSystem=\"2.16.840.1.113883.6.88\" displayName=\"Penicillin\"/>";
    let allergies = [
        allergy("negationInd=\"true\"", drug_allergy, "<code nullFlavor=\"NA\"/>"),
        allergy("negationInd=\"true\"", drug_allergy, penicillin),
        allergy("", no_known, "<code nullFlavor=\"NA\"/>"),
        allergy("", drug_allergy, "<code nullFlavor=\"NA\"/>"),
        allergy("negationInd=\"false\"", drug_allergy, penicillin),
    ]
    .concat();
    let vaccine = |attributes: &str| {
        format!(
            "<entry><substanceAdministration classCode=\"SBADM\" {attributes}><effectiveTime value=\"20240101\"/>\
             <consumable><manufacturedProduct><manufacturedMaterial><code code=\"140\" \
             codeSystem=\"2.16.840.1.113883.12.292\" displayName=\"Influenza\"/></manufacturedMaterial>\
             </manufacturedProduct></consumable></substanceAdministration></entry>"
        )
    };
    let immunizations =
        [vaccine("moodCode=\"EVN\" negationInd=\"true\""), vaccine("moodCode=\"INT\""), vaccine("moodCode=\"EVN\"")]
            .concat();
    let not_taken = vaccine("moodCode=\"EVN\" negationInd=\"true\"").replace("12.292", "12.999");
    let no_problems = problem(
        "<value xsi:type=\"CD\" code=\"160245001\" codeSystem=\"2.16.840.1.113883.6.96\" \
         displayName=\"No current problems or disability\"/>",
    );
    let negated_problem = problem("<value xsi:type=\"CD\" displayName=\"Asthma\"/>")
        .replace("moodCode=\"EVN\"", "moodCode=\"EVN\" negationInd=\"true\"");
    let negated_result = "<entry><organizer classCode=\"BATTERY\"><code displayName=\"Panel\"/><component>\
        <observation negationInd=\"true\"><code displayName=\"Glucose\"/><value xsi:type=\"PQ\" value=\"5\" unit=\"mmol/L\"/>\
        </observation></component></organizer></entry>";
    let sections = [
        section(ALLERGIES, "", &allergies),
        section(IMMUNIZATIONS, "", &immunizations),
        section(MEDICATIONS, "", &not_taken),
        section(PROBLEMS, "", &(no_problems + &negated_problem)),
        section(RESULTS, "", negated_result),
    ]
    .concat();
    let items = reconciled(&document(&sections));
    assert_eq!(summaries(&items), ["Allergies: Penicillin", "Immunizations: Influenza (given 1 Jan 2024)"]);
}

#[test]
fn sections_are_found_by_template_or_loinc_code() {
    let medication = "<entry><substanceAdministration classCode=\"SBADM\" moodCode=\"EVN\"><consumable>\
        <manufacturedProduct><manufacturedMaterial><name>Aspirin 81 mg</name></manufacturedMaterial>\
        </manufacturedProduct></consumable></substanceAdministration></entry>";
    let by_code = format!(
        "<component><section><code code=\"10160-0\" codeSystem=\"2.16.840.1.113883.6.1\"/>{medication}</section></component>"
    );
    let other_system =
        format!("<component><section><code code=\"10160-0\" codeSystem=\"1.2.3\"/>{medication}</section></component>");
    let vital_signs = format!(
        "<component><section><templateId root=\"2.16.840.1.113883.10.20.22.2.4.1\"/>\
         <code code=\"8716-3\" codeSystem=\"2.16.840.1.113883.6.1\"/>{medication}</section></component>"
    );
    let nested = format!(
        "<component><section><title>Encounter</title>{}</section></component>",
        section(MEDICATIONS, "", medication).replace("Aspirin 81 mg", "Ibuprofen 200 mg")
    );
    let ccd_release_1 = section("2.16.840.1.113883.10.20.1.8", "", medication).replace("Aspirin", "Naproxen");
    let items = reconciled(&document(&[by_code, other_system, vital_signs, nested, ccd_release_1].concat()));
    assert_eq!(
        summaries(&items),
        ["Medications: Aspirin 81 mg", "Medications: Ibuprofen 200 mg", "Medications: Naproxen 81 mg"]
    );
}

#[test]
fn medications_read_their_interval_period_dose_and_route() {
    let entry = "<entry><substanceAdministration classCode=\"SBADM\" moodCode=\"INT\">\
        <effectiveTime xsi:type=\"EIVL_TS\"><event code=\"AC\"/></effectiveTime>\
        <effectiveTime xsi:type=\"IVL_TS\"><low value=\"20230229\"/><high value=\"202404011200\"/></effectiveTime>\
        <effectiveTime xsi:type=\"PIVL_TS\" operator=\"A\"><period value=\"8\" unit=\"h\"/></effectiveTime>\
        <routeCode code=\"C38288\" codeSystem=\"2.16.840.1.113883.3.26.1.1\" displayName=\"Oral\"/>\
        <doseQuantity value=\"2.5\" unit=\"mL\"/><consumable><manufacturedProduct><manufacturedMaterial>\
        <code code=\"308192\" codeSystem=\"2.16.840.1.113883.6.88\" displayName=\"Amoxicillin 50 MG/ML Oral Suspension\"/>\
        </manufacturedMaterial></manufacturedProduct></consumable></substanceAdministration></entry>";
    let items = reconciled(&document(&section(MEDICATIONS, "", entry)));
    // 29 Feb 2023 does not exist, so the medication has no start date rather than a wrong one.
    assert_eq!(
        summaries(&items),
        ["Medications: Amoxicillin 50 MG/ML Oral Suspension (2.5 mL, Oral, every 8 hours, until 1 Apr 2024)"]
    );
    assert_eq!(
        items[0].data_xml,
        "<medication><name><text>Amoxicillin 50 MG/ML Oral Suspension</text><code><value>308192</value>\
         <family>HL7</family><type>RxNorm</type></code></name><dose><display>2.5 mL</display><structured>\
         <value>2.5</value><units><text>mL</text></units></structured></dose><frequency><display>every 8 hours\
         </display></frequency><route><text>Oral</text><code><value>C38288</value><family>HL7</family>\
         <type>NCI Thesaurus</type></code></route><date-discontinued><structured><date><y>2024</y><m>4</m><d>1</d>\
         </date><time><h>12</h><m>0</m></time></structured></date-discontinued></medication>"
    );
}

#[test]
fn results_read_each_kind_of_value_and_range() {
    let observation = |code: &str, rest: &str| {
        format!(
            "<component><observation classCode=\"OBS\" moodCode=\"EVN\"><code displayName=\"{code}\"/>{rest}</observation></component>"
        )
    };
    let components = [
        observation(
            "Glucose",
            "<value xsi:type=\"PQ\" value=\"5.4\" unit=\"mmol/L\"/><interpretationCode code=\"HH\"/>\
             <referenceRange><observationRange><value xsi:type=\"IVL_PQ\"><low value=\"3.9\" unit=\"mmol/L\"/>\
             </value></observationRange></referenceRange>\
             <referenceRange><observationRange><interpretationCode code=\"HH\"/><value xsi:type=\"IVL_PQ\">\
             <high value=\"20\" unit=\"mmol/L\"/></value></observationRange></referenceRange>",
        ),
        observation(
            "Urine color",
            "<value xsi:type=\"ST\"> Yellow </value><referenceRange><observationRange><text>\
             <reference value=\"#range\"/></text></observationRange></referenceRange>",
        ),
        observation(
            "Blood group",
            "<value xsi:type=\"CE\" code=\"278149003\" displayName=\"Blood group A Rh(D) positive\"/>",
        ),
        observation("Leukocyte esterase", "<value xsi:type=\"BL\" value=\"false\"/>"),
        observation("Specific gravity", "<value xsi:type=\"REAL\" value=\"1.020\"/>"),
        observation(
            "Pending culture",
            "<value xsi:type=\"IVL_PQ\"><low value=\"1\"/></value><interpretationCode code=\"A\"/>",
        ),
        observation("Glucose", "<value xsi:type=\"PQ\" value=\"NaN\" unit=\"mg/dL\"/>").replace("Glucose", "Ketones"),
        observation("", "<value xsi:type=\"PQ\" value=\"1\"/>"),
    ]
    .concat();
    let entries = format!(
        "<entry><organizer classCode=\"BATTERY\"><code nullFlavor=\"UNK\"/><effectiveTime><low value=\"20240102\"/>\
         </effectiveTime>{components}</organizer></entry>"
    );
    let narrative = "<paragraph ID=\"range\">Clear to yellow</paragraph>";
    let titled = section(RESULTS, narrative, &entries).replace("<text>", "<title>Lab Panel</title><text>");
    let untitled = section(RESULTS, "", &entries.replace("20240102", "2024"));
    let items = reconciled(&document(&(titled + &untitled)));
    let expected = "(2 Jan 2024): Glucose 5.4 mmol/L (critically high), Urine color Yellow, \
                    Blood group Blood group A Rh(D) positive, Leukocyte esterase false, Specific gravity 1.020, \
                    Pending culture, Ketones";
    assert_eq!(summaries(&items)[0], format!("Results: Lab Panel {expected}"));
    assert!(summaries(&items)[1].starts_with("Results: Results (2024): Glucose"), "{}", summaries(&items)[1]);
    let data = &items[0].data_xml;
    assert!(data.contains(
        "<ranges><type><text>Reference range</text></type><text><text>&gt;= 3.9 mmol/L</text></text>\
         <value><minimum-range>3.9</minimum-range></value></ranges><flag><text>Critically high</text>\
         <code><value>C</value><family>wc</family><type>lab-result-flag</type><version>1</version></code></flag>"
    ));
    assert!(data.contains("<text><text>Clear to yellow</text></text></ranges>"));
    // A result without a value carries no ranges or flag, which need one.
    assert!(data.contains("<results><name>Pending culture</name></results>"));
}

#[test]
fn text_is_escaped_into_the_data() {
    let value = "<value xsi:type=\"CD\" code=\"a&amp;b\" codeSystem=\"1.2\" displayName=\"Fish &amp; &lt;shellfish&gt; &quot;allergy&quot;\"/>";
    let items = reconciled(&document(&section(PROBLEMS, "", &problem(value))));
    assert_eq!(items[0].summary, "Fish & <shellfish> \"allergy\"");
    assert_eq!(
        items[0].data_xml,
        "<condition><name><text>Fish &amp; &lt;shellfish&gt; &quot;allergy&quot;</text><code><value>a&amp;b</value>\
         <type>1.2</type></code></name></condition>"
    );
}

#[test]
fn documents_that_cannot_be_read_are_refused() {
    let deep = format!(
        "<ClinicalDocument xmlns=\"urn:hl7-org:v3\">{}{}</ClinicalDocument>",
        "<component>".repeat(MAX_DEPTH),
        "</component>".repeat(MAX_DEPTH)
    );
    let billion_laughs = "<?xml version=\"1.0\"?><!DOCTYPE ClinicalDocument [<!ENTITY a \"aaaaaaaaaa\">\
        <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><ClinicalDocument xmlns=\"urn:hl7-org:v3\">&b;</ClinicalDocument>";
    let cases: [(&[u8], ReconcileError); 8] = [
        (b"", ReconcileError::Malformed),
        (b"%PDF-1.7 not xml", ReconcileError::Malformed),
        (b"<ClinicalDocument xmlns=\"urn:hl7-org:v3\">", ReconcileError::Malformed),
        (b"<ClinicalDocument xmlns=\"urn:hl7-org:v3\">\xff\xfe</ClinicalDocument>", ReconcileError::Malformed),
        (billion_laughs.as_bytes(), ReconcileError::Malformed),
        (deep.as_bytes(), ReconcileError::Malformed),
        (b"<ClinicalDocument/>", ReconcileError::NotAClinicalDocument),
        (b"<html xmlns=\"urn:hl7-org:v3\"><body/></html>", ReconcileError::NotAClinicalDocument),
    ];
    for (input, expected) in cases {
        assert_eq!(reconcile(input), Err(expected), "{}", String::from_utf8_lossy(input));
    }
    let not_too_deep = deep.replacen("<component>", "", 1).replacen("</component>", "", 1);
    assert_eq!(reconcile(not_too_deep.as_bytes()), Ok(Vec::new()));
}

#[test]
fn errors_never_carry_document_content() {
    for error in [ReconcileError::NotAClinicalDocument, ReconcileError::Malformed] {
        let message = error.to_string();
        assert!(!message.contains('<') && !message.contains('"'), "{message}");
    }
}

#[test]
fn clinical_documents_without_entries_give_nothing() {
    let empty_sections = [PROBLEMS, MEDICATIONS, ALLERGIES, RESULTS, IMMUNIZATIONS]
        .iter()
        .map(|template| section(template, "Nothing recorded", "<entry/>"))
        .collect::<String>();
    for xml in [
        "\u{feff}<ClinicalDocument xmlns=\"urn:hl7-org:v3\"/>".to_owned(),
        "<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><component><nonXMLBody/></component></ClinicalDocument>".to_owned(),
        document(""),
        document(&empty_sections),
    ] {
        assert_eq!(reconcile(xml.as_bytes()), Ok(Vec::new()), "{xml}");
    }
}

#[test]
fn a_ccr_gives_the_same_kinds_of_things() {
    let ccr = include_str!("../../tests/data/ccr-summary.xml");
    let items = reconciled(ccr);
    assert_eq!(
        summaries(&items),
        [
            "Problems: Hypertension (since 12 Mar 2019, active)",
            "Problems: 44054006",
            "Medications: Lisinopril (1 tablet, By mouth, Once daily, since 12 Mar 2019)",
            "Allergies: Penicillin (reaction: Hives)",
            "Results: Lipid panel (15 Mar 2024): Cholesterol 212 mg/dL (high)",
            "Immunizations: Influenza vaccine (given 15 Oct 2023)",
        ]
    );
    assert!(items[1].data_xml.contains("<type>SNOMED CT</type>"));
    assert!(items[2].data_xml.contains(
        "<strength><display>10 mg</display><structured><value>10</value><units><text>mg</text></units>\
         </structured></strength>"
    ));
    assert!(items[2].data_xml.contains("<time><h>8</h><m>0</m><s>0</s></time><tz><text>-05:00</text></tz>"));
}
