//! GetAlternateIds (version 1): the alternate ids the calling application has associated with
//! the person and record the request is made for. The request has no parameters
//! (python-healthvault sends `<info/>`); the answer always holds `alternate-ids`, possibly
//! empty.

use haven_domain::alternate_id::AlternateId;

use super::alternate_id::parse_alternate_id;
use crate::error::WireError;
use crate::request::Request;
use crate::response::ResponseInfo;
use crate::xml::{XmlBuilder, children_named, parse_document, required_child, text_of};

/// The method name.
pub const METHOD: &str = "GetAlternateIds";

/// The response schema.
pub const RESPONSE_SCHEMA: &str = "GetAlternateIds";

/// The request, which has no parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetAlternateIdsRequest;

impl GetAlternateIdsRequest {
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

/// The answer: `alternate-ids{alternate-id*}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetAlternateIdsResponse {
    /// The ids, in the order the platform lists them.
    pub alternate_ids: Vec<AlternateId>,
}

impl GetAlternateIdsResponse {
    /// The answer's `wc:info`, in the `GetAlternateIds` schema.
    pub fn to_info(&self) -> ResponseInfo {
        let mut builder = XmlBuilder::new();
        builder.start("alternate-ids");
        for alternate_id in &self.alternate_ids {
            builder.text_element("alternate-id", alternate_id.as_str());
        }
        builder.end("alternate-ids");
        ResponseInfo::new(RESPONSE_SCHEMA, builder.finish())
    }

    /// Reads the inner XML of the answer's `wc:info` (for the SDK and tests).
    pub fn parse_info_xml(inner_xml: &str) -> Result<Self, WireError> {
        let wrapped = format!("<info>{inner_xml}</info>");
        let document = parse_document(&wrapped)?;
        let list = required_child(document.root_element(), "info", "alternate-ids")?;
        let alternate_ids = children_named(list, "alternate-id")
            .map(|element| parse_alternate_id(&text_of(element)))
            .collect::<Result<_, _>>()?;
        Ok(Self { alternate_ids })
    }
}

#[cfg(test)]
mod tests;
