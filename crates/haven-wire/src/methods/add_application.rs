//! AddApplication (versions 1 and 2): a master application creates a child application in
//! the instance it calls (protocol notes, section 18). The request (`method-addapplication.xsd`)
//! describes the child; the answer (`response-addapplication.xsd`) is its new `id`.
//!
//! [`ApplicationFields`] holds the elements of the description that AddApplication and
//! UpdateApplication share, each optional: AddApplication requires `name`, `public-keys`,
//! `person-offline-base-auth`, `description` and `auth-reason` as its schema does, while
//! UpdateApplication changes only what it names. Haven reads the elements an application can
//! hold or that decide whether a description is acceptable: one name and one description
//! (the unmarked localization, else the first), the public keys (hexadecimal DER certificates,
//! as the schema's `PublicKey` pattern has them), both rule sets (see [`super::auth_rules_xml`]),
//! the action URL, the auth reason, the large logo, the privacy statement and terms of use,
//! and `supported-instances`. Every other element (`methods`, `domain-name`, `small-logo`,
//! `persistent-tokens`, `app-type`, `app-auth-required`, `restrict-app-users`, `is-published`,
//! `dtc-success-message`, `app-attributes`, `valid-ip-prefixes`, `vocabulary-authorizations`,
//! `supported-record-locations`, `meaningful-use-sources`, `organizations`,
//! `bulk-extraction-settings`) is accepted and ignored. A missing `large-logo` is accepted
//! too, although the schema requires one, since Haven shows no logos.

use std::collections::BTreeSet;

use haven_domain::auth_rules::RuleSet;
use haven_domain::ids::ApplicationId;
use haven_domain::topology::InstanceId;
use roxmltree::Node;

use super::auth_rules_xml::{read_auth_container, write_auth};
use super::get_application_info::localized;
use crate::base64_text::{decode_base64, encode_base64};
use crate::error::{WireError, excerpt};
use crate::request::Request;
use crate::response::ResponseInfo;
use crate::thing_xml::{format_boolean, parse_boolean, parse_guid};
use crate::xml::{XmlBuilder, children_named, optional_child, optional_text, parse_document, required_child, text_of};

/// The method name.
pub const METHOD: &str = "AddApplication";

/// The response schema of both versions.
pub const RESPONSE_SCHEMA: &str = "AddApplication";

/// A logo or statement: bytes sent base64-encoded, with their content type
/// (`AppLargeLogoInfo`, `StatementInfo`). Only the unmarked (else first) localization is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachedContent {
    /// The decoded bytes.
    pub bytes: Vec<u8>,
    /// `content-type`, such as `image/png` or `text/plain`.
    pub content_type: String,
}

/// `supported-instances`: the instances an application serves.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SupportedInstances {
    /// `@support-all-instances`: every instance of the topology (the ids are then ignored).
    pub all: bool,
    /// `instance-id`s.
    pub instance_ids: BTreeSet<InstanceId>,
}

/// The parts of an application's description that AddApplication and UpdateApplication
/// share; `None` means the element was absent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApplicationFields {
    /// `name`.
    pub name: Option<String>,
    /// `public-keys/public-key`: DER X.509 certificates (hexadecimal on the wire).
    pub public_keys: Option<Vec<Vec<u8>>>,
    /// `person-online-base-auth`: rules for access while the person is present.
    pub online_rules: Option<RuleSet>,
    /// `person-offline-base-auth`: rules for access by the application alone.
    pub offline_rules: Option<RuleSet>,
    /// `action-url`.
    pub action_url: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `auth-reason`: why the application asks for its rules.
    pub auth_reason: Option<String>,
    /// `large-logo`.
    pub large_logo: Option<AttachedContent>,
    /// `privacy-statement`.
    pub privacy_statement: Option<AttachedContent>,
    /// `terms-of-use`.
    pub terms_of_use: Option<AttachedContent>,
    /// `supported-instances`.
    pub supported_instances: Option<SupportedInstances>,
}

