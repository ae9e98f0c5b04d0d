//! A namespace-blind reader over a thing's data XML. It walks an element's children in the
//! order the schema fixes and names every error by its slash-separated path from the root
//! (`weight/value/kg`), so the parsers of the typed types stay short.

use std::fmt::Display;
use std::str::FromStr;

use roxmltree::Node;

use super::ThingDataError;

/// One element of the data, with its path from the root. Names are matched on their local
/// part only: wire data is usually unqualified, but a namespaced copy means the same.
#[derive(Debug, Clone)]
pub(super) struct Element<'a, 'input> {
    node: Node<'a, 'input>,
    path: String,
}

impl<'a, 'input> Element<'a, 'input> {
    /// The document's root element; its path is its own name.
    pub(super) fn root(node: Node<'a, 'input>) -> Self {
        Self { path: node.tag_name().name().to_owned(), node }
    }

    /// An error about this element.
    pub(super) fn error(&self, message: impl Into<String>) -> ThingDataError {
        ThingDataError::Invalid { path: self.path.clone(), message: message.into() }
    }

    /// The first child element with this local name, wherever it stands.
    pub(super) fn child(&self, name: &str) -> Option<Self> {
        self.node
            .children()
            .find(|child| child.is_element() && child.tag_name().name() == name)
            .map(|node| Self { path: format!("{}/{name}", self.path), node })
    }

    /// The value of the attribute with this local name.
    pub(super) fn attribute(&self, name: &str) -> Option<&'a str> {
        self.node.attributes().find(|attribute| attribute.name() == name).map(|attribute| attribute.value())
    }

    /// The child elements, to be taken in schema order. Text between them is an error, as
    /// none of the HealthVault complex types has mixed content.
    pub(super) fn children(&self) -> Result<Children<'a, 'input>, ThingDataError> {
        let mut elements = Vec::new();
        for child in self.node.children() {
            if child.is_element() {
                elements.push(child);
            } else if child.is_text() && child.text().is_some_and(|text| !text.trim().is_empty()) {
                return Err(self.error("has text outside its child elements"));
            }
        }
        Ok(Children { parent_path: self.path.clone(), elements, next: 0, asked: Vec::new() })
    }

    /// The element's text, exactly as written. Child elements are an error: this element
    /// holds a plain value.
    pub(super) fn text(&self) -> Result<String, ThingDataError> {
        let mut text = String::new();
        for child in self.node.children() {
            if child.is_element() {
                let name = child.tag_name().name();
                return Err(ThingDataError::Invalid {
                    path: format!("{}/{name}", self.path),
                    message: "is not allowed here: the enclosing element holds a plain value".to_owned(),
                });
            }
            if let Some(part) = child.text().filter(|_| child.is_text()) {
                text.push_str(part);
            }
        }
        Ok(text)
    }

    /// Text of 1 to `maximum` characters, as the schema's `string255` and the like demand.
    pub(super) fn bounded_string(&self, maximum: usize) -> Result<String, ThingDataError> {
        let text = self.text()?;
        let length = text.chars().count();
        if length == 0 || length > maximum {
            return Err(self.error(format!("must be 1 to {maximum} characters long, got {length}")));
        }
        Ok(text)
    }

    /// A whole number between `minimum` and `maximum` (or the type's own limit when
    /// `maximum` is `None`), as the schema's `int` restrictions demand.
    pub(super) fn whole_number<T>(&self, minimum: T, maximum: Option<T>) -> Result<T, ThingDataError>
    where
        T: FromStr + PartialOrd + Display + Copy,
    {
        let text = self.text()?;
        let parsed = text.trim().parse::<T>().ok();
        match (parsed, maximum) {
            (Some(value), Some(maximum)) if value >= minimum && value <= maximum => Ok(value),
            (Some(value), None) if value >= minimum => Ok(value),
            (_, Some(maximum)) => {
                Err(self.error(format!("must be a whole number from {minimum} to {maximum}, got {text:?}")))
            }
            (_, None) => Err(self.error(format!("must be a whole number of at least {minimum}, got {text:?}"))),
        }
    }

    /// A finite decimal number within `bound`.
    pub(super) fn number(&self, bound: NumberBound) -> Result<f64, ThingDataError> {
        let text = self.text()?;
        let Some(value) = text.trim().parse::<f64>().ok().filter(|value| value.is_finite()) else {
            return Err(self.error(format!("must be a number, got {text:?}")));
        };
        match bound {
            NumberBound::NonNegative if value < 0.0 => {
                Err(self.error(format!("must be a number of 0 or more, got {}", text.trim())))
            }
            NumberBound::Positive if value <= 0.0 => {
                Err(self.error(format!("must be a number greater than 0, got {}", text.trim())))
            }
            _ => Ok(value),
        }
    }

    /// An XML Schema boolean: `true`, `false`, `1` or `0`.
    pub(super) fn boolean(&self) -> Result<bool, ThingDataError> {
        let text = self.text()?;
        match text.trim() {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err(self.error(format!("must be true or false, got {text:?}"))),
        }
    }
}

