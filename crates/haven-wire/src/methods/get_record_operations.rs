//! GetRecordOperations (version 1): the changes to a record's things after a sequence number,
//! so an application can catch up (protocol notes, section 10.4). The answer carries the
//! record's latest sequence number and, if there are any, the operations in ascending order:
//! `record-operation{operation, sequence-number, thing-id@version-stamp, type-id, eff-date?,
//! updated-end-date?}`.
//!
//! Operations are named `Create`, `Update` and `Delete` on the wire, where the domain's
//! [`AuditAction`] says `Created`, `Updated` and `Deleted`. Effective dates are wall-clock
//! times, written without an offset as HealthVault writes `eff-date`.

use haven_domain::ids::ThingTypeId;
use haven_domain::operation::RecordOperation;
use haven_domain::thing::{AuditAction, ThingKey};
use roxmltree::Node;
use time::PrimitiveDateTime;

use crate::error::{WireError, excerpt};
use crate::request::Request;
use crate::response::ResponseInfo;
use crate::thing_xml::{format_wall_clock, parse_guid, parse_key, parse_wall_clock, write_key};
use crate::xml::{
    XmlBuilder, children_named, optional_child, optional_text, parse_document, required_child, required_text, text_of,
};

/// The method name.
pub const METHOD: &str = "GetRecordOperations";

/// The response schema.
pub const RESPONSE_SCHEMA: &str = "GetRecordOperations";

/// The request's info: `record-operation-sequence-number`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetRecordOperationsRequest {
    /// The sequence number the application has seen; the answer lists the operations after it
    /// (0 asks for the whole log).
    pub since_sequence: u64,
}

impl GetRecordOperationsRequest {
    /// Reads the typed request from a parsed envelope.
    pub fn from_request(request: &Request<'_>) -> Result<Self, WireError> {
        let info = request.info_xml().ok_or(WireError::MissingElement { parent: "request", element: "info" })?;
        Self::parse_info(request.method_version(), info)
    }

    /// Reads `<info>...</info>` for `version` (only 1 exists). The sequence number is an
    /// `xsd:long`; a negative one is refused, as no record has operations before the first.
    pub fn parse_info(version: u32, info_xml: &str) -> Result<Self, WireError> {
        if version != 1 {
            return Err(WireError::UnsupportedMethodVersion { method: METHOD, version });
        }
        let document = parse_document(info_xml)?;
        let text = required_text(document.root_element(), "info", "record-operation-sequence-number")?;
        Ok(Self { since_sequence: parse_sequence("record-operation-sequence-number", &text)? })
    }

    /// Writes `<info>...</info>` as a client sends it.
    pub fn to_info_xml(&self) -> String {
        let mut builder = XmlBuilder::new();
        builder.start("info");
        builder.text_element("record-operation-sequence-number", &self.since_sequence.to_string());
        builder.end("info");
        builder.finish()
    }
}

/// One `record-operation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordOperationInfo {
    /// `operation`: what happened to the thing.
    pub action: AuditAction,
    /// `sequence-number`.
    pub sequence: u64,
    /// `thing-id@version-stamp`: the version the operation produced.
    pub key: ThingKey,
    /// `type-id`.
    pub type_id: ThingTypeId,
    /// `eff-date`.
    pub eff_date: Option<PrimitiveDateTime>,
    /// `updated-end-date`.
    pub updated_end_date: Option<PrimitiveDateTime>,
}

impl From<&RecordOperation> for RecordOperationInfo {
    fn from(operation: &RecordOperation) -> Self {
        Self {
            action: operation.action,
            sequence: operation.sequence,
            key: operation.thing_key,
            type_id: operation.type_id,
            eff_date: Some(operation.eff_date),
            updated_end_date: None,
        }
    }
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetRecordOperationsResponse {
    /// `latest-record-operation-sequence-number`: the record's latest operation when the call
    /// was answered.
    pub latest_sequence: u64,
    /// `operations`, in ascending sequence order; empty writes no `operations` element.
    pub operations: Vec<RecordOperationInfo>,
}

impl GetRecordOperationsResponse {
    /// The answer for `operations` (already those after the requested number, in order) and
    /// the record's latest sequence number.
    pub fn new(latest_sequence: u64, operations: &[RecordOperation]) -> Self {
        Self { latest_sequence, operations: operations.iter().map(RecordOperationInfo::from).collect() }
    }

