//! AssociateAlternateId (version 1): associates an alternate id with the person and record the
//! request is made for (the header's `record-id`), for the calling application. The platform
//! answers DUPLICATE_ALTERNATE_ID if the application already uses the id, and
//! ALTERNATE_IDS_LIMIT_EXCEEDED past the per-record limit. The answer has no `wc:info`.

use haven_domain::alternate_id::AlternateId;

use super::alternate_id::{alternate_id_from_request, alternate_id_info_xml, parse_alternate_id_info};
use crate::error::WireError;
use crate::request::Request;

/// The method name.
pub const METHOD: &str = "AssociateAlternateId";

/// The request's info: `alternate-id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssociateAlternateIdRequest {
    /// The application's id for the record, exactly as sent.
    pub alternate_id: AlternateId,
}

impl AssociateAlternateIdRequest {
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
