//! Tests of reading submitted things; writing is tested in `tests/written.rs`.

mod written;

use haven_domain::ids::{ThingId, VersionStamp};
use haven_domain::thing::{
    AccessAvenue, AuditAction, BlobHash, CommonData, RelatedTarget, RelatedThing, ThingDraft, ThingFlags,
};
use haven_domain::thing_type::{APP_SPECIFIC, BLOOD_GLUCOSE, WEIGHT};
use time::macros::datetime;

use super::*;
use crate::testing::ReferenceDocs;

const SAMPLES: &str = "wire-samples/dotnetstandard-sdk-unittest-samples";

fn parse(xml: &str) -> Result<SubmittedThing, WireError> {
    parse_submitted_thing(xml)
}

fn key(id: &str, version: &str) -> ThingKey {
    ThingKey { id: ThingId::parse(id).unwrap(), version: VersionStamp::parse(version).unwrap() }
}

/// Everything a client may send in a `Thing2`, with elements PutThings ignores.
const FULL: &str = concat!(
    r#"<thing xmlns:x="urn:example:ext"><thing-id version-stamp="672B1C15-4704-4BCD-97D6-3E183309AF0A">"#,
    "31501360-362b-4791-ae12-141386ac5da6</thing-id>",
    "<type-id name='Weight'>3D34D87E-7FC1-4153-800F-F56592CB0D17</type-id><thing-state>Deleted</thing-state>",
    "<flags>16</flags><eff-date>not a date, ignored</eff-date><created><timestamp>junk</timestamp></created>",
    "<data-xml transform='ignored'>\n  <weight><when><date><y>2017</y><m>6</m><d>2</d></date></when>",
    "<value><kg>76</kg><display units='kg'>76 &amp; more</display></value></weight>\n",
    "<common><source>Scale</source><note> a note </note><tags>old,tags</tags>",
    r#"<extension source="example" ver="1"><x:reading x:unit="kg">76</x:reading></extension>"#,
    "<related-thing><thing-id>60ed4338-0b1b-4061-aad4-effe2b8bbccd</thing-id>",
    "<version-stamp>e6ecfb7c-4cc9-4267-8fd5-a5e49af7d40f</version-stamp><relationship-type>treats</relationship-type>",
    "</related-thing><related-thing><client-thing-id> abc </client-thing-id></related-thing>",
    "<related-thing><thing-id/></related-thing><client-thing-id> client-1 </client-thing-id></common></data-xml>",
    "<blob-payload><blob><blob-info><name/><content-type>text/plain</content-type>",
    "<hash-info><algorithm>SHA256Block</algorithm><params><block-size>1024</block-size></params>",
    "<hash>qVBR</hash></hash-info></blob-info><content-length>5</content-length>",
    "<base64data>aGVs\nbG8=</base64data></blob>",
    "<blob><blob-info><name>scan</name><content-type>application/pdf</content-type></blob-info>",
    "<blob-ref-url>https://platform.example.org/streaming/wildcatblob.ashx?blob-ref-token=t1</blob-ref-url></blob>",
    "<blob><blob-info><name>old</name><content-type>image/png</content-type></blob-info>",
    "<content-length>0</content-length></blob></blob-payload>",
    "<tags>new,tags</tags><updated-end-date>2020-01-01T00:00:00</updated-end-date></thing>"
);

#[test]
fn reads_everything_a_client_may_send() {
    let thing = parse(FULL).unwrap();
    assert_eq!(thing.key, Some(key("31501360-362b-4791-ae12-141386ac5da6", "672b1c15-4704-4bcd-97d6-3e183309af0a")));
    assert_eq!(thing.draft.type_id, WEIGHT);
    assert_eq!(thing.draft.flags, ThingFlags::READ_ONLY);
    assert_eq!(
        thing.draft.data_xml,
        "<weight><when><date><y>2017</y><m>6</m><d>2</d></date></when><value><kg>76</kg><display units='kg'>76 &amp; more</display></value></weight>"
    );
    let common = &thing.draft.common;
    assert_eq!(common.source.as_deref(), Some("Scale"));
    assert_eq!(common.note.as_deref(), Some(" a note "));
    assert_eq!(common.tags.as_deref(), Some("new,tags"), "the top-level tags win");
    assert_eq!(common.client_thing_id.as_deref(), Some("client-1"));
    assert_eq!(
        common.extensions,
        [
            r#"<extension xmlns:x="urn:example:ext" source="example" ver="1"><x:reading x:unit="kg">76</x:reading></extension>"#
        ]
    );
    assert_eq!(
        common.related_things,
        [
            RelatedThing {
                target: RelatedTarget::Thing {
                    id: ThingId::parse("60ed4338-0b1b-4061-aad4-effe2b8bbccd").unwrap(),
                    version: Some(VersionStamp::parse("e6ecfb7c-4cc9-4267-8fd5-a5e49af7d40f").unwrap()),
                },
                relationship_type: Some("treats".to_owned()),
            },
            RelatedThing { target: RelatedTarget::ClientThingId("abc".to_owned()), relationship_type: None },
        ],
        "an empty related-thing is skipped"
    );
    assert!(thing.draft.blobs.is_empty());
    let hash = BlobHash { algorithm: "SHA256Block".to_owned(), block_size: 1024, value: "qVBR".to_owned() };
    assert_eq!(
        thing.inline_blobs,
        [InlineBlob {
            name: String::new(),
            content_type: "text/plain".to_owned(),
            bytes: b"hello".to_vec(),
            hash: Some(hash)
        }]
    );
    assert_eq!(
        thing.blob_references,
        [BlobReference {
            name: "scan".to_owned(),
            content_type: "application/pdf".to_owned(),
            url: "https://platform.example.org/streaming/wildcatblob.ashx?blob-ref-token=t1".to_owned(),
            content_length: None,
            hash: None,
        }]
    );
    assert_eq!(thing.removed_blobs, ["old"]);
    assert_eq!(thing.draft.updated_end_date, Some(datetime!(2020-01-01 0:00)));
}