impl ApplicationFields {
    /// Reads the shared elements of `info` (the request's `<info>` element).
    pub(crate) fn read(info: Node<'_, '_>) -> Result<Self, WireError> {
        let rules = |name: &'static str| -> Result<Option<RuleSet>, WireError> {
            optional_child(info, "info", name)?.map(|container| read_auth_container(container, name)).transpose()
        };
        let public_keys = optional_child(info, "info", "public-keys")?
            .map(|keys| children_named(keys, "public-key").map(|key| decode_hex("public-key", &text_of(key))).collect())
            .transpose()?;
        Ok(Self {
            name: localized(info, "name"),
            public_keys,
            online_rules: rules("person-online-base-auth")?,
            offline_rules: rules("person-offline-base-auth")?,
            action_url: optional_text(info, "info", "action-url")?,
            description: localized(info, "description"),
            auth_reason: localized(info, "auth-reason"),
            large_logo: read_attached(info, "large-logo", "logo")?,
            privacy_statement: read_attached(info, "privacy-statement", "statement")?,
            terms_of_use: read_attached(info, "terms-of-use", "statement")?,
            supported_instances: optional_child(info, "info", "supported-instances")?
                .map(read_supported_instances)
                .transpose()?,
        })
    }

    /// Writes the elements that are present, in the schemas' order (after AddApplication's
    /// nothing, after UpdateApplication's `id`).
    pub(crate) fn write(&self, builder: &mut XmlBuilder) {
        builder.optional_text_element("name", self.name.as_deref());
        if let Some(keys) = &self.public_keys {
            builder.start("public-keys");
            for key in keys {
                builder.text_element("public-key", &encode_hex(key));
            }
            builder.end("public-keys");
        }
        for (name, rules) in
            [("person-online-base-auth", &self.online_rules), ("person-offline-base-auth", &self.offline_rules)]
        {
            if let Some(rules) = rules {
                builder.start(name);
                write_auth(builder, rules);
                builder.end(name);
            }
        }
        builder.optional_text_element("action-url", self.action_url.as_deref());
        builder.optional_text_element("description", self.description.as_deref());
        builder.optional_text_element("auth-reason", self.auth_reason.as_deref());
        write_attached(builder, "large-logo", "logo", self.large_logo.as_ref());
        write_attached(builder, "privacy-statement", "statement", self.privacy_statement.as_ref());
        write_attached(builder, "terms-of-use", "statement", self.terms_of_use.as_ref());
        if let Some(instances) = &self.supported_instances {
            let all = format_boolean(instances.all);
            builder.start_with("supported-instances", &[("support-all-instances", all)]);
            for instance in &instances.instance_ids {
                builder.text_element("instance-id", instance.as_str());
            }
            builder.end("supported-instances");
        }
    }
}

/// The request's info.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddApplicationRequest {
    /// The method version, 1 or 2 (they differ only in `methods`, which Haven ignores).
    pub version: u32,
    /// The child's description. `name`, `public_keys`, `offline_rules`, `description` and
    /// `auth_reason` are always `Some` in a request read by [`Self::parse_info`].
    pub fields: ApplicationFields,
}

impl AddApplicationRequest {
    /// Reads the typed request from a parsed envelope.
    pub fn from_request(request: &Request<'_>) -> Result<Self, WireError> {
        let info = request.info_xml().ok_or(WireError::MissingElement { parent: "request", element: "info" })?;
        Self::parse_info(request.method_version(), info)
    }

    /// Reads `<info>...</info>` for `version`.
    pub fn parse_info(version: u32, info_xml: &str) -> Result<Self, WireError> {
        if !matches!(version, 1 | 2) {
            return Err(WireError::UnsupportedMethodVersion { method: METHOD, version });
        }
        let document = parse_document(info_xml)?;
        let fields = ApplicationFields::read(document.root_element())?;
        let required = [
            ("name", fields.name.is_none()),
            ("public-keys", fields.public_keys.is_none()),
            ("person-offline-base-auth", fields.offline_rules.is_none()),
            ("description", fields.description.is_none()),
            ("auth-reason", fields.auth_reason.is_none()),
        ];
        if let Some((element, _)) = required.into_iter().find(|(_, missing)| *missing) {
            return Err(WireError::MissingElement { parent: "info", element });
        }
        Ok(Self { version, fields })
    }

