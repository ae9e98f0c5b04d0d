//! CreateConnectRequest (version 1): the calling application starts a Patient Connect
//! (protocol notes, section 13). The request (`method-createconnectrequest.xsd`) is
//! `friendly-name, question, answer, external-id, call-back-url?`; the answer
//! (`response-createconnectrequest.xsd`) is the `identity-code` the person will type at the
//! Shell before answering the question.
//!
//! An empty or blank question or answer is read, not refused: the Platform answers it with
//! INVALID_VERIFICATION_QUESTION or INVALID_VERIFICATION_ANSWER, as HealthVault documents.
//! `call-back-url` is read and kept, although HealthVault never used it.

use std::fmt;

use super::connect_fields::{
    connect_text, identity_code_info_xml, parse_identity_code_info_xml, required_connect_text, required_secret_text,
};
use crate::error::WireError;
use crate::request::Request;
use crate::response::ResponseInfo;
use crate::xml::{XmlBuilder, optional_text, parse_document};

/// The method name.
pub const METHOD: &str = "CreateConnectRequest";

/// The response schema.
pub const RESPONSE_SCHEMA: &str = "CreateConnectRequest";

/// The request's info. `Debug` hides the answer.
#[derive(Clone, PartialEq, Eq)]
pub struct CreateConnectRequestRequest {
    /// `friendly-name`: shown to the person once they answer, to tell connect requests apart;
    /// as sent, not blank.
    pub friendly_name: String,
    /// `question`: the challenge question, as sent (possibly blank; see the module docs).
    pub question: String,
    /// `answer`: the expected answer, as sent (case-insensitive but whitespace-sensitive when
    /// compared; possibly blank, see the module docs).
    pub answer: String,
    /// `external-id`: the application's own key for the request, as sent, not blank.
    pub external_id: String,
    /// `call-back-url`: not supported by HealthVault; kept (trimmed) when present and not blank.
    pub call_back_url: Option<String>,
}

impl fmt::Debug for CreateConnectRequestRequest {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("CreateConnectRequestRequest")
            .field("friendly_name", &self.friendly_name)
            .field("question", &self.question)
            .field("answer", &format_args!("<{} characters>", self.answer.chars().count()))
            .field("external_id", &self.external_id)
            .field("call_back_url", &self.call_back_url)
            .finish()
    }
}

impl CreateConnectRequestRequest {
    /// Reads the typed request from a parsed envelope.
    pub fn from_request(request: &Request<'_>) -> Result<Self, WireError> {
        let info = request.info_xml().ok_or(WireError::MissingElement { parent: "request", element: "info" })?;
        Self::parse_info(request.method_version(), info)
    }

    /// Reads `<info>...</info>` for `version` (only 1 exists).
    pub fn parse_info(version: u32, info_xml: &str) -> Result<Self, WireError> {
        if version != 1 {
            return Err(WireError::UnsupportedMethodVersion { method: METHOD, version });
        }
        let document = parse_document(info_xml)?;
        let info = document.root_element();
        let call_back_url =
            optional_text(info, "info", "call-back-url")?.map(|url| connect_text("call-back-url", &url)).transpose()?;
        Ok(Self {
            friendly_name: required_connect_text(info, "friendly-name")?,
            question: required_secret_text(info, "question")?,
            answer: required_secret_text(info, "answer")?,
            external_id: required_connect_text(info, "external-id")?,
            call_back_url,
        })
    }

    /// Writes `<info>...</info>` as a client sends it.
    pub fn to_info_xml(&self) -> String {
        let mut builder = XmlBuilder::new();
        builder.start("info");
        builder.text_element("friendly-name", &self.friendly_name);
        builder.text_element("question", &self.question);
        builder.text_element("answer", &self.answer);
        builder.text_element("external-id", &self.external_id);
        builder.optional_text_element("call-back-url", self.call_back_url.as_deref());
        builder.end("info");
        builder.finish()
    }
}

/// The answer: `identity-code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateConnectRequestResponse {
    /// The code the person enters at the Shell (`target=CONNECT`); a secret the application
    /// hands to the person only.
    pub identity_code: String,
}

impl CreateConnectRequestResponse {
    /// The answer's `wc:info`, in the `CreateConnectRequest` schema.
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
