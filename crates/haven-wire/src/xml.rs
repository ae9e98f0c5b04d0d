//! Small XML helpers shared by the envelope and method modules: an escaping string builder
//! for output and element lookups over `roxmltree` for input.
//!
//! Input elements below a document element are matched by local name whatever their
//! namespace: clients write them unqualified, but a client that declares a default namespace
//! on an outer element should still be understood.

use std::ops::Range;

use roxmltree::{Document, Node, ParsingOptions};

use crate::error::{WireError, excerpt};

/// Builds XML text, escaping every text and attribute value it is given.
#[derive(Debug, Default)]
pub(crate) struct XmlBuilder {
    out: String,
}

impl XmlBuilder {
    /// An empty builder.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// `<name attr="value"...>`.
    pub(crate) fn start_with(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.out.push('<');
        self.out.push_str(name);
        for (attribute, value) in attributes {
            self.out.push(' ');
            self.out.push_str(attribute);
            self.out.push_str("=\"");
            push_escaped(&mut self.out, value, true);
            self.out.push('"');
        }
        self.out.push('>');
    }

    /// `<name>`.
    pub(crate) fn start(&mut self, name: &str) {
        self.start_with(name, &[]);
    }

    /// `</name>`.
    pub(crate) fn end(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    /// `<name attr="value"...>text</name>`.
    pub(crate) fn text_element_with(&mut self, name: &str, attributes: &[(&str, &str)], text: &str) {
        self.start_with(name, attributes);
        push_escaped(&mut self.out, text, false);
        self.end(name);
    }

    /// `<name>text</name>`.
    pub(crate) fn text_element(&mut self, name: &str, text: &str) {
        self.text_element_with(name, &[], text);
    }

    /// `<name>text</name>` when there is a text, nothing otherwise.
    pub(crate) fn optional_text_element(&mut self, name: &str, text: Option<&str>) {
        if let Some(text) = text {
            self.text_element(name, text);
        }
    }

    /// Appends XML that is already well-formed and escaped.
    pub(crate) fn raw(&mut self, xml: &str) {
        self.out.push_str(xml);
    }

    /// The text built.
    pub(crate) fn finish(self) -> String {
        self.out
    }
}

/// Whether XML 1.0 allows this character at all; others cannot be written even escaped.
fn is_xml_char(character: char) -> bool {
    matches!(character,
        '\u{9}' | '\u{A}' | '\u{D}'
        | '\u{20}'..='\u{D7FF}'
        | '\u{E000}'..='\u{FFFD}'
        | '\u{10000}'..='\u{10FFFF}')
}

/// Appends `text` escaped for element content or (with `in_attribute`) an attribute value.
///
/// Characters XML cannot carry at all (most C0 controls) are dropped so the output stays
/// well-formed. Carriage returns, and tabs and newlines in attributes, are written as
/// character references so a parser reads back the same text.
fn push_escaped(out: &mut String, text: &str, in_attribute: bool) {
    for character in text.chars().filter(|character| is_xml_char(*character)) {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if in_attribute => out.push_str("&quot;"),
            '\r' => out.push_str("&#xD;"),
            '\n' if in_attribute => out.push_str("&#xA;"),
            '\t' if in_attribute => out.push_str("&#x9;"),
            other => out.push(other),
        }
    }
}

/// Parses a document with DTDs refused (no entity expansion from clients).
pub(crate) fn parse_document(text: &str) -> Result<Document<'_>, WireError> {
    let options = ParsingOptions { allow_dtd: false, ..ParsingOptions::default() };
    Ok(Document::parse_with_options(text, options)?)
}

/// Whether `node` is an element with this local name.
pub(crate) fn is_named(node: Node<'_, '_>, name: &str) -> bool {
    node.is_element() && node.tag_name().name() == name
}

/// The element children of `node` with this local name.
pub(crate) fn children_named<'a, 'input>(
    node: Node<'a, 'input>,
    name: &'static str,
) -> impl Iterator<Item = Node<'a, 'input>> {
    node.children().filter(move |child| is_named(*child, name))
}

/// The only child element of `parent` with this local name, if any; an error if there are two.
pub(crate) fn optional_child<'a, 'input>(
    parent: Node<'a, 'input>,
    parent_name: &'static str,
    name: &'static str,
) -> Result<Option<Node<'a, 'input>>, WireError> {
    let mut matches = children_named(parent, name);
    let first = matches.next();
    if matches.next().is_some() {
        return Err(WireError::DuplicateElement { parent: parent_name, element: name });
    }
    Ok(first)
}

