use haven_domain::topology::Topology;
use time::macros::datetime;

use super::*;
use crate::request::parse_request;
use crate::response::{Response, parse_info_element, parse_response, response_schema_name};
use crate::testing::{ReferenceDocs, Xmllint};

const TOPOLOGY: &str = r#"
[[instance]]
id = "1"
name = "US"
description = "US instance"
platform-url = "https://platform.example.org/"
shell-url = "https://account.example.org/"
min-signup-age = 13

[[instance]]
id = "2"
name = "EU"
description = "EU instance"
platform-url = "https://platform.example.eu/"
shell-url = "https://account.example.eu/"
min-signup-age = 16

[countries]
default-instance = "2"
"#;

fn definition() -> ServiceDefinition {
    let topology = Topology::from_toml("topology.toml", TOPOLOGY).unwrap();
    let current = InstanceId::parse("1").unwrap();
    ServiceDefinition {
        platform: Some(PlatformInfo {
            url: "https://platform.example.org/platform/wildcat.ashx".to_owned(),
            version: "1.0.0.0".to_owned(),
            configuration: vec![ConfigurationEntry {
                key: "maxGetThingsQueryGroups".to_owned(),
                value: "30".to_owned(),
            }],
        }),
        shell: Some(ShellInfo {
            url: "https://account.example.org/".to_owned(),
            redirect_url: "https://account.example.org/redirect.aspx".to_owned(),
            redirect_tokens: vec![RedirectToken {
                token: "AUTH".to_owned(),
                description: "Authorize an application & its records".to_owned(),
                querystring_parameters: vec!["appid".to_owned(), "redirect".to_owned()],
            }],
        }),
        sdk_assemblies: vec![SdkAssembly {
            url: "https://example.org/sdk.zip".to_owned(),
            version: "1.0".to_owned(),
            doc_url: "https://example.org/sdk/".to_owned(),
        }],
        xml_methods: vec![XmlMethod {
            name: "GetThings".to_owned(),
            versions: vec![
                XmlMethodVersion {
                    number: 1,
                    request_schema_url: Some("https://platform.example.org/XSD/method-getthings.xsd".to_owned()),
                    response_schema_url: Some("https://platform.example.org/XSD/response-getthings.xsd".to_owned()),
                },
                XmlMethodVersion { number: 3, request_schema_url: None, response_schema_url: None },
            ],
        }],
        common_schemas: vec!["https://platform.example.org/XSD/types.xsd".to_owned()],
        instances: Some(InstanceList::new(&current, topology.instances())),
        meaningful_use: Some(MeaningfulUse {
            enabled: false,
            configuration: vec![ConfigurationEntry {
                key: "MaxMeaningfulUseReportItemsPerRetrieval".to_owned(),
                value: "1000".to_owned(),
            }],
        }),
        updated_date: datetime!(2026-11-01 12:30:00.250_7 UTC),
    }
}

fn request(version: u32, info: &str) -> GetServiceDefinitionRequest {
    GetServiceDefinitionRequest::parse_info(version, info).unwrap()
}

#[test]
fn reads_requests_of_both_versions() {
    let body = concat!(
        r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header>"#,
        "<method>GetServiceDefinition</method><method-version>2</method-version>",
        "<app-id>c6ba979f-c342-4408-a1d2-5f4c3d6a6a52</app-id></header>",
        "<info><updated-date>2017-04-20T21:53:19Z</updated-date><response-sections>",
        "<section>topology</section><section> platform </section></response-sections></info>",
        "</wc-request:request>"
    );
    let parsed = GetServiceDefinitionRequest::from_request(&parse_request(body).unwrap()).unwrap();
    assert_eq!(parsed.version, 2);
    assert_eq!(parsed.updated_date, Some(datetime!(2017-04-20 21:53:19 UTC)));
    assert_eq!(parsed.response_sections, Some(vec![ResponseSection::Topology, ResponseSection::Platform]));
    assert_eq!(request(2, &parsed.to_info_xml()), parsed);

    let v1 = request(1, "<info><response-sections><section>shell</section></response-sections></info>");
    assert_eq!(v1.response_sections, None, "v1 has no response-sections");
    assert_eq!(request(2, "<info/>").response_sections, None);
    assert_eq!(request(2, "<info><response-sections/></info>").response_sections, Some(vec![]));
}

