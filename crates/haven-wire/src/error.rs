//! What can be wrong with XML that came off the wire.

use haven_domain::ids::InvalidId;

use crate::status::StatusCode;

/// A request, response or info element that this crate cannot read. The message names the
/// element and what is wrong with it, so it can go back to the client in `<error><message>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The text is not well-formed XML (or uses a DTD, which we refuse).
    #[error("not well-formed XML: {0}")]
    NotWellFormed(#[from] roxmltree::Error),

    /// The document element is not the one expected.
    #[error("root element is {found}, expected {expected}")]
    WrongRoot {
        /// What was expected, e.g. "`request` in namespace urn:com.microsoft.wc.request".
        expected: &'static str,
        /// The element found, with its namespace if it has one.
        found: String,
    },

    /// A required element is absent.
    #[error("<{parent}> has no <{element}>")]
    MissingElement {
        /// The element that should contain it.
        parent: &'static str,
        /// The element that is missing.
        element: &'static str,
    },

    /// An element that may appear once appears more than once.
    #[error("<{parent}> has more than one <{element}>")]
    DuplicateElement {
        /// The containing element.
        parent: &'static str,
        /// The repeated element.
        element: &'static str,
    },

    /// A required attribute is absent.
    #[error("<{element}> has no {attribute} attribute")]
    MissingAttribute {
        /// The element.
        element: &'static str,
        /// The attribute that is missing.
        attribute: &'static str,
    },

    /// `<method-version>` is present but not a positive integer.
    #[error("<method-version> must be a positive integer, got {text:?}")]
    InvalidMethodVersion {
        /// The text received (trimmed to 64 characters).
        text: String,
    },

    /// A numeric element or attribute does not hold a number in range.
    #[error("<{element}> must be a non-negative integer, got {text:?}")]
    InvalidNumber {
        /// The element (or `element@attribute`).
        element: &'static str,
        /// The text received (trimmed to 64 characters).
        text: String,
    },

    /// The header names both an application (`<app-id>`) and a session (`<auth-session>`).
    #[error("<header> has both <app-id> and <auth-session>; a request carries at most one")]
    ConflictingCredentials,

    /// An element that holds a GUID does not.
    #[error("<{element}>: {source}")]
    InvalidGuid {
        /// The element.
        element: &'static str,
        /// What the id parser said.
        source: InvalidId,
    },

    /// An element that holds an `xsd:dateTime` does not.
    #[error("<{element}> must be a date and time, got {text:?}")]
    InvalidDateTime {
        /// The element.
        element: &'static str,
        /// The text received (trimmed to 64 characters).
        text: String,
    },

    /// An element holds a value outside the allowed set.
    #[error("<{element}> must be {expected}, got {text:?}")]
    InvalidValue {
        /// The element.
        element: &'static str,
        /// The allowed values, in words.
        expected: &'static str,
        /// The text received (trimmed to 64 characters).
        text: String,
    },

    /// Text that should be base64 is not, even after removing whitespace.
    #[error("invalid base64: {detail}")]
    InvalidBase64 {
        /// What the decoder said.
        detail: String,
    },

    /// The method exists but not in this version (or this crate does not read that version).
    #[error("{method} has no version {version}")]
    UnsupportedMethodVersion {
        /// The method name.
        method: &'static str,
        /// The version requested.
        version: u32,
    },
}

impl WireError {
    /// The status code a server answers with when a request fails this way.
    ///
    /// Malformed input is `INVALID_XML`; an unknown method version is `BAD_METHOD`.
    pub fn status_code(&self) -> StatusCode {
        match self {
            WireError::NotWellFormed(_)
            | WireError::WrongRoot { .. }
            | WireError::MissingElement { .. }
            | WireError::DuplicateElement { .. }
            | WireError::MissingAttribute { .. }
            | WireError::InvalidMethodVersion { .. }
            | WireError::InvalidNumber { .. }
            | WireError::ConflictingCredentials
            | WireError::InvalidGuid { .. }
            | WireError::InvalidDateTime { .. }
            | WireError::InvalidValue { .. }
            | WireError::InvalidBase64 { .. } => StatusCode::INVALID_XML,
            WireError::UnsupportedMethodVersion { .. } => StatusCode::BAD_METHOD,
        }
    }
}

/// At most 64 characters of `text`, for error messages that echo client input.
pub(crate) fn excerpt(text: &str) -> String {
    text.chars().take(64).collect()
}