/// The range a decimal number must fall in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NumberBound {
    /// Any finite number (`double`).
    Any,
    /// Zero or more (`nonNegativeDouble`).
    NonNegative,
    /// More than zero (`positiveDouble`).
    Positive,
}

/// The child elements of one element, consumed front to back in the order the schema's
/// sequence gives. Whatever is left at `finish` is not allowed there.
#[derive(Debug)]
pub(super) struct Children<'a, 'input> {
    parent_path: String,
    elements: Vec<Node<'a, 'input>>,
    next: usize,
    /// Every name the parser asked for, to tell a misplaced element from an unknown one.
    asked: Vec<&'static str>,
}

impl<'a, 'input> Children<'a, 'input> {
    fn child_path(&self, name: &str) -> String {
        format!("{}/{name}", self.parent_path)
    }

    /// The next element if it has this name.
    pub(super) fn optional(&mut self, name: &'static str) -> Option<Element<'a, 'input>> {
        self.asked.push(name);
        let node = *self.elements.get(self.next).filter(|node| node.tag_name().name() == name)?;
        self.next += 1;
        Some(Element { node, path: self.child_path(name) })
    }

    /// The next element, which must have this name.
    pub(super) fn required(&mut self, name: &'static str) -> Result<Element<'a, 'input>, ThingDataError> {
        if let Some(element) = self.optional(name) {
            return Ok(element);
        }
        let later = self.elements.iter().skip(self.next + 1).any(|node| node.tag_name().name() == name);
        let message = match self.elements.get(self.next) {
            Some(found) if later => format!("must come before <{}>", found.tag_name().name()),
            _ => "is required but missing".to_owned(),
        };
        Err(ThingDataError::Invalid { path: self.child_path(name), message })
    }

    /// All next elements with this name; the second and later get an index in their path
    /// (`code[2]`).
    pub(super) fn repeated(&mut self, name: &'static str) -> Vec<Element<'a, 'input>> {
        let mut elements = Vec::new();
        while let Some(mut element) = self.optional(name) {
            if !elements.is_empty() {
                element.path = format!("{}[{}]", element.path, elements.len() + 1);
            }
            elements.push(element);
        }
        elements
    }

    /// Checks that every child element was consumed.
    pub(super) fn finish(self) -> Result<(), ThingDataError> {
        let Some(extra) = self.elements.get(self.next) else {
            return Ok(());
        };
        let name = extra.tag_name().name();
        let message = if self.asked.contains(&name) {
            "is out of order or repeated: the schema fixes where it goes and how often"
        } else {
            "is not an element the schema allows here"
        };
        Err(ThingDataError::Invalid { path: self.child_path(name), message: message.to_owned() })
    }
}
