//! The data the store benchmark writes and reads: a person with records, preloaded
//! measurements, and weight, height and blood pressure things.

use anyhow::{Context, Result};
use haven_domain::country::CountryCode;
use haven_domain::ids::{PersonId, RecordId, ThingId, VersionStamp};
use haven_domain::person::{EmailAddress, Person};
use haven_domain::record::{DEFAULT_RECORD_QUOTA_BYTES, Record, RecordMember, RecordState, Relationship};
use haven_domain::thing::{AccessAvenue, Audit, AuditAction, CommonData, Thing, ThingDraft, ThingFlags, ThingKey};
use haven_domain::thing_type::{BLOOD_PRESSURE, HEIGHT, WEIGHT};
use haven_domain::topology::InstanceId;
use haven_store::{PersonStore, RecordStore, SqlStore, ThingChange, ThingStore};
use time::{OffsetDateTime, PrimitiveDateTime};
use tokio::task::JoinSet;
use uuid::Uuid;

use super::{BATCH_SIZE, LATEST_MEASUREMENT, PRELOADED_OTHERS, PRELOADED_WEIGHTS, QUERY_LIMIT};
use crate::report;

/// Adds a person and `count` records they are custodian of.
pub async fn create_records(store: &SqlStore, count: usize) -> Result<(PersonId, Vec<RecordId>)> {
    let now = OffsetDateTime::now_utc();
    let person = Person {
        id: PersonId::from_uuid(Uuid::new_v4()),
        sign_in_email: EmailAddress::parse(&format!("bench.{}@example.org", Uuid::new_v4().simple()))?,
        given_name: "Ana".to_owned(),
        family_name: "López".to_owned(),
        birth_date: time::macros::date!(1980 - 02 - 29),
        country: CountryCode::parse("US")?,
        instance_id: InstanceId::parse("1")?,
        created_at: now,
    };
    store.create_person(&person).await?;
    let mut record_ids = Vec::with_capacity(count);
    for _ in 0..count {
        let record = Record {
            id: RecordId::from_uuid(Uuid::new_v4()),
            display_name: "Ana López".to_owned(),
            state: RecordState::Active,
            max_size_bytes: DEFAULT_RECORD_QUOTA_BYTES,
            size_bytes: 0,
            location_country: Some(person.country),
            created_at: now,
            latest_operation_sequence: 0,
        };
        let custodian = RecordMember {
            record_id: record.id,
            person_id: person.id,
            is_custodian: true,
            relationship: Relationship::SELF,
            granted_at: now,
            expires_at: None,
            access: None,
        };
        store.create_record(&record, &custodian).await?;
        record_ids.push(record.id);
    }
    Ok((person.id, record_ids))
}

/// Fills each record with weights, heights and blood pressures, interleaved in time,
/// written in batches; records load concurrently.
pub async fn preload(store: &SqlStore, person_id: PersonId, record_ids: &[RecordId]) -> Result<()> {
    let mut loaders = JoinSet::new();
    for &record_id in record_ids {
        let store = store.clone();
        loaders.spawn(async move {
            let drafts = (0..PRELOADED_WEIGHTS + PRELOADED_OTHERS).map(|index| match index % 4 {
                0 | 2 => weight_draft(index),
                1 => height_draft(index),
                _ => blood_pressure_draft(index),
            });
            let changes = drafts
                .map(|draft| new_thing(record_id, person_id, draft).map(ThingChange::Create))
                .collect::<Result<Vec<_>>>()?;
            for batch in changes.chunks(BATCH_SIZE) {
                store.write_things(record_id, batch).await?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(joined) = loaders.join_next().await {
        joined.context("a loader panicked")??;
    }
    Ok(())
}

/// The first version of a new thing, written now by the record's custodian in the Shell.
pub fn new_thing(record_id: RecordId, person_id: PersonId, draft: ThingDraft) -> Result<Thing> {
    let key = ThingKey { id: ThingId::from_uuid(Uuid::new_v4()), version: VersionStamp::from_uuid(Uuid::new_v4()) };
    let audit = Audit {
        timestamp: OffsetDateTime::now_utc(),
        application_id: None,
        person_id: Some(person_id),
        access_avenue: AccessAvenue::Online,
        action: AuditAction::Created,
    };
    Ok(Thing::create(record_id, key, draft, audit)?)
}

/// When the `index`th measurement was taken: 37 minutes before the one before it.
pub fn measured_at(index: u64) -> PrimitiveDateTime {
    let minutes = i64::try_from(index).unwrap_or(i64::MAX / 60).saturating_mul(37);
    LATEST_MEASUREMENT.saturating_sub(time::Duration::minutes(minutes))
}

pub fn when_xml(when: PrimitiveDateTime) -> String {
    format!(
        "<when><date><y>{}</y><m>{}</m><d>{}</d></date><time><h>{}</h><m>{}</m></time></when>",
        when.year(),
        u8::from(when.month()),
        when.day(),
        when.hour(),
        when.minute()
    )
}

/// A weight as a connected bathroom scale sends it: kilograms, the pounds it showed, and
/// the scale's own id for the reading.
pub fn weight_draft(index: u64) -> ThingDraft {
    let kilograms = 65.0 + (index * 7 % 100) as f64 / 10.0;
    let pounds = kilograms * 2.204_622_6;
    ThingDraft {
        type_id: WEIGHT,
        flags: ThingFlags::default(),
        data_xml: format!(
            "<weight>{}<value><kg>{kilograms:.1}</kg><display units=\"lb\">{pounds:.1}</display></value></weight>",
            when_xml(measured_at(index))
        ),
        common: CommonData {
            source: Some("Body+ scale".to_owned()),
            note: Some("after breakfast".to_owned()),
            client_thing_id: Some(format!("scale-{index}")),
            ..CommonData::default()
        },
        blobs: Vec::new(),
        updated_end_date: None,
    }
}

pub fn height_draft(index: u64) -> ThingDraft {
    let when = measured_at(index);
    ThingDraft {
        type_id: HEIGHT,
        flags: ThingFlags::default(),
        data_xml: format!(
            "<height><when><date><y>{}</y><m>{}</m><d>{}</d></date></when><value><m>{:.2}</m></value></height>",
            when.year(),
            u8::from(when.month()),
            when.day(),
            1.70 + (index % 5) as f64 / 100.0
        ),
        common: CommonData::default(),
        blobs: Vec::new(),
        updated_end_date: None,
    }
}

pub fn blood_pressure_draft(index: u64) -> ThingDraft {
    ThingDraft {
        type_id: BLOOD_PRESSURE,
        flags: ThingFlags::default(),
        data_xml: format!(
            "<blood-pressure>{}<systolic>{}</systolic><diastolic>{}</diastolic><pulse>{}</pulse></blood-pressure>",
            when_xml(measured_at(index)),
            110 + index % 25,
            70 + index % 15,
            60 + index % 30
        ),
        common: CommonData { source: Some("cuff".to_owned()), ..CommonData::default() },
        blobs: Vec::new(),
        updated_end_date: None,
    }
}

/// What the puts write and what the queries read.
pub fn data_description() -> Result<String> {
    let sample = new_thing(RecordId::from_uuid(Uuid::nil()), PersonId::from_uuid(Uuid::nil()), weight_draft(1))?;
    Ok(format!(
        "puts write weights of {} bytes each (XML and common data); queries ask for the latest {QUERY_LIMIT} weights of a record holding {} weights and {} heights and blood pressures",
        sample.size_bytes(),
        report::format_count(PRELOADED_WEIGHTS as f64),
        report::format_count(PRELOADED_OTHERS as f64),
    ))
}