#[test]
fn bad_requests_are_named() {
    let bad_section = GetServiceDefinitionRequest::parse_info(
        2,
        "<info><response-sections><section>everything</section></response-sections></info>",
    );
    assert!(matches!(bad_section, Err(WireError::InvalidValue { element: "section", .. })));
    let bad_date = GetServiceDefinitionRequest::parse_info(2, "<info><updated-date>soon</updated-date></info>");
    assert_eq!(bad_date, Err(WireError::InvalidDateTime { element: "updated-date", text: "soon".to_owned() }));
    let version = GetServiceDefinitionRequest::parse_info(3, "<info/>").unwrap_err();
    assert_eq!(version, WireError::UnsupportedMethodVersion { method: METHOD, version: 3 });
    assert_eq!(version.status_code(), crate::StatusCode::BAD_METHOD);
}

#[test]
fn schema_names_agree_with_the_table() {
    for version in [1, 2] {
        assert_eq!(Some(response_schema(version)), response_schema_name(METHOD, version));
    }
}

#[test]
fn unchanged_since_updated_date_gives_an_empty_info() {
    let definition = definition();
    let written = format_date_time(definition.updated_date);
    assert_eq!(written, "2026-11-01T12:30:00.250Z");
    for since in [written.as_str(), "2026-11-02T00:00:00Z"] {
        let info = request(2, &format!("<info><updated-date>{since}</updated-date></info>")).respond(&definition);
        assert_eq!(info, ResponseInfo::new("GetServiceDefinition2", ""), "{since}");
        let info = request(1, &format!("<info><updated-date>{since}</updated-date></info>")).respond(&definition);
        assert_eq!(info, ResponseInfo::new("GetServiceDefinition", ""), "{since}");
        assert_eq!(ServiceDefinition::parse_info_xml(&info.inner_xml), Ok(None));
    }
    let earlier = request(2, "<info><updated-date>2026-11-01T12:29:59Z</updated-date></info>");
    assert!(earlier.respond(&definition).inner_xml.starts_with("<platform>"));
}

