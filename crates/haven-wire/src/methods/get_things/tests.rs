//! GetThings request tests; answers are tested in `tests/responses.rs`.

mod responses;

use haven_domain::ids::{ApplicationId, ThingId};
use haven_domain::thing::{ThingKey, ThingQuery, ThingState};
use haven_domain::thing_type::{BLOOD_PRESSURE, HEIGHT, WEIGHT};
use time::macros::datetime;

use super::*;
use crate::request::parse_request;
use crate::response::response_schema_name;
use crate::thing_xml::ThingSections;

/// python-healthvault 0.1.5's GetThings v1 (`getThings`): a group without attributes, a
/// filter with a type and effective dates (its msg-time bug puts the month in the minutes,
/// which still parses), and `core` plus `data-xml`.
const PYTHON_HEALTHVAULT: &str = concat!(
    "<info><group><filter><type-id>3d34d87e-7fc1-4153-800f-f56592cb0d17</type-id>",
    "<eff-date-min>2013-02-01T00:02:00</eff-date-min><eff-date-max>2013-03-01T23:03:59</eff-date-max></filter>",
    "<format><section>core</section><xml/></format></group></info>"
);

fn request(version: u32, info: &str) -> GetThingsRequest {
    GetThingsRequest::parse_info(version, info).unwrap()
}

#[test]
fn reads_python_healthvault_and_maps_it_to_a_query() {
    let body = format!(
        concat!(
            r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header>"#,
            "<method>GetThings</method><method-version>1</method-version></header>{}</wc-request:request>"
        ),
        PYTHON_HEALTHVAULT
    );
    let parsed = GetThingsRequest::from_request(&parse_request(&body).unwrap()).unwrap();
    assert_eq!(parsed.version, 1);
    let [group] = parsed.groups.as_slice() else { panic!("one group expected") };
    assert_eq!((group.name.as_deref(), group.max, group.max_full), (None, None, None));
    assert_eq!(group.target, ThingTarget::Filtered);
    assert!(group.current_version_only);
    assert_eq!(group.format.thing_sections(), ThingSections { core: true, data_xml: true, ..ThingSections::default() });
    let query = group.query().unwrap();
    assert_eq!(
        query,
        ThingQuery {
            type_ids: vec![WEIGHT],
            eff_date_min: Some(datetime!(2013-02-01 0:02)),
            eff_date_max: Some(datetime!(2013-03-01 23:03:59)),
            ..ThingQuery::default()
        }
    );
    assert_eq!(query.states, [ThingState::Active]);
    assert_eq!(parsed.thing_schema(), crate::thing_xml::ThingSchema::Thing);
}

#[test]
fn group_attributes_and_targets() {
    let with_max = request(
        1,
        "<info><group max='1'><filter><type-id>40750a6a-89b2-455c-bd8d-b420a4cb500b</type-id></filter><format><section>core</section><xml/></format></group></info>",
    );
    assert_eq!(with_max.groups[0].max, Some(1));
    assert_eq!(with_max.groups[0].query().unwrap().limit, Some(1));
    assert_eq!(with_max.groups[0].query().unwrap().type_ids, [HEIGHT]);

    let keys = request(
        3,
        concat!(
            r#"<info><group name="page" max-full="0"><key version-stamp="4c2ff68a-9367-4d51-a353-7cbdb6e49256">c0464a97-2832-4f50-a683-6d98c396da08</key>"#,
            r#"<key version-stamp="c3b64bc6-b9f8-45c5-b465-d29fc4c64c33">c0464a97-2832-4f50-a683-6d98c396da08</key>"#,
            "<format><xml/></format><current-version-only>false</current-version-only></group></info>"
        ),
    );
    let group = &keys.groups[0];
    assert_eq!((group.name.as_deref(), group.max_full), (Some("page"), Some(0)));
    assert!(matches!(&group.target, ThingTarget::Keys(keys) if keys.len() == 2));
    assert!(!group.current_version_only);
    assert_eq!(group.query().unwrap().thing_ids, [ThingId::parse("c0464a97-2832-4f50-a683-6d98c396da08").unwrap()]);

    let client_ids = request(3, "<info><group><client-thing-id> a </client-thing-id><format/></group></info>");
    assert_eq!(client_ids.groups[0].query().unwrap().client_thing_ids, ["a"]);
    assert_eq!(client_ids.groups[0].format, ThingFormat::default());
    let no_format = request(3, "<info><group><id>c0464a97-2832-4f50-a683-6d98c396da08</id></group></info>");
    assert_eq!(no_format.groups[0].format.thing_sections(), ThingSections::default());
}

