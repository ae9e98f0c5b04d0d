//! The `Instance` type of `types.xsd`: one HealthVault instance as GetServiceDefinition
//! (`instances/instance`) and SelectInstance (`selected-instance`) report it.

use haven_domain::topology::{Instance, InstanceId};
use roxmltree::Node;

use crate::error::{WireError, excerpt};
use crate::xml::{XmlBuilder, required_text};

/// An instance as the wire describes it. Unlike the domain's [`Instance`], `platform_url` is
/// the XML method endpoint (`.../platform/wildcat.ashx`), not the origin root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceInstance {
    /// `<id>`, e.g. `1`.
    pub id: InstanceId,
    /// `<name>`, e.g. `US`.
    pub name: String,
    /// `<description>`.
    pub description: String,
    /// `<platform-url>`: where to POST requests for this instance.
    pub platform_url: String,
    /// `<shell-url>`: the Shell's root URL.
    pub shell_url: String,
}

impl From<&Instance> for ServiceInstance {
    fn from(instance: &Instance) -> Self {
        Self {
            id: instance.id.clone(),
            name: instance.name.clone(),
            description: instance.description.clone(),
            platform_url: instance.platform_method_url().to_string(),
            shell_url: instance.shell_url.to_string(),
        }
    }
}

impl ServiceInstance {
    /// Writes `<element_name><id>...</shell-url></element_name>`.
    pub(crate) fn write(&self, builder: &mut XmlBuilder, element_name: &str) {
        builder.start(element_name);
        builder.text_element("id", self.id.as_str());
        builder.text_element("name", &self.name);
        builder.text_element("description", &self.description);
        builder.text_element("platform-url", &self.platform_url);
        builder.text_element("shell-url", &self.shell_url);
        builder.end(element_name);
    }

    /// Reads an element of type `Instance`; `element_name` is used in error messages.
    pub(crate) fn parse(element: Node<'_, '_>, element_name: &'static str) -> Result<Self, WireError> {
        let text = |name| required_text(element, element_name, name).map(|text| text.trim().to_owned());
        Ok(Self {
            id: parse_instance_id("id", &text("id")?)?,
            name: text("name")?,
            description: text("description")?,
            platform_url: text("platform-url")?,
            shell_url: text("shell-url")?,
        })
    }
}

/// An instance id from an element or attribute named `element`.
pub(crate) fn parse_instance_id(element: &'static str, text: &str) -> Result<InstanceId, WireError> {
    InstanceId::parse(text).map_err(|_| WireError::InvalidValue {
        element,
        expected: "an instance id (1 to 255 characters, no whitespace)",
        text: excerpt(text),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::parse_info_element;
    use crate::testing::ReferenceDocs;
    use crate::xml::{parse_document, required_child};

    /// SelectInstance's answer in the .NET SDK's samples holds one `Instance`.
    #[test]
    fn reads_the_sdk_select_instance_sample() {
        let Some(docs) = ReferenceDocs::locate("InstanceSample.xml") else {
            return;
        };
        let text = docs.read_raw("wire-samples/dotnetstandard-sdk-unittest-samples/InstanceSample.xml");
        let info = parse_info_element(&text).unwrap();
        assert_eq!(info.schema(), Some("SelectInstance"));
        let wrapped = format!("<info>{}</info>", info.inner_xml);
        let document = parse_document(&wrapped).unwrap();
        let selected = required_child(document.root_element(), "info", "selected-instance").unwrap();
        let instance = ServiceInstance::parse(selected, "selected-instance").unwrap();
        assert_eq!(instance.id.as_str(), "1");
        assert_eq!(instance.name, "US");
        assert_eq!(instance.description, "US instance");
        assert_eq!(instance.platform_url, "https://platform.healthvault-ppe.com/platform/wildcat.ashx");
        assert_eq!(instance.shell_url, "https://account.healthvault-ppe.com/");
    }

    #[test]
    fn writes_and_reads_back() {
        let instance = ServiceInstance {
            id: InstanceId::parse("2").unwrap(),
            name: "EU".to_owned(),
            description: "EU & UK".to_owned(),
            platform_url: "https://platform.example.org/platform/wildcat.ashx".to_owned(),
            shell_url: "https://account.example.org/".to_owned(),
        };
        let mut builder = XmlBuilder::new();
        instance.write(&mut builder, "instance");
        let xml = builder.finish();
        assert!(xml.contains("<description>EU &amp; UK</description>"), "{xml}");
        let document = parse_document(&xml).unwrap();
        assert_eq!(ServiceInstance::parse(document.root_element(), "instance").unwrap(), instance);
    }

    #[test]
    fn bad_ids_are_named() {
        let xml = "<instance><id>a b</id><name>N</name><description/><platform-url/><shell-url/></instance>";
        let document = parse_document(xml).unwrap();
        let error = ServiceInstance::parse(document.root_element(), "instance").unwrap_err();
        assert!(matches!(error, WireError::InvalidValue { element: "id", .. }), "{error}");
    }
}
