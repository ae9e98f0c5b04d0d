//! `data-xml/common` (thing.xsd `common`): source, note, tags, extensions, related things and the
//! client's own id, shared by every thing type.

use haven_domain::ids::{ThingId, VersionStamp};
use haven_domain::thing::{CommonData, RelatedTarget, RelatedThing};
use roxmltree::Node;

use super::fragment::element_text;
use super::parse_guid;
use crate::error::WireError;
use crate::xml::{XmlBuilder, children_named, optional_child, text_of};

const COMMON: &str = "thing/data-xml/common";
const RELATED: &str = "thing/data-xml/common/related-thing";

/// Reads `common`. Text is kept as sent; blank `source`, `note`, `tags` and `client-thing-id`
/// count as absent. Each `extension` is kept verbatim (see [`element_text`]). A `related-thing`
/// naming neither a thing id nor a client thing id is skipped, as the .NET SDK skips it.
pub(super) fn parse_common(source: &str, common: Node<'_, '_>) -> Result<CommonData, WireError> {
    let text = |name| -> Result<Option<String>, WireError> {
        Ok(optional_child(common, COMMON, name)?.map(text_of).filter(|text| !text.trim().is_empty()))
    };
    let related_things = children_named(common, "related-thing")
        .map(parse_related_thing)
        .filter_map(Result::transpose)
        .collect::<Result<_, _>>()?;
    Ok(CommonData {
        source: text("source")?,
        note: text("note")?,
        tags: text("tags")?,
        client_thing_id: text("client-thing-id")?.map(|text| text.trim().to_owned()),
        related_things,
        extensions: children_named(common, "extension").map(|extension| element_text(source, extension)).collect(),
    })
}

fn parse_related_thing(related: Node<'_, '_>) -> Result<Option<RelatedThing>, WireError> {
    let trimmed = |name| -> Result<Option<String>, WireError> {
        Ok(optional_child(related, RELATED, name)?
            .map(|element| text_of(element).trim().to_owned())
            .filter(|text| !text.is_empty()))
    };
    let target = match (trimmed("thing-id")?, trimmed("client-thing-id")?) {
        (Some(id), _) => RelatedTarget::Thing {
            id: parse_guid("thing/data-xml/common/related-thing/thing-id", &id, ThingId::parse)?,
            version: trimmed("version-stamp")?
                .map(|version| {
                    parse_guid("thing/data-xml/common/related-thing/version-stamp", &version, VersionStamp::parse)
                })
                .transpose()?,
        },
        (None, Some(client_thing_id)) => RelatedTarget::ClientThingId(client_thing_id),
        (None, None) => return Ok(None),
    };
    let relationship_type =
        optional_child(related, RELATED, "relationship-type")?.map(text_of).filter(|text| !text.trim().is_empty());
    Ok(Some(RelatedThing { target, relationship_type }))
}

/// Writes `common` in schema order. It is written even when empty (`<common></common>`), as
/// HealthVault writes `<common />`.
pub(super) fn write_common(builder: &mut XmlBuilder, common: &CommonData) {
    builder.start("common");
    builder.optional_text_element("source", common.source.as_deref());
    builder.optional_text_element("note", common.note.as_deref());
    builder.optional_text_element("tags", common.tags.as_deref());
    for extension in &common.extensions {
        builder.raw(extension);
    }
    for related in &common.related_things {
        builder.start("related-thing");
        match &related.target {
            RelatedTarget::Thing { id, version } => {
                builder.text_element("thing-id", &id.to_string());
                if let Some(version) = version {
                    builder.text_element("version-stamp", &version.to_string());
                }
            }
            RelatedTarget::ClientThingId(client_thing_id) => builder.text_element("client-thing-id", client_thing_id),
        }
        builder.optional_text_element("relationship-type", related.relationship_type.as_deref());
        builder.end("related-thing");
    }
    if let Some(client_thing_id) = common.client_thing_id.as_deref().filter(|id| !id.is_empty()) {
        builder.text_element("client-thing-id", client_thing_id);
    }
    builder.end("common");
}
