//! The registered thing types: ids, names, root elements and effective dates, taken from the
//! HealthVault schemas (`reference/xsd/`) and data-type pages.
//!
//! Effective dates follow the schema's `effective-date-element` annotation where it has one
//! (weight, height, blood pressure, blood glucose, body composition, cholesterol, HbA1C,
//! exercise, sleep session, allergy, immunization, procedure, lab results, encounter, medical
//! device, app-specific information, message). Where it has none, the type's primary date is
//! used (heart rate, blood oxygen saturation: `when`; condition: `onset-date`; medication:
//! `date-started`), and types with no date of their own use the created date.

use uuid::Uuid;

use super::{EffectiveDate, ThingType, TypedKind};
use crate::ids::ThingTypeId;

const fn type_id(value: u128) -> ThingTypeId {
    ThingTypeId::from_uuid(Uuid::from_u128(value))
}

const WHEN: EffectiveDate = EffectiveDate::DateTime(&["when"]);
const APPROXIMATE_WHEN: EffectiveDate = EffectiveDate::ApproxDateTime(&["when"]);

/// Weight (`weight.xsd`); effective date `when`.
pub const WEIGHT: ThingTypeId = type_id(0x3d34d87e_7fc1_4153_800f_f56592cb0d17);
/// Height (`height.xsd`); effective date `when`.
pub const HEIGHT: ThingTypeId = type_id(0x40750a6a_89b2_455c_bd8d_b420a4cb500b);
/// Blood pressure (`bp.xsd`); effective date `when`.
pub const BLOOD_PRESSURE: ThingTypeId = type_id(0xca3c57f4_f4c1_4e15_be67_0a3caf5414ed);
/// Blood glucose (`blood-glucose.xsd`); effective date `when`.
pub const BLOOD_GLUCOSE: ThingTypeId = type_id(0x879e7c04_4e8a_4707_9ad3_b054df467ce4);
/// Heart rate (`heart-rate.xsd`); effective date `when`, its only date (the schema has no
/// annotation).
pub const HEART_RATE: ThingTypeId = type_id(0xb81eb4a6_6eac_4292_ae93_3872d6870994);
/// Blood oxygen saturation (`blood-oxygen-saturation.xsd`); effective date `when`, its only
/// date (the schema has no annotation).
pub const BLOOD_OXYGEN_SATURATION: ThingTypeId = type_id(0x3a54f95f_03d8_4f62_815f_f691fc94a500);
/// Body composition (`body-composition.xsd`); effective date `when`, an approximate date.
pub const BODY_COMPOSITION: ThingTypeId = type_id(0x18adc276_5144_4e7e_bf6c_e56d8250adf8);
/// Cholesterol, version 2 (`cholesterol-profile.2.xsd`); effective date `when`.
pub const CHOLESTEROL: ThingTypeId = type_id(0x98f76958_e34f_459b_a760_83c1699add38);
/// HbA1C, version 2 (`HbA1C.2.xsd`); effective date `when`.
pub const HBA1C: ThingTypeId = type_id(0x62160199_b80f_4905_a55a_ac4ba825ceae);
/// Exercise, version 2 (`exercise.xsd`); effective date `when`, an approximate date.
pub const EXERCISE: ThingTypeId = type_id(0x85a21ddb_db20_4c65_8d30_33c899ccf612);
/// Sleep session (`sleepjournal-am.xsd`, root `sleep-am`); effective date `when`.
pub const SLEEP_SESSION: ThingTypeId = type_id(0x11c52484_7f1a_11db_aeac_87d355d89593);
/// Medication, version 2 (`medication.xsd`); effective date `date-started`. The schema has
/// no annotation; `date-started` is the medication's own start, while the prescription's
/// `date-prescribed` sits inside an optional prescription and often precedes the start.
pub const MEDICATION: ThingTypeId = type_id(0x30cafccc_047d_4288_94ef_643571f7919d);
/// Condition (`condition.xsd`); effective date `onset-date` (the schema has no annotation).
pub const CONDITION: ThingTypeId = type_id(0x7ea7a1f9_880b_4bd4_b593_f5660f20eda8);
/// Allergy (`allergy.xsd`); effective date `first-observed`.
pub const ALLERGY: ThingTypeId = type_id(0x52bf9104_2c5e_4f1f_a66d_552ebcc53df7);
/// Immunization, version 2 (`immunization.xsd`); effective date `administration-date`.
pub const IMMUNIZATION: ThingTypeId = type_id(0xcd3587b5_b6e1_4565_ab3b_1c3ad45eb04f);
/// Procedure, version 2 (`procedure.xsd`); effective date `when`, an approximate date.
pub const PROCEDURE: ThingTypeId = type_id(0xdf4db479_a1ba_42a2_8714_2b083b88150f);
/// Lab results, version 2 (`lab-test-results.xsd`); effective date `when`, an approximate date.
pub const LAB_RESULTS: ThingTypeId = type_id(0x5800eab5_a8c2_482a_a4d6_f1db25ae08c3);
/// Encounter, version 2 (`encounter.xsd`); effective date `when`.
pub const ENCOUNTER: ThingTypeId = type_id(0x464083cc_13de_4f3e_a189_da8e47d5651b);
/// Family history, version 3 (`family-history.3.xsd`); each condition has its own onset date,
/// so the effective date is the created date.
pub const FAMILY_HISTORY: ThingTypeId = type_id(0x4a04fcc8_19c1_4d59_a8c7_2031a03f21de);
/// Basic demographic information, version 2 (`basicV2.xsd`); no date: created date.
pub const BASIC_DEMOGRAPHIC: ThingTypeId = type_id(0x3b3e6b16_eb69_483c_8d7e_dfe116ae6092);
/// Basic demographic information, version 1 (`basic.xsd`); no date: created date.
pub const BASIC_DEMOGRAPHIC_V1: ThingTypeId = type_id(0xbf516a61_5252_4c28_a979_27f45f62f78d);
/// Personal demographic information (`personal.xsd`); created date (the birth date says
/// when the person was born, not when the information was recorded).
pub const PERSONAL_DEMOGRAPHIC: ThingTypeId = type_id(0x92ba621e_66b3_4a01_bd73_74844aed4f5b);
/// Personal contact information (`contact.xsd`, root `contact`); no date: created date.
pub const PERSONAL_CONTACT: ThingTypeId = type_id(0x162dd12d_9859_4a66_b75f_96760d67072b);
/// Personal picture (`personal-image.xsd`; the image is a blob); no date: created date.
pub const PERSONAL_PICTURE: ThingTypeId = type_id(0xa5294488_f865_4ce3_92fa_187cd3b58930);
/// Contact (`person.xsd`, root `person`); no date: created date.
pub const CONTACT: ThingTypeId = type_id(0x25c94a9f_9d3d_4576_96dc_6791178a8143);
/// Medical device (`device.xsd`, root `device`); effective date `when`.
pub const MEDICAL_DEVICE: ThingTypeId = type_id(0xef9cf8d5_6c0b_4292_997f_4047240bc7be);
/// File (`file.xsd`; the content is a blob); no date: created date.
pub const FILE: ThingTypeId = type_id(0xbd0403c5_4ae2_4b0e_a8db_1888678e4528);
/// Continuity of Care Document, CCD (HL7 `ClinicalDocument`); its dates are HL7 timestamps,
/// so the effective date is the created date.
pub const CONTINUITY_OF_CARE_DOCUMENT: ThingTypeId = type_id(0x9c48a2b8_952c_4f5a_935d_f3292326bf54);
/// Continuity of Care Record, CCR (ASTM `ContinuityOfCareRecord`); its dates are ISO 8601
/// text, so the effective date is the created date.
pub const CONTINUITY_OF_CARE_RECORD: ThingTypeId = type_id(0x1e1ccbfc_a55d_4d91_8940_fa2fbf73c195);
/// Clinical Document Architecture, CDA (HL7 `ClinicalDocument`); created date, as for CCD.
pub const CLINICAL_DOCUMENT_ARCHITECTURE: ThingTypeId = type_id(0x1ed1cba6_9530_44a3_b7b5_e8219690ebcf);
/// App-specific information (`application.xsd`, root `app-specific`); effective date the
/// optional `when`, else the created date.
pub const APP_SPECIFIC: ThingTypeId = type_id(0xa5033c9d_08cf_4204_9bd3_cb412ce39fc0);
/// Password-protected package, the DOPU drop-off (`password-protected-package.xsd`); no date:
/// created date.
pub const PASSWORD_PROTECTED_PACKAGE: ThingTypeId = type_id(0xc9287326_bb43_4194_858c_8b60768f000f);
/// Message (`message.xsd`); effective date `when`.
pub const MESSAGE: ThingTypeId = type_id(0x72dc49e1_1486_4634_b651_ef560ed051e5);

