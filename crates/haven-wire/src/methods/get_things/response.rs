//! The GetThings answer: one `group` per request group, with full things, the keys of the
//! matches beyond `max-full`, and whether anything was filtered out.

use haven_domain::ids::ThingTypeId;
use haven_domain::thing::{Thing, ThingKey};
use roxmltree::Node;
use time::PrimitiveDateTime;

use super::group::ThingsGroupRequest;
use crate::error::WireError;
use crate::thing_xml::{
    ThingNames, ThingOutput, ThingSchema, ThingSections, WireThing, format_boolean, format_wall_clock, parse_boolean,
    parse_guid, parse_key, parse_wall_clock, write_key, write_thing,
};
use crate::xml::{XmlBuilder, children_named, optional_text, parse_document, required_child, text_of};

/// One group of an answer, to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupResponse<'thing> {
    /// `@name`: the request group's name.
    pub name: Option<String>,
    /// The sections to write for each thing (usually the request's
    /// [`ThingFormat::thing_sections`](super::ThingFormat::thing_sections)).
    pub sections: ThingSections,
    /// `thing*`: the full things, in answer order (newest effective date first by default).
    pub things: Vec<ThingOutput<'thing>>,
    /// `unprocessed-thing-key-info*`: the matches beyond `max-full`, for the client to fetch by
    /// key in a later request.
    pub unprocessed: Vec<UnprocessedThingKey>,
    /// `filtered`: some matches were left out (for example things the caller may not read).
    pub filtered: bool,
}

impl GroupResponse<'_> {
    /// An empty answer for `request`: its name and the sections its format asks for.
    pub fn for_request(request: &ThingsGroupRequest) -> Self {
        Self {
            name: request.name.clone(),
            sections: request.format.thing_sections(),
            things: Vec::new(),
            unprocessed: Vec::new(),
            filtered: false,
        }
    }
}

/// `unprocessed-thing-key-info`: a match returned as its key only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnprocessedThingKey {
    /// `thing-id@version-stamp`.
    pub key: ThingKey,
    /// `type-id`.
    pub type_id: ThingTypeId,
    /// `eff-date`, a wall-clock time.
    pub eff_date: PrimitiveDateTime,
    /// `updated-end-date`, a wall-clock time; absent when the thing has no end date.
    pub updated_end_date: Option<PrimitiveDateTime>,
}

impl UnprocessedThingKey {
    /// The key information of a stored thing.
    pub fn of(thing: &Thing) -> Self {
        Self {
            key: thing.key,
            type_id: thing.type_id,
            eff_date: thing.eff_date,
            updated_end_date: thing.updated_end_date,
        }
    }
}

/// Writes the inner XML of the answer's `wc:info`: one `group` per entry of `groups`. Things
/// follow `schema` (`Thing` for v1/v2, `Thing2` for v3).
pub(super) fn write_groups(groups: &[GroupResponse<'_>], schema: ThingSchema, names: &dyn ThingNames) -> String {
    let mut builder = XmlBuilder::new();
    for group in groups {
        match &group.name {
            Some(name) => builder.start_with("group", &[("name", name)]),
            None => builder.start("group"),
        }
        for thing in &group.things {
            write_thing(&mut builder, thing, group.sections, schema, names);
        }
        for unprocessed in &group.unprocessed {
            builder.start("unprocessed-thing-key-info");
            write_key(&mut builder, "thing-id", unprocessed.key);
            let type_id = unprocessed.type_id.to_string();
            match names.type_name(unprocessed.type_id) {
                Some(name) => builder.text_element_with("type-id", &[("name", &name)], &type_id),
                None => builder.text_element("type-id", &type_id),
            }
            builder.text_element("eff-date", &format_wall_clock(unprocessed.eff_date));
            builder.optional_text_element(
                "updated-end-date",
                unprocessed.updated_end_date.map(format_wall_clock).as_deref(),
            );
            builder.end("unprocessed-thing-key-info");
        }
        if group.filtered {
            builder.text_element("filtered", format_boolean(true));
        }
        builder.end("group");
    }
    builder.finish()
}

/// A GetThings answer as read, for the SDK and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetThingsResponse {
    /// `group*`, in answer order (the request's group order).
    pub groups: Vec<ThingsGroupResult>,
}

/// One `group` of an answer, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThingsGroupResult {
    /// `@name`.
    pub name: Option<String>,
    /// `thing*`.
    pub things: Vec<WireThing>,
    /// `unprocessed-thing-key-info*`.
    pub unprocessed: Vec<UnprocessedThingKey>,
    /// `filtered`; absent reads as false.
    pub filtered: bool,
    /// `order-by-culture` (v3).
    pub order_by_culture: Option<String>,
}

impl GetThingsResponse {
    /// Reads the inner XML of a v1, v2 or v3 `wc:info`.
    pub fn parse_info_xml(inner_xml: &str) -> Result<Self, WireError> {
        let wrapped = format!("<info>{inner_xml}</info>");
        let document = parse_document(&wrapped)?;
        let groups = children_named(document.root_element(), "group")
            .map(|group| parse_group(&wrapped, group))
            .collect::<Result<_, _>>()?;
        Ok(Self { groups })
    }
}

fn parse_group(source: &str, group: Node<'_, '_>) -> Result<ThingsGroupResult, WireError> {
    Ok(ThingsGroupResult {
        name: group.attribute("name").map(str::to_owned),
        things: children_named(group, "thing")
            .map(|thing| WireThing::parse(source, thing))
            .collect::<Result<_, _>>()?,
        unprocessed: children_named(group, "unprocessed-thing-key-info")
            .map(parse_unprocessed)
            .collect::<Result<_, _>>()?,
        filtered: optional_text(group, "group", "filtered")?
            .map(|text| parse_boolean("group/filtered", &text))
            .transpose()?
            .unwrap_or(false),
        order_by_culture: optional_text(group, "group", "order-by-culture")?,
    })
}

fn parse_unprocessed(info: Node<'_, '_>) -> Result<UnprocessedThingKey, WireError> {
    const ELEMENT: &str = "group/unprocessed-thing-key-info";
    Ok(UnprocessedThingKey {
        key: parse_key(
            required_child(info, ELEMENT, "thing-id")?,
            "group/unprocessed-thing-key-info/thing-id",
            "group/unprocessed-thing-key-info/thing-id@version-stamp",
        )?,
        type_id: parse_guid(
            "group/unprocessed-thing-key-info/type-id",
            &text_of(required_child(info, ELEMENT, "type-id")?),
            ThingTypeId::parse,
        )?,
        eff_date: parse_wall_clock(
            "group/unprocessed-thing-key-info/eff-date",
            &text_of(required_child(info, ELEMENT, "eff-date")?),
        )?,
        updated_end_date: optional_text(info, ELEMENT, "updated-end-date")?
            .map(|text| parse_wall_clock("group/unprocessed-thing-key-info/updated-end-date", &text))
            .transpose()?,
    })
}
