//! What GetServiceDefinition reports about this instance.

use haven_wire::methods::get_service_definition::{
    ConfigurationEntry, InstanceList, PlatformInfo, RedirectToken, ServiceDefinition, ShellInfo, XmlMethod,
    XmlMethodVersion,
};

use crate::AppState;
use crate::dispatch::METHODS;
use crate::limits::{MAX_FULL_THINGS_PER_GROUP, MAX_GET_THINGS_GROUPS, MAX_PARTIAL_THINGS_PER_GROUP};

/// The version this Platform reports (`major.minor.build.revision`).
pub const PLATFORM_VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), ".0");

/// Largest request body accepted, after decompression (`maxRequestUncompressedSizeBytes`).
pub const MAX_REQUEST_BYTES: usize = 8 * 1024 * 1024;

/// The Shell targets the redirect page will accept. Only the home page exists so far, so
/// none is advertised yet.
const REDIRECT_TOKENS: &[RedirectToken] = &[];

/// Builds the definition from the topology and the methods this Platform dispatches.
pub(crate) fn service_definition(state: &AppState) -> ServiceDefinition {
    let topology = &state.platform.topology;
    let instance = topology.instance(&state.platform.instance_id);
    let platform = instance.map(|instance| PlatformInfo {
        url: instance.platform_method_url().to_string(),
        version: PLATFORM_VERSION.to_owned(),
        configuration: [
            ("maxRequestUncompressedSizeBytes", MAX_REQUEST_BYTES.to_string()),
            ("maxGetThingsQueryGroups", MAX_GET_THINGS_GROUPS.to_string()),
            ("maxFullThingResultsPerGroup", MAX_FULL_THINGS_PER_GROUP.to_string()),
            ("maxPartialThingResultsPerGroup", MAX_PARTIAL_THINGS_PER_GROUP.to_string()),
        ]
        .into_iter()
        .map(|(key, value)| ConfigurationEntry { key: key.to_owned(), value })
        .collect(),
    });
    let shell = instance.map(|instance| ShellInfo {
        url: instance.shell_url.to_string(),
        redirect_url: instance.shell_url.join("redirect.aspx").map(|url| url.to_string()).unwrap_or_default(),
        redirect_tokens: REDIRECT_TOKENS.to_vec(),
    });
    let mut xml_methods: Vec<XmlMethod> = Vec::new();
    for method in METHODS {
        let version = XmlMethodVersion { number: method.version, request_schema_url: None, response_schema_url: None };
        match xml_methods.iter_mut().find(|existing| existing.name == method.name) {
            Some(existing) => existing.versions.push(version),
            None => xml_methods.push(XmlMethod { name: method.name.to_owned(), versions: vec![version] }),
        }
    }
    ServiceDefinition {
        platform,
        shell,
        sdk_assemblies: Vec::new(),
        xml_methods,
        common_schemas: Vec::new(),
        instances: Some(InstanceList::new(&state.platform.instance_id, topology.instances())),
        meaningful_use: None,
        updated_date: state.definition_updated,
    }
}