const fn typed(
    id: ThingTypeId,
    name: &'static str,
    root_element: &'static str,
    effective_date: EffectiveDate,
    kind: TypedKind,
) -> ThingType {
    ThingType { id, name, root_element, effective_date, typed: Some(kind) }
}

const fn untyped(
    id: ThingTypeId,
    name: &'static str,
    root_element: &'static str,
    effective_date: EffectiveDate,
) -> ThingType {
    ThingType { id, name, root_element, effective_date, typed: None }
}

const CREATED: EffectiveDate = EffectiveDate::Created;

/// Every registered type. Names are unique: of two versions sharing a HealthVault name, the
/// older one carries its version.
#[rustfmt::skip]
pub(super) static REGISTRY: [ThingType; 33] = [
    typed(WEIGHT, "Weight", "weight", WHEN, TypedKind::Weight),
    typed(HEIGHT, "Height", "height", WHEN, TypedKind::Height),
    typed(BLOOD_PRESSURE, "Blood pressure", "blood-pressure", WHEN, TypedKind::BloodPressure),
    typed(BLOOD_GLUCOSE, "Blood glucose", "blood-glucose", WHEN, TypedKind::BloodGlucose),
    typed(HEART_RATE, "Heart rate", "heart-rate", WHEN, TypedKind::HeartRate),
    untyped(BLOOD_OXYGEN_SATURATION, "Blood oxygen saturation", "blood-oxygen-saturation", WHEN),
    untyped(BODY_COMPOSITION, "Body composition", "body-composition", APPROXIMATE_WHEN),
    untyped(CHOLESTEROL, "Cholesterol", "cholesterol-profile", WHEN),
    untyped(HBA1C, "HbA1C", "HbA1C", WHEN),
    untyped(EXERCISE, "Exercise", "exercise", APPROXIMATE_WHEN),
    untyped(SLEEP_SESSION, "Sleep session", "sleep-am", WHEN),
    typed(
        MEDICATION, "Medication", "medication",
        EffectiveDate::ApproxDateTime(&["date-started"]), TypedKind::Medication,
    ),
    typed(
        CONDITION, "Condition", "condition",
        EffectiveDate::ApproxDateTime(&["onset-date"]), TypedKind::Condition,
    ),
    typed(
        ALLERGY, "Allergy", "allergy",
        EffectiveDate::ApproxDateTime(&["first-observed"]), TypedKind::Allergy,
    ),
    typed(
        IMMUNIZATION, "Immunization", "immunization",
        EffectiveDate::ApproxDateTime(&["administration-date"]), TypedKind::Immunization,
    ),
    untyped(PROCEDURE, "Procedure", "procedure", APPROXIMATE_WHEN),
    untyped(LAB_RESULTS, "Lab results", "lab-test-results", APPROXIMATE_WHEN),
    untyped(ENCOUNTER, "Encounter", "encounter", WHEN),
    untyped(FAMILY_HISTORY, "Family history", "family-history", CREATED),
    typed(BASIC_DEMOGRAPHIC, "Basic demographic information", "basic", CREATED, TypedKind::BasicDemographic),
    untyped(BASIC_DEMOGRAPHIC_V1, "Basic demographic information (v1)", "basic", CREATED),
    untyped(PERSONAL_DEMOGRAPHIC, "Personal demographic information", "personal", CREATED),
    untyped(PERSONAL_CONTACT, "Personal contact information", "contact", CREATED),
    untyped(PERSONAL_PICTURE, "Personal picture", "personal-image", CREATED),
    untyped(CONTACT, "Contact", "person", CREATED),
    untyped(MEDICAL_DEVICE, "Medical device", "device", WHEN),
    typed(FILE, "File", "file", CREATED, TypedKind::File),
    untyped(CONTINUITY_OF_CARE_DOCUMENT, "Continuity of Care Document (CCD)", "ClinicalDocument", CREATED),
    untyped(CONTINUITY_OF_CARE_RECORD, "Continuity of Care Record (CCR)", "ContinuityOfCareRecord", CREATED),
    untyped(CLINICAL_DOCUMENT_ARCHITECTURE, "Clinical Document Architecture (CDA)", "ClinicalDocument", CREATED),
    untyped(APP_SPECIFIC, "App-specific information", "app-specific", WHEN),
    untyped(PASSWORD_PROTECTED_PACKAGE, "Password-protected package", "password-protected-package", CREATED),
    untyped(MESSAGE, "Message", "message", WHEN),
];
