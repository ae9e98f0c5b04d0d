//! Test helper: validating documents that use `application-configuration.xsd` with `xmllint`.
//!
//! That schema imports `vocab.xsd`, which refers to `xml:lang` without importing the `xml:`
//! namespace. .NET's schema compiler lets that pass; libxml2 refuses to compile it. This
//! helper links the wire schemas into a folder of its own with a copy of `vocab.xsd` that adds
//! the import, beside a stand-in for the `xml:` attribute schema, and hands xmllint absolute
//! schema paths.

use std::path::Path;

use crate::testing::{ReferenceDocs, Xmllint};

/// A stand-in for the W3C `xml:` attribute schema that `types.xsd` imports.
const XML_NAMESPACE_XSD: &str = r#"<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://www.w3.org/XML/1998/namespace">
  <xs:attribute name="lang" type="xs:string"/>
  <xs:attribute name="space" type="xs:NCName"/>
  <xs:attribute name="base" type="xs:anyURI"/>
  <xs:attribute name="id" type="xs:ID"/>
</xs:schema>
"#;

/// The import `vocab.xsd` lacks, added after its import of `types.xsd`.
const XML_NAMESPACE_IMPORT: &str =
    r#"<import namespace="http://www.w3.org/XML/1998/namespace" schemaLocation="xml.xsd" />"#;

/// The wire schemas with a loadable `vocab.xsd`, and xmllint to check against them.
#[derive(Debug)]
pub(crate) struct ApplicationSchemas {
    folder: tempfile::TempDir,
    xmllint: Xmllint,
}

impl ApplicationSchemas {
    /// The schemas and xmllint, or `None` (after [`ReferenceDocs`] or [`Xmllint`] said why
    /// `test` is skipped) if either is missing.
    pub(crate) fn locate(test: &str) -> Option<Self> {
        let docs = ReferenceDocs::locate(test)?;
        let xmllint = Xmllint::locate(test, &docs)?;
        let folder = tempfile::tempdir().expect("creating a folder for the schemas");
        for entry in std::fs::read_dir(docs.xsd_dir()).expect("listing reference/xsd") {
            let source = entry.expect("listing reference/xsd").path();
            let is_schema = source.extension().is_some_and(|extension| extension == "xsd");
            let file_name = source.file_name().expect("a file name");
            if is_schema && file_name != "vocab.xsd" {
                link(&source, &folder.path().join(file_name));
            }
        }
        let vocabulary = docs.read("reference/xsd/vocab.xsd");
        let types_import = r#"schemaLocation="types.xsd" />"#;
        assert!(vocabulary.contains(types_import), "vocab.xsd no longer imports types.xsd as expected");
        let patched = vocabulary.replacen(types_import, &format!("{types_import}\n    {XML_NAMESPACE_IMPORT}"), 1);
        std::fs::write(folder.path().join("vocab.xsd"), patched).expect("writing vocab.xsd");
        std::fs::write(folder.path().join("xml.xsd"), XML_NAMESPACE_XSD).expect("writing xml.xsd");
        Some(Self { folder, xmllint })
    }

    /// Validates `document` against the schema file `schema` (e.g.
    /// `response-getapplicationinfo.xsd`); `Err` carries xmllint's report.
    pub(crate) fn validate(&self, schema: &str, document: &str) -> Result<(), String> {
        let path = self.folder.path().join(schema);
        self.xmllint.validate(&path.to_string_lossy(), document)
    }
}

#[cfg(unix)]
fn link(source: &Path, target: &Path) {
    std::os::unix::fs::symlink(source, target).expect("linking a schema");
}

#[cfg(not(unix))]
fn link(source: &Path, target: &Path) {
    std::fs::copy(source, target).expect("copying a schema");
}
