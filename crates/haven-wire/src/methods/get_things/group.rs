//! One `group` of a GetThings request: which things, filtered how, returned in which format.

use haven_domain::ids::{ThingId, ThingTypeId};
use haven_domain::thing::{ThingKey, ThingQuery, ThingState};
use roxmltree::Node;

use super::filter::ThingFilter;
use super::format::ThingFormat;
use crate::error::{WireError, excerpt};
use crate::thing_xml::{format_boolean, parse_boolean, parse_guid, parse_key, write_key};
use crate::xml::{
    XmlBuilder, children_named, optional_child, optional_text, parse_number, required_attribute, text_of,
};

/// Which things a group names directly (the schema's choice of `id*`, `key*` or
/// `client-thing-id*`; a group uses one kind at most).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ThingTarget {
    /// None: the filters alone choose.
    #[default]
    Filtered,
    /// `id*`: these things, in their current version.
    Ids(Vec<ThingId>),
    /// `key*`: these versions (how the client pages through `unprocessed-thing-key-info`).
    Keys(Vec<ThingKey>),
    /// `client-thing-id*`: the things with these client ids.
    ClientThingIds(Vec<String>),
}

/// An `intents/intent` (v3, Meaningful Use reporting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Intent {
    /// `view`.
    View,
    /// `download`.
    Download,
    /// `transmit`.
    Transmit,
}

impl Intent {
    /// The value in `<intent>`.
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::View => "view",
            Intent::Download => "download",
            Intent::Transmit => "transmit",
        }
    }
}

/// An `order-by/order-by-property` (v3): sort by a property of one type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderByProperty {
    /// `@type-id`.
    pub type_id: ThingTypeId,
    /// `@property-name`, as the type's order-by properties name it.
    pub property_name: String,
    /// `@direction`; ascending when absent, as the .NET SDK reads it.
    pub descending: bool,
}

/// One `group`: a query and the format of its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThingsGroupRequest {
    /// `@name`, echoed on the answer's group.
    pub name: Option<String>,
    /// `@max`: at most this many things in the answer, full and partial together.
    pub max: Option<u32>,
    /// `@max-full`: at most this many full things; the rest are returned as keys only.
    pub max_full: Option<u32>,
    /// `id*`, `key*` or `client-thing-id*`.
    pub target: ThingTarget,
    /// `filter*`, all of which apply.
    pub filters: Vec<ThingFilter>,
    /// `format`. A group without one (the schema requires it) gets the empty format: keys and
    /// types only.
    pub format: ThingFormat,
    /// `current-version-only` (default true): only the current version of each thing.
    pub current_version_only: bool,
    /// `intents` (v3).
    pub intents: Vec<Intent>,
    /// `order-by` (v3); empty means newest effective date first.
    pub order_by: Vec<OrderByProperty>,
}

impl Default for ThingsGroupRequest {
    /// A group with no ids, filters or sections, returning current versions only (the
    /// schema's default).
    fn default() -> Self {
        Self {
            name: None,
            max: None,
            max_full: None,
            target: ThingTarget::Filtered,
            filters: Vec::new(),
            format: ThingFormat::default(),
            current_version_only: true,
            intents: Vec::new(),
            order_by: Vec::new(),
        }
    }
}

impl ThingsGroupRequest {
    /// The domain query for this group: the target's ids, every filter's conditions that
    /// [`ThingQuery`] expresses, states (Active only unless a filter names states) and `max`
    /// as the limit. `None` when the filters contradict each other, so nothing can match.
    ///
    /// Left to the caller: which versions `ThingTarget::Keys` and `current_version_only` ask
    /// for (the query selects things by id), each filter's `xpath`, and
    /// authorization (such as excluding Personal things).
    pub fn query(&self) -> Option<ThingQuery> {
        let mut query = ThingQuery { limit: self.max, ..ThingQuery::default() };
        match &self.target {
            ThingTarget::Filtered => {}
            ThingTarget::Ids(ids) => query.thing_ids = ids.clone(),
            ThingTarget::Keys(keys) => {
                for key in keys {
                    if !query.thing_ids.contains(&key.id) {
                        query.thing_ids.push(key.id);
                    }
                }
            }
            ThingTarget::ClientThingIds(client_thing_ids) => query.client_thing_ids = client_thing_ids.clone(),
        }
        let mut states: Option<Vec<ThingState>> = None;
        for filter in &self.filters {
            filter.narrow(&mut query, &mut states)?;
        }
        if let Some(states) = states {
            query.states = states;
        }
        Some(query)
    }

    /// The `xpath` of every filter that has one.
    pub fn xpaths(&self) -> impl Iterator<Item = &str> {
        self.filters.iter().filter_map(|filter| filter.xpath.as_deref())
    }