#[test]
fn filters_narrow_the_query_together() {
    let info = concat!(
        "<info><group><filter><type-id>3d34d87e-7fc1-4153-800f-f56592cb0d17</type-id>",
        "<type-id>ca3c57f4-f4c1-4e15-be67-0a3caf5414ed</type-id><thing-state>Active</thing-state>",
        "<thing-state>Deleted</thing-state><eff-date-min>2017-01-01T00:00:00Z</eff-date-min>",
        "<created-app-id>58d02387-f5c2-44b7-b0c6-f1baa85d9784</created-app-id>",
        "<updated-date-min>2017-02-01T00:00:00Z</updated-date-min><xpath>/thing/data-xml/weight</xpath>",
        "<updated-end-date-max>2018-01-01T00:00:00</updated-end-date-max></filter>",
        "<filter><type-id>ca3c57f4-f4c1-4e15-be67-0a3caf5414ed</type-id><thing-state>Deleted</thing-state>",
        "<eff-date-min>2017-03-01T00:00:00</eff-date-min><updated-date-min>2017-01-01T00:00:00Z</updated-date-min>",
        "<updated-end-date-max>2017-12-01T00:00:00</updated-end-date-max>",
        "<updated-end-date-min>2017-04-01T00:00:00Z</updated-end-date-min>",
        "</filter><format><section>core</section></format></group></info>"
    );
    let group = &request(2, info).groups[0];
    let query = group.query().unwrap();
    assert_eq!(query.type_ids, [BLOOD_PRESSURE]);
    assert_eq!(query.states, [ThingState::Deleted]);
    assert_eq!(query.eff_date_min, Some(datetime!(2017-03-01 0:00)));
    assert_eq!(query.updated_min, Some(datetime!(2017-02-01 0:00 UTC)));
    assert_eq!(
        query.created_by_application,
        Some(ApplicationId::parse("58d02387-f5c2-44b7-b0c6-f1baa85d9784").unwrap())
    );
    assert_eq!(group.xpaths().collect::<Vec<_>>(), ["/thing/data-xml/weight"]);
    assert_eq!(group.filters[0].updated_end_date_max, Some(datetime!(2018-01-01 0:00)));
    assert_eq!(query.updated_end_date_max, Some(datetime!(2017-12-01 0:00)), "the earlier maximum");
    assert_eq!(query.updated_end_date_min, Some(datetime!(2017-04-01 0:00)), "a wall-clock time, offset ignored");

    let contradiction = concat!(
        "<info><group><filter><type-id>3d34d87e-7fc1-4153-800f-f56592cb0d17</type-id></filter>",
        "<filter><type-id>ca3c57f4-f4c1-4e15-be67-0a3caf5414ed</type-id></filter><format/></group></info>"
    );
    assert_eq!(request(3, contradiction).groups[0].query(), None);
    let two_apps = concat!(
        "<info><group><filter><updated-person-id>2d44d876-3bde-482b-a2af-ba133bc41fa9</updated-person-id></filter>",
        "<filter><updated-person-id>6c1b1c20-ecc1-40da-87f5-b93d083a6057</updated-person-id></filter><format/></group></info>"
    );
    assert_eq!(request(3, two_apps).groups[0].query(), None);
}

/// Every part of a v3 request, as the .NET SDK writes it, round-trips.
#[test]
fn v3_requests_round_trip() {
    let info = concat!(
        r#"<info><group name="all" max="30" max-full="10"><id>c0464a97-2832-4f50-a683-6d98c396da08</id>"#,
        "<filter><type-id>3d34d87e-7fc1-4153-800f-f56592cb0d17</type-id><thing-state>Active</thing-state>",
        "<eff-date-min>2017-01-01T00:00:00</eff-date-min><eff-date-max>2017-12-31T23:59:59.5</eff-date-max>",
        "<created-app-id>58d02387-f5c2-44b7-b0c6-f1baa85d9784</created-app-id>",
        "<created-person-id>2d44d876-3bde-482b-a2af-ba133bc41fa9</created-person-id>",
        "<updated-app-id>58d02387-f5c2-44b7-b0c6-f1baa85d9784</updated-app-id>",
        "<updated-person-id>2d44d876-3bde-482b-a2af-ba133bc41fa9</updated-person-id>",
        "<created-date-min>2016-01-01T00:00:00Z</created-date-min><created-date-max>2018-01-01T00:00:00Z</created-date-max>",
        "<updated-date-min>2016-01-01T00:00:00Z</updated-date-min><updated-date-max>2018-01-01T00:00:00Z</updated-date-max>",
        "<xpath>/thing/data-xml/weight/value[kg &gt; 70]</xpath><updated-end-date-max>2019-01-01T00:00:00</updated-end-date-max>",
        "<updated-end-date-min>2015-01-01T00:00:00</updated-end-date-min></filter>",
        "<format><section>audits</section><section>Core</section><section>effectivepermissions</section>",
        "<section>blobpayload</section><section>tags</section><section>digitalsignatures</section><xml/><xml>stt</xml>",
        "<type-version-format>3d34d87e-7fc1-4153-800f-f56592cb0d17</type-version-format>",
        "<blob-payload-request><blob-filters><blob-filter><blob-name>scan</blob-name></blob-filter></blob-filters>",
        "<blob-format><blob-format-spec>Default</blob-format-spec></blob-format></blob-payload-request></format>",
        "<current-version-only>false</current-version-only><intents><intent>view</intent><intent>transmit</intent></intents>",
        r#"<order-by><order-by-property type-id="3d34d87e-7fc1-4153-800f-f56592cb0d17" property-name="When" direction="Desc"/></order-by>"#,
        "</group><group><filter><type-id>40750a6a-89b2-455c-bd8d-b420a4cb500b</type-id></filter><format><xml/></format></group></info>"
    );
    let parsed = request(3, info);
    assert_eq!(parsed.groups.len(), 2);
    let group = &parsed.groups[0];
    assert_eq!(group.format.sections.len(), 6);
    assert_eq!(group.format.transforms().collect::<Vec<_>>(), ["stt"]);
    let sections = group.format.thing_sections();
    assert!(sections.core && sections.audits && sections.blob_payload && sections.data_xml && !sections.other_data);
    let blobs = group.format.blob_payload_request.as_ref().unwrap();
    assert_eq!((blobs.blob_names.as_slice(), blobs.format), (&["scan".to_owned()][..], BlobFormat::Streamed));
    assert_eq!(group.intents, [Intent::View, Intent::Transmit]);
    assert_eq!(
        group.order_by,
        [OrderByProperty { type_id: WEIGHT, property_name: "When".to_owned(), descending: true }]
    );
    assert_eq!(group.filters[0].eff_date_max, Some(datetime!(2017-12-31 23:59:59.5)));
    assert_eq!(request(3, &parsed.to_info_xml()), parsed);
    let query = group.query().unwrap();
    assert_eq!(query.thing_ids, [ThingId::parse("c0464a97-2832-4f50-a683-6d98c396da08").unwrap()]);
    assert_eq!(query.limit, Some(30));

    let v1 = GetThingsRequest { version: 1, ..request(1, PYTHON_HEALTHVAULT) };
    assert_eq!(request(1, &v1.to_info_xml()), v1);
}