    /// Writes `<info>...</info>` as a client sends it.
    pub fn to_info_xml(&self) -> String {
        let mut builder = XmlBuilder::new();
        builder.start("info");
        self.fields.write(&mut builder);
        builder.end("info");
        builder.finish()
    }
}

/// The answer: the new child's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddApplicationResponse {
    /// `id`.
    pub id: ApplicationId,
}

impl AddApplicationResponse {
    /// The answer's `wc:info`, in the `AddApplication` schema.
    pub fn to_info(&self) -> ResponseInfo {
        let mut builder = XmlBuilder::new();
        builder.text_element("id", &self.id.to_string());
        ResponseInfo::new(RESPONSE_SCHEMA, builder.finish())
    }

    /// Reads the inner XML of the answer's `wc:info`.
    pub fn parse_info_xml(inner_xml: &str) -> Result<Self, WireError> {
        let wrapped = format!("<info>{inner_xml}</info>");
        let document = parse_document(&wrapped)?;
        let id = text_of(required_child(document.root_element(), "info", "id")?);
        Ok(Self { id: parse_guid("id", &id, ApplicationId::parse)? })
    }
}

/// Reads a `StatementInfo` or `AppLargeLogoInfo` element: `content_name` children (base64,
/// localized) and `content-type`.
fn read_attached(
    info: Node<'_, '_>,
    name: &'static str,
    content_name: &'static str,
) -> Result<Option<AttachedContent>, WireError> {
    let Some(element) = optional_child(info, "info", name)? else {
        return Ok(None);
    };
    let content =
        localized(element, content_name).ok_or(WireError::MissingElement { parent: name, element: content_name })?;
    let content_type = optional_text(element, name, "content-type")?
        .ok_or(WireError::MissingElement { parent: name, element: "content-type" })?;
    Ok(Some(AttachedContent { bytes: decode_base64(&content)?, content_type }))
}

fn write_attached(builder: &mut XmlBuilder, name: &str, content_name: &str, content: Option<&AttachedContent>) {
    if let Some(content) = content {
        builder.start(name);
        builder.text_element(content_name, &encode_base64(&content.bytes));
        builder.text_element("content-type", &content.content_type);
        builder.end(name);
    }
}

fn read_supported_instances(element: Node<'_, '_>) -> Result<SupportedInstances, WireError> {
    let all = match element.attribute("support-all-instances") {
        Some(text) => parse_boolean("supported-instances@support-all-instances", text)?,
        None => false,
    };
    let instance_ids = children_named(element, "instance-id")
        .map(|instance| {
            let text = text_of(instance);
            InstanceId::parse(text.trim()).map_err(|_| WireError::InvalidValue {
                element: "supported-instances/instance-id",
                expected: "an instance id without whitespace",
                text: excerpt(&text),
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(SupportedInstances { all, instance_ids })
}

/// Decodes a hexadecimal string (either case, surrounding whitespace ignored).
fn decode_hex(element: &'static str, text: &str) -> Result<Vec<u8>, WireError> {
    let invalid =
        || WireError::InvalidValue { element, expected: "a hexadecimal DER certificate", text: excerpt(text) };
    match hex::decode(text.trim()) {
        Ok(bytes) if !bytes.is_empty() => Ok(bytes),
        _ => Err(invalid()),
    }
}

/// Upper-case hexadecimal, as .NET writes a certificate's bytes.
fn encode_hex(bytes: &[u8]) -> String {
    hex::encode_upper(bytes)
}

#[cfg(test)]
pub(crate) mod tests;
