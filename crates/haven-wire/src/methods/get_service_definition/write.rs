//! Writing [`ServiceDefinition`] as the inner XML of a v1 or v2 `wc:info`.

use super::{ConfigurationEntry, ResponseSection, ServiceDefinition};
use crate::date_time::format_date_time;
use crate::xml::XmlBuilder;

impl ServiceDefinition {
    /// The inner XML of a v1 `wc:info` (response-getservicedefinition.xsd).
    pub fn to_info_xml_v1(&self) -> String {
        let mut builder = XmlBuilder::new();
        self.write_platform(&mut builder);
        self.write_shell(&mut builder);
        for assembly in &self.sdk_assemblies {
            builder.start("sdk-assembly");
            builder.text_element("url", &assembly.url);
            builder.text_element("version", &assembly.version);
            builder.text_element("doc-url", &assembly.doc_url);
            builder.end("sdk-assembly");
        }
        self.write_methods(&mut builder);
        builder.text_element("updated-date", &format_date_time(self.updated_date));
        builder.finish()
    }

    /// The inner XML of a v2 `wc:info` (response-getservicedefinition2.xsd) with only the
    /// `sections` asked for (all when `None`); `updated-date` is always written.
    pub fn to_info_xml_v2(&self, sections: Option<&[ResponseSection]>) -> String {
        let wanted = |section| sections.is_none_or(|sections| sections.contains(&section));
        let mut builder = XmlBuilder::new();
        if wanted(ResponseSection::Platform) {
            self.write_platform(&mut builder);
        }
        if wanted(ResponseSection::Shell) {
            self.write_shell(&mut builder);
        }
        if wanted(ResponseSection::XmlOverHttpMethods) {
            self.write_methods(&mut builder);
        }
        if let (true, Some(list)) = (wanted(ResponseSection::Topology), &self.instances) {
            builder.start_with("instances", &[("current-instance-id", list.current_instance_id.as_str())]);
            for instance in &list.instances {
                instance.write(&mut builder, "instance");
            }
            builder.end("instances");
        }
        if let (true, Some(meaningful_use)) = (wanted(ResponseSection::MeaningfulUse), &self.meaningful_use) {
            builder.start("meaningful-use");
            builder.text_element("enabled", if meaningful_use.enabled { "true" } else { "false" });
            write_configuration(&mut builder, &meaningful_use.configuration);
            builder.end("meaningful-use");
        }
        builder.text_element("updated-date", &format_date_time(self.updated_date));
        builder.finish()
    }

    fn write_platform(&self, builder: &mut XmlBuilder) {
        if let Some(platform) = &self.platform {
            builder.start("platform");
            builder.text_element("url", &platform.url);
            builder.text_element("version", &platform.version);
            write_configuration(builder, &platform.configuration);
            builder.end("platform");
        }
    }

    fn write_shell(&self, builder: &mut XmlBuilder) {
        if let Some(shell) = &self.shell {
            builder.start("shell");
            builder.text_element("url", &shell.url);
            builder.text_element("redirect-url", &shell.redirect_url);
            for redirect in &shell.redirect_tokens {
                builder.start("redirect-token");
                builder.text_element("token", &redirect.token);
                builder.text_element("description", &redirect.description);
                builder.text_element("querystring-parameters", &redirect.querystring_parameters.join(","));
                builder.end("redirect-token");
            }
            builder.end("shell");
        }
    }

    fn write_methods(&self, builder: &mut XmlBuilder) {
        for method in &self.xml_methods {
            builder.start("xml-method");
            builder.text_element("name", &method.name);
            for version in &method.versions {
                builder.start_with("version", &[("number", &version.number.to_string())]);
                builder.optional_text_element("request-schema-url", version.request_schema_url.as_deref());
                builder.optional_text_element("response-schema-url", version.response_schema_url.as_deref());
                builder.end("version");
            }
            builder.end("xml-method");
        }
        for schema in &self.common_schemas {
            builder.text_element("common-schema", schema);
        }
    }
}

fn write_configuration(builder: &mut XmlBuilder, entries: &[ConfigurationEntry]) {
    for entry in entries {
        builder.text_element_with("configuration", &[("key", &entry.key)], &entry.value);
    }
}
