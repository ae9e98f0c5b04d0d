//! The `thing-type` element of the answer (`response-getthingtype.xsd` `ThingTypeInfo`).

use haven_domain::ids::ThingTypeId;
use haven_domain::thing_type::ThingType;
use roxmltree::Node;

use super::{GetThingTypeRequest, ThingTypeSection, effective_date_xpath};
use crate::error::{WireError, excerpt};
use crate::thing_xml::{format_boolean, parse_boolean, parse_guid};
use crate::xml::{
    XmlBuilder, children_named, optional_child, optional_text, required_attribute, required_text, text_of,
};

/// One type's definition, with the parts the request asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThingTypeInfo {
    /// `id`.
    pub id: ThingTypeId,
    /// `name`.
    pub name: String,
    /// `uncreatable` (core): applications may not create things of this type.
    pub uncreatable: Option<bool>,
    /// `immutable` (core): things of this type cannot be updated.
    pub immutable: Option<bool>,
    /// `singleton` (core): a record holds at most one thing of this type.
    pub singleton: Option<bool>,
    /// `xsd`: the type's schema text.
    pub xsd: Option<String>,
    /// `versions`.
    pub versions: Option<ThingTypeVersions>,
    /// `effective-date-xpath`.
    pub effective_date_xpath: Option<String>,
    /// `updated-end-date-xpath`.
    pub updated_end_date_xpath: Option<String>,
    /// `allow-readonly` (core): things of this type may be read-only.
    pub allow_readonly: Option<bool>,
}

/// `versions@thing-type-id{version-info+}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThingTypeVersions {
    /// `@thing-type-id`.
    pub thing_type_id: ThingTypeId,
    /// `version-info+`.
    pub versions: Vec<ThingTypeVersion>,
}

/// `version-info`: one version of a type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThingTypeVersion {
    /// `@version-type-id`.
    pub type_id: ThingTypeId,
    /// `@version-name`.
    pub name: String,
    /// `@version-sequence`.
    pub sequence: i64,
    /// `order-by-properties/property`.
    pub order_by_properties: Vec<OrderByProperty>,
}

/// `property`: a property the type's things can be ordered by (GetThings v3 `order-by`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderByProperty {
    /// `@name`.
    pub name: String,
    /// `@type`, e.g. `date-time`.
    pub property_type: String,
    /// `@xpath`.
    pub xpath: Option<String>,
}

impl ThingTypeInfo {
    /// The definition of a registered type, with the sections `request` wants.
    pub fn new(thing_type: &ThingType, request: &GetThingTypeRequest) -> Self {
        let core = request.wants(ThingTypeSection::Core).then_some(false);
        Self {
            id: thing_type.id,
            name: thing_type.name.to_owned(),
            uncreatable: core,
            immutable: core,
            singleton: core,
            xsd: None,
            versions: request.wants(ThingTypeSection::Versions).then(|| ThingTypeVersions {
                thing_type_id: thing_type.id,
                versions: vec![ThingTypeVersion {
                    type_id: thing_type.id,
                    name: thing_type.name.to_owned(),
                    sequence: 1,
                    order_by_properties: Vec::new(),
                }],
            }),
            effective_date_xpath: if request.wants(ThingTypeSection::EffectiveDateXPath) {
                effective_date_xpath(thing_type)
            } else {
                None
            },
            updated_end_date_xpath: None,
            allow_readonly: core,
        }
    }