/// The only child element of `parent` with this local name; an error if absent or repeated.
pub(crate) fn required_child<'a, 'input>(
    parent: Node<'a, 'input>,
    parent_name: &'static str,
    name: &'static str,
) -> Result<Node<'a, 'input>, WireError> {
    optional_child(parent, parent_name, name)?.ok_or(WireError::MissingElement { parent: parent_name, element: name })
}

/// The text directly inside `node` (CDATA included, child elements' text not).
pub(crate) fn text_of(node: Node<'_, '_>) -> String {
    node.children().filter(Node::is_text).filter_map(|child| child.text()).collect()
}

/// The trimmed text of an optional child; an absent or blank element gives `None`.
pub(crate) fn optional_text(
    parent: Node<'_, '_>,
    parent_name: &'static str,
    name: &'static str,
) -> Result<Option<String>, WireError> {
    Ok(optional_child(parent, parent_name, name)?
        .map(|child| text_of(child).trim().to_owned())
        .filter(|text| !text.is_empty()))
}

/// The text of a required child, untrimmed.
pub(crate) fn required_text(
    parent: Node<'_, '_>,
    parent_name: &'static str,
    name: &'static str,
) -> Result<String, WireError> {
    required_child(parent, parent_name, name).map(text_of)
}

/// A required attribute's value.
pub(crate) fn required_attribute<'a>(
    node: Node<'a, '_>,
    element: &'static str,
    attribute: &'static str,
) -> Result<&'a str, WireError> {
    node.attribute(attribute).ok_or(WireError::MissingAttribute { element, attribute })
}

/// Text parsed as an unsigned integer (surrounding whitespace ignored); `element` names it
/// in the error.
pub(crate) fn parse_number(element: &'static str, text: &str) -> Result<u32, WireError> {
    text.trim().parse().map_err(|_| WireError::InvalidNumber { element, text: excerpt(text) })
}

/// The byte range of everything between `element`'s start and end tags (empty for `<a/>`).
pub(crate) fn inner_range(element: Node<'_, '_>) -> Range<usize> {
    match (element.first_child(), element.last_child()) {
        (Some(first), Some(last)) => first.range().start..last.range().end,
        _ => {
            // Self-closing or empty: point just before the end tag (or at the end of `<a/>`).
            let end = element.range().end;
            end..end
        }
    }
}

/// How a document element is described in errors: `name` or `{namespace}name`.
pub(crate) fn describe_element(element: Node<'_, '_>) -> String {
    let name = element.tag_name();
    match name.namespace() {
        Some(namespace) => format!("<{}> in namespace {namespace}", name.name()),
        None => format!("<{}> with no namespace", name.name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_and_attributes() {
        let mut builder = XmlBuilder::new();
        builder.text_element_with("a", &[("k", "x\"y<\n")], "1 < 2 & \"3\" > 0\r\u{1}");
        assert_eq!(builder.finish(), "<a k=\"x&quot;y&lt;&#xA;\">1 &lt; 2 &amp; \"3\" &gt; 0&#xD;</a>");
    }

    #[test]
    fn escaped_text_reads_back_the_same() {
        let original = "tab\there\r\nline & <b> \"q\" 'a'";
        let mut builder = XmlBuilder::new();
        builder.text_element_with("a", &[("v", original)], original);
        let xml = builder.finish();
        let document = parse_document(&xml).unwrap();
        let root = document.root_element();
        assert_eq!(root.attribute("v"), Some(original));
        assert_eq!(text_of(root), original);
    }

    #[test]
    fn inner_range_of_full_and_empty_elements() {
        let text = "<r><a> x <b/></a><c/><d></d></r>";
        let document = parse_document(text).unwrap();
        let root = document.root_element();
        let find = |name| children_named(root, name).next().unwrap();
        assert_eq!(&text[inner_range(find("a"))], " x <b/>");
        assert_eq!(&text[inner_range(find("c"))], "");
        assert_eq!(&text[inner_range(find("d"))], "");
    }

    #[test]
    fn dtds_are_refused() {
        let text = "<!DOCTYPE r [<!ENTITY e \"x\">]><r>&e;</r>";
        assert!(matches!(parse_document(text), Err(WireError::NotWellFormed(_))));
    }
}
