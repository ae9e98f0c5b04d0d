//! Test helpers: finding the HealthVault reference docs beside the repository and validating
//! our XML with `xmllint`.
//!
//! Locally a missing docs folder or `xmllint` skips the test with a message saying why; when
//! the `CI` environment variable is set, it fails the test instead, so CI cannot go green by
//! skipping.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Says why `test` is skipped locally; panics in CI.
fn skip_or_fail(test: &str, reason: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{test}: {reason} (CI is set, so this fails instead of skipping)");
    }
    eprintln!("skipping {test}: {reason}");
}

/// The copy of the HealthVault docs at `../shared/reference/healthvault-docs`.
#[derive(Debug)]
pub(crate) struct ReferenceDocs {
    root: PathBuf,
}

impl ReferenceDocs {
    /// Where the docs are expected, relative to this crate.
    fn expected_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/healthvault-docs")
    }

    /// The docs, or `None` (after printing why `test` is skipped) if they are absent.
    pub(crate) fn locate(test: &str) -> Option<Self> {
        let root = Self::expected_root();
        if root.join("reference/xsd").is_dir() {
            Some(Self { root })
        } else {
            skip_or_fail(test, &format!("reference docs not found at {}", root.display()));
            None
        }
    }

    /// The full path of a file inside the docs.
    pub(crate) fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// The text of a file inside the docs, without a leading byte-order mark.
    pub(crate) fn read(&self, relative: &str) -> String {
        let path = self.path(relative);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("reading {}: {error}", path.display()));
        text.strip_prefix('\u{feff}').map(str::to_owned).unwrap_or(text)
    }

    /// The text of a file exactly as stored (a byte-order mark included).
    pub(crate) fn read_raw(&self, relative: &str) -> String {
        let path = self.path(relative);
        std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("reading {}: {error}", path.display()))
    }

    /// The wire schemas folder, `reference/xsd`.
    pub(crate) fn xsd_dir(&self) -> PathBuf {
        self.path("reference/xsd")
    }
}

/// A stand-in for the W3C schema of the `xml:` attributes, which `types.xsd` imports as
/// `xml.xsd` but the reference docs do not include.
const XML_NAMESPACE_XSD: &str = r#"<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
           targetNamespace="http://www.w3.org/XML/1998/namespace">
  <xs:attribute name="lang">
    <xs:simpleType>
      <xs:union memberTypes="xs:language">
        <xs:simpleType>
          <xs:restriction base="xs:string"><xs:enumeration value=""/></xs:restriction>
        </xs:simpleType>
      </xs:union>
    </xs:simpleType>
  </xs:attribute>
  <xs:attribute name="space">
    <xs:simpleType>
      <xs:restriction base="xs:NCName">
        <xs:enumeration value="default"/><xs:enumeration value="preserve"/>
      </xs:restriction>
    </xs:simpleType>
  </xs:attribute>
  <xs:attribute name="base" type="xs:anyURI"/>
  <xs:attribute name="id" type="xs:ID"/>
</xs:schema>
"#;

/// A stand-in for the XML Signature schema that `thing.xsd` imports: `ds:Signature` with any
/// content. Haven writes no signatures, so nothing is lost by not checking their inside.
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

/// The import `vocab.xsd` lacks: it uses `xml:lang` without importing the `xml:` namespace,
/// which .NET's schema compiler let pass and libxml2 refuses.
const XML_NAMESPACE_IMPORT: &str =
    r#"<import namespace="http://www.w3.org/XML/1998/namespace" schemaLocation="xml.xsd" />"#;

/// The `xmllint` program (Debian package `libxml2-utils`) with the wire schemas.
///
/// The schemas are linked into a temporary folder beside stand-ins for the two W3C schemas
/// they import but the reference docs do not include (`xml.xsd`, `xmldsig-core-schema.xsd`),
/// with a copy of `vocab.xsd` that imports the `xml:` namespace it uses, so every published
/// schema compiles.
#[derive(Debug)]
pub(crate) struct Xmllint {
    schemas: tempfile::TempDir,
}

impl Xmllint {
    /// `xmllint` with the schemas of `docs`, or `None` (after printing why `test` is skipped)
    /// if it is not installed.
    pub(crate) fn locate(test: &str, docs: &ReferenceDocs) -> Option<Self> {
        let found =
            Command::new("xmllint").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
        if !found {
            skip_or_fail(test, "xmllint not found (apt-get install libxml2-utils)");
            return None;
        }
        let schemas = tempfile::tempdir().expect("creating a folder for the schemas");
        for entry in std::fs::read_dir(docs.xsd_dir()).expect("listing reference/xsd") {
            let source = entry.expect("listing reference/xsd").path();
            let file_name = source.file_name().expect("a file name");
            if source.extension().is_some_and(|extension| extension == "xsd") && file_name != "vocab.xsd" {
                link_or_copy(&source, &schemas.path().join(file_name));
            }
        }
        let vocabulary = docs.read("reference/xsd/vocab.xsd");
        let types_import = r#"schemaLocation="types.xsd" />"#;
        assert!(vocabulary.contains(types_import), "vocab.xsd no longer imports types.xsd as expected");
        let patched = vocabulary.replacen(types_import, &format!("{types_import}\n    {XML_NAMESPACE_IMPORT}"), 1);
        std::fs::write(schemas.path().join("vocab.xsd"), patched).expect("writing vocab.xsd");
        std::fs::write(schemas.path().join("xml.xsd"), XML_NAMESPACE_XSD).expect("writing xml.xsd");
        std::fs::write(schemas.path().join("xmldsig-core-schema.xsd"), XMLDSIG_XSD)
            .expect("writing the xmldsig stand-in");
        Some(Self { schemas })
    }

    /// The reference docs and xmllint together, or `None` (after saying why `test` is
    /// skipped) if either is missing.
    pub(crate) fn for_test(test: &str) -> Option<Self> {
        let docs = ReferenceDocs::locate(test)?;
        Self::locate(test, &docs)
    }

    /// Validates `document` against the schema file `schema` (e.g.
    /// `response-getservicedefinition2.xsd`); `Err` carries xmllint's report.
    pub(crate) fn validate(&self, schema: &str, document: &str) -> Result<(), String> {
        let mut child = Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(self.schemas.path().join(schema))
            .arg("-")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| format!("starting xmllint: {error}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(document.as_bytes()).map_err(|error| format!("writing to xmllint: {error}"))?;
        }
        let output = child.wait_with_output().map_err(|error| format!("waiting for xmllint: {error}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{}{}\n--- document ---\n{document}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    }
}

#[cfg(unix)]
fn link_or_copy(source: &Path, target: &Path) {
    std::os::unix::fs::symlink(source, target).expect("linking a schema");
}

#[cfg(not(unix))]
fn link_or_copy(source: &Path, target: &Path) {
    std::fs::copy(source, target).expect("copying a schema");
}
