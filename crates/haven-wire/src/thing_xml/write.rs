//! Writing a stored thing as the `<thing>` of a GetThings answer.

use haven_domain::auth_rules::Permissions;
use haven_domain::thing::{Audit, Thing};

use super::blob::{BlobData, BlobPayloadEntry, write_blob_payload, write_data_other};
use super::common::write_common;
use super::names::ThingNames;
use super::{ThingSchema, ThingSections, format_boolean, format_wall_clock, write_key};
use crate::date_time::format_date_time;
use crate::xml::XmlBuilder;

/// The nil GUID, written for an audit's application or person when there is none (the schema
/// requires both).
const NIL_GUID: &str = "00000000-0000-0000-0000-000000000000";

/// What the caller decided the reader may do with a thing (`eff-permissions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EffectivePermissions {
    /// The reader's permissions on the thing.
    pub permissions: Permissions,
    /// `immutable`: the thing's type is immutable or the thing is read-only.
    pub immutable: bool,
}

/// A stored thing and what the caller adds to it for one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThingOutput<'thing> {
    /// The thing version to write.
    pub thing: &'thing Thing,
    /// Written as `eff-permissions` when that section is asked for.
    pub effective_permissions: Option<EffectivePermissions>,
    /// Written as `blob-payload` (`Thing2`) when that section is asked for; with `Thing`, an
    /// inline entry for the default blob (named "") is written as `data-other` when `otherdata`
    /// is asked for. The caller chooses each entry's data (information, inline or a URL).
    pub blobs: Vec<BlobPayloadEntry>,
}

impl<'thing> ThingOutput<'thing> {
    /// `thing` with no permissions or blob payload to add.
    pub fn new(thing: &'thing Thing) -> Self {
        Self { thing, effective_permissions: None, blobs: Vec::new() }
    }
}

/// The `<thing>` element for `output` with `sections`, in `schema`'s element order.
pub fn thing_to_xml(
    output: &ThingOutput<'_>,
    sections: ThingSections,
    schema: ThingSchema,
    names: &dyn ThingNames,
) -> String {
    let mut builder = XmlBuilder::new();
    write_thing(&mut builder, output, sections, schema, names);
    builder.finish()
}

/// Writes the `<thing>` element (see [`thing_to_xml`]).
///
/// Order (thing.xsd): `thing-id`, `type-id`, core (`thing-state`, `flags`, `eff-date`), audits
/// (`created`, `updated`), `data-xml`, then `blob-payload` (`Thing2`) or `data-other` (`Thing`),
/// `eff-permissions`, `tags` and, last, `updated-end-date` (`Thing2` only, with the core
/// section, where the .NET SDK reads it; `Thing` has no such element). `eff-date` and
/// `updated-end-date` are wall-clock times without an offset; audit timestamps are UTC with `Z`.
pub(crate) fn write_thing(
    builder: &mut XmlBuilder,
    output: &ThingOutput<'_>,
    sections: ThingSections,
    schema: ThingSchema,
    names: &dyn ThingNames,
) {
    let thing = output.thing;
    builder.start("thing");
    write_key(builder, "thing-id", thing.key);
    let type_id = thing.type_id.to_string();
    match names.type_name(thing.type_id) {
        Some(name) => builder.text_element_with("type-id", &[("name", &name)], &type_id),
        None => builder.text_element("type-id", &type_id),
    }
    if sections.core {
        builder.text_element("thing-state", thing.state.as_str());
        builder.text_element("flags", &thing.flags.0.to_string());
        builder.text_element("eff-date", &format_wall_clock(thing.eff_date));
    }
    if sections.audits {
        write_audit(builder, "created", &thing.created, names);
        write_audit(builder, "updated", &thing.updated, names);
    }
    if sections.data_xml {
        builder.start("data-xml");
        builder.raw(data_fragment(&thing.data_xml));
        write_common(builder, &thing.common);
        builder.end("data-xml");
    }
    match schema {
        ThingSchema::Thing2 if sections.blob_payload => write_blob_payload(builder, &output.blobs),
        ThingSchema::Thing if sections.other_data => {
            let default_blob = output.blobs.iter().find(|entry| entry.name.is_empty());
            if let Some(BlobPayloadEntry { content_type, data: BlobData::Inline(bytes), .. }) = default_blob {
                write_data_other(builder, content_type, bytes);
            }
        }
        ThingSchema::Thing | ThingSchema::Thing2 => {}
    }
    if let (true, Some(effective)) = (sections.effective_permissions, output.effective_permissions) {
        write_effective_permissions(builder, effective);
    }
    if let (true, Some(tags)) = (sections.tags, thing.common.tags.as_deref().filter(|tags| !tags.is_empty())) {
        builder.text_element("tags", tags);
    }
    if let (true, ThingSchema::Thing2, Some(updated_end_date)) = (sections.core, schema, thing.updated_end_date) {
        builder.text_element("updated-end-date", &format_wall_clock(updated_end_date));
    }
    builder.end("thing");
}

/// `created` or `updated` (`Audit`/`Audit2`; the two agree on everything Haven records).
fn write_audit(builder: &mut XmlBuilder, name: &str, audit: &Audit, names: &dyn ThingNames) {
    builder.start(name);
    builder.text_element("timestamp", &format_date_time(audit.timestamp));
    let application = audit.application_id.or_else(|| names.shell_application_id());
    let application_name = application.and_then(|id| names.application_name(id)).unwrap_or_default();
    let application_text = application.map_or_else(|| NIL_GUID.to_owned(), |id| id.to_string());
    builder.text_element_with("app-id", &[("name", &application_name)], &application_text);
    let person_name = audit.person_id.and_then(|id| names.person_name(id)).unwrap_or_default();
    let person_text = audit.person_id.map_or_else(|| NIL_GUID.to_owned(), |id| id.to_string());
    builder.text_element_with("person-id", &[("name", &person_name)], &person_text);
    builder.text_element("access-avenue", audit.access_avenue.as_str());
    builder.text_element("audit-action", audit.action.as_str());
    builder.end(name);
}

/// `eff-permissions`, one `permission` per right as HealthVault writes them (never `All`);
/// nothing when there is no right, since the schema wants at least one.
fn write_effective_permissions(builder: &mut XmlBuilder, effective: EffectivePermissions) {
    let rights = [
        (Permissions::READ, "Read"),
        (Permissions::UPDATE, "Update"),
        (Permissions::CREATE, "Create"),
        (Permissions::DELETE, "Delete"),
    ];
    let granted: Vec<&str> = rights
        .into_iter()
        .filter(|(permission, _)| effective.permissions.contains(*permission))
        .map(|(_, name)| name)
        .collect();
    if granted.is_empty() {
        return;
    }
    builder.start_with("eff-permissions", &[("immutable", format_boolean(effective.immutable))]);
    for name in granted {
        builder.text_element("permission", name);
    }
    builder.end("eff-permissions");
}

/// The type's element from stored data, without a byte-order mark, leading whitespace or an
/// XML declaration, which cannot appear inside `data-xml`.
fn data_fragment(data_xml: &str) -> &str {
    let trimmed = data_xml.trim_start_matches(|character: char| character == '\u{feff}' || character.is_whitespace());
    match trimmed.strip_prefix("<?xml").and_then(|rest| rest.find("?>").map(|end| &rest[end + 2..])) {
        Some(after_declaration) => after_declaration.trim_start(),
        None => trimmed,
    }
}
