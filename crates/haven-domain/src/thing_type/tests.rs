//! Tests of the registry and of what every type's validation shares: root and namespace
//! handling, well-formedness, and reading the effective date.

use std::collections::HashSet;

use time::macros::datetime;

use super::test_support::{read_sample, sample_directory};
use super::*;

#[test]
fn ids_and_names_are_unique() {
    let ids: HashSet<_> = all().iter().map(|thing_type| thing_type.id).collect();
    assert_eq!(ids.len(), all().len());
    let names: HashSet<_> = all().iter().map(|thing_type| thing_type.name.to_lowercase()).collect();
    assert_eq!(names.len(), all().len());
}

#[test]
fn by_id_accepts_any_case_of_the_guid() {
    let upper = ThingTypeId::parse("11C52484-7F1A-11DB-AEAC-87D355D89593").unwrap();
    assert_eq!(by_id(upper).map(|thing_type| thing_type.name), Some("Sleep session"));
    let lower = ThingTypeId::parse("ef9cf8d5-6c0b-4292-997f-4047240bc7be").unwrap();
    assert_eq!(by_id(lower).map(|thing_type| thing_type.root_element), Some("device"));
    let unknown = ThingTypeId::parse("00000000-0000-0000-0000-000000000001").unwrap();
    assert!(by_id(unknown).is_none());
}

#[test]
fn by_name_ignores_case() {
    assert_eq!(by_name("weight").map(|thing_type| thing_type.id), Some(WEIGHT));
    assert_eq!(by_name("BLOOD PRESSURE").map(|thing_type| thing_type.id), Some(BLOOD_PRESSURE));
    assert_eq!(by_name("Basic demographic information").map(|thing_type| thing_type.id), Some(BASIC_DEMOGRAPHIC));
    assert!(by_name("no such type").is_none());
}

#[test]
fn the_typed_types_are_the_eleven_haven_reads() {
    let typed: Vec<_> =
        all().iter().filter(|thing_type| thing_type.is_typed()).map(|thing_type| thing_type.id).collect();
    let expected = [
        WEIGHT,
        HEIGHT,
        BLOOD_PRESSURE,
        BLOOD_GLUCOSE,
        HEART_RATE,
        MEDICATION,
        CONDITION,
        ALLERGY,
        IMMUNIZATION,
        BASIC_DEMOGRAPHIC,
        FILE,
    ];
    assert_eq!(typed.len(), expected.len());
    assert!(expected.iter().all(|id| typed.contains(id)));
}

#[test]
fn untyped_types_check_only_their_root() {
    let sleep = by_id(SLEEP_SESSION).unwrap();
    let validated = sleep.validate("<sleep-am><anything/></sleep-am>").unwrap();
    assert_eq!(validated.effective_date, None);
    assert_eq!(validated.typed, None);
    let error = sleep.validate("<sleep-pm/>").unwrap_err();
    assert_eq!(error.to_string(), "Sleep session data must have the root element <sleep-am>, not <sleep-pm>");
}

#[test]
fn untyped_types_still_read_their_effective_date() {
    let exercise = by_id(EXERCISE).unwrap();
    let descriptive = exercise.validate("<exercise><when><descriptive>morning</descriptive></when></exercise>");
    assert_eq!(descriptive.unwrap().effective_date, None);
    let structured = "<exercise><when><structured><date><y>2009</y><m>1</m><d>1</d></date>\
                      <time><h>17</h><m>30</m></time></structured></when></exercise>";
    let effective = exercise.validate(structured).unwrap().effective_date;
    assert_eq!(effective, Some(time::macros::datetime!(2009-01-01 17:30)));
    let bad = by_id(ENCOUNTER)
        .unwrap()
        .validate("<encounter><when><date><y>1984</y><m>2</m><d>30</d></date></when></encounter>");
    assert_eq!(
        bad.unwrap_err(),
        ThingDataError::Invalid {
            path: "encounter/when/date/d".to_owned(),
            message: "February 1984 has no day 30".to_owned()
        }
    );
}

#[test]
fn documents_keep_their_own_root_and_namespace() {
    let ccd = by_id(CONTINUITY_OF_CARE_DOCUMENT).unwrap();
    assert!(ccd.validate("\u{feff}<ClinicalDocument xmlns=\"urn:hl7-org:v3\"/>").is_ok());
    let ccr = by_id(CONTINUITY_OF_CARE_RECORD).unwrap();
    assert!(ccr.validate("<?xml version=\"1.0\"?>\n<ContinuityOfCareRecord xmlns=\"urn:astm-org:CCR\"/>").is_ok());
    assert!(matches!(ccr.validate("<ContinuityOfCareRecord>"), Err(ThingDataError::NotWellFormed(_))));
}

#[test]
fn every_sample_passes_its_types_check() {
    let Some(directory) = sample_directory() else {
        return;
    };
    let mut checked = 0;
    for thing_type in all() {
        let Some(sample) = read_sample(&directory, thing_type.id) else {
            continue;
        };
        if let Err(error) = thing_type.validate(&sample) {
            panic!("the sample of {} does not validate: {error}", thing_type.name);
        }
        checked += 1;
    }
    // Every type has a sample except Basic demographic information (v1), Personal
    // demographic information, Personal contact information, CDA and Message.
    assert_eq!(checked, all().len() - 5);
}

#[test]
fn effective_dates_follow_nested_paths_and_plain_dates() {
    let thing_type = ThingType {
        id: WEIGHT,
        name: "Test",
        root_element: "test",
        effective_date: EffectiveDate::Date(&["period", "start"]),
        typed: None,
    };
    let dated = thing_type.validate("<test><period><start><y>2026</y><m>1</m><d>5</d></start></period></test>");
    assert_eq!(dated.unwrap().effective_date, Some(datetime!(2026-01-05 0:00)));
    assert_eq!(thing_type.validate("<test><period/></test>").unwrap().effective_date, None);
}

#[test]
fn malformed_data_and_document_types_are_refused() {
    let weight = by_id(WEIGHT).unwrap();
    for data in ["", "   ", "<weight>", "<weight></height>", "text", "<weight/><weight/>"] {
        assert!(matches!(weight.validate(data), Err(ThingDataError::NotWellFormed(_))), "accepted {data:?}");
    }
    let with_entity = "<!DOCTYPE weight [<!ENTITY big \"x\">]><weight>&big;</weight>";
    assert!(matches!(weight.validate(with_entity), Err(ThingDataError::NotWellFormed(_))));
}

#[test]
fn text_between_elements_is_refused() {
    let error = by_id(WEIGHT).unwrap().validate("<weight>heavy<when/></weight>").unwrap_err();
    assert_eq!(error.to_string(), "weight: has text outside its child elements");
}
