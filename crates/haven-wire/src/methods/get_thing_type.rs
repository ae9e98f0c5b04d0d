//! GetThingType (version 1): definitions of thing types. The request names types (`id*`; none
//! means every type), the parts wanted (`section*`), image types, and `last-client-refresh`,
//! when the client last fetched: if no definition changed since, the answer is empty.
//!
//! Haven writes what its type registry knows. `core` gives `uncreatable`, `immutable`,
//! `singleton` and `allow-readonly`, all false: Haven lets applications create, update and
//! repeat every registered type. `versions` lists the type as its own single version.
//! `effectivedatexpath` gives the path of the element the effective date is read from
//! (`/thing/data-xml/weight/when`); types dated by their creation have none. Haven keeps no
//! schema text, display columns, transforms or images, so `xsd`, `columns`, `transforms`,
//! `transformsource` and image types add nothing. `id` and `name` are always written; no
//! section at all is read as `core`.

use haven_domain::ids::ThingTypeId;
use haven_domain::thing_type::{EffectiveDate, ThingType};
use time::OffsetDateTime;

use crate::date_time::{format_date_time, truncate_to_millis};
use crate::error::{WireError, excerpt};
use crate::request::Request;
use crate::response::ResponseInfo;
use crate::thing_xml::{parse_guid, parse_instant};
use crate::xml::{XmlBuilder, children_named, optional_text, parse_document, text_of};

mod info;

pub use info::{OrderByProperty, ThingTypeInfo, ThingTypeVersion, ThingTypeVersions};

/// The method name.
pub const METHOD: &str = "GetThingType";

/// The response schema.
pub const RESPONSE_SCHEMA: &str = "GetThingType";

/// A part of a definition a client can ask for (`ThingTypeSectionSpec`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ThingTypeSection {
    /// `core`: the creatable, immutable, singleton and read-only flags.
    Core,
    /// `xsd`: the type's schema.
    Xsd,
    /// `columns`: display columns.
    Columns,
    /// `transforms`: the names of the type's transforms.
    Transforms,
    /// `transformsource`: the transforms' XSL source.
    TransformSource,
    /// `versions`: the versions of the type.
    Versions,
    /// `effectivedatexpath`: where the effective date is read from.
    EffectiveDateXPath,
}

impl ThingTypeSection {
    /// Every section, in the order the .NET SDK writes them.
    pub const ALL: [ThingTypeSection; 7] = [
        ThingTypeSection::Core,
        ThingTypeSection::Xsd,
        ThingTypeSection::Columns,
        ThingTypeSection::Transforms,
        ThingTypeSection::TransformSource,
        ThingTypeSection::Versions,
        ThingTypeSection::EffectiveDateXPath,
    ];

    /// The value in `<section>`.
    pub fn as_str(self) -> &'static str {
        match self {
            ThingTypeSection::Core => "core",
            ThingTypeSection::Xsd => "xsd",
            ThingTypeSection::Columns => "columns",
            ThingTypeSection::Transforms => "transforms",
            ThingTypeSection::TransformSource => "transformsource",
            ThingTypeSection::Versions => "versions",
            ThingTypeSection::EffectiveDateXPath => "effectivedatexpath",
        }
    }

    /// Reads a `<section>` value (surrounding whitespace ignored).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|section| section.as_str() == text.trim())
    }
}

/// The request's info.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GetThingTypeRequest {
    /// `id*`: the types wanted; empty means every type.
    pub type_ids: Vec<ThingTypeId>,
    /// `section*`: the parts wanted; empty is read as `core`.
    pub sections: Vec<ThingTypeSection>,
    /// `image-type*`: image MIME types wanted (`*` for all).
    pub image_types: Vec<String>,
    /// `last-client-refresh`: answer only if a definition changed after this.
    pub last_client_refresh: Option<OffsetDateTime>,
}

impl GetThingTypeRequest {
    /// Reads the typed request from a parsed envelope; no `<info>` asks for every type's core.
    pub fn from_request(request: &Request<'_>) -> Result<Self, WireError> {
        Self::parse_info(request.method_version(), request.info_xml().unwrap_or("<info/>"))
    }