#[test]
fn submissions_round_trip_through_the_writer() {
    let thing = parse(FULL).unwrap();
    let mut builder = XmlBuilder::new();
    thing.write(&mut builder, ThingSchema::Thing2);
    assert_eq!(parse(&builder.finish()).unwrap(), thing);

    let mut builder = XmlBuilder::new();
    thing.write(&mut builder, ThingSchema::Thing);
    let v1 = parse(&builder.finish()).unwrap();
    let without_hash = InlineBlob { hash: None, ..thing.inline_blobs[0].clone() };
    assert_eq!(v1.inline_blobs, [without_hash], "the default blob travels as data-other, without its hash");
    assert!(v1.blob_references.is_empty() && v1.removed_blobs.is_empty());
    assert_eq!(v1.draft.updated_end_date, None, "Thing has no updated-end-date");
    assert_eq!(v1.draft, ThingDraft { updated_end_date: None, ..thing.draft.clone() });
}

/// The .NET SDK clears an updated-end-date by sending `DateTime.MaxValue`, with or without an
/// offset; each reads as a wall-clock time after the latest end date kept.
#[test]
fn far_future_updated_end_dates_read_as_written() {
    let thing = |end: &str| {
        parse(&format!(
            "<thing><type-id>3d34d87e-7fc1-4153-800f-f56592cb0d17</type-id><data-xml><weight/></data-xml><updated-end-date>{end}</updated-end-date></thing>"
        ))
        .unwrap()
        .draft
        .updated_end_date
    };
    for end in ["9999-12-31T23:59:59.9999999", "9999-12-31T23:59:59.9999999Z", "9999-12-31T23:59:59.9999999-08:00"] {
        assert_eq!(thing(end), Some(datetime!(9999-12-31 23:59:59.999_999_9)), "{end}");
    }
    assert!(thing("9999-12-31T23:59:59.9999999").unwrap() > haven_domain::thing::LATEST_UPDATED_END_DATE);
    assert!(matches!(
        parse(
            "<thing><type-id>3d34d87e-7fc1-4153-800f-f56592cb0d17</type-id><data-xml><weight/></data-xml><updated-end-date>never</updated-end-date></thing>"
        ),
        Err(WireError::InvalidDateTime { element: "thing/updated-end-date", .. })
    ));
}

#[test]
fn data_other_is_the_default_blob() {
    let thing = |data_other: &str| {
        parse(&format!(
            "<thing><type-id>{WEIGHT}</type-id><data-xml><weight/></data-xml>{data_other}</thing>",
            WEIGHT = "3d34d87e-7fc1-4153-800f-f56592cb0d17"
        ))
    };
    let plain = thing("<data-other content-type='text/plain'>caf\u{e9} &lt;1&gt;</data-other>").unwrap();
    assert_eq!(plain.inline_blobs[0].bytes, "caf\u{e9} <1>".as_bytes());
    assert_eq!(plain.inline_blobs[0].content_type, "text/plain");
    let encoded = thing("<data-other content-encoding='base64' content-type='a/b'>aGVsbG8=</data-other>").unwrap();
    assert_eq!(encoded.inline_blobs[0].bytes, b"hello");
    assert!(matches!(
        thing("<data-other content-encoding='gzip'>x</data-other>"),
        Err(WireError::InvalidValue { element: "thing/data-other@content-encoding", .. })
    ));
    assert!(matches!(
        thing("<data-other content-encoding='base64'>!!</data-other>"),
        Err(WireError::InvalidBase64 { .. })
    ));
}

