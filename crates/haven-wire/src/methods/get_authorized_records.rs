//! GetAuthorizedRecords (version 1): the records among `id+` that the person has authorized
//! the calling application for. Ids of records that do not exist or are not authorized are
//! skipped without an error (method-getauthorizedrecords.xsd), so the answer may hold fewer
//! `record`s than were asked for, in any order.

use haven_domain::ids::RecordId;

use crate::error::WireError;
use crate::record_info::RecordInfo;
use crate::request::Request;
use crate::response::ResponseInfo;
use crate::thing_xml::parse_guid;
use crate::xml::{XmlBuilder, children_named, parse_document, text_of};

/// The method name.
pub const METHOD: &str = "GetAuthorizedRecords";

/// The response schema.
pub const RESPONSE_SCHEMA: &str = "GetAuthorizedRecords";

/// The request's info: `id+`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetAuthorizedRecordsRequest {
    /// The records asked about, in request order (repeats kept).
    pub record_ids: Vec<RecordId>,
}

impl GetAuthorizedRecordsRequest {
    /// Reads the typed request from a parsed envelope.
    pub fn from_request(request: &Request<'_>) -> Result<Self, WireError> {
        let info = request.info_xml().ok_or(WireError::MissingElement { parent: "request", element: "info" })?;
        Self::parse_info(request.method_version(), info)
    }

    /// Reads `<info>...</info>`; at least one `id` is required.
    pub fn parse_info(version: u32, info_xml: &str) -> Result<Self, WireError> {
        if version != 1 {
            return Err(WireError::UnsupportedMethodVersion { method: METHOD, version });
        }
        let document = parse_document(info_xml)?;
        let record_ids: Vec<_> = children_named(document.root_element(), "id")
            .map(|id| parse_guid("id", &text_of(id), RecordId::parse))
            .collect::<Result<_, _>>()?;
        if record_ids.is_empty() {
            return Err(WireError::MissingElement { parent: "info", element: "id" });
        }
        Ok(Self { record_ids })
    }

    /// Writes `<info>...</info>` as a client sends it.
    pub fn to_info_xml(&self) -> String {
        let mut builder = XmlBuilder::new();
        builder.start("info");
        for id in &self.record_ids {
            builder.text_element("id", &id.to_string());
        }
        builder.end("info");
        builder.finish()
    }
}

/// The answer: `record*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetAuthorizedRecordsResponse {
    /// The authorized records among those asked for.
    pub records: Vec<RecordInfo>,
}

impl GetAuthorizedRecordsResponse {
    /// The answer's `wc:info`, in the `GetAuthorizedRecords` schema (empty when no record
    /// qualifies).
    pub fn to_info(&self) -> ResponseInfo {
        let mut builder = XmlBuilder::new();
        for record in &self.records {
            record.write(&mut builder);
        }
        ResponseInfo::new(RESPONSE_SCHEMA, builder.finish())
    }

    /// Reads the inner XML of the answer's `wc:info` (for the SDK and tests).
    pub fn parse_info_xml(inner_xml: &str) -> Result<Self, WireError> {
        let wrapped = format!("<info>{inner_xml}</info>");
        let document = parse_document(&wrapped)?;
        let records =
            children_named(document.root_element(), "record").map(RecordInfo::read).collect::<Result<_, _>>()?;
        Ok(Self { records })
    }
}

#[cfg(test)]
mod tests;
