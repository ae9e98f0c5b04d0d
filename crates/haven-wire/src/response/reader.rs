//! Reading response envelopes, for the SDK and for tests.

use roxmltree::Node;

use super::RESPONSE_NAMESPACE_PREFIX;
use crate::error::WireError;
use crate::status::StatusCode;
use crate::xml::{
    describe_element, inner_range, optional_child, parse_document, parse_number, required_child, text_of,
};

/// A response as read: its status, the error message if any, and the info element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedResponse<'text> {
    /// `<status><code>`.
    pub status: StatusCode,
    /// `<status><error><message>`, if present.
    pub error_message: Option<String>,
    /// The `info` element, if present.
    pub info: Option<InfoXml<'text>>,
}

/// An info element as read: its namespace and the raw XML inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfoXml<'text> {
    /// The element's namespace, e.g. `urn:com.microsoft.wc.methods.response.GetThings3`.
    pub namespace: Option<String>,
    /// Everything between the start and end tags, as in the text (empty for `<wc:info/>`).
    /// The children are unqualified, so this parses on its own inside any wrapper element.
    pub inner_xml: &'text str,
}

impl InfoXml<'_> {
    /// The response schema name the namespace carries (`GetThings3`), if it is a response
    /// schema namespace.
    pub fn schema(&self) -> Option<&str> {
        self.namespace.as_deref()?.strip_prefix(RESPONSE_NAMESPACE_PREFIX)
    }
}

/// Reads a response body. A byte-order mark and XML declaration are allowed.
///
/// Requires `response/status/code`; the error message and the info element are optional
/// (a client decides what it needs). Elements are matched by local name.
pub fn parse_response(text: &str) -> Result<ParsedResponse<'_>, WireError> {
    let document = parse_document(text)?;
    let root = document.root_element();
    if root.tag_name().name() != "response" {
        return Err(WireError::WrongRoot { expected: "<response>", found: describe_element(root) });
    }
    let status = required_child(root, "response", "status")?;
    let code = parse_number("code", &text_of(required_child(status, "status", "code")?))?;
    let error_message = match optional_child(status, "status", "error")? {
        Some(error) => optional_child(error, "error", "message")?.map(text_of),
        None => None,
    };
    let info = optional_child(root, "response", "info")?.map(|element| info_xml(text, element));
    Ok(ParsedResponse { status: StatusCode::new(code), error_message, info })
}

/// Reads a document whose element is an info element on its own, as the .NET SDK's sample
/// files and caches hold it (`<wc:info xmlns:wc="...">...</wc:info>`).
pub fn parse_info_element(text: &str) -> Result<InfoXml<'_>, WireError> {
    let document = parse_document(text)?;
    let root = document.root_element();
    if root.tag_name().name() != "info" {
        return Err(WireError::WrongRoot { expected: "<info>", found: describe_element(root) });
    }
    Ok(info_xml(text, root))
}

fn info_xml<'text>(text: &'text str, element: Node<'_, '_>) -> InfoXml<'text> {
    InfoXml {
        namespace: element.tag_name().namespace().map(str::to_owned),
        inner_xml: text.get(inner_range(element)).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_shapes_clients_rely_on() {
        let text = concat!(
            "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<response>\n  <status>\n",
            "    <code>8</code>\n    <error><message>bad token</message>",
            "<context><server-name>x</server-name></context></error>\n  </status>\n</response>"
        );
        let parsed = parse_response(text).unwrap();
        assert_eq!(parsed.status, StatusCode::INVALID_TOKEN);
        assert_eq!(parsed.error_message.as_deref(), Some("bad token"));
        assert_eq!(parsed.info, None);
    }

    #[test]
    fn info_namespace_and_inner_xml() {
        let text = concat!(
            r#"<response><status><code>0</code></status><wc:info xmlns:wc="urn:com.microsoft.wc.methods.response.SelectInstance">"#,
            "<selected-instance><id>1</id></selected-instance></wc:info></response>"
        );
        let info = parse_response(text).unwrap().info.unwrap();
        assert_eq!(info.schema(), Some("SelectInstance"));
        assert_eq!(info.inner_xml, "<selected-instance><id>1</id></selected-instance>");

        let empty = r#"<response><status><code>0</code></status><wc:info xmlns:wc="urn:x"/></response>"#;
        let info = parse_response(empty).unwrap().info.unwrap();
        assert_eq!(info.namespace.as_deref(), Some("urn:x"));
        assert_eq!(info.schema(), None);
        assert_eq!(info.inner_xml, "");
    }

    #[test]
    fn malformed_responses_are_errors() {
        assert_eq!(
            parse_response("<response/>").unwrap_err(),
            WireError::MissingElement { parent: "response", element: "status" }
        );
        assert_eq!(
            parse_response("<response><status><code>zero</code></status></response>").unwrap_err(),
            WireError::InvalidNumber { element: "code", text: "zero".to_owned() }
        );
        assert!(matches!(
            parse_response("<answer/>").unwrap_err(),
            WireError::WrongRoot { expected: "<response>", .. }
        ));
        assert!(matches!(parse_info_element("<response/>"), Err(WireError::WrongRoot { .. })));
    }
}
