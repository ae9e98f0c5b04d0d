//! GetApplicationInfo (versions 1 and 2): the calling application's own configuration, or a
//! child's when a master application names it in `child-app-id`. Both versions answer in
//! the `GetApplicationInfo` schema with one `application` element
//! (`application-configuration.xsd` `AppWithLogos`).
//!
//! Haven writes what an [`Application`] holds: id, one unlocalized name and description,
//! action URL, the online and offline rules (see [`super::auth_rules_xml`]), the application
//! type, master, creation date and supported instances. `AppWithLogos` has no element for
//! public keys, so certificates are not reported. `app-auth-required`, `restrict-app-users`,
//! `is-published`, `person-online-base-auth-xml` and `app-type` are always written: the schema
//! requires them and the .NET SDK reads the first three unconditionally.

use std::collections::BTreeSet;

use haven_domain::application::Application;
use haven_domain::auth_rules::RuleSet;
use haven_domain::ids::ApplicationId;
use haven_domain::topology::InstanceId;
use roxmltree::Node;
use time::OffsetDateTime;

use super::auth_rules_xml::{read_auth_container, write_auth};
use crate::date_time::format_date_time;
use crate::error::{WireError, excerpt};
use crate::request::Request;
use crate::response::ResponseInfo;
use crate::thing_xml::{format_boolean, parse_boolean, parse_guid, parse_instant};
use crate::xml::{XmlBuilder, children_named, optional_child, optional_text, parse_document, required_child, text_of};

/// The method name.
pub const METHOD: &str = "GetApplicationInfo";

/// The response schema of both versions.
pub const RESPONSE_SCHEMA: &str = "GetApplicationInfo";

/// `app-type` of a web (or other certificate-signing) application.
pub const APP_TYPE_WEB: &str = "Web";

/// `app-type` of a SODA (mobile or desktop) application.
pub const APP_TYPE_SODA: &str = "Soda";

/// The request's info.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetApplicationInfoRequest {
    /// The method version, 1 or 2.
    pub version: u32,
    /// `all-languages`: every localization of each string, not just the best match. Haven
    /// keeps one language, so this changes nothing in the answer.
    pub all_languages: bool,
    /// `child-app-id`: answer for this child of the calling (master) application.
    pub child_app_id: Option<ApplicationId>,
}

impl GetApplicationInfoRequest {
    /// Reads the typed request from a parsed envelope; no `<info>` means no options.
    pub fn from_request(request: &Request<'_>) -> Result<Self, WireError> {
        Self::parse_info(request.method_version(), request.info_xml().unwrap_or("<info/>"))
    }

    /// Reads `<info>...</info>` for `version`.
    pub fn parse_info(version: u32, info_xml: &str) -> Result<Self, WireError> {
        if !matches!(version, 1 | 2) {
            return Err(WireError::UnsupportedMethodVersion { method: METHOD, version });
        }
        let document = parse_document(info_xml)?;
        let info = document.root_element();
        Ok(Self {
            version,
            all_languages: match optional_text(info, "info", "all-languages")? {
                Some(text) => parse_boolean("all-languages", &text)?,
                None => false,
            },
            child_app_id: optional_text(info, "info", "child-app-id")?
                .map(|text| parse_guid("child-app-id", &text, ApplicationId::parse))
                .transpose()?,
        })
    }

    /// Writes `<info>...</info>` as a client sends it.
    pub fn to_info_xml(&self) -> String {
        let mut builder = XmlBuilder::new();
        builder.start("info");
        if self.all_languages {
            builder.text_element("all-languages", format_boolean(true));
        }
        if let Some(child) = self.child_app_id {
            builder.text_element("child-app-id", &child.to_string());
        }
        builder.end("info");
        builder.finish()
    }
}

/// The `application` element of the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationInfo {
    /// `id`.
    pub id: ApplicationId,
    /// `name`, written once without `xml:lang`.
    pub name: String,
    /// `app-auth-required`: people must authorize the application before it reaches a record.
    pub app_auth_required: bool,
    /// `restrict-app-users`: only people added through AuthorizeApplication may use it.
    pub restrict_app_users: bool,
    /// `is-published`: listed in the application directory.
    pub is_published: bool,
    /// `action-url`: where the Shell returns people.
    pub action_url: Option<String>,
    /// `description`, written once without `xml:lang`; `None` writes none.
    pub description: Option<String>,
    /// `person-online-base-auth-xml`: the rules for access while the person is present.
    pub online_rules: RuleSet,
    /// `person-offline-base-auth-xml`: the rules for access on its own; written only when
    /// there are some.
    pub offline_rules: RuleSet,
    /// `app-type`: [`APP_TYPE_WEB`] or [`APP_TYPE_SODA`].
    pub app_type: String,
    /// `master-app-id`: the master application of a child.
    pub master_app_id: Option<ApplicationId>,
    /// `created-date`.
    pub created_date: Option<OffsetDateTime>,
    /// `methods`: the method names it may call, comma-separated on the wire; empty writes none.
    pub methods: Vec<String>,
    /// `supported-instances/instance-id`: the instances where it is live.
    pub supported_instances: BTreeSet<InstanceId>,
    /// `supported-instances@support-all-instances`.
    pub support_all_instances: bool,
}

