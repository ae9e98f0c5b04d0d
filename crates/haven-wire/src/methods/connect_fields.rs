//! What the ConnectPackage group's methods (Patient Connect and DOPU, protocol notes sections
//! 13 and 14) have in common: their free-text fields, the identity code, the choice between an
//! identity code and an external id that UpdateExternalId and DeletePendingConnectPackage
//! make, and the `identity-code` answer of CreateConnectRequest, AllocatePackageId and
//! CreateConnectPackage.
//!
//! The schemas type the texts `stringnz` (at least one character, no maximum). They are read
//! as sent, whitespace included (an answer is whitespace-sensitive, and an external id is the
//! application's own key); blank ones are refused, except the question and the answer, which
//! the Platform refuses with statuses of their own, and every one is capped at
//! [`MAX_WIRE_TEXT_CHARS`] so that one field cannot fill a request. That ceiling is only the wire's: the domain's limits on these
//! texts are tighter and decide. Identity codes are trimmed and kept as strings; what a valid
//! code looks like is the domain's business too.

use roxmltree::Node;

use crate::error::{WireError, excerpt};
use crate::xml::{XmlBuilder, optional_child, parse_document, required_child, text_of};

/// The longest free text read in a connect request or package (`friendly-name`, `question`,
/// `answer`, `external-id`, `call-back-url`, a streamed blob's URL). The schemas set no
/// maximum; this ceiling is Haven's, and looser than the domain's limits.
pub const MAX_WIRE_TEXT_CHARS: usize = 1024;

/// The longest identity code Haven accepts (HealthVault's are 24 characters, such as
/// `JKYZ-QNMN-VHRX-ZGNR-GZNH`).
pub const MAX_IDENTITY_CODE_CHARS: usize = 255;

/// A connect request or package named either by its identity code or by the external id the
/// application gave it: the `choice` of UpdateExternalId (`identity-code | old-external-id`)
/// and DeletePendingConnectPackage (`identity-code | external-id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectItemSelector {
    /// `identity-code`, trimmed.
    IdentityCode(String),
    /// The external id, exactly as sent.
    ExternalId(String),
}

impl ConnectItemSelector {
    /// Reads the choice from `info`, where the external id is the element `external_id_name`.
    /// Exactly one of the two must be present.
    pub(crate) fn parse(info: Node<'_, '_>, external_id_name: &'static str) -> Result<Self, WireError> {
        let identity_code = optional_child(info, "info", "identity-code")?;
        let external_id = optional_child(info, "info", external_id_name)?;
        match (identity_code, external_id) {
            (Some(code), None) => Ok(Self::IdentityCode(identity_code_text("identity-code", &text_of(code))?)),
            (None, Some(external_id)) => Ok(Self::ExternalId(connect_text(external_id_name, &text_of(external_id))?)),
            (Some(_), Some(external_id)) => Err(WireError::InvalidValue {
                element: external_id_name,
                expected: "absent when <identity-code> is given (the schema allows one or the other)",
                text: excerpt(&text_of(external_id)),
            }),
            (None, None) => Err(WireError::MissingElement { parent: "info", element: "identity-code" }),
        }
    }

    /// Writes the chosen element, the external id as `external_id_name`.
    pub(crate) fn write(&self, builder: &mut XmlBuilder, external_id_name: &str) {
        match self {
            Self::IdentityCode(code) => builder.text_element("identity-code", code),
            Self::ExternalId(external_id) => builder.text_element(external_id_name, external_id),
        }
    }
}

/// Checks a `stringnz` text: not empty, not only whitespace, at most
/// [`MAX_WIRE_TEXT_CHARS`] characters; returns it as sent.
pub(crate) fn connect_text(element: &'static str, text: &str) -> Result<String, WireError> {
    if text.trim().is_empty() || text.chars().count() > MAX_WIRE_TEXT_CHARS {
        return Err(WireError::InvalidValue {
            element,
            expected: "1 to 1024 characters, not all whitespace",
            text: excerpt(text),
        });
    }
    Ok(text.to_owned())
}

/// The text of the required child `name` of `info`, checked by [`connect_text`].
pub(crate) fn required_connect_text(info: Node<'_, '_>, name: &'static str) -> Result<String, WireError> {
    connect_text(name, &text_of(required_child(info, "info", name)?))
}

/// The text of the required child `name` of `info`, which may be empty or blank: the question
/// and the answer, whose emptiness the Platform answers with INVALID_VERIFICATION_QUESTION or
/// INVALID_VERIFICATION_ANSWER rather than INVALID_XML. Only the length is checked here, and a
/// refusal never echoes the text, since it may be the secret answer.
pub(crate) fn required_secret_text(info: Node<'_, '_>, name: &'static str) -> Result<String, WireError> {
    let text = text_of(required_child(info, "info", name)?);
    let length = text.chars().count();
    if length > MAX_WIRE_TEXT_CHARS {
        return Err(WireError::InvalidValue {
            element: name,
            expected: "at most 1024 characters",
            text: format!("<{length} characters>"),
        });
    }
    Ok(text)
}

/// Checks an identity code: trimmed, 1 to [`MAX_IDENTITY_CODE_CHARS`] characters.
pub(crate) fn identity_code_text(element: &'static str, text: &str) -> Result<String, WireError> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.chars().count() > MAX_IDENTITY_CODE_CHARS {
        return Err(WireError::InvalidValue {
            element,
            expected: "an identity code of 1 to 255 characters",
            text: excerpt(trimmed),
        });
    }
    Ok(trimmed.to_owned())
}

/// Writes the inner XML of an answer that is only `identity-code`.
pub(crate) fn identity_code_info_xml(identity_code: &str) -> String {
    let mut builder = XmlBuilder::new();
    builder.text_element("identity-code", identity_code);
    builder.finish()
}

/// Reads the inner XML of an answer that is only `identity-code`.
pub(crate) fn parse_identity_code_info_xml(inner_xml: &str) -> Result<String, WireError> {
    let wrapped = format!("<info>{inner_xml}</info>");
    let document = parse_document(&wrapped)?;
    identity_code_text("identity-code", &text_of(required_child(document.root_element(), "info", "identity-code")?))
}

/// Wraps a request's `<info>...</info>` in the method schema's namespace, for validation of
/// what we write with xmllint.
#[cfg(test)]
pub(crate) fn qualified_info(info_xml: &str, namespace: &str) -> String {
    info_xml
        .replacen("<info>", &format!(r#"<wc:info xmlns:wc="{namespace}">"#), 1)
        .replacen("<info/>", &format!(r#"<wc:info xmlns:wc="{namespace}"/>"#), 1)
        .replace("</info>", "</wc:info>")
}

#[cfg(test)]
mod tests;