    /// Writes `<thing-type>...</thing-type>` in the schema's element order.
    pub(crate) fn write(&self, builder: &mut XmlBuilder) {
        builder.start("thing-type");
        builder.text_element("id", &self.id.to_string());
        builder.text_element("name", &self.name);
        builder.optional_text_element("uncreatable", self.uncreatable.map(format_boolean));
        builder.optional_text_element("immutable", self.immutable.map(format_boolean));
        builder.optional_text_element("singleton", self.singleton.map(format_boolean));
        builder.optional_text_element("xsd", self.xsd.as_deref());
        if let Some(versions) = &self.versions {
            builder.start_with("versions", &[("thing-type-id", &versions.thing_type_id.to_string())]);
            for version in &versions.versions {
                let type_id = version.type_id.to_string();
                let sequence = version.sequence.to_string();
                builder.start_with(
                    "version-info",
                    &[("version-type-id", &type_id), ("version-name", &version.name), ("version-sequence", &sequence)],
                );
                if !version.order_by_properties.is_empty() {
                    builder.start("order-by-properties");
                    for property in &version.order_by_properties {
                        let mut attributes = vec![("name", property.name.as_str()), ("type", &property.property_type)];
                        if let Some(xpath) = &property.xpath {
                            attributes.push(("xpath", xpath));
                        }
                        builder.start_with("property", &attributes);
                        builder.end("property");
                    }
                    builder.end("order-by-properties");
                }
                builder.end("version-info");
            }
            builder.end("versions");
        }
        builder.optional_text_element("effective-date-xpath", self.effective_date_xpath.as_deref());
        builder.optional_text_element("updated-end-date-xpath", self.updated_end_date_xpath.as_deref());
        builder.optional_text_element("allow-readonly", self.allow_readonly.map(format_boolean));
        builder.end("thing-type");
    }

    /// Reads a `thing-type` element; columns, transforms and images are skipped.
    pub(crate) fn read(element: Node<'_, '_>) -> Result<Self, WireError> {
        let flag = |name: &'static str| -> Result<Option<bool>, WireError> {
            optional_text(element, "thing-type", name)?.map(|text| parse_boolean(name, &text)).transpose()
        };
        Ok(Self {
            id: parse_guid("thing-type/id", &required_text(element, "thing-type", "id")?, ThingTypeId::parse)?,
            name: required_text(element, "thing-type", "name")?.trim().to_owned(),
            uncreatable: flag("uncreatable")?,
            immutable: flag("immutable")?,
            singleton: flag("singleton")?,
            xsd: optional_child(element, "thing-type", "xsd")?.map(text_of),
            versions: optional_child(element, "thing-type", "versions")?.map(read_versions).transpose()?,
            effective_date_xpath: optional_text(element, "thing-type", "effective-date-xpath")?,
            updated_end_date_xpath: optional_text(element, "thing-type", "updated-end-date-xpath")?,
            allow_readonly: flag("allow-readonly")?,
        })
    }
}

fn read_versions(versions: Node<'_, '_>) -> Result<ThingTypeVersions, WireError> {
    Ok(ThingTypeVersions {
        thing_type_id: parse_guid(
            "versions@thing-type-id",
            required_attribute(versions, "versions", "thing-type-id")?,
            ThingTypeId::parse,
        )?,
        versions: children_named(versions, "version-info").map(read_version).collect::<Result<_, _>>()?,
    })
}

fn read_version(version: Node<'_, '_>) -> Result<ThingTypeVersion, WireError> {
    let sequence_text = required_attribute(version, "version-info", "version-sequence")?;
    let order_by_properties = match optional_child(version, "version-info", "order-by-properties")? {
        Some(properties) => children_named(properties, "property")
            .map(|property| {
                Ok(OrderByProperty {
                    name: required_attribute(property, "property", "name")?.to_owned(),
                    property_type: required_attribute(property, "property", "type")?.to_owned(),
                    xpath: property.attribute("xpath").map(str::to_owned),
                })
            })
            .collect::<Result<_, WireError>>()?,
        None => Vec::new(),
    };
    Ok(ThingTypeVersion {
        type_id: parse_guid(
            "version-info@version-type-id",
            required_attribute(version, "version-info", "version-type-id")?,
            ThingTypeId::parse,
        )?,
        name: required_attribute(version, "version-info", "version-name")?.to_owned(),
        sequence: sequence_text.trim().parse().map_err(|_| WireError::InvalidNumber {
            element: "version-info@version-sequence",
            text: excerpt(sequence_text),
        })?,
        order_by_properties,
    })
}
