use haven_domain::thing_type::{FILE, HEIGHT, MEDICATION, WEIGHT, all, by_id};
use time::macros::datetime;

use super::*;
use crate::request::parse_request;
use crate::response::{Response, parse_response, response_schema_name};
use crate::testing::{ReferenceDocs, Xmllint};

const DEFINITIONS_UPDATED: OffsetDateTime = datetime!(2026-03-01 12:00:00.250_9 UTC);

fn request(info: &str) -> GetThingTypeRequest {
    GetThingTypeRequest::parse_info(1, info).unwrap()
}

/// The .NET SDK's `GetHealthRecordItemTypeDefinitionByDateAsync`: ids, sections in its fixed
/// order, image types, and `last-client-refresh` from `XmlFromLocalDateTime`.
#[test]
fn reads_the_dotnet_request_and_round_trips() {
    let body = concat!(
        r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header>"#,
        "<method>GetThingType</method><method-version>1</method-version>",
        "<app-id>05a059c9-c309-46af-9b86-b06d42510550</app-id></header><info>",
        "<id>3d34d87e-7fc1-4153-800f-f56592cb0d17</id><id>40750A6A-89B2-455C-BD8D-B420A4CB500B</id>",
        "<section>core</section><section>xsd</section><section>versions</section>",
        "<section>effectivedatexpath</section><image-type>image/gif</image-type>",
        "<last-client-refresh>2026-03-01T05:00:00.2509-07:00</last-client-refresh></info></wc-request:request>"
    );
    let parsed = GetThingTypeRequest::from_request(&parse_request(body).unwrap()).unwrap();
    assert_eq!(parsed.type_ids, [WEIGHT, HEIGHT]);
    assert_eq!(
        parsed.sections,
        [
            ThingTypeSection::Core,
            ThingTypeSection::Xsd,
            ThingTypeSection::Versions,
            ThingTypeSection::EffectiveDateXPath
        ]
    );
    assert_eq!(parsed.image_types, ["image/gif"]);
    assert_eq!(parsed.last_client_refresh, Some(datetime!(2026-03-01 12:00:00.2509 UTC)));
    let written = GetThingTypeRequest { last_client_refresh: Some(DEFINITIONS_UPDATED), ..parsed };
    let read_back = request(&written.to_info_xml());
    assert_eq!(read_back.last_client_refresh, Some(truncate_to_millis(DEFINITIONS_UPDATED)));
    assert_eq!(GetThingTypeRequest { last_client_refresh: written.last_client_refresh, ..read_back }, written);
    for section in ThingTypeSection::ALL {
        assert_eq!(ThingTypeSection::parse(section.as_str()), Some(section));
    }
}

#[test]
fn bad_requests_are_named() {
    assert!(matches!(
        GetThingTypeRequest::parse_info(1, "<info><section>everything</section></info>"),
        Err(WireError::InvalidValue { element: "section", .. })
    ));
    assert!(matches!(
        GetThingTypeRequest::parse_info(1, "<info><id>weight</id></info>"),
        Err(WireError::InvalidGuid { element: "id", .. })
    ));
    assert!(matches!(
        GetThingTypeRequest::parse_info(1, "<info><last-client-refresh>never</last-client-refresh></info>"),
        Err(WireError::InvalidDateTime { element: "last-client-refresh", .. })
    ));
    assert_eq!(
        GetThingTypeRequest::parse_info(2, "<info/>"),
        Err(WireError::UnsupportedMethodVersion { method: METHOD, version: 2 })
    );
}

#[test]
fn answers_with_the_requested_types_and_sections() {
    let everything_core = request("<info/>").respond(all(), DEFINITIONS_UPDATED);
    assert_eq!(Some(everything_core.schema.as_str()), response_schema_name(METHOD, 1));
    let parsed = GetThingTypeResponse::parse_info_xml(&everything_core.inner_xml).unwrap();
    assert_eq!(parsed.thing_types.len(), all().len());
    let weight = &parsed.thing_types[0];
    assert_eq!((weight.id, weight.name.as_str()), (WEIGHT, "Weight"));
    assert_eq!(
        (weight.uncreatable, weight.immutable, weight.singleton, weight.allow_readonly),
        (Some(false), Some(false), Some(false), Some(false))
    );
    assert_eq!((weight.versions.as_ref(), weight.effective_date_xpath.as_ref()), (None, None));

    let unknown = "00000000-0000-0000-0000-00000000000a";
    let chosen = request(&format!(
        "<info><id>{MEDICATION}</id><id>{unknown}</id><id>{FILE}</id><section>versions</section>\
         <section>effectivedatexpath</section></info>"
    ))
    .respond(all(), DEFINITIONS_UPDATED);
    let parsed = GetThingTypeResponse::parse_info_xml(&chosen.inner_xml).unwrap();
    let [medication, file] = parsed.thing_types.as_slice() else { panic!("two types expected") };
    assert_eq!(medication.id, MEDICATION);
    assert_eq!(medication.uncreatable, None, "core was not asked for");
    assert_eq!(medication.effective_date_xpath.as_deref(), Some("/thing/data-xml/medication/date-started"));
    let versions = medication.versions.as_ref().unwrap();
    assert_eq!(versions.thing_type_id, MEDICATION);
    assert_eq!(versions.versions[0].name, "Medication");
    assert_eq!(versions.versions[0].sequence, 1);
    assert_eq!(file.effective_date_xpath, None, "files are dated by their creation");
}

