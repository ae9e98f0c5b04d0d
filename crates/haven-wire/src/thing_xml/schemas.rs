//! Test helper: validating documents that use thing.xsd with `xmllint`.
//!
//! thing.xsd imports `xmldsig-core-schema.xsd` (for `ds:Signature`), which the reference docs
//! do not include, and [`Xmllint`]'s folder has only the `xml.xsd` stand-in. This helper links
//! the schemas into a folder of its own beside stand-ins for both, and hands xmllint absolute
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

/// A stand-in for the XML Signature schema: `ds:Signature` with any content. Haven writes no
/// signatures, so nothing is lost by not checking their inside.
const XMLDSIG_XSD: &str = r#"<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://www.w3.org/2000/09/xmldsig#"
           elementFormDefault="qualified">
  <xs:element name="Signature">
    <xs:complexType>
      <xs:sequence><xs:any processContents="skip" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
      <xs:anyAttribute processContents="skip"/>
    </xs:complexType>
  </xs:element>
</xs:schema>
"#;

/// The wire schemas with the stand-ins thing.xsd needs, and xmllint to check against them.
#[derive(Debug)]
pub(crate) struct ThingSchemas {
    folder: tempfile::TempDir,
    xmllint: Xmllint,
}

impl ThingSchemas {
    /// The schemas and xmllint, or `None` (after [`ReferenceDocs`] or [`Xmllint`] said why
    /// `test` is skipped) if either is missing.
    pub(crate) fn locate(test: &str) -> Option<Self> {
        let docs = ReferenceDocs::locate(test)?;
        let xmllint = Xmllint::locate(test, &docs)?;
        let folder = tempfile::tempdir().expect("creating a folder for the schemas");
        for entry in std::fs::read_dir(docs.xsd_dir()).expect("listing reference/xsd") {
            let source = entry.expect("listing reference/xsd").path();
            if source.extension().is_some_and(|extension| extension == "xsd") {
                link(&source, &folder.path().join(source.file_name().expect("a file name")));
            }
        }
        std::fs::write(folder.path().join("xml.xsd"), XML_NAMESPACE_XSD).expect("writing xml.xsd");
        std::fs::write(folder.path().join("xmldsig-core-schema.xsd"), XMLDSIG_XSD)
            .expect("writing the xmldsig stand-in");
        Some(Self { folder, xmllint })
    }

    /// Validates `document` against the schema file `schema` (e.g. `response-getthings3.xsd`);
    /// `Err` carries xmllint's report.
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
