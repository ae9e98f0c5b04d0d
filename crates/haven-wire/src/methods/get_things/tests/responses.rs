//! GetThings answers: what we write validates and reads back, and the .NET SDK's samples read.

use haven_domain::thing::{Thing, ThingKey};
use haven_domain::thing_type::{BLOOD_PRESSURE, CONTACT, WEIGHT};
use time::macros::datetime;

use super::super::*;
use crate::response::{Response, parse_response};
use crate::testing::ReferenceDocs;
use crate::testing::Xmllint;
use crate::thing_xml::fixtures::{names, output, weight};
use crate::thing_xml::{BlobData, ThingSections};

const SAMPLES: &str = "wire-samples/dotnetstandard-sdk-unittest-samples";

/// An answer with every section, unprocessed keys, `filtered`, and an empty named group.
fn groups(things: &[Thing]) -> Vec<GroupResponse<'_>> {
    let full = GroupResponse {
        name: Some("all & more".to_owned()),
        sections: ThingSections::all(),
        things: things.iter().map(output).collect(),
        unprocessed: things.iter().map(UnprocessedThingKey::of).collect(),
        filtered: true,
    };
    let empty =
        GroupResponse { name: Some("none".to_owned()), ..GroupResponse::for_request(&ThingsGroupRequest::default()) };
    let core = GroupResponse {
        name: None,
        sections: ThingSections { core: true, data_xml: true, ..ThingSections::default() },
        things: things.iter().map(output).collect(),
        unprocessed: Vec::new(),
        filtered: false,
    };
    vec![full, empty, core]
}

