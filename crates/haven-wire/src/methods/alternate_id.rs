//! The `alternate-id` request shared by AssociateAlternateId, DisassociateAlternateId and
//! GetPersonAndRecordForAlternateId (all version 1): `<info><alternate-id>...</alternate-id></info>`.
//!
//! An alternate id is an application's own name for a person's record (protocol notes,
//! section 6): `string255nw`, so 1 to 255 characters that are not all whitespace, compared
//! case-sensitively. The text is kept exactly as sent, surrounding whitespace included, as the
//! domain's [`AlternateId`] keeps it.

use haven_domain::alternate_id::{AlternateId, MAX_ALTERNATE_ID_LENGTH};

use crate::error::{WireError, excerpt};
use crate::request::Request;
use crate::xml::{XmlBuilder, parse_document, required_child, text_of};

/// What the error for an unacceptable alternate id says is expected.
const EXPECTED: &str = "1 to 255 characters, not all whitespace";

/// Reads an alternate id sent by a client: 1 to [`MAX_ALTERNATE_ID_LENGTH`] characters, not
/// all whitespace. A longer or blank one is an `InvalidValue` error naming `alternate-id`.
pub fn parse_alternate_id(text: &str) -> Result<AlternateId, WireError> {
    let invalid = || WireError::InvalidValue { element: "alternate-id", expected: EXPECTED, text: excerpt(text) };
    if text.trim().is_empty() || text.chars().count() > MAX_ALTERNATE_ID_LENGTH {
        return Err(invalid());
    }
    AlternateId::parse(text).map_err(|_| invalid())
}

/// Reads the `alternate-id` of a request to `method`, which has only version 1.
pub(crate) fn alternate_id_from_request(method: &'static str, request: &Request<'_>) -> Result<AlternateId, WireError> {
    let info = request.info_xml().ok_or(WireError::MissingElement { parent: "request", element: "info" })?;
    parse_alternate_id_info(method, request.method_version(), info)
}

/// Reads `<info><alternate-id>...</alternate-id></info>` of a request to `method`.
pub(crate) fn parse_alternate_id_info(
    method: &'static str,
    version: u32,
    info_xml: &str,
) -> Result<AlternateId, WireError> {
    if version != 1 {
        return Err(WireError::UnsupportedMethodVersion { method, version });
    }
    let document = parse_document(info_xml)?;
    let element = required_child(document.root_element(), "info", "alternate-id")?;
    parse_alternate_id(&text_of(element))
}

/// Writes `<info><alternate-id>...</alternate-id></info>` as a client sends it.
pub(crate) fn alternate_id_info_xml(alternate_id: &AlternateId) -> String {
    let mut builder = XmlBuilder::new();
    builder.start("info");
    builder.text_element("alternate-id", alternate_id.as_str());
    builder.end("info");
    builder.finish()
}

#[cfg(test)]
mod tests;