    /// Reads `<info>...</info>` for `version` (only 1 exists).
    pub fn parse_info(version: u32, info_xml: &str) -> Result<Self, WireError> {
        if version != 1 {
            return Err(WireError::UnsupportedMethodVersion { method: METHOD, version });
        }
        let document = parse_document(info_xml)?;
        let info = document.root_element();
        Ok(Self {
            type_ids: children_named(info, "id")
                .map(|id| parse_guid("id", &text_of(id), ThingTypeId::parse))
                .collect::<Result<_, _>>()?,
            sections: children_named(info, "section")
                .map(|section| {
                    let text = text_of(section);
                    ThingTypeSection::parse(&text).ok_or(WireError::InvalidValue {
                        element: "section",
                        expected: "core, xsd, columns, transforms, transformsource, versions or effectivedatexpath",
                        text: excerpt(&text),
                    })
                })
                .collect::<Result<_, _>>()?,
            image_types: children_named(info, "image-type").map(|image| text_of(image).trim().to_owned()).collect(),
            last_client_refresh: optional_text(info, "info", "last-client-refresh")?
                .map(|text| parse_instant("last-client-refresh", &text))
                .transpose()?,
        })
    }

    /// Writes `<info>...</info>` as a client sends it.
    pub fn to_info_xml(&self) -> String {
        let mut builder = XmlBuilder::new();
        builder.start("info");
        for type_id in &self.type_ids {
            builder.text_element("id", &type_id.to_string());
        }
        for section in &self.sections {
            builder.text_element("section", section.as_str());
        }
        for image_type in &self.image_types {
            builder.text_element("image-type", image_type);
        }
        builder.optional_text_element("last-client-refresh", self.last_client_refresh.map(format_date_time).as_deref());
        builder.end("info");
        builder.finish()
    }

    /// Whether the answer includes `section` (no section at all means `core`).
    pub fn wants(&self, section: ThingTypeSection) -> bool {
        if self.sections.is_empty() { section == ThingTypeSection::Core } else { self.sections.contains(&section) }
    }

    /// The answer from `registry` (e.g. `haven_domain::thing_type::all()`), whose definitions
    /// last changed at `definitions_updated_at`: empty if the client's refresh is at or after
    /// that, otherwise the types asked for, in request order, with unknown ids skipped.
    pub fn respond(&self, registry: &[ThingType], definitions_updated_at: OffsetDateTime) -> ResponseInfo {
        let unchanged =
            self.last_client_refresh.is_some_and(|refresh| refresh >= truncate_to_millis(definitions_updated_at));
        if unchanged {
            return ResponseInfo::new(RESPONSE_SCHEMA, "");
        }
        let chosen: Vec<&ThingType> = if self.type_ids.is_empty() {
            registry.iter().collect()
        } else {
            self.type_ids.iter().filter_map(|id| registry.iter().find(|thing_type| thing_type.id == *id)).collect()
        };
        let thing_types = chosen.into_iter().map(|thing_type| ThingTypeInfo::new(thing_type, self)).collect();
        GetThingTypeResponse { thing_types }.to_info()
    }
}

/// Where a type's effective date is read from, as an XPath from the thing:
/// `/thing/data-xml/<root>/<path>`; `None` for types dated by their creation.
pub fn effective_date_xpath(thing_type: &ThingType) -> Option<String> {
    let path = match thing_type.effective_date {
        EffectiveDate::DateTime(path) | EffectiveDate::ApproxDateTime(path) | EffectiveDate::Date(path) => path,
        EffectiveDate::Created => return None,
    };
    let mut xpath = format!("/thing/data-xml/{}", thing_type.root_element);
    for step in path {
        xpath.push('/');
        xpath.push_str(step);
    }
    Some(xpath)
}

/// The answer: `thing-type*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetThingTypeResponse {
    /// The definitions.
    pub thing_types: Vec<ThingTypeInfo>,
}

impl GetThingTypeResponse {
    /// The answer's `wc:info`, in the `GetThingType` schema.
    pub fn to_info(&self) -> ResponseInfo {
        let mut builder = XmlBuilder::new();
        for thing_type in &self.thing_types {
            thing_type.write(&mut builder);
        }
        ResponseInfo::new(RESPONSE_SCHEMA, builder.finish())
    }

    /// Reads the inner XML of the answer's `wc:info` (for the SDK and tests).
    pub fn parse_info_xml(inner_xml: &str) -> Result<Self, WireError> {
        let wrapped = format!("<info>{inner_xml}</info>");
        let document = parse_document(&wrapped)?;
        let thing_types =
            children_named(document.root_element(), "thing-type").map(ThingTypeInfo::read).collect::<Result<_, _>>()?;
        Ok(Self { thing_types })
    }
}

#[cfg(test)]
mod tests;