    /// Reads `group`.
    pub(super) fn parse(group: Node<'_, '_>) -> Result<Self, WireError> {
        let number = |attribute, path| group.attribute(attribute).map(|text| parse_number(path, text)).transpose();
        let ids: Vec<_> = children_named(group, "id")
            .map(|id| parse_guid("group/id", &text_of(id), ThingId::parse))
            .collect::<Result<_, _>>()?;
        let keys: Vec<_> = children_named(group, "key")
            .map(|key| parse_key(key, "group/key", "group/key@version-stamp"))
            .collect::<Result<_, _>>()?;
        let client_thing_ids: Vec<_> =
            children_named(group, "client-thing-id").map(|id| text_of(id).trim().to_owned()).collect();
        let target = match (ids.is_empty(), keys.is_empty(), client_thing_ids.is_empty()) {
            (true, true, true) => ThingTarget::Filtered,
            (false, true, true) => ThingTarget::Ids(ids),
            (true, false, true) => ThingTarget::Keys(keys),
            (true, true, false) => ThingTarget::ClientThingIds(client_thing_ids),
            (no_ids, no_keys, no_client_ids) => {
                let kinds = [(no_ids, "id"), (no_keys, "key"), (no_client_ids, "client-thing-id")];
                let found: Vec<&str> = kinds.into_iter().filter(|(absent, _)| !absent).map(|(_, kind)| kind).collect();
                return Err(WireError::InvalidValue {
                    element: "group",
                    expected: "only one kind of <id>, <key> or <client-thing-id>",
                    text: excerpt(&found.join(", ")),
                });
            }
        };
        let format = match optional_child(group, "group", "format")? {
            Some(format) => ThingFormat::parse(format)?,
            None => ThingFormat::default(),
        };
        let intents = match optional_child(group, "group", "intents")? {
            Some(intents) => children_named(intents, "intent").map(parse_intent).collect::<Result<_, _>>()?,
            None => Vec::new(),
        };
        let order_by = match optional_child(group, "group", "order-by")? {
            Some(order_by) => {
                children_named(order_by, "order-by-property").map(parse_order_by).collect::<Result<_, _>>()?
            }
            None => Vec::new(),
        };
        Ok(Self {
            name: group.attribute("name").map(str::to_owned),
            max: number("max", "group@max")?,
            max_full: number("max-full", "group@max-full")?,
            target,
            filters: children_named(group, "filter").map(ThingFilter::parse).collect::<Result<_, _>>()?,
            format,
            current_version_only: optional_text(group, "group", "current-version-only")?
                .map(|text| parse_boolean("group/current-version-only", &text))
                .transpose()?
                .unwrap_or(true),
            intents,
            order_by,
        })
    }

    /// Writes `group` in schema order; intents and order-by only for v3.
    pub(super) fn write(&self, builder: &mut XmlBuilder, version: u32) {
        let max = self.max.map(|max| max.to_string());
        let max_full = self.max_full.map(|max_full| max_full.to_string());
        let attributes: Vec<(&str, &str)> =
            [("name", self.name.as_deref()), ("max", max.as_deref()), ("max-full", max_full.as_deref())]
                .into_iter()
                .filter_map(|(attribute, value)| value.map(|value| (attribute, value)))
                .collect();
        builder.start_with("group", &attributes);
        match &self.target {
            ThingTarget::Filtered => {}
            ThingTarget::Ids(ids) => ids.iter().for_each(|id| builder.text_element("id", &id.to_string())),
            ThingTarget::Keys(keys) => keys.iter().for_each(|key| write_key(builder, "key", *key)),
            ThingTarget::ClientThingIds(ids) => ids.iter().for_each(|id| builder.text_element("client-thing-id", id)),
        }
        for filter in &self.filters {
            filter.write(builder);
        }
        self.format.write(builder, version);
        if !self.current_version_only {
            builder.text_element("current-version-only", format_boolean(false));
        }
        if version >= 3 && !self.intents.is_empty() {
            builder.start("intents");
            for intent in &self.intents {
                builder.text_element("intent", intent.as_str());
            }
            builder.end("intents");
        }
        if version >= 3 && !self.order_by.is_empty() {
            builder.start("order-by");
            for property in &self.order_by {
                let type_id = property.type_id.to_string();
                let direction = if property.descending { "Desc" } else { "Asc" };
                builder.start_with(
                    "order-by-property",
                    &[("type-id", &type_id), ("property-name", &property.property_name), ("direction", direction)],
                );
                builder.end("order-by-property");
            }
            builder.end("order-by");
        }
        builder.end("group");
    }
}

fn parse_intent(intent: Node<'_, '_>) -> Result<Intent, WireError> {
    let text = text_of(intent);
    match text.trim().to_ascii_lowercase().as_str() {
        "view" => Ok(Intent::View),
        "download" => Ok(Intent::Download),
        "transmit" => Ok(Intent::Transmit),
        _ => Err(WireError::InvalidValue {
            element: "group/intents/intent",
            expected: "view, download or transmit",
            text: excerpt(&text),
        }),
    }
}

fn parse_order_by(property: Node<'_, '_>) -> Result<OrderByProperty, WireError> {
    const ELEMENT: &str = "group/order-by/order-by-property";
    let type_id = required_attribute(property, ELEMENT, "type-id")?;
    let descending = match property.attribute("direction").map(str::trim) {
        None | Some("Asc" | "asc" | "") => false,
        Some("Desc" | "desc") => true,
        Some(other) => {
            return Err(WireError::InvalidValue {
                element: "group/order-by/order-by-property@direction",
                expected: "Asc or Desc",
                text: excerpt(other),
            });
        }
    };
    Ok(OrderByProperty {
        type_id: parse_guid("group/order-by/order-by-property@type-id", type_id, ThingTypeId::parse)?,
        property_name: required_attribute(property, ELEMENT, "property-name")?.to_owned(),
        descending,
    })
}
