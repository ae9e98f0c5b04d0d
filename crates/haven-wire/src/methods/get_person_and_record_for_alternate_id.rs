//! GetPersonAndRecordForAlternateId (version 1): the person and record an alternate id of the
//! calling application stands for. The answer is a `person-info` (`types.xsd` `PersonInfo`)
//! holding the person and exactly the one record; the .NET SDK's
//! `HealthRecordInfo.GetFromAlternateId` returns that record only when there is exactly one.
//! An unknown id is ALTERNATE_ID_NOT_FOUND, the platform's answer.

use haven_domain::alternate_id::AlternateId;
use haven_domain::ids::{PersonId, RecordId};

use super::alternate_id::{alternate_id_from_request, alternate_id_info_xml, parse_alternate_id_info};
use super::get_person_info::PersonInfo;
use crate::error::WireError;
use crate::request::Request;
use crate::response::ResponseInfo;
use crate::xml::XmlBuilder;

/// The method name.
pub const METHOD: &str = "GetPersonAndRecordForAlternateId";

/// The response schema.
pub const RESPONSE_SCHEMA: &str = "GetPersonAndRecordForAlternateId";

/// The request's info: `alternate-id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetPersonAndRecordForAlternateIdRequest {
    /// The application's id for the record, exactly as sent.
    pub alternate_id: AlternateId,
}

impl GetPersonAndRecordForAlternateIdRequest {
    /// Reads the typed request from a parsed envelope.
    pub fn from_request(request: &Request<'_>) -> Result<Self, WireError> {
        Ok(Self { alternate_id: alternate_id_from_request(METHOD, request)? })
    }

    /// Reads `<info>...</info>` for `version` (only 1 exists).
    pub fn parse_info(version: u32, info_xml: &str) -> Result<Self, WireError> {
        Ok(Self { alternate_id: parse_alternate_id_info(METHOD, version, info_xml)? })
    }

    /// Writes `<info>...</info>` as a client sends it.
    pub fn to_info_xml(&self) -> String {
        alternate_id_info_xml(&self.alternate_id)
    }
}

/// The answer: the person, with the record the alternate id stands for as its only record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetPersonAndRecordForAlternateIdResponse {
    /// `person-info`.
    pub person: PersonInfo,
}

impl GetPersonAndRecordForAlternateIdResponse {
    /// The person's id.
    pub fn person_id(&self) -> PersonId {
        self.person.person_id
    }

    /// The record's id, if the answer holds exactly one record.
    pub fn record_id(&self) -> Option<RecordId> {
        match self.person.records.as_slice() {
            [record] => Some(record.id),
            _ => None,
        }
    }

    /// The answer's `wc:info`, in the `GetPersonAndRecordForAlternateId` schema.
    pub fn to_info(&self) -> ResponseInfo {
        let mut builder = XmlBuilder::new();
        self.person.write(&mut builder);
        ResponseInfo::new(RESPONSE_SCHEMA, builder.finish())
    }

    /// Reads the inner XML of the answer's `wc:info` (for the SDK and tests).
    pub fn parse_info_xml(inner_xml: &str) -> Result<Self, WireError> {
        Ok(Self { person: PersonInfo::parse_info_xml(inner_xml)? })
    }
}

#[cfg(test)]
mod tests;