impl ApplicationInfo {
    /// What GetApplicationInfo reports for a registered application. People always authorize
    /// a Haven application, it is not restricted to listed users, and it is not published in a
    /// directory; method names are left to the caller, who knows which methods each group holds.
    pub fn from_application(application: &Application) -> Self {
        Self {
            id: application.id,
            name: application.name.clone(),
            app_auth_required: true,
            restrict_app_users: false,
            is_published: false,
            action_url: application.action_url.as_ref().map(|url| url.as_str().to_owned()),
            description: Some(application.description.clone()).filter(|description| !description.trim().is_empty()),
            online_rules: application.online_rules.clone(),
            offline_rules: application.offline_rules.clone(),
            app_type: if application.is_soda { APP_TYPE_SODA } else { APP_TYPE_WEB }.to_owned(),
            master_app_id: application.master_id,
            created_date: Some(application.created_at),
            methods: Vec::new(),
            supported_instances: application.supported_instances.clone(),
            support_all_instances: false,
        }
    }

    /// The answer's `wc:info`, in the `GetApplicationInfo` schema.
    pub fn to_info(&self) -> ResponseInfo {
        let mut builder = XmlBuilder::new();
        self.write(&mut builder);
        ResponseInfo::new(RESPONSE_SCHEMA, builder.finish())
    }

    /// Writes `<application>...</application>` in the schema's element order.
    pub(crate) fn write(&self, builder: &mut XmlBuilder) {
        builder.start("application");
        builder.text_element("id", &self.id.to_string());
        builder.text_element("name", &self.name);
        builder.text_element("app-auth-required", format_boolean(self.app_auth_required));
        builder.text_element("restrict-app-users", format_boolean(self.restrict_app_users));
        builder.text_element("is-published", format_boolean(self.is_published));
        builder.optional_text_element("action-url", self.action_url.as_deref());
        builder.optional_text_element("description", self.description.as_deref());
        builder.start("person-online-base-auth-xml");
        write_auth(builder, &self.online_rules);
        builder.end("person-online-base-auth-xml");
        if !self.offline_rules.is_empty() {
            builder.start("person-offline-base-auth-xml");
            write_auth(builder, &self.offline_rules);
            builder.end("person-offline-base-auth-xml");
        }
        builder.text_element("app-type", &self.app_type);
        if let Some(master) = self.master_app_id {
            builder.text_element("master-app-id", &master.to_string());
        }
        builder.optional_text_element("created-date", self.created_date.map(format_date_time).as_deref());
        if !self.methods.is_empty() {
            builder.text_element("methods", &self.methods.join(","));
        }
        builder.start_with(
            "supported-instances",
            &[("support-all-instances", format_boolean(self.support_all_instances))],
        );
        for instance in &self.supported_instances {
            builder.text_element("instance-id", instance.as_str());
        }
        builder.end("supported-instances");
        builder.end("application");
    }

    /// Reads the inner XML of the answer's `wc:info` (for the SDK and tests). Localized
    /// strings give the one without `xml:lang`, else the first; elements Haven does not write
    /// (logos, statements, locations...) are ignored.
    pub fn parse_info_xml(inner_xml: &str) -> Result<Self, WireError> {
        let wrapped = format!("<info>{inner_xml}</info>");
        let document = parse_document(&wrapped)?;
        let application = required_child(document.root_element(), "info", "application")?;
        let flag = |name: &'static str| -> Result<bool, WireError> {
            optional_text(application, "application", name)?.map_or(Ok(false), |text| parse_boolean(name, &text))
        };
        let rules = |name: &'static str| -> Result<RuleSet, WireError> {
            optional_child(application, "application", name)?
                .map_or(Ok(RuleSet::default()), |container| read_auth_container(container, name))
        };
        let instances = optional_child(application, "application", "supported-instances")?;
        Ok(Self {
            id: parse_guid(
                "application/id",
                &text_of(required_child(application, "application", "id")?),
                ApplicationId::parse,
            )?,
            name: localized(application, "name")
                .ok_or(WireError::MissingElement { parent: "application", element: "name" })?,
            app_auth_required: flag("app-auth-required")?,
            restrict_app_users: flag("restrict-app-users")?,
            is_published: flag("is-published")?,
            action_url: optional_text(application, "application", "action-url")?,
            description: localized(application, "description"),
            online_rules: rules("person-online-base-auth-xml")?,
            offline_rules: rules("person-offline-base-auth-xml")?,
            app_type: optional_text(application, "application", "app-type")?.unwrap_or_default(),
            master_app_id: optional_text(application, "application", "master-app-id")?
                .map(|text| parse_guid("master-app-id", &text, ApplicationId::parse))
                .transpose()?,
            created_date: optional_text(application, "application", "created-date")?
                .map(|text| parse_instant("created-date", &text))
                .transpose()?,
            methods: optional_text(application, "application", "methods")?
                .map(|text| text.split(',').map(str::trim).filter(|name| !name.is_empty()).map(str::to_owned).collect())
                .unwrap_or_default(),
            supported_instances: match instances {
                Some(instances) => children_named(instances, "instance-id")
                    .map(|instance| {
                        let text = text_of(instance);
                        InstanceId::parse(text.trim()).map_err(|_| WireError::InvalidValue {
                            element: "supported-instances/instance-id",
                            expected: "an instance id without whitespace",
                            text: excerpt(&text),
                        })
                    })
                    .collect::<Result<_, _>>()?,
                None => BTreeSet::new(),
            },
            support_all_instances: match instances.and_then(|instances| instances.attribute("support-all-instances")) {
                Some(text) => parse_boolean("supported-instances@support-all-instances", text)?,
                None => false,
            },
        })
    }
}

/// The text of a localized element: the one without `xml:lang`, else the first.
pub(crate) fn localized(parent: Node<'_, '_>, name: &'static str) -> Option<String> {
    let elements: Vec<_> = children_named(parent, name).collect();
    let unmarked =
        elements.iter().find(|element| element.attribute(("http://www.w3.org/XML/1998/namespace", "lang")).is_none());
    unmarked.or(elements.first()).map(|element| text_of(*element).trim().to_owned())
}

#[cfg(test)]
mod tests;