#[test]
fn bad_requests_are_named() {
    let fails = |version, info: &str| GetThingsRequest::parse_info(version, info).unwrap_err();
    assert_eq!(fails(3, "<info/>"), WireError::MissingElement { parent: "info", element: "group" });
    assert_eq!(fails(4, PYTHON_HEALTHVAULT), WireError::UnsupportedMethodVersion { method: METHOD, version: 4 });
    let mixed = concat!(
        "<info><group><id>c0464a97-2832-4f50-a683-6d98c396da08</id><client-thing-id>a</client-thing-id>",
        "<format/></group></info>"
    );
    let mixed = fails(3, mixed);
    assert!(matches!(&mixed, WireError::InvalidValue { element: "group", text, .. } if text == "id, client-thing-id"));
    let section = "<info><group><format><section>everything</section></format></group></info>";
    assert!(matches!(fails(3, section), WireError::InvalidValue { element: "group/format/section", .. }));
    let guid = "<info><group><filter><type-id>weight</type-id></filter><format/></group></info>";
    assert!(matches!(fails(1, guid), WireError::InvalidGuid { element: "group/filter/type-id", .. }));
    let date = "<info><group><filter><eff-date-min>today</eff-date-min></filter><format/></group></info>";
    assert!(matches!(fails(1, date), WireError::InvalidDateTime { element: "group/filter/eff-date-min", .. }));
    let state = "<info><group><filter><thing-state>Gone</thing-state></filter><format/></group></info>";
    assert!(matches!(fails(1, state), WireError::InvalidValue { element: "group/filter/thing-state", .. }));
    let max = "<info><group max='-1'><format/></group></info>";
    assert!(matches!(fails(1, max), WireError::InvalidNumber { element: "group@max", .. }));
    let key = "<info><group><key>c0464a97-2832-4f50-a683-6d98c396da08</key><format/></group></info>";
    assert_eq!(fails(3, key), WireError::MissingAttribute { element: "group/key", attribute: "version-stamp" });
    let blob = concat!(
        "<info><group><format><blob-payload-request><blob-format><blob-format-spec>zip</blob-format-spec>",
        "</blob-format></blob-payload-request></format></group></info>"
    );
    assert!(matches!(fails(3, blob), WireError::InvalidValue { .. }));
    let filtered_twice = "<info><group><format/><format/></group></info>";
    assert_eq!(fails(3, filtered_twice), WireError::DuplicateElement { parent: "group", element: "format" });
}

#[test]
fn schemas_agree_with_the_table() {
    for version in 1..=3 {
        assert_eq!(Some(response_schema(version)), response_schema_name(METHOD, version));
    }
    let key = ThingKey {
        id: ThingId::parse("c0464a97-2832-4f50-a683-6d98c396da08").unwrap(),
        version: haven_domain::ids::VersionStamp::parse("c3b64bc6-b9f8-45c5-b465-d29fc4c64c33").unwrap(),
    };
    let group = ThingsGroupRequest { target: ThingTarget::Keys(vec![key]), ..ThingsGroupRequest::default() };
    assert!(GetThingsRequest { version: 2, groups: vec![group] }.to_info_xml().contains("<key version-stamp="));
}
