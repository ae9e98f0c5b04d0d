//! GetUpdatedRecordsForApplication (versions 1 and 2): the records authorized for the calling
//! application whose things changed since `update-date` (all of them without one). Version 1
//! answers `record-id@update-date*` in the `GetUpdatedRecordsForApplication` schema; version 2
//! answers `updated-records{updated-record*}` with the person and the record's latest
//! operation sequence number, in `GetUpdatedRecordsForApplication2`.
//!
//! Haven always writes `latest-operation-sequence-number` in version 2 when it has one: the
//! .NET SDK reads it unconditionally although the schema makes it optional.

use haven_domain::ids::{PersonId, RecordId};
use roxmltree::Node;
use time::OffsetDateTime;

use crate::date_time::format_date_time;
use crate::error::{WireError, excerpt};
use crate::request::Request;
use crate::response::ResponseInfo;
use crate::thing_xml::{parse_guid, parse_instant};
use crate::xml::{
    XmlBuilder, children_named, optional_text, parse_document, required_attribute, required_child, required_text,
    text_of,
};

/// The method name.
pub const METHOD: &str = "GetUpdatedRecordsForApplication";

/// The response schema of a version: `GetUpdatedRecordsForApplication` for 1,
/// `GetUpdatedRecordsForApplication2` for 2.
pub fn response_schema(version: u32) -> &'static str {
    match version {
        1 => "GetUpdatedRecordsForApplication",
        _ => "GetUpdatedRecordsForApplication2",
    }
}

/// The request's info.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetUpdatedRecordsRequest {
    /// The method version, 1 or 2.
    pub version: u32,
    /// `update-date`: only records updated after this; `None` asks for every record.
    pub update_date: Option<OffsetDateTime>,
}

impl GetUpdatedRecordsRequest {
    /// Reads the typed request from a parsed envelope; no `<info>` means no date.
    pub fn from_request(request: &Request<'_>) -> Result<Self, WireError> {
        Self::parse_info(request.method_version(), request.info_xml().unwrap_or("<info/>"))
    }

    /// Reads `<info>...</info>` for `version`.
    pub fn parse_info(version: u32, info_xml: &str) -> Result<Self, WireError> {
        if !matches!(version, 1 | 2) {
            return Err(WireError::UnsupportedMethodVersion { method: METHOD, version });
        }
        let document = parse_document(info_xml)?;
        let update_date = optional_text(document.root_element(), "info", "update-date")?
            .map(|text| parse_instant("update-date", &text))
            .transpose()?;
        Ok(Self { version, update_date })
    }

    /// Writes `<info>...</info>` as a client sends it.
    pub fn to_info_xml(&self) -> String {
        let mut builder = XmlBuilder::new();
        builder.start("info");
        builder.optional_text_element("update-date", self.update_date.map(format_date_time).as_deref());
        builder.end("info");
        builder.finish()
    }
}

/// A record that changed, as version 2 reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpdatedRecord {
    /// `record-id`.
    pub record_id: RecordId,
    /// `update-date`: when the record last changed.
    pub update_date: OffsetDateTime,
    /// `person-id`: the person whose authorization the application holds.
    pub person_id: PersonId,
    /// `latest-operation-sequence-number`: the record's latest operation (see GetRecordOperations).
    pub latest_operation_sequence: Option<u64>,
}

/// A record that changed, as version 1 reports it: `<record-id update-date="...">`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpdatedRecordId {
    /// The record.
    pub record_id: RecordId,
    /// When it last changed.
    pub update_date: OffsetDateTime,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetUpdatedRecordsResponse {
    /// The records that changed.
    pub records: Vec<UpdatedRecord>,
}

impl GetUpdatedRecordsResponse {
    /// The answer's `wc:info` for `version`: version 1 keeps only each record's id and date.
    pub fn to_info(&self, version: u32) -> ResponseInfo {
        let mut builder = XmlBuilder::new();
        if version == 1 {
            for record in &self.records {
                let update_date = format_date_time(record.update_date);
                builder.text_element_with("record-id", &[("update-date", &update_date)], &record.record_id.to_string());
            }
        } else {
            builder.start("updated-records");
            for record in &self.records {
                builder.start("updated-record");
                builder.text_element("record-id", &record.record_id.to_string());
                builder.text_element("update-date", &format_date_time(record.update_date));
                builder.text_element("person-id", &record.person_id.to_string());
                if let Some(sequence) = record.latest_operation_sequence {
                    builder.text_element("latest-operation-sequence-number", &sequence.to_string());
                }
                builder.end("updated-record");
            }
            builder.end("updated-records");
        }
        ResponseInfo::new(response_schema(version), builder.finish())
    }

    /// Reads the inner XML of a version 2 answer's `wc:info` (for the SDK and tests).
    pub fn parse_info_xml(inner_xml: &str) -> Result<Self, WireError> {
        let wrapped = format!("<info>{inner_xml}</info>");
        let document = parse_document(&wrapped)?;
        let list = required_child(document.root_element(), "info", "updated-records")?;
        let records = children_named(list, "updated-record").map(read_updated_record).collect::<Result<_, _>>()?;
        Ok(Self { records })
    }

    /// Reads the inner XML of a version 1 answer's `wc:info` (for the SDK and tests).
    pub fn parse_version_1_info_xml(inner_xml: &str) -> Result<Vec<UpdatedRecordId>, WireError> {
        let wrapped = format!("<info>{inner_xml}</info>");
        let document = parse_document(&wrapped)?;
        children_named(document.root_element(), "record-id")
            .map(|element| {
                Ok(UpdatedRecordId {
                    record_id: parse_guid("record-id", &text_of(element), RecordId::parse)?,
                    update_date: parse_instant(
                        "record-id@update-date",
                        required_attribute(element, "record-id", "update-date")?,
                    )?,
                })
            })
            .collect()
    }
}

fn read_updated_record(element: Node<'_, '_>) -> Result<UpdatedRecord, WireError> {
    let text = |name: &'static str| required_text(element, "updated-record", name);
    Ok(UpdatedRecord {
        record_id: parse_guid("updated-record/record-id", &text("record-id")?, RecordId::parse)?,
        update_date: parse_instant("updated-record/update-date", &text("update-date")?)?,
        person_id: parse_guid("updated-record/person-id", &text("person-id")?, PersonId::parse)?,
        latest_operation_sequence: optional_text(element, "updated-record", "latest-operation-sequence-number")?
            .map(|sequence| {
                sequence.parse().map_err(|_| WireError::InvalidNumber {
                    element: "latest-operation-sequence-number",
                    text: excerpt(&sequence),
                })
            })
            .transpose()?,
    })
}

#[cfg(test)]
mod tests;
