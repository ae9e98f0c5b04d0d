//! AllocatePackageId (version 1): the calling application reserves the identity code of a
//! DOPU package it will create later with CreateConnectPackage, so it can hand the code to
//! the person before a long upload (protocol notes, section 14). The request has no
//! parameters (there is no method schema; clients send `<info/>`); the answer
//! (`response-allocatepackageid.xsd`) is the `identity-code`.

use super::connect_fields::{identity_code_info_xml, parse_identity_code_info_xml};
use crate::error::WireError;
use crate::request::Request;
use crate::response::ResponseInfo;

/// The method name.
pub const METHOD: &str = "AllocatePackageId";

/// The response schema.
pub const RESPONSE_SCHEMA: &str = "AllocatePackageId";

/// The request, which has no parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllocatePackageIdRequest;

impl AllocatePackageIdRequest {
    /// Checks the version of a parsed envelope; any `<info>` content is ignored.
    pub fn from_request(request: &Request<'_>) -> Result<Self, WireError> {
        match request.method_version() {
            1 => Ok(Self),
            version => Err(WireError::UnsupportedMethodVersion { method: METHOD, version }),
        }
    }

    /// Writes `<info/>` as a client sends it.
    pub fn to_info_xml(&self) -> String {
        "<info/>".to_owned()
    }
}

/// The answer: `identity-code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllocatePackageIdResponse {
    /// The code reserved for the package, to send back in CreateConnectPackage's
    /// `identity-code`; a secret the application hands to the person only.
    pub identity_code: String,
}

impl AllocatePackageIdResponse {
    /// The answer's `wc:info`, in the `AllocatePackageId` schema.
    pub fn to_info(&self) -> ResponseInfo {
        ResponseInfo::new(RESPONSE_SCHEMA, identity_code_info_xml(&self.identity_code))
    }

    /// Reads the inner XML of the answer's `wc:info` (for the SDK and tests).
    pub fn parse_info_xml(inner_xml: &str) -> Result<Self, WireError> {
        Ok(Self { identity_code: parse_identity_code_info_xml(inner_xml)? })
    }
}

#[cfg(test)]
mod tests;
