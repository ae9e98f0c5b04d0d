//! Cutting an element out of a document as text that stands on its own.
//!
//! A thing's data (`data-xml`'s first child) and its `common/extension` elements are kept as the
//! client sent them, byte for byte, so nothing in them is lost or reordered. But an element's
//! text may rely on namespace declarations made by its ancestors (`<data-xml xmlns:x="urn:x">
//! <x:weight>`), and would not parse once cut out. [`element_text`] therefore adds, to the
//! element's start tag, a declaration for every in-scope namespace that the element inherits
//! (does not declare itself) and whose URI an element or attribute inside it uses. Namespaces
//! only named inside attribute values (`xsi:type="x:t"`) are not detected; no HealthVault type
//! uses them.

use std::collections::BTreeSet;

use roxmltree::Node;

/// The text of `element` as it appears in `source` (the text its document was parsed from),
/// with declarations added for the inherited namespaces it uses (see the module docs).
pub(crate) fn element_text(source: &str, element: Node<'_, '_>) -> String {
    let range = element.range();
    let text = source.get(range).unwrap_or_default();
    let Some(parent) = element.parent_element() else {
        return text.to_owned();
    };
    let used: BTreeSet<&str> = element
        .descendants()
        .filter(|node| node.is_element())
        .flat_map(|node| {
            let element_namespace = node.tag_name().namespace();
            let attribute_namespaces = node.attributes().filter_map(|attribute| attribute.namespace());
            element_namespace.into_iter().chain(attribute_namespaces).collect::<Vec<_>>()
        })
        .collect();
    let declared_here = declared_prefixes(text);
    let mut declarations = String::new();
    for namespace in parent.namespaces() {
        let uri = namespace.uri();
        let prefix = namespace.name();
        if uri.is_empty() || !used.contains(uri) || declared_here.contains(&prefix) {
            continue;
        }
        match prefix {
            Some(prefix) => declarations.push_str(&format!(" xmlns:{prefix}=\"")),
            None => declarations.push_str(" xmlns=\""),
        }
        push_attribute_escaped(&mut declarations, uri);
        declarations.push('"');
    }
    if declarations.is_empty() {
        return text.to_owned();
    }
    let name_end = qualified_name_end(text);
    format!("{}{declarations}{}", &text[..name_end], &text[name_end..])
}

/// Where the element name ends in a start tag that begins with `<`.
fn qualified_name_end(start_tag: &str) -> usize {
    start_tag
        .char_indices()
        .skip(1)
        .find(|(_, character)| character.is_whitespace() || *character == '/' || *character == '>')
        .map_or(start_tag.len(), |(index, _)| index)
}

/// The prefixes the start tag at the beginning of `text` declares: `Some(prefix)` for
/// `xmlns:prefix="..."`, `None` for a default namespace `xmlns="..."`.
fn declared_prefixes(text: &str) -> Vec<Option<&str>> {
    let mut prefixes = Vec::new();
    let mut rest = &text[qualified_name_end(text)..];
    loop {
        rest = rest.trim_start();
        if rest.is_empty() || rest.starts_with('>') || rest.starts_with('/') {
            return prefixes;
        }
        let Some(equals) = rest.find('=') else {
            return prefixes;
        };
        let name = rest[..equals].trim();
        if name == "xmlns" {
            prefixes.push(None);
        } else if let Some(prefix) = name.strip_prefix("xmlns:") {
            prefixes.push(Some(prefix));
        }
        let value = rest[equals + 1..].trim_start();
        let Some(quote) = value.chars().next().filter(|quote| *quote == '"' || *quote == '\'') else {
            return prefixes;
        };
        let Some(length) = value[1..].find(quote) else {
            return prefixes;
        };
        rest = &value[1 + length + 1..];
    }
}

/// Appends a namespace URI as an attribute value.
fn push_attribute_escaped(out: &mut String, value: &str) {
    for character in value.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            other => out.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse_document;

    fn first_grandchild(source: &str) -> String {
        let document = parse_document(source).unwrap();
        let data = document.root_element().first_element_child().unwrap();
        element_text(source, data.first_element_child().unwrap())
    }

    #[test]
    fn unqualified_elements_are_kept_as_sent() {
        let source =
            "<thing><data-xml><weight a='1'>\n <kg>72&amp;</kg><![CDATA[x]]></weight><common/></data-xml></thing>";
        assert_eq!(first_grandchild(source), "<weight a='1'>\n <kg>72&amp;</kg><![CDATA[x]]></weight>");
    }

    #[test]
    fn inherited_namespaces_that_are_used_are_declared() {
        let source = concat!(
            r#"<thing xmlns:x="urn:x" xmlns:unused="urn:u" xmlns:a="urn:a"><data-xml xmlns="urn:d">"#,
            r#"<x:weight a:k="1"><kg>72</kg></x:weight></data-xml></thing>"#
        );
        let text = first_grandchild(source);
        assert_eq!(text, r#"<x:weight xmlns="urn:d" xmlns:x="urn:x" xmlns:a="urn:a" a:k="1"><kg>72</kg></x:weight>"#);
        let reparsed = parse_document(&text).unwrap();
        let root = reparsed.root_element();
        assert_eq!(root.tag_name().namespace(), Some("urn:x"));
        assert_eq!(root.first_element_child().unwrap().tag_name().namespace(), Some("urn:d"));
    }

    #[test]
    fn declarations_the_element_makes_itself_are_not_repeated() {
        let source = concat!(
            r#"<thing xmlns:x="urn:x"><data-xml xmlns="urn:d">"#,
            r#"<x:weight xmlns:x = 'urn:x' xmlns="urn:d"/></data-xml></thing>"#
        );
        let text = first_grandchild(source);
        assert_eq!(text, r#"<x:weight xmlns:x = 'urn:x' xmlns="urn:d"/>"#);
        assert!(parse_document(&text).is_ok());
    }

    #[test]
    fn self_closing_elements_get_declarations_too() {
        let source = r#"<thing xmlns="urn:d"><data-xml><weight/></data-xml></thing>"#;
        assert_eq!(first_grandchild(source), r#"<weight xmlns="urn:d"/>"#);
    }
}