#[test]
fn inherited_namespaces_travel_with_the_data() {
    let thing = parse(concat!(
        r#"<thing xmlns:h="urn:example:height"><type-id>40750a6a-89b2-455c-bd8d-b420a4cb500b</type-id>"#,
        "<data-xml><h:height><h:value>1</h:value></h:height></data-xml></thing>"
    ))
    .unwrap();
    assert_eq!(thing.draft.data_xml, r#"<h:height xmlns:h="urn:example:height"><h:value>1</h:value></h:height>"#);
}

#[test]
fn bad_things_are_named_by_path() {
    let weight = "<type-id>3d34d87e-7fc1-4153-800f-f56592cb0d17</type-id>";
    let data = "<data-xml><weight/></data-xml>";
    let cases: Vec<(String, WireError)> = vec![
        (format!("<thing>{data}</thing>"), WireError::MissingElement { parent: "thing", element: "type-id" }),
        (format!("<thing>{weight}</thing>"), WireError::MissingElement { parent: "thing", element: "data-xml" }),
        (
            format!("<thing>{weight}{data}{data}</thing>"),
            WireError::DuplicateElement { parent: "thing", element: "data-xml" },
        ),
        (
            format!("<thing><thing-id>31501360-362b-4791-ae12-141386ac5da6</thing-id>{weight}{data}</thing>"),
            WireError::MissingAttribute { element: "thing/thing-id", attribute: "version-stamp" },
        ),
        (
            format!("<thing>{weight}<data-xml/></thing>"),
            WireError::MissingElement { parent: "thing/data-xml", element: "the thing type's root element" },
        ),
        (
            format!("<thing>{weight}<data-xml><common/><weight/></data-xml></thing>"),
            WireError::MissingElement { parent: "thing/data-xml", element: "the thing type's root element" },
        ),
        (
            format!("<thing>{weight}<flags>-1</flags>{data}</thing>"),
            WireError::InvalidNumber { element: "thing/flags", text: "-1".to_owned() },
        ),
    ];
    for (xml, expected) in cases {
        assert_eq!(parse(&xml), Err(expected), "{xml}");
    }
    let bad_type = parse(&format!("<thing><type-id>weight</type-id>{data}</thing>")).unwrap_err();
    assert!(matches!(bad_type, WireError::InvalidGuid { element: "thing/type-id", .. }), "{bad_type}");
    assert_eq!(bad_type.to_string(), "<thing/type-id>: thing type id must be a GUID, got \"weight\"");
    let bad_stamp = parse(&format!(
        "<thing><thing-id version-stamp='x'>31501360-362b-4791-ae12-141386ac5da6</thing-id>{weight}{data}</thing>"
    ));
    assert!(matches!(bad_stamp, Err(WireError::InvalidGuid { element: "thing/thing-id@version-stamp", .. })));
    let extra = parse(&format!("<thing>{weight}<data-xml><weight/><common/><more/></data-xml></thing>"));
    assert!(matches!(extra, Err(WireError::InvalidValue { element: "thing/data-xml", .. })), "{extra:?}");
    let related = parse(&format!(
        "<thing>{weight}<data-xml><weight/><common><related-thing><thing-id>1</thing-id></related-thing></common></data-xml></thing>"
    ));
    assert!(matches!(
        related,
        Err(WireError::InvalidGuid { element: "thing/data-xml/common/related-thing/thing-id", .. })
    ));
    assert!(matches!(parse("<things/>"), Err(WireError::WrongRoot { expected: "<thing>", .. })));
}

/// The .NET SDK's single-thing samples read as submissions and as answers.
#[test]
fn reads_the_sdk_thing_samples() {
    let Some(docs) = ReferenceDocs::locate("thing samples") else {
        return;
    };
    let glucose = docs.read(&format!("{SAMPLES}/ThingSample.xml"));
    let submitted = parse(&glucose).unwrap();
    assert_eq!(
        submitted.key,
        Some(key("60ed4338-0b1b-4061-aad4-effe2b8bbccd", "e6ecfb7c-4cc9-4267-8fd5-a5e49af7d40f"))
    );
    assert_eq!(submitted.draft.type_id, BLOOD_GLUCOSE);
    assert!(
        submitted.draft.data_xml.starts_with("<blood-glucose>")
            && submitted.draft.data_xml.ends_with("</blood-glucose>")
    );
    assert_eq!(submitted.draft.common.note.as_deref(), Some("Test Note"));
    assert_eq!(submitted.draft.common.client_thing_id.as_deref(), Some("dcd854e9-cd10-4a9a-8097-acac17f3265a"));
    let validated =
        haven_domain::thing_type::by_id(BLOOD_GLUCOSE).unwrap().validate(&submitted.draft.data_xml).unwrap();
    assert_eq!(validated.effective_date, Some(datetime!(2015-10-29 0:00)));

    let answer = parse_wire_thing(&glucose).unwrap();
    assert_eq!(answer.type_name.as_deref(), Some("Blood glucose"));
    assert_eq!(answer.eff_date, Some(datetime!(2015-10-29 0:00)), "the Z is ignored: eff-date is wall-clock time");
    let created = answer.created.unwrap();
    assert_eq!(created.timestamp, datetime!(2015-12-02 18:49:00.007 UTC));
    assert_eq!(created.application_name.as_deref(), Some("Test Data"));
    assert_eq!(created.access_avenue, Some(AccessAvenue::Offline));
    assert_eq!(created.action, AuditAction::Created);
    assert_eq!(
        created.master_application_id.map(|id| id.to_string()).as_deref(),
        Some("6c1b1c20-ecc1-40da-87f5-b93d083a6057")
    );
    assert_eq!(answer.data_xml.as_deref(), Some(submitted.draft.data_xml.as_str()));

    let weight = parse_wire_thing(&docs.read(&format!("{SAMPLES}/ThingSampleWeight.xml"))).unwrap();
    assert_eq!(weight.key, key("31501360-362b-4791-ae12-141386ac5da6", "672b1c15-4704-4bcd-97d6-3e183309af0a"));
    assert_eq!(weight.type_id, WEIGHT);
    assert_eq!(weight.updated.unwrap().action, AuditAction::Updated);
    assert_eq!(weight.common, Some(CommonData::default()));

    let app_specific = parse(&docs.read(&format!("{SAMPLES}/ApplicationSpecificThing.xml"))).unwrap();
    assert_eq!(app_specific.draft.type_id, APP_SPECIFIC);
    assert!(app_specific.draft.data_xml.starts_with("<app-specific>"));
}

/// Two weights of a DOPU package, the second with an inline blob, as the documentation's
/// example writes them (with an XML declaration and whitespace around them).
const PACKAGE_THINGS: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n",
    "<thing>\n  <type-id>3d34d87e-7fc1-4153-800f-f56592cb0d17</type-id>\n  <data-xml>\n",
    "<weight><when><date><y>2006</y><m>12</m><d>22</d></date></when><value><kg>125</kg>",
    "<display units=\"lb\" units-code=\"lb\">275.5625</display></value></weight>\n  </data-xml>\n</thing>\n",
    "<!-- the second -->",
    "<thing><type-id>3d34d87e-7fc1-4153-800f-f56592cb0d17</type-id><data-xml>",
    "<weight><when><date><y>2006</y><m>12</m><d>23</d></date></when><value><kg>114</kg></value></weight>",
    "</data-xml><blob-payload><blob><blob-info><name>scan</name><content-type>text/plain</content-type></blob-info>",
    "<content-length>5</content-length><base64data>aGVsbG8=</base64data></blob></blob-payload></thing>\n",
);

