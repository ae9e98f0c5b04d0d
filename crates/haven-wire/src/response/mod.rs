//! The response envelope (protocol notes, section 3):
//!
//! ```xml
//! <?xml version="1.0" encoding="utf-8"?><response><status><code>0</code></status>
//! <wc:info xmlns:wc="urn:com.microsoft.wc.methods.response.GetThings3">...</wc:info></response>
//! ```
//!
//! `response`, `status`, `code` and `error/message` are unqualified; the info element is
//! always written with the prefix `wc`, because the .NET SDK looks for the literal name
//! `wc:info`.

mod reader;
pub mod schema;

pub use reader::{InfoXml, ParsedResponse, parse_info_element, parse_response};
pub use schema::response_schema_name;

use crate::status::StatusCode;
use crate::xml::XmlBuilder;

/// What every response schema namespace starts with; the schema name follows.
pub const RESPONSE_NAMESPACE_PREFIX: &str = "urn:com.microsoft.wc.methods.response.";

/// The `wc:info` of a successful response: its schema and the XML inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseInfo {
    /// The response schema name, e.g. `GetServiceDefinition2` (see [`response_schema_name`]).
    pub schema: String,
    /// The unqualified children of `wc:info`, already well-formed XML. Empty means an empty
    /// `wc:info`, which is itself an answer (e.g. "nothing changed").
    pub inner_xml: String,
}

impl ResponseInfo {
    /// An info element in `schema` around `inner_xml`.
    pub fn new(schema: impl Into<String>, inner_xml: impl Into<String>) -> Self {
        Self { schema: schema.into(), inner_xml: inner_xml.into() }
    }

    /// The namespace the `wc` prefix is bound to.
    pub fn namespace(&self) -> String {
        format!("{RESPONSE_NAMESPACE_PREFIX}{}", self.schema)
    }
}

/// A response to write: success with an optional info, or an error status with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// Status `OK`, and the method's `wc:info` if it returns one.
    Ok(Option<ResponseInfo>),
    /// An error status and the message for `<error><message>`.
    Error {
        /// The status; anything but `OK`.
        code: StatusCode,
        /// A sentence for the developer. Never sent empty: a blank message is replaced by
        /// the code's name, since clients read `error/message` unconditionally.
        message: String,
    },
}

impl Response {
    /// Success with a `wc:info`.
    pub fn ok(info: ResponseInfo) -> Self {
        Self::Ok(Some(info))
    }

    /// Success for a method that returns nothing.
    pub fn ok_without_info() -> Self {
        Self::Ok(None)
    }

    /// An error response.
    pub fn error(code: StatusCode, message: impl Into<String>) -> Self {
        Self::Error { code, message: message.into() }
    }

    /// The status code this response carries.
    pub fn status(&self) -> StatusCode {
        match self {
            Response::Ok(_) => StatusCode::OK,
            Response::Error { code, .. } => *code,
        }
    }

    /// The complete response body, with an XML declaration, as UTF-8 text.
    pub fn to_xml(&self) -> String {
        let mut builder = XmlBuilder::new();
        builder.raw(r#"<?xml version="1.0" encoding="utf-8"?>"#);
        builder.start("response");
        builder.start("status");
        builder.text_element("code", &self.status().code().to_string());
        match self {
            Response::Ok(info) => {
                builder.end("status");
                if let Some(info) = info {
                    builder.start_with("wc:info", &[("xmlns:wc", &info.namespace())]);
                    builder.raw(&info.inner_xml);
                    builder.end("wc:info");
                }
            }
            Response::Error { code, message } => {
                let message = if message.trim().is_empty() {
                    code.name().map_or_else(|| format!("error {}", code.code()), str::to_owned)
                } else {
                    message.clone()
                };
                builder.start("error");
                builder.text_element("message", &message);
                builder.end("error");
                builder.end("status");
            }
        }
        builder.end("response");
        builder.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_with_info() {
        let response = Response::ok(ResponseInfo::new("GetThings3", "<group><thing/></group>")).to_xml();
        assert_eq!(
            response,
            concat!(
                r#"<?xml version="1.0" encoding="utf-8"?><response><status><code>0</code></status>"#,
                r#"<wc:info xmlns:wc="urn:com.microsoft.wc.methods.response.GetThings3">"#,
                "<group><thing/></group></wc:info></response>"
            )
        );
    }

    #[test]
    fn ok_without_info() {
        assert_eq!(
            Response::ok_without_info().to_xml(),
            r#"<?xml version="1.0" encoding="utf-8"?><response><status><code>0</code></status></response>"#
        );
    }

    #[test]
    fn errors_always_carry_an_escaped_message() {
        let response = Response::error(StatusCode::BAD_SIG, "hmac <mismatch> & more").to_xml();
        assert_eq!(
            response,
            concat!(
                r#"<?xml version="1.0" encoding="utf-8"?><response><status><code>4</code>"#,
                "<error><message>hmac &lt;mismatch&gt; &amp; more</message></error>",
                "</status></response>"
            )
        );
        let blank = Response::error(StatusCode::ACCESS_DENIED, " ").to_xml();
        assert!(blank.contains("<message>ACCESS_DENIED</message>"), "{blank}");
        let unknown = Response::error(StatusCode::new(999), "").to_xml();
        assert!(unknown.contains("<message>error 999</message>"), "{unknown}");
    }

    #[test]
    fn written_responses_read_back() {
        let xml = Response::ok(ResponseInfo::new("PutThings", "<thing-id>x</thing-id>")).to_xml();
        let parsed = parse_response(&xml).unwrap();
        assert_eq!(parsed.status, StatusCode::OK);
        let info = parsed.info.unwrap();
        assert_eq!(info.schema(), Some("PutThings"));
        assert_eq!(info.inner_xml, "<thing-id>x</thing-id>");

        let xml = Response::error(StatusCode::INVALID_RECORD, "no such record").to_xml();
        let parsed = parse_response(&xml).unwrap();
        assert_eq!(parsed.status, StatusCode::INVALID_RECORD);
        assert_eq!(parsed.error_message.as_deref(), Some("no such record"));
        assert_eq!(parsed.info, None);
    }
}