#[test]
fn v2_writes_only_the_requested_sections() {
    let definition = definition();
    let topology_only = request(2, "<info><response-sections><section>topology</section></response-sections></info>")
        .respond(&definition)
        .inner_xml;
    assert!(topology_only.starts_with(r#"<instances current-instance-id="1"><instance><id>1</id>"#), "{topology_only}");
    assert!(topology_only.contains("<platform-url>https://platform.example.eu/platform/wildcat.ashx</platform-url>"));
    assert!(topology_only.ends_with("<updated-date>2026-11-01T12:30:00.250Z</updated-date>"));
    for absent in ["<platform>", "<shell>", "<xml-method>", "<common-schema>", "<meaningful-use>"] {
        assert!(!topology_only.contains(absent), "{absent} in {topology_only}");
    }
    let nothing = request(2, "<info><response-sections/></info>").respond(&definition).inner_xml;
    assert_eq!(nothing, "<updated-date>2026-11-01T12:30:00.250Z</updated-date>");
    let everything = request(2, "<info/>").respond(&definition).inner_xml;
    assert!(!everything.contains("<sdk-assembly>"), "v2 has no sdk-assembly");
    assert!(everything.contains("<meaningful-use><enabled>false</enabled>"));
}

#[test]
fn both_versions_read_back() {
    let definition = definition();
    let expected = ServiceDefinition { updated_date: datetime!(2026-11-01 12:30:00.250 UTC), ..definition.clone() };
    let v2 = ServiceDefinition::parse_info_xml(&definition.to_info_xml_v2(None)).unwrap().unwrap();
    assert_eq!(v2, ServiceDefinition { sdk_assemblies: vec![], ..expected.clone() });
    let v1 = ServiceDefinition::parse_info_xml(&definition.to_info_xml_v1()).unwrap().unwrap();
    assert_eq!(v1, ServiceDefinition { instances: None, meaningful_use: None, ..expected });
}

/// The .NET SDK's unit-test sample of a whole GetServiceDefinition v2 response (it starts with
/// a byte-order mark and its `updated-date` has no offset).
#[test]
fn reads_the_sdk_response_sample() {
    let Some(docs) = ReferenceDocs::locate("GetServiceDefinitionResult.xml") else {
        return;
    };
    let text = docs.read_raw("wire-samples/dotnetstandard-sdk-unittest-samples/GetServiceDefinitionResult.xml");
    assert!(text.starts_with('\u{feff}'));
    let response = parse_response(&text).unwrap();
    assert_eq!(response.status, crate::StatusCode::OK);
    let info = response.info.unwrap();
    assert_eq!(info.schema(), Some("GetServiceDefinition2"));
    let definition = ServiceDefinition::parse_info_xml(info.inner_xml).unwrap().unwrap();
    assert_eq!(definition.updated_date, datetime!(2017-04-20 21:53:19 UTC));
    assert_eq!(definition.platform, None);
    let instances = definition.instances.unwrap();
    assert_eq!(instances.current_instance_id.as_str(), "1");
    let summary: Vec<_> = instances
        .instances
        .iter()
        .map(|instance| {
            (instance.id.as_str(), instance.name.as_str(), instance.platform_url.as_str(), instance.shell_url.as_str())
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "1",
                "US",
                "https://platform.healthvault-ppe.com/platform/wildcat.ashx",
                "https://account.healthvault-ppe.com/"
            ),
            (
                "2",
                "EU",
                "https://platform.healthvault-ppe.co.uk/platform/wildcat.ashx",
                "https://account.healthvault-ppe.co.uk/"
            ),
        ]
    );
    assert_eq!(instances.instances[1].description, "EU Instance");
}

/// The SDK's stored `wc:info` on its own (no `response` around it).
#[test]
fn reads_the_sdk_info_sample() {
    let Some(docs) = ReferenceDocs::locate("ServiceDefinitionSample.xml") else {
        return;
    };
    let text = docs.read_raw("wire-samples/dotnetstandard-sdk-unittest-samples/ServiceDefinitionSample.xml");
    let info = parse_info_element(&text).unwrap();
    assert_eq!(info.schema(), Some("GetServiceDefinition2"));
    let definition = ServiceDefinition::parse_info_xml(info.inner_xml).unwrap().unwrap();
    assert_eq!(definition.updated_date, datetime!(2017-03-17 03:24:19 UTC));
    let instances = definition.instances.unwrap();
    assert_eq!(instances.current_instance_id.as_str(), "1");
    assert_eq!(instances.instances.len(), 2);
    assert_eq!(
        instances.instances[1].platform_url,
        "https://platform.hvazads04.healthvault-test.com/platform/wildcat.ashx"
    );
    assert_eq!(instances.instances[0].shell_url, "https://account.hvazads03.healthvault-test.com/");
}

/// Our responses validate against the published schemas. The `wc:info` is taken out of the
/// full response body and validated as a document of its own.
#[test]
fn written_responses_validate_against_the_xsds() {
    let Some(docs) = ReferenceDocs::locate("GetServiceDefinition XSD validation") else {
        return;
    };
    let Some(xmllint) = Xmllint::locate("GetServiceDefinition XSD validation", &docs) else {
        return;
    };
    let definition = definition();
    let cases = [
        (1, "<info/>", "response-getservicedefinition.xsd"),
        (1, "<info><updated-date>2030-01-01T00:00:00Z</updated-date></info>", "response-getservicedefinition.xsd"),
        (2, "<info/>", "response-getservicedefinition2.xsd"),
        (
            2,
            "<info><response-sections><section>topology</section></response-sections></info>",
            "response-getservicedefinition2.xsd",
        ),
        (2, "<info><response-sections/></info>", "response-getservicedefinition2.xsd"),
        (2, "<info><updated-date>2030-01-01T00:00:00Z</updated-date></info>", "response-getservicedefinition2.xsd"),
    ];
    for (version, info, xsd) in cases {
        let body = Response::ok(request(version, info).respond(&definition)).to_xml();
        let parsed = parse_response(&body).unwrap();
        let info_xml = parsed.info.unwrap();
        let standalone =
            format!(r#"<wc:info xmlns:wc="{}">{}</wc:info>"#, info_xml.namespace.unwrap(), info_xml.inner_xml);
        if let Err(report) = xmllint.validate(xsd, &standalone) {
            panic!("v{version} {info} does not validate against {xsd}:\n{report}");
        }
    }
}
