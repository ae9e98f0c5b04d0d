//! Reading [`ServiceDefinition`] back from the inner XML of a `wc:info`.

use roxmltree::Node;

use super::{
    ConfigurationEntry, InstanceList, MeaningfulUse, PlatformInfo, RedirectToken, SdkAssembly, ServiceDefinition,
    ShellInfo, XmlMethod, XmlMethodVersion, parse_date_element,
};
use crate::error::{WireError, excerpt};
use crate::instance::{ServiceInstance, parse_instance_id};
use crate::xml::{
    children_named, is_named, optional_child, parse_document, parse_number, required_attribute, required_child,
    required_text, text_of,
};

impl ServiceDefinition {
    /// Reads the inner XML of a v1 or v2 `wc:info`. `None` means the empty info: the
    /// definition has not changed since the `updated-date` the request gave.
    pub fn parse_info_xml(inner_xml: &str) -> Result<Option<Self>, WireError> {
        let wrapped = format!("<info>{inner_xml}</info>");
        let document = parse_document(&wrapped)?;
        let info = document.root_element();
        if !info.children().any(|child| child.is_element()) {
            return Ok(None);
        }
        let platform = optional_child(info, "info", "platform")?
            .map(|platform| {
                Ok::<_, WireError>(PlatformInfo {
                    url: trimmed_text(platform, "platform", "url")?,
                    version: trimmed_text(platform, "platform", "version")?,
                    configuration: parse_configuration(platform)?,
                })
            })
            .transpose()?;
        let shell = optional_child(info, "info", "shell")?.map(parse_shell).transpose()?;
        let sdk_assemblies = children_named(info, "sdk-assembly")
            .map(|assembly| {
                Ok(SdkAssembly {
                    url: trimmed_text(assembly, "sdk-assembly", "url")?,
                    version: trimmed_text(assembly, "sdk-assembly", "version")?,
                    doc_url: trimmed_text(assembly, "sdk-assembly", "doc-url")?,
                })
            })
            .collect::<Result<_, WireError>>()?;
        let xml_methods = children_named(info, "xml-method").map(parse_method).collect::<Result<_, _>>()?;
        let common_schemas =
            children_named(info, "common-schema").map(|schema| text_of(schema).trim().to_owned()).collect();
        let instances = optional_child(info, "info", "instances")?.map(parse_instances).transpose()?;
        let meaningful_use = optional_child(info, "info", "meaningful-use")?
            .map(|element| {
                let text = required_text(element, "meaningful-use", "enabled")?;
                let enabled = match text.trim() {
                    "true" | "1" => true,
                    "false" | "0" => false,
                    _ => {
                        return Err(WireError::InvalidValue {
                            element: "enabled",
                            expected: "true or false",
                            text: excerpt(&text),
                        });
                    }
                };
                Ok(MeaningfulUse { enabled, configuration: parse_configuration(element)? })
            })
            .transpose()?;
        let updated_date = parse_date_element("updated-date", required_child(info, "info", "updated-date")?)?;
        Ok(Some(Self {
            platform,
            shell,
            sdk_assemblies,
            xml_methods,
            common_schemas,
            instances,
            meaningful_use,
            updated_date,
        }))
    }
}

fn trimmed_text(parent: Node<'_, '_>, parent_name: &'static str, name: &'static str) -> Result<String, WireError> {
    required_text(parent, parent_name, name).map(|text| text.trim().to_owned())
}

fn parse_configuration(parent: Node<'_, '_>) -> Result<Vec<ConfigurationEntry>, WireError> {
    children_named(parent, "configuration")
        .map(|entry| {
            Ok(ConfigurationEntry {
                key: required_attribute(entry, "configuration", "key")?.to_owned(),
                value: text_of(entry),
            })
        })
        .collect()
}

fn parse_shell(shell: Node<'_, '_>) -> Result<ShellInfo, WireError> {
    let redirect_tokens = children_named(shell, "redirect-token")
        .map(|redirect| {
            let parameters = trimmed_text(redirect, "redirect-token", "querystring-parameters")?;
            Ok(RedirectToken {
                token: trimmed_text(redirect, "redirect-token", "token")?,
                description: trimmed_text(redirect, "redirect-token", "description")?,
                querystring_parameters: parameters
                    .split(',')
                    .map(str::trim)
                    .filter(|parameter| !parameter.is_empty())
                    .map(str::to_owned)
                    .collect(),
            })
        })
        .collect::<Result<_, WireError>>()?;
    Ok(ShellInfo {
        url: trimmed_text(shell, "shell", "url")?,
        redirect_url: trimmed_text(shell, "shell", "redirect-url")?,
        redirect_tokens,
    })
}

fn parse_method(method: Node<'_, '_>) -> Result<XmlMethod, WireError> {
    let versions = method
        .children()
        .filter(|child| is_named(*child, "version"))
        .map(|version| {
            let optional_url = |name| {
                optional_child(version, "version", name)
                    .map(|element| element.map(|element| text_of(element).trim().to_owned()))
            };
            Ok(XmlMethodVersion {
                number: parse_number("version@number", required_attribute(version, "version", "number")?)?,
                request_schema_url: optional_url("request-schema-url")?,
                response_schema_url: optional_url("response-schema-url")?,
            })
        })
        .collect::<Result<_, WireError>>()?;
    Ok(XmlMethod { name: trimmed_text(method, "xml-method", "name")?, versions })
}

fn parse_instances(list: Node<'_, '_>) -> Result<InstanceList, WireError> {
    let current = required_attribute(list, "instances", "current-instance-id")?;
    Ok(InstanceList {
        current_instance_id: parse_instance_id("instances@current-instance-id", current)?,
        instances: children_named(list, "instance")
            .map(|instance| ServiceInstance::parse(instance, "instance"))
            .collect::<Result<_, _>>()?,
    })
}
