//! GetServiceDefinition (versions 1 and 2): what the service is, where its Shell is, which
//! methods and schemas it offers, and (v2) the instances of the deployment.
//!
//! If the request's `updated-date` is at or after the definition's, nothing changed and the
//! answer is an empty `wc:info`. The .NET SDK reads exactly that as "no updates" (it checks
//! whether `wc:info` has children); an info holding only `updated-date` would make it parse a
//! definition without platform or shell instead.

use haven_domain::topology::{Instance, InstanceId};
use roxmltree::Node;
use time::OffsetDateTime;

use crate::date_time::{format_date_time, parse_date_time, truncate_to_millis};
use crate::error::{WireError, excerpt};
use crate::instance::ServiceInstance;
use crate::request::Request;
use crate::response::ResponseInfo;
use crate::xml::{XmlBuilder, children_named, optional_child, parse_document, text_of};

mod read;
mod write;

/// The method name.
pub const METHOD: &str = "GetServiceDefinition";

/// A part of the v2 answer a client can ask for in `<response-sections>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResponseSection {
    /// `platform`: the `platform` element.
    Platform,
    /// `shell`: the `shell` element.
    Shell,
    /// `topology`: the `instances` element.
    Topology,
    /// `xml-over-http-methods`: the `xml-method` and `common-schema` elements.
    XmlOverHttpMethods,
    /// `meaningful-use`: the `meaningful-use` element.
    MeaningfulUse,
}

impl ResponseSection {
    /// Every section, in the order the response writes them.
    pub const ALL: [ResponseSection; 5] = [
        ResponseSection::Platform,
        ResponseSection::Shell,
        ResponseSection::XmlOverHttpMethods,
        ResponseSection::Topology,
        ResponseSection::MeaningfulUse,
    ];

    /// The value in `<section>`.
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseSection::Platform => "platform",
            ResponseSection::Shell => "shell",
            ResponseSection::Topology => "topology",
            ResponseSection::XmlOverHttpMethods => "xml-over-http-methods",
            ResponseSection::MeaningfulUse => "meaningful-use",
        }
    }

    /// Reads a `<section>` value (surrounding whitespace ignored).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|section| section.as_str() == text.trim())
    }
}

/// The request's info.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetServiceDefinitionRequest {
    /// The method version, 1 or 2.
    pub version: u32,
    /// `<updated-date>`: answer only if the definition changed after this.
    pub updated_date: Option<OffsetDateTime>,
    /// `<response-sections>` (v2 only): write only these; `None` means everything. An empty
    /// list (the .NET SDK sends `<response-sections/>` for "no sections") writes only
    /// `updated-date`.
    pub response_sections: Option<Vec<ResponseSection>>,
}

impl GetServiceDefinitionRequest {
    /// Reads the typed request from a parsed envelope; a request without `<info>` asks for
    /// everything.
    pub fn from_request(request: &Request<'_>) -> Result<Self, WireError> {
        Self::parse_info(request.method_version(), request.info_xml().unwrap_or("<info/>"))
    }

