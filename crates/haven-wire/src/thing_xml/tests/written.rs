//! Writing stored things, and reading what was written back.

use haven_domain::auth_rules::Permissions;
use haven_domain::ids::ApplicationId;
use haven_domain::thing::{AccessAvenue, AuditAction, ThingFlags, ThingState};
use haven_domain::thing_type::WEIGHT;
use time::macros::datetime;

use super::super::fixtures::{application, names, output, person, weight};
use super::super::*;

#[test]
fn without_sections_only_the_key_and_type_are_written() {
    let thing = weight(14);
    let xml = thing_to_xml(&output(&thing), ThingSections::default(), ThingSchema::Thing2, &names());
    assert_eq!(
        xml,
        concat!(
            r#"<thing><thing-id version-stamp="c3b0413d-9e69-40c7-bbb4-e3ebf9a7ecc3">0954ad63-ac67-4ae0-8592-259bd82ac314</thing-id>"#,
            r#"<type-id name="Weight">3d34d87e-7fc1-4153-800f-f56592cb0d17</type-id></thing>"#
        )
    );
}

#[test]
fn every_section_reads_back() {
    let thing = weight(14);
    let xml = thing_to_xml(&output(&thing), ThingSections::all(), ThingSchema::Thing2, &names());
    let order = [
        "<thing-id",
        "<type-id",
        "<thing-state>",
        "<flags>",
        "<eff-date>",
        "<created>",
        "<updated>",
        "<data-xml>",
        "<blob-payload>",
        "<eff-permissions",
        "</data-xml>",
    ];
    let positions: Vec<_> = order.iter().map(|tag| xml.find(tag).unwrap_or_else(|| panic!("{tag} in {xml}"))).collect();
    assert!(positions[..10].windows(2).all(|pair| pair[0] < pair[1]), "schema order: {xml}");
    assert!(
        xml.ends_with("<tags>morning,home</tags><updated-end-date>2018-03-14T12:30:00.500</updated-end-date></thing>"),
        "updated-end-date comes last, a wall-clock time: {xml}"
    );
    assert!(xml.contains("<eff-date>2017-03-14T17:56:25.120</eff-date>"), "wall clock, no offset: {xml}");
    assert!(xml.contains("<timestamp>2017-03-15T00:56:26.243Z</timestamp>"), "{xml}");
    assert!(!xml.contains("data-other"));

    let read = parse_wire_thing(&xml).unwrap();
    assert_eq!(read.key, thing.key);
    assert_eq!(read.type_id, WEIGHT);
    assert_eq!(read.type_name.as_deref(), Some("Weight"));
    assert_eq!(read.state, Some(ThingState::Active));
    assert_eq!(read.flags, Some(ThingFlags::READ_ONLY));
    assert_eq!(read.eff_date, Some(datetime!(2017-03-14 17:56:25.120)));
    let created = read.created.clone().unwrap();
    assert_eq!(created.timestamp, thing.created.timestamp);
    assert_eq!((created.application_id, created.application_name.as_deref()), (application(), Some("Test Source")));
    assert_eq!((created.person_id, created.person_name.as_deref()), (person(), Some("Test User")));
    assert_eq!((created.access_avenue, created.action), (Some(AccessAvenue::Offline), AuditAction::Created));
    let updated = read.updated.clone().unwrap();
    assert_eq!((updated.timestamp, updated.action), (datetime!(2017-03-16 08:00 UTC), AuditAction::Updated));
    assert_eq!(read.data_xml.as_deref(), Some(thing.data_xml.as_str()));
    assert_eq!(read.common.as_ref(), Some(&thing.common));
    assert_eq!(read.blobs, output(&thing).blobs);
    assert_eq!(
        read.effective_permissions,
        Some(EffectivePermissions { permissions: Permissions::ALL, immutable: true })
    );
    assert_eq!(read.tags.as_deref(), Some("morning,home"));
    assert_eq!(read.updated_end_date, Some(datetime!(2018-03-14 12:30:00.5)));

    let without_core = ThingSections { core: false, ..ThingSections::all() };
    let xml = thing_to_xml(&output(&thing), without_core, ThingSchema::Thing2, &names());
    assert!(!xml.contains("updated-end-date"), "it belongs to the core section: {xml}");
    let mut open_ended = thing.clone();
    open_ended.updated_end_date = None;
    let xml = thing_to_xml(&output(&open_ended), ThingSections::all(), ThingSchema::Thing2, &names());
    assert!(!xml.contains("updated-end-date"), "{xml}");
}

