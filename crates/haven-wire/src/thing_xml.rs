//! The `<thing>` element of thing.xsd, in both its schema types: `Thing` (GetThings v1/v2,
//! PutThings v1; a single inline blob in `data-other`) and `Thing2` (GetThings v3, PutThings v2;
//! named blobs in `blob-payload`).
//!
//! Three directions, each in its own module:
//!
//! * [`SubmittedThing`]: a thing as a client submits it to PutThings. Only its key, type, flags,
//!   `data-xml`, blobs and `updated-end-date` count; `thing-state`, `eff-date`, `created` and
//!   `updated` are ignored as HealthVault ignores them (protocol notes, section 9).
//!   [`parse_submitted_things`] reads a DOPU package's sequence of them.
//! * [`thing_to_xml`]: a stored [`Thing`](haven_domain::thing::Thing) written for a GetThings
//!   answer, with the parts the request's format asked for ([`ThingSections`]) and names looked
//!   up through [`ThingNames`].
//! * [`WireThing`]: a `<thing>` of a GetThings answer read back, for the SDK and for tests.
//!
//! Elements are matched by local name, like everywhere in this crate. Error messages name the
//! element by its path from `thing` (`thing/data-xml/common/related-thing`).

mod blob;
mod common;
mod fragment;
mod names;
mod read;
mod submitted;
mod write;

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;

use haven_domain::ids::{InvalidId, ThingId, VersionStamp};
use haven_domain::thing::{ThingKey, ThingState};
use roxmltree::Node;
use time::{OffsetDateTime, PrimitiveDateTime};

pub use blob::{BlobData, BlobPayloadEntry, DEFAULT_HASH_BLOCK_SIZE};
pub use names::{ThingNameTable, ThingNames};
pub use read::{WireAudit, WireThing, parse_wire_thing};
pub use submitted::{BlobReference, InlineBlob, SubmittedThing, parse_submitted_thing, parse_submitted_things};
pub use write::{EffectivePermissions, ThingOutput, thing_to_xml};

pub(crate) use write::write_thing;

use crate::date_time::parse_date_time;
use crate::error::{WireError, excerpt};
use crate::xml::{XmlBuilder, required_attribute, text_of};

/// Which schema type of thing.xsd a `<thing>` follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ThingSchema {
    /// `Thing`: GetThings v1 and v2, PutThings v1. Its one blob is inline in `data-other`.
    Thing,
    /// `Thing2`: GetThings v3, PutThings v2. Its blobs are in `blob-payload`.
    Thing2,
}

/// The parts of a thing a GetThings answer writes: the request's `format/section` values and
/// whether it asked for `data-xml` (an empty `format/xml`). `thing-id` and `type-id` are always
/// written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ThingSections {
    /// `core`: `thing-state`, `flags`, `eff-date` and (`Thing2` only) `updated-end-date`.
    pub core: bool,
    /// `audits`: the `created` and `updated` audits.
    pub audits: bool,
    /// `effectivepermissions`: `eff-permissions`, when the caller supplies them.
    pub effective_permissions: bool,
    /// `digitalsignatures`: Haven keeps no thing signatures, so this writes nothing.
    pub digital_signatures: bool,
    /// `tags`: the top-level `tags` element.
    pub tags: bool,
    /// `blobpayload` (`Thing2` only): `blob-payload` with the entries the caller supplies.
    pub blob_payload: bool,
    /// `otherdata` (`Thing` only): the default blob as `data-other`, when the caller supplies
    /// its bytes.
    pub other_data: bool,
    /// An empty `<xml/>` in the format: `data-xml` with the type's data and `common`.
    pub data_xml: bool,
}

impl ThingSections {
    /// Every section, as a full thing is written.
    pub fn all() -> Self {
        Self {
            core: true,
            audits: true,
            effective_permissions: true,
            digital_signatures: true,
            tags: true,
            blob_payload: true,
            other_data: true,
            data_xml: true,
        }
    }
}

/// Reads a GUID text with `parse`, naming `element` (a path such as `thing/type-id`) if it is
/// not one.
pub(crate) fn parse_guid<Id>(
    element: &'static str,
    text: &str,
    parse: fn(&str) -> Result<Id, InvalidId>,
) -> Result<Id, WireError> {
    parse(text).map_err(|source| WireError::InvalidGuid { element, source })
}

/// Reads a `ThingKey` element (`<thing-id version-stamp="GUID">GUID</thing-id>`); the version
/// stamp is required. `element` and `version_stamp` name the element and the attribute in
/// errors (`thing/thing-id`, `thing/thing-id@version-stamp`).
pub(crate) fn parse_key(
    node: Node<'_, '_>,
    element: &'static str,
    version_stamp: &'static str,
) -> Result<ThingKey, WireError> {
    let version_text = required_attribute(node, element, "version-stamp")?;
    Ok(ThingKey {
        id: parse_guid(element, &text_of(node), ThingId::parse)?,
        version: parse_guid(version_stamp, version_text, VersionStamp::parse)?,
    })
}

/// Writes a `ThingKey` element named `name`.
pub(crate) fn write_key(builder: &mut XmlBuilder, name: &str, key: ThingKey) {
    builder.text_element_with(name, &[("version-stamp", &key.version.to_string())], &key.id.to_string());
}

/// Reads an `xsd:dateTime` that means a wall-clock time (`eff-date`, `updated-end-date` and
/// their filters): the date and time as written, any offset ignored. HealthVault stamps these
/// with `Z` but means local time, and the .NET SDK reads them that way.
pub(crate) fn parse_wall_clock(element: &'static str, text: &str) -> Result<PrimitiveDateTime, WireError> {
    parse_date_time(text)
        .map(|value| PrimitiveDateTime::new(value.date(), value.time()))
        .ok_or(WireError::InvalidDateTime { element, text: excerpt(text) })
}

/// Writes a wall-clock time without an offset, to whole milliseconds, as HealthVault writes
/// `eff-date` (`2017-05-09T11:00:44.759`, `2017-05-10T00:00:00`).
pub(crate) fn format_wall_clock(value: PrimitiveDateTime) -> String {
    let whole = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        value.year(),
        u8::from(value.month()),
        value.day(),
        value.hour(),
        value.minute(),
        value.second()
    );
    match value.millisecond() {
        0 => whole,
        millisecond => format!("{whole}.{millisecond:03}"),
    }
}

/// Reads an `xsd:dateTime` that means an instant (audit timestamps, created/updated filters).
pub(crate) fn parse_instant(element: &'static str, text: &str) -> Result<OffsetDateTime, WireError> {
    parse_date_time(text).ok_or(WireError::InvalidDateTime { element, text: excerpt(text) })
}

/// Reads `Active` or `Deleted` (surrounding whitespace ignored, case-insensitive).
pub(crate) fn parse_state(element: &'static str, text: &str) -> Result<ThingState, WireError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "active" => Ok(ThingState::Active),
        "deleted" => Ok(ThingState::Deleted),
        _ => Err(WireError::InvalidValue { element, expected: "Active or Deleted", text: excerpt(text) }),
    }
}

/// Reads an `xsd:boolean` (`true`, `false`, `1`, `0`).
pub(crate) fn parse_boolean(element: &'static str, text: &str) -> Result<bool, WireError> {
    match text.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(WireError::InvalidValue { element, expected: "true or false", text: excerpt(text) }),
    }
}

/// Writes an `xsd:boolean`.
pub(crate) fn format_boolean(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}