    /// Reads `<info>...</info>` for `version`. Version 1 has no `response-sections`; one sent
    /// anyway is ignored.
    pub fn parse_info(version: u32, info_xml: &str) -> Result<Self, WireError> {
        if !matches!(version, 1 | 2) {
            return Err(WireError::UnsupportedMethodVersion { method: METHOD, version });
        }
        let document = parse_document(info_xml)?;
        let info = document.root_element();
        let updated_date = match optional_child(info, "info", "updated-date")? {
            Some(element) => Some(parse_date_element("updated-date", element)?),
            None => None,
        };
        let response_sections = match optional_child(info, "info", "response-sections")? {
            Some(sections) if version >= 2 => Some(
                children_named(sections, "section")
                    .map(|section| {
                        let text = text_of(section);
                        ResponseSection::parse(&text).ok_or(WireError::InvalidValue {
                            element: "section",
                            expected: "platform, shell, topology, xml-over-http-methods or meaningful-use",
                            text: excerpt(&text),
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            _ => None,
        };
        Ok(Self { version, updated_date, response_sections })
    }

    /// Writes `<info>...</info>` as a client sends it.
    pub fn to_info_xml(&self) -> String {
        let mut builder = XmlBuilder::new();
        builder.start("info");
        if let Some(updated_date) = self.updated_date {
            builder.text_element("updated-date", &format_date_time(updated_date));
        }
        if let (Some(sections), 2..) = (&self.response_sections, self.version) {
            builder.start("response-sections");
            for section in sections {
                builder.text_element("section", section.as_str());
            }
            builder.end("response-sections");
        }
        builder.end("info");
        builder.finish()
    }

    /// The answer to this request: the empty info if nothing changed since `updated_date`,
    /// otherwise the definition in this version's schema, limited to the requested sections.
    pub fn respond(&self, definition: &ServiceDefinition) -> ResponseInfo {
        let schema = response_schema(self.version);
        let unchanged = self.updated_date.is_some_and(|since| since >= truncate_to_millis(definition.updated_date));
        if unchanged {
            return ResponseInfo::new(schema, "");
        }
        let inner_xml = match self.version {
            1 => definition.to_info_xml_v1(),
            _ => definition.to_info_xml_v2(self.response_sections.as_deref()),
        };
        ResponseInfo::new(schema, inner_xml)
    }
}

/// The response schema of a version: `GetServiceDefinition` for v1, `GetServiceDefinition2`
/// after.
fn response_schema(version: u32) -> &'static str {
    match version {
        1 => "GetServiceDefinition",
        _ => "GetServiceDefinition2",
    }
}

/// What GetServiceDefinition reports. Which parts are written depends on the version (v1 has
/// `sdk-assembly` but no `instances` or `meaningful-use`) and on the requested sections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceDefinition {
    /// `<platform>`.
    pub platform: Option<PlatformInfo>,
    /// `<shell>`.
    pub shell: Option<ShellInfo>,
    /// `<sdk-assembly>` (v1 only): downloadable .NET SDK assemblies.
    pub sdk_assemblies: Vec<SdkAssembly>,
    /// `<xml-method>`: the methods offered and their schemas.
    pub xml_methods: Vec<XmlMethod>,
    /// `<common-schema>`: URLs of schemas the method schemas include.
    pub common_schemas: Vec<String>,
    /// `<instances>` (v2 only).
    pub instances: Option<InstanceList>,
    /// `<meaningful-use>` (v2 only).
    pub meaningful_use: Option<MeaningfulUse>,
    /// `<updated-date>`: when any of this last changed. Written to whole milliseconds.
    pub updated_date: OffsetDateTime,
}

/// `<platform>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformInfo {
    /// `<url>`: the XML method endpoint.
    pub url: String,
    /// `<version>`, `major.minor.build.revision`.
    pub version: String,
    /// `<configuration key="...">`: public limits such as `maxGetThingsQueryGroups`.
    pub configuration: Vec<ConfigurationEntry>,
}

/// `<configuration key="...">value</configuration>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigurationEntry {
    /// The `key` attribute.
    pub key: String,
    /// The text.
    pub value: String,
}

/// `<shell>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellInfo {
    /// `<url>`: the Shell's root URL.
    pub url: String,
    /// `<redirect-url>`: the Shell's redirect page.
    pub redirect_url: String,
    /// `<redirect-token>`: the targets the redirect page accepts.
    pub redirect_tokens: Vec<RedirectToken>,
}

/// `<redirect-token>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectToken {
    /// `<token>`, e.g. `AUTH`.
    pub token: String,
    /// `<description>`.
    pub description: String,
    /// `<querystring-parameters>`, a comma-separated list on the wire.
    pub querystring_parameters: Vec<String>,
}

/// `<sdk-assembly>` (v1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdkAssembly {
    /// `<url>`.
    pub url: String,
    /// `<version>`.
    pub version: String,
    /// `<doc-url>`.
    pub doc_url: String,
}

/// `<xml-method>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlMethod {
    /// `<name>`.
    pub name: String,
    /// `<version number="...">`.
    pub versions: Vec<XmlMethodVersion>,
}

/// `<version number="...">` of an `xml-method`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlMethodVersion {
    /// The `number` attribute (the .NET SDK reads it as an integer).
    pub number: u32,
    /// `<request-schema-url>`.
    pub request_schema_url: Option<String>,
    /// `<response-schema-url>`.
    pub response_schema_url: Option<String>,
}

/// `<instances current-instance-id="...">`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceList {
    /// The instance that answered.
    pub current_instance_id: InstanceId,
    /// Every instance of the deployment.
    pub instances: Vec<ServiceInstance>,
}

impl InstanceList {
    /// The list a server in instance `current` reports for the whole topology.
    pub fn new(current: &InstanceId, instances: &[Instance]) -> Self {
        Self { current_instance_id: current.clone(), instances: instances.iter().map(ServiceInstance::from).collect() }
    }
}

/// `<meaningful-use>` (v2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeaningfulUse {
    /// `<enabled>`.
    pub enabled: bool,
    /// `<configuration key="...">`.
    pub configuration: Vec<ConfigurationEntry>,
}

/// An `xsd:dateTime` element, read leniently.
fn parse_date_element(name: &'static str, element: Node<'_, '_>) -> Result<OffsetDateTime, WireError> {
    let text = text_of(element);
    parse_date_time(&text).ok_or(WireError::InvalidDateTime { element: name, text: excerpt(&text) })
}

#[cfg(test)]
mod tests;