#[test]
fn an_up_to_date_client_gets_an_empty_answer() {
    let refresh = |date: &str| request(&format!("<info><last-client-refresh>{date}</last-client-refresh></info>"));
    assert_eq!(refresh("2026-03-01T12:00:00.250Z").respond(all(), DEFINITIONS_UPDATED).inner_xml, "");
    assert_eq!(refresh("2027-01-01T00:00:00Z").respond(all(), DEFINITIONS_UPDATED).inner_xml, "");
    assert_ne!(refresh("2026-03-01T12:00:00.249Z").respond(all(), DEFINITIONS_UPDATED).inner_xml, "");
}

#[test]
fn effective_date_paths_follow_the_registry() {
    let path = |id| by_id(id).and_then(effective_date_xpath);
    assert_eq!(path(WEIGHT).as_deref(), Some("/thing/data-xml/weight/when"));
    assert_eq!(path(HEIGHT).as_deref(), Some("/thing/data-xml/height/when"));
    assert_eq!(path(FILE), None);
}

/// The answer the iOS SDK's client tests mock, with `order-by-properties`.
#[test]
fn reads_the_ios_sdk_answer_and_round_trips() {
    let body = concat!(
        r#"<response><status><code>0</code></status><wc:info xmlns:wc="urn:com.microsoft.wc.methods.response.GetThingType">"#,
        "<thing-type><id>11111111-1111-1111-1111-111111111111</id><name>Test</name><uncreatable>false</uncreatable>",
        "<immutable>true</immutable><singleton>true</singleton><xsd>TestXSD</xsd>",
        r#"<versions thing-type-id="22222222-2222-2222-2222-222222222222"><version-info version-type-id="33333333-3333-3333-3333-333333333333" version-name="TestThing" version-sequence="1">"#,
        r#"<order-by-properties><property name="when" type="date-time" xpath="test/when" />"#,
        r#"<property name="value" type="double" xpath="test/value/kg" /></order-by-properties></version-info></versions>"#,
        "<effective-date-xpath>test/effective</effective-date-xpath><updated-end-date-xpath>test/updated</updated-end-date-xpath>",
        "<allow-readonly>true</allow-readonly></thing-type></wc:info></response>"
    );
    let info = parse_response(body).unwrap().info.unwrap();
    let parsed = GetThingTypeResponse::parse_info_xml(info.inner_xml).unwrap();
    let [test] = parsed.thing_types.as_slice() else { panic!("one type expected") };
    assert_eq!(test.name, "Test");
    assert_eq!(
        (test.uncreatable, test.immutable, test.singleton, test.allow_readonly),
        (Some(false), Some(true), Some(true), Some(true))
    );
    assert_eq!(test.xsd.as_deref(), Some("TestXSD"));
    let versions = test.versions.as_ref().unwrap();
    assert_eq!(versions.thing_type_id.to_string(), "22222222-2222-2222-2222-222222222222");
    assert_eq!(versions.versions[0].order_by_properties[1].xpath.as_deref(), Some("test/value/kg"));
    assert_eq!(test.effective_date_xpath.as_deref(), Some("test/effective"));
    assert_eq!(test.updated_end_date_xpath.as_deref(), Some("test/updated"));
    let written = Response::ok(parsed.to_info()).to_xml();
    let read_back = parse_response(&written).unwrap().info.unwrap();
    assert_eq!(read_back.schema(), Some(RESPONSE_SCHEMA));
    assert_eq!(GetThingTypeResponse::parse_info_xml(read_back.inner_xml).unwrap(), parsed);
}

#[test]
fn responses_validate_against_the_xsd() {
    let Some(docs) = ReferenceDocs::locate("GetThingType XSD validation") else {
        return;
    };
    let Some(xmllint) = Xmllint::locate("GetThingType XSD validation", &docs) else {
        return;
    };
    let every_section =
        GetThingTypeRequest { sections: ThingTypeSection::ALL.to_vec(), ..GetThingTypeRequest::default() };
    let sample = GetThingTypeResponse {
        thing_types: vec![ThingTypeInfo {
            xsd: Some("<schema/>".to_owned()),
            updated_end_date_xpath: Some("/thing/data-xml/medication/date-discontinued".to_owned()),
            versions: Some(ThingTypeVersions {
                thing_type_id: MEDICATION,
                versions: vec![ThingTypeVersion {
                    type_id: MEDICATION,
                    name: "Medication".to_owned(),
                    sequence: 2,
                    order_by_properties: vec![OrderByProperty {
                        name: "when".to_owned(),
                        property_type: "date-time".to_owned(),
                        xpath: Some("medication/date-started".to_owned()),
                    }],
                }],
            }),
            ..ThingTypeInfo::new(by_id(MEDICATION).unwrap(), &every_section)
        }],
    };
    let answers = [
        every_section.respond(all(), DEFINITIONS_UPDATED),
        request("<info/>").respond(all(), DEFINITIONS_UPDATED),
        sample.to_info(),
    ];
    for info in answers {
        let standalone = format!(r#"<wc:info xmlns:wc="{}">{}</wc:info>"#, info.namespace(), info.inner_xml);
        if let Err(report) = xmllint.validate("response-getthingtype.xsd", &standalone) {
            panic!("GetThingType does not validate:\n{report}");
        }
    }
}
