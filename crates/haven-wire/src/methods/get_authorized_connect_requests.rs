//! GetAuthorizedConnectRequests (version 1): the calling application's connect requests that
//! people have validated and authorized (protocol notes, section 13). The request
//! (`method-getauthorizedconnectrequests.xsd`) is `authorized-connect-requests-since?`; the
//! answer (`response-getauthorizedconnectrequests.xsd`) is `resume-key?, connect-request*`,
//! each with the person, the record (and its `app-specific-record-id`), the application and
//! the request's external id.
//!
//! `resume-key` is "not implemented" in the schema: Haven never writes it and ignores it when
//! reading an answer.

use haven_domain::ids::{ApplicationId, PersonId, RecordId};
use roxmltree::Node;
use time::OffsetDateTime;

use crate::date_time::format_date_time;
use crate::error::WireError;
use crate::request::Request;
use crate::response::ResponseInfo;
use crate::thing_xml::{parse_guid, parse_instant};
use crate::xml::{XmlBuilder, children_named, optional_text, parse_document, required_child, required_text, text_of};

/// The method name.
pub const METHOD: &str = "GetAuthorizedConnectRequests";

/// The response schema.
pub const RESPONSE_SCHEMA: &str = "GetAuthorizedConnectRequests";

/// The request's info.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetAuthorizedConnectRequestsRequest {
    /// `authorized-connect-requests-since`: only requests authorized after this; `None` asks
    /// for every one the Platform still keeps.
    pub since: Option<OffsetDateTime>,
}

impl GetAuthorizedConnectRequestsRequest {
    /// Reads the typed request from a parsed envelope; no `<info>` means no date.
    pub fn from_request(request: &Request<'_>) -> Result<Self, WireError> {
        Self::parse_info(request.method_version(), request.info_xml().unwrap_or("<info/>"))
    }

    /// Reads `<info>...</info>` for `version` (only 1 exists). A blank date counts as absent;
    /// one that is not an `xsd:dateTime` is an `InvalidDateTime` error.
    pub fn parse_info(version: u32, info_xml: &str) -> Result<Self, WireError> {
        if version != 1 {
            return Err(WireError::UnsupportedMethodVersion { method: METHOD, version });
        }
        let document = parse_document(info_xml)?;
        let since = optional_text(document.root_element(), "info", "authorized-connect-requests-since")?
            .map(|text| parse_instant("authorized-connect-requests-since", &text))
            .transpose()?;
        Ok(Self { since })
    }

    /// Writes `<info>...</info>` as a client sends it (`<info/>` without a date).
    pub fn to_info_xml(&self) -> String {
        match self.since {
            Some(since) => {
                let mut builder = XmlBuilder::new();
                builder.start("info");
                builder.text_element("authorized-connect-requests-since", &format_date_time(since));
                builder.end("info");
                builder.finish()
            }
            None => "<info/>".to_owned(),
        }
    }
}

/// One `connect-request` of the answer: a validated connect request and the record the person
/// authorized the application for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizedConnectRequest {
    /// `person-id`: the person who validated the request.
    pub person_id: PersonId,
    /// `record-id`: the record they chose.
    pub record_id: RecordId,
    /// `record-id@app-specific-record-id`: the same for every authorization of this record,
    /// so an application can tell two people sharing one record; absent if not given.
    pub app_specific_record_id: Option<String>,
    /// `app-id`: the application that created the request.
    pub application_id: ApplicationId,
    /// `external-id`: the application's key for the request, as sent.
    pub external_id: String,
}

impl AuthorizedConnectRequest {
    fn write(&self, builder: &mut XmlBuilder) {
        builder.start("connect-request");
        builder.text_element("person-id", &self.person_id.to_string());
        let record_id = self.record_id.to_string();
        match &self.app_specific_record_id {
            Some(app_specific) => {
                builder.text_element_with("record-id", &[("app-specific-record-id", app_specific)], &record_id);
            }
            None => builder.text_element("record-id", &record_id),
        }
        builder.text_element("app-id", &self.application_id.to_string());
        builder.text_element("external-id", &self.external_id);
        builder.end("connect-request");
    }

    fn read(element: Node<'_, '_>) -> Result<Self, WireError> {
        let record = required_child(element, "connect-request", "record-id")?;
        Ok(Self {
            person_id: parse_guid(
                "connect-request/person-id",
                &required_text(element, "connect-request", "person-id")?,
                PersonId::parse,
            )?,
            record_id: parse_guid("connect-request/record-id", &text_of(record), RecordId::parse)?,
            app_specific_record_id: record.attribute("app-specific-record-id").map(str::to_owned),
            application_id: parse_guid(
                "connect-request/app-id",
                &required_text(element, "connect-request", "app-id")?,
                ApplicationId::parse,
            )?,
            external_id: required_text(element, "connect-request", "external-id")?,
        })
    }
}

/// The answer: `connect-request*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetAuthorizedConnectRequestsResponse {
    /// The authorized connect requests, in the order the Platform lists them.
    pub connect_requests: Vec<AuthorizedConnectRequest>,
}

impl GetAuthorizedConnectRequestsResponse {
    /// The answer's `wc:info`, in the `GetAuthorizedConnectRequests` schema (empty when there
    /// are none).
    pub fn to_info(&self) -> ResponseInfo {
        let mut builder = XmlBuilder::new();
        for connect_request in &self.connect_requests {
            connect_request.write(&mut builder);
        }
        ResponseInfo::new(RESPONSE_SCHEMA, builder.finish())
    }

    /// Reads the inner XML of the answer's `wc:info` (for the SDK and tests); `resume-key` is
    /// ignored.
    pub fn parse_info_xml(inner_xml: &str) -> Result<Self, WireError> {
        let wrapped = format!("<info>{inner_xml}</info>");
        let document = parse_document(&wrapped)?;
        let connect_requests = children_named(document.root_element(), "connect-request")
            .map(AuthorizedConnectRequest::read)
            .collect::<Result<_, _>>()?;
        Ok(Self { connect_requests })
    }
}

#[cfg(test)]
mod tests;
