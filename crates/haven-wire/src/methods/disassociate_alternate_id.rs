//! DisassociateAlternateId (version 1): removes the calling application's association of an
//! alternate id; the platform answers ALTERNATE_ID_NOT_FOUND if there is none. The answer has
//! no `wc:info`.

use haven_domain::alternate_id::AlternateId;

use super::alternate_id::{alternate_id_from_request, alternate_id_info_xml, parse_alternate_id_info};
use crate::error::WireError;
use crate::request::Request;

/// The method name.
pub const METHOD: &str = "DisassociateAlternateId";

/// The request's info: `alternate-id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisassociateAlternateIdRequest {
    /// The application's id for the record, exactly as sent.
    pub alternate_id: AlternateId,
}

impl DisassociateAlternateIdRequest {
    /// Reads the typed request from a parsed envelope.
    pub fn from_request(request: &Request<'_>) -> Result<Self, WireError> {
        Ok(Self { alternate_id: alternate_id_from_request(METHOD, request)? })
    }

    /// Reads `<info>...</info>` for `version` (only 1 exists); see
    /// [`parse_alternate_id`](super::alternate_id::parse_alternate_id) for what is accepted.
    pub fn parse_info(version: u32, info_xml: &str) -> Result<Self, WireError> {
        Ok(Self { alternate_id: parse_alternate_id_info(METHOD, version, info_xml)? })
    }

    /// Writes `<info>...</info>` as a client sends it.
    pub fn to_info_xml(&self) -> String {
        alternate_id_info_xml(&self.alternate_id)
    }
}

#[cfg(test)]
mod tests;