fn respond(version: u32, groups: &[GroupResponse<'_>]) -> crate::response::ResponseInfo {
    let request = GetThingsRequest { version, groups: vec![ThingsGroupRequest::default()] };
    request.respond(groups, &names())
}

#[test]
fn written_answers_validate_against_the_xsds() {
    let Some(schemas) = Xmllint::for_test("GetThings XSD validation") else {
        return;
    };
    let things = [weight(14), weight(12)];
    for (version, xsd) in [(1, "response-getthings.xsd"), (2, "response-getthings.xsd"), (3, "response-getthings3.xsd")]
    {
        let info = respond(version, &groups(&things));
        let body = Response::ok(info).to_xml();
        let parsed = parse_response(&body).unwrap().info.unwrap();
        let standalone = format!(r#"<wc:info xmlns:wc="{}">{}</wc:info>"#, parsed.namespace.unwrap(), parsed.inner_xml);
        if let Err(report) = schemas.validate(xsd, &standalone) {
            panic!("GetThings v{version} answer does not validate against {xsd}:\n{report}");
        }
    }
}

#[test]
fn written_answers_read_back() {
    let things = [weight(14), weight(12)];
    let info = respond(3, &groups(&things));
    assert_eq!(info.schema, "GetThings3");
    let response = GetThingsResponse::parse_info_xml(&info.inner_xml).unwrap();
    let names: Vec<_> = response.groups.iter().map(|group| group.name.as_deref()).collect();
    assert_eq!(names, [Some("all & more"), Some("none"), None]);
    let full = &response.groups[0];
    assert_eq!(full.things.len(), 2);
    assert!(full.filtered);
    assert_eq!(full.things[1].key, things[1].key);
    assert_eq!(full.things[0].blobs[1].data, BlobData::Url(output(&things[0]).blobs[1].data_url()));
    assert_eq!(
        full.unprocessed,
        [UnprocessedThingKey::of(&things[0]), UnprocessedThingKey::of(&things[1])],
        "unprocessed keys keep their wall-clock eff-date"
    );
    assert_eq!(full.unprocessed[0].eff_date, datetime!(2017-03-14 17:56:25.120));
    assert_eq!(full.unprocessed[0].updated_end_date, Some(datetime!(2018-03-14 12:30:00.5)));
    assert_eq!(full.things[0].updated_end_date, Some(datetime!(2018-03-14 12:30:00.5)));
    assert!(response.groups[1].things.is_empty() && !response.groups[1].filtered);
    let core = &response.groups[2].things[0];
    assert!(core.created.is_none() && core.blobs.is_empty() && core.effective_permissions.is_none());
    assert_eq!(core.data_xml.as_deref(), Some(things[0].data_xml.as_str()));

    let v1 = respond(1, &groups(&things));
    assert_eq!(v1.schema, "GetThings");
    let v1 = GetThingsResponse::parse_info_xml(&v1.inner_xml).unwrap();
    assert_eq!(v1.groups[0].things[0].blobs.len(), 1, "v1 carries only the default blob, as data-other");
}

/// The URL of a streamed entry, for comparisons.
trait DataUrl {
    fn data_url(&self) -> String;
}

impl DataUrl for crate::thing_xml::BlobPayloadEntry {
    fn data_url(&self) -> String {
        match &self.data {
            BlobData::Url(url) => url.clone(),
            other => panic!("not a URL: {other:?}"),
        }
    }
}

fn sample(docs: &ReferenceDocs, file: &str) -> GetThingsResponse {
    let text = docs.read_raw(&format!("{SAMPLES}/{file}"));
    let info = parse_response(&text).unwrap().info.unwrap();
    assert_eq!(info.schema(), Some("GetThings3"), "{file}");
    GetThingsResponse::parse_info_xml(info.inner_xml).unwrap_or_else(|error| panic!("{file}: {error}"))
}

fn counts(response: &GetThingsResponse) -> Vec<(usize, usize)> {
    response.groups.iter().map(|group| (group.things.len(), group.unprocessed.len())).collect()
}

#[test]
fn reads_the_sdk_answer_samples() {
    let Some(docs) = ReferenceDocs::locate("GetThings samples") else {
        return;
    };
    let single = sample(&docs, "ThingSampleBloodPressure.xml");
    assert_eq!(counts(&single), [(1, 0)]);
    let thing = &single.groups[0].things[0];
    assert_eq!(thing.type_id, BLOOD_PRESSURE);
    assert_eq!(thing.eff_date, Some(datetime!(2017-03-14 17:56:25)));
    let permissions = thing.effective_permissions.unwrap();
    assert!(!permissions.immutable);
    assert_eq!(permissions.permissions, haven_domain::auth_rules::Permissions::ALL);

    let many = sample(&docs, "ThingsSampleBloodPressure.xml");
    assert_eq!(counts(&many), [(33, 0)]);
    let blood_pressures = many.groups[0].things.iter().filter(|thing| thing.type_id == BLOOD_PRESSURE).count();
    let contacts = many.groups[0].things.iter().filter(|thing| thing.type_id == CONTACT).count();
    assert_eq!((blood_pressures, contacts), (30, 3));
    assert!(many.groups[0].things.iter().all(|thing| thing.data_xml.is_some() && thing.updated.is_some()));

    let multi = sample(&docs, "ThingsMultiQueryResult.xml");
    assert_eq!(counts(&multi), [(3, 0), (1, 0)]);
    assert_eq!(multi.groups[1].things[0].type_id, WEIGHT);
    assert_eq!(multi.groups[0].things[1].eff_date, Some(datetime!(2017-05-09 11:00:44.759)));
    assert!(multi.groups[1].things[0].data_xml.as_deref().is_some_and(|data| data.starts_with("<weight>")));

    let first = sample(&docs, "ThingsPagedResult1.xml");
    assert_eq!(counts(&first), [(240, 263)]);
    let last_key = first.groups[0].unprocessed.last().unwrap();
    assert_eq!(last_key.key.id.to_string(), "09883e46-7bfd-4af4-9026-0b5b9fbd77a5");
    assert_eq!(last_key.key.version.to_string(), "8ca1fe29-ee44-4187-9255-2cef77f965ee");
    assert_eq!(last_key.eff_date, datetime!(2017-03-23 12:39:48.107));
    assert_eq!(counts(&sample(&docs, "ThingsPagedResult2.xml")), [(240, 0)]);
    assert_eq!(counts(&sample(&docs, "ThingsPagedResult3.xml")), [(23, 0)]);
}

/// Paging as the SDK does it: the unprocessed keys of one answer become the `key`s of the next
/// request, which reads back with the same keys.
#[test]
fn unprocessed_keys_page_into_the_next_request() {
    let things = [weight(14), weight(12)];
    let info = respond(3, &groups(&things));
    let answer = GetThingsResponse::parse_info_xml(&info.inner_xml).unwrap();
    let keys: Vec<ThingKey> = answer.groups[0].unprocessed.iter().map(|unprocessed| unprocessed.key).collect();
    let next = GetThingsRequest {
        version: 3,
        groups: vec![ThingsGroupRequest { target: ThingTarget::Keys(keys.clone()), ..ThingsGroupRequest::default() }],
    };
    let reread = GetThingsRequest::parse_info(3, &next.to_info_xml()).unwrap();
    assert_eq!(reread.groups[0].target, ThingTarget::Keys(keys));
}