    /// The answer's `wc:info`, in the `GetRecordOperations` schema.
    pub fn to_info(&self) -> ResponseInfo {
        let mut builder = XmlBuilder::new();
        builder.text_element("latest-record-operation-sequence-number", &self.latest_sequence.to_string());
        if !self.operations.is_empty() {
            builder.start("operations");
            for operation in &self.operations {
                builder.start("record-operation");
                builder.text_element("operation", operation_name(operation.action));
                builder.text_element("sequence-number", &operation.sequence.to_string());
                write_key(&mut builder, "thing-id", operation.key);
                builder.text_element("type-id", &operation.type_id.to_string());
                builder.optional_text_element("eff-date", operation.eff_date.map(format_wall_clock).as_deref());
                builder.optional_text_element(
                    "updated-end-date",
                    operation.updated_end_date.map(format_wall_clock).as_deref(),
                );
                builder.end("record-operation");
            }
            builder.end("operations");
        }
        ResponseInfo::new(RESPONSE_SCHEMA, builder.finish())
    }

    /// Reads the inner XML of the answer's `wc:info` (for the SDK and tests).
    pub fn parse_info_xml(inner_xml: &str) -> Result<Self, WireError> {
        let wrapped = format!("<info>{inner_xml}</info>");
        let document = parse_document(&wrapped)?;
        let info = document.root_element();
        let latest = required_text(info, "info", "latest-record-operation-sequence-number")?;
        let operations = match optional_child(info, "info", "operations")? {
            Some(list) => children_named(list, "record-operation").map(read_operation).collect::<Result<_, _>>()?,
            None => Vec::new(),
        };
        Ok(Self { latest_sequence: parse_sequence("latest-record-operation-sequence-number", &latest)?, operations })
    }
}

/// The wire name of an action.
fn operation_name(action: AuditAction) -> &'static str {
    match action {
        AuditAction::Created => "Create",
        AuditAction::Updated => "Update",
        AuditAction::Deleted => "Delete",
    }
}

fn read_operation(element: Node<'_, '_>) -> Result<RecordOperationInfo, WireError> {
    let operation_text = required_text(element, "record-operation", "operation")?;
    let action = match operation_text.trim() {
        "Create" => AuditAction::Created,
        "Update" => AuditAction::Updated,
        "Delete" => AuditAction::Deleted,
        _ => {
            return Err(WireError::InvalidValue {
                element: "record-operation/operation",
                expected: "Create, Update or Delete",
                text: excerpt(&operation_text),
            });
        }
    };
    let wall_clock = |name: &'static str, path: &'static str| {
        optional_text(element, "record-operation", name)?.map(|text| parse_wall_clock(path, &text)).transpose()
    };
    Ok(RecordOperationInfo {
        action,
        sequence: parse_sequence("sequence-number", &required_text(element, "record-operation", "sequence-number")?)?,
        key: parse_key(
            required_child(element, "record-operation", "thing-id")?,
            "record-operation/thing-id",
            "record-operation/thing-id@version-stamp",
        )?,
        type_id: parse_guid(
            "record-operation/type-id",
            &text_of(required_child(element, "record-operation", "type-id")?),
            ThingTypeId::parse,
        )?,
        eff_date: wall_clock("eff-date", "record-operation/eff-date")?,
        updated_end_date: wall_clock("updated-end-date", "record-operation/updated-end-date")?,
    })
}

/// A sequence number: an `xsd:long` that is not negative.
fn parse_sequence(element: &'static str, text: &str) -> Result<u64, WireError> {
    text.trim().parse().map_err(|_| WireError::InvalidNumber { element, text: excerpt(text) })
}

#[cfg(test)]
mod tests;
