//! Test fixtures: stored things with every part filled in, and names for them.

use haven_domain::auth_rules::Permissions;
use haven_domain::ids::{ApplicationId, BlobId, PersonId, RecordId, ThingId, VersionStamp};
use haven_domain::thing::{
    AccessAvenue, Audit, AuditAction, BlobHash, BlobRef, CommonData, RelatedTarget, RelatedThing, Thing, ThingDraft,
    ThingFlags, ThingKey,
};
use haven_domain::thing_type::WEIGHT;
use time::macros::datetime;

use super::{BlobData, BlobPayloadEntry, EffectivePermissions, ThingNameTable, ThingOutput};

/// The application that wrote the fixtures.
pub(crate) fn application() -> ApplicationId {
    ApplicationId::parse("58d02387-f5c2-44b7-b0c6-f1baa85d9784").unwrap()
}

/// The person on whose behalf they were written.
pub(crate) fn person() -> PersonId {
    PersonId::parse("2d44d876-3bde-482b-a2af-ba133bc41fa9").unwrap()
}

/// A weight with common data, an extension, related things, tags, two blobs and an
/// updated-end-date, revised once (so its audits differ), read-only.
pub(crate) fn weight(day: u8) -> Thing {
    let key = ThingKey {
        id: ThingId::parse(&format!("0954ad63-ac67-4ae0-8592-259bd82ac3{day:02}")).unwrap(),
        version: VersionStamp::parse("c3b0413d-9e69-40c7-bbb4-e3ebf9a7ecc3").unwrap(),
    };
    let audit = Audit {
        timestamp: datetime!(2017-03-15 00:56:26.243 UTC),
        application_id: Some(application()),
        person_id: Some(person()),
        access_avenue: AccessAvenue::Offline,
        action: AuditAction::Created,
    };
    let draft = ThingDraft {
        type_id: WEIGHT,
        flags: ThingFlags::READ_ONLY,
        data_xml: format!(
            "<weight><when><date><y>2017</y><m>3</m><d>{day}</d></date><time><h>17</h><m>56</m><s>25</s><f>120</f></time></when><value><kg>76</kg></value></weight>"
        ),
        common: CommonData {
            source: Some("Scale & co".to_owned()),
            note: Some("after <breakfast>".to_owned()),
            tags: Some("morning,home".to_owned()),
            client_thing_id: Some("client-7".to_owned()),
            related_things: vec![
                RelatedThing {
                    target: RelatedTarget::Thing {
                        id: ThingId::parse("60ed4338-0b1b-4061-aad4-effe2b8bbccd").unwrap(),
                        version: None,
                    },
                    relationship_type: Some("follows".to_owned()),
                },
                RelatedThing { target: RelatedTarget::ClientThingId("other".to_owned()), relationship_type: None },
            ],
            extensions: vec![r#"<extension source="example"><x:y xmlns:x="urn:x">1</x:y></extension>"#.to_owned()],
        },
        blobs: vec![
            BlobRef {
                name: String::new(),
                content_type: "text/plain".to_owned(),
                content_length: 5,
                hash: Some(BlobHash {
                    algorithm: "SHA256Block".to_owned(),
                    block_size: 2_097_152,
                    value: "qVBR".to_owned(),
                }),
                blob_id: BlobId::parse("11111111-2222-4333-8444-555555555555").unwrap(),
            },
            BlobRef {
                name: "scan".to_owned(),
                content_type: "application/pdf".to_owned(),
                content_length: 2048,
                hash: None,
                blob_id: BlobId::parse("11111111-2222-4333-8444-666666666666").unwrap(),
            },
        ],
        updated_end_date: Some(datetime!(2018-03-14 12:30:00.5)),
    };
    let record = RecordId::parse("7a2f1c3e-0000-4000-8000-000000000001").unwrap();
    let mut thing = Thing::create(record, key, draft, audit).unwrap();
    thing.updated = Audit { timestamp: datetime!(2017-03-16 08:00:00 UTC), action: AuditAction::Updated, ..audit };
    thing
}

/// `thing` with permissions and both blobs: the default one inline, the other streamed.
pub(crate) fn output(thing: &Thing) -> ThingOutput<'_> {
    ThingOutput {
        thing,
        effective_permissions: Some(EffectivePermissions { permissions: Permissions::ALL, immutable: true }),
        blobs: vec![
            BlobPayloadEntry::from_blob(&thing.blobs[0], BlobData::Inline(b"hello".to_vec())),
            BlobPayloadEntry::from_blob(
                &thing.blobs[1],
                BlobData::Url("https://platform.example.org/streaming/wildcatblob.ashx?blob-ref-token=a&b".to_owned()),
            ),
        ],
    }
}

/// Names for the fixtures' application and person.
pub(crate) fn names() -> ThingNameTable {
    let mut names = ThingNameTable::default();
    names.applications.insert(application(), "Test Source".to_owned());
    names.persons.insert(person(), "Test User".to_owned());
    names
}