#[test]
fn a_sequence_of_things_is_read_as_a_package_holds_them() {
    let things = parse_submitted_things(PACKAGE_THINGS).unwrap();
    assert_eq!(things.len(), 2);
    assert!(things.iter().all(|thing| thing.draft.type_id == WEIGHT && thing.key.is_none()));
    assert!(things[0].draft.data_xml.starts_with("<weight>") && things[0].draft.data_xml.contains("<kg>125</kg>"));
    assert_eq!(things[1].inline_blobs.len(), 1);
    assert_eq!(things[1].inline_blobs[0].name, "scan");
    assert_eq!(things[1].inline_blobs[0].bytes, b"hello");
    // Each thing reads as it would on its own.
    let alone = parse(&PACKAGE_THINGS[PACKAGE_THINGS.find("<thing>").unwrap()..PACKAGE_THINGS.find("<!--").unwrap()]);
    assert_eq!(alone.unwrap(), things[0]);
}

#[test]
fn a_package_must_hold_things_and_nothing_else() {
    for bad in [
        "",
        "  <!-- nothing -->  ",
        "<weight/>",
        "text<thing/>",
        "<thing><type-id>3d34d87e-7fc1-4153-800f-f56592cb0d17</type-id></thing>",
        "<thing><type-id>3d34d87e-7fc1-4153-800f-f56592cb0d17</type-id><data-xml><weight/></data-xml></thing><other/>",
        "</things><things>",
        "<!DOCTYPE x [<!ENTITY a 'b'>]><thing/>",
        "<?xml version=\"1.0\"",
    ] {
        assert!(parse_submitted_things(bad).is_err(), "{bad:?}");
    }
}