#[test]
fn thing_v1_carries_the_default_blob_as_data_other() {
    let thing = weight(14);
    let xml = thing_to_xml(&output(&thing), ThingSections::all(), ThingSchema::Thing, &names());
    assert!(!xml.contains("blob-payload"), "{xml}");
    assert!(xml.contains(r#"<data-other content-type="text/plain" content-encoding="base64">aGVsbG8=</data-other>"#));
    assert!(!xml.contains("updated-end-date"), "Thing has no updated-end-date: {xml}");
    let read = parse_wire_thing(&xml).unwrap();
    assert_eq!(read.blobs.len(), 1);
    assert_eq!(read.blobs[0].data, BlobData::Inline(b"hello".to_vec()));
    let sections = ThingSections { other_data: false, ..ThingSections::all() };
    let without = thing_to_xml(&output(&thing), sections, ThingSchema::Thing, &names());
    assert!(!without.contains("data-other"));
}

#[test]
fn missing_names_and_ids_still_give_the_elements_clients_need() {
    let mut thing = weight(14);
    thing.created.application_id = None;
    thing.created.person_id = None;
    let sections = ThingSections { audits: true, ..ThingSections::default() };
    let xml = thing_to_xml(&ThingOutput::new(&thing), sections, ThingSchema::Thing2, &ThingNameTable::default());
    assert!(xml.contains(r#"<app-id name="">00000000-0000-0000-0000-000000000000</app-id>"#), "{xml}");
    assert!(xml.contains(r#"<person-id name="">00000000-0000-0000-0000-000000000000</person-id>"#), "{xml}");
    assert!(xml.contains(&format!(r#"<app-id name="">{}</app-id>"#, application())), "updated keeps its app: {xml}");

    let shell = ApplicationId::parse("9ca84d74-1473-471d-940f-2699cb7198df").unwrap();
    let mut with_shell = names();
    with_shell.shell_application_id = Some(shell);
    with_shell.applications.insert(shell, "Microsoft HealthVault".to_owned());
    let xml = thing_to_xml(&ThingOutput::new(&thing), sections, ThingSchema::Thing2, &with_shell);
    assert!(xml.contains(&format!(r#"<app-id name="Microsoft HealthVault">{shell}</app-id>"#)), "{xml}");
}

#[test]
fn permissions_blobs_and_tags_are_left_out_when_there_are_none() {
    let mut thing = weight(14);
    thing.common.tags = None;
    let mut output = output(&thing);
    output.effective_permissions = Some(EffectivePermissions { permissions: Permissions::NONE, immutable: false });
    output.blobs.clear();
    let xml = thing_to_xml(&output, ThingSections::all(), ThingSchema::Thing2, &names());
    for absent in ["eff-permissions", "blob-payload", "<tags>"] {
        assert!(!xml.contains(absent), "{absent} in {xml}");
    }
    output.effective_permissions = Some(EffectivePermissions { permissions: Permissions::READ, immutable: false });
    let xml = thing_to_xml(&output, ThingSections::all(), ThingSchema::Thing2, &names());
    assert!(xml.contains(r#"<eff-permissions immutable="false"><permission>Read</permission></eff-permissions>"#));
}

#[test]
fn stored_data_with_a_declaration_is_written_as_a_fragment() {
    let mut thing = weight(14);
    let data = thing.data_xml.clone();
    thing.data_xml = format!("\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n{data}");
    let sections = ThingSections { data_xml: true, ..ThingSections::default() };
    let xml = thing_to_xml(&ThingOutput::new(&thing), sections, ThingSchema::Thing2, &names());
    assert!(xml.contains(&format!("<data-xml>{data}<common>")), "{xml}");
}

#[test]
fn wall_clock_times_are_written_without_offset() {
    assert_eq!(format_wall_clock(datetime!(2017-05-10 0:00)), "2017-05-10T00:00:00");
    assert_eq!(format_wall_clock(datetime!(2017-05-09 11:00:44.759_9)), "2017-05-09T11:00:44.759");
    assert_eq!(parse_wall_clock("eff-date", "2017-05-09T11:00:44.759+02:00"), Ok(datetime!(2017-05-09 11:00:44.759)));
    assert!(matches!(
        parse_wall_clock("eff-date", "soon"),
        Err(WireError::InvalidDateTime { element: "eff-date", .. })
    ));
}
