//! Reading TOML files with errors that name the file, the line and what is wrong. The
//! topology and the instance configuration use it; reading the file itself is the
//! caller's business.

use std::ops::Range;

use serde::de::DeserializeOwned;

/// What is wrong with a configuration file, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}{}: {message}", line.map(|line| format!(":{line}")).unwrap_or_default())]
pub struct SourceError {
    /// The file (or other source) that was read.
    pub source_name: String,
    /// The 1-based line of the offending value, where known.
    pub line: Option<usize>,
    /// What is wrong, naming the field.
    pub message: String,
}

/// The text of a named TOML source.
#[derive(Debug, Clone, Copy)]
pub struct SourceText<'a> {
    /// Name used in errors, usually the path.
    pub name: &'a str,
    /// The whole text.
    pub text: &'a str,
}

impl<'a> SourceText<'a> {
    /// A named text.
    pub fn new(name: &'a str, text: &'a str) -> Self {
        Self { name, text }
    }

    /// The 1-based line on which a byte span starts.
    pub fn line_of(&self, span: Range<usize>) -> usize {
        let end = span.start.min(self.text.len());
        self.text.as_bytes()[..end].iter().filter(|byte| **byte == b'\n').count() + 1
    }

    /// An error at a span (from `toml::Spanned`).
    pub fn error(&self, span: Range<usize>, message: impl Into<String>) -> SourceError {
        SourceError { source_name: self.name.to_owned(), line: Some(self.line_of(span)), message: message.into() }
    }

    /// An error about the source as a whole.
    pub fn whole_error(&self, message: impl Into<String>) -> SourceError {
        SourceError { source_name: self.name.to_owned(), line: None, message: message.into() }
    }

    /// Deserializes the TOML text; syntax errors, unknown fields and missing fields come
    /// back with their line.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, SourceError> {
        toml::from_str(self.text).map_err(|error| SourceError {
            source_name: self.name.to_owned(),
            line: error.span().map(|span| self.line_of(span)),
            message: error.message().trim().to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Example {
        name: String,
        port: u16,
    }

    #[test]
    fn errors_carry_file_and_line() {
        let source = SourceText::new("example.toml", "name = \"x\"\nport = 99999\n");
        let error = source.parse::<Example>().unwrap_err();
        assert_eq!(error.line, Some(2));
        assert!(error.to_string().starts_with("example.toml:2: "), "{error}");
        let missing = SourceText::new("example.toml", "name = \"x\"\n").parse::<Example>().unwrap_err();
        assert!(missing.message.contains("port"), "{missing}");
    }
}
