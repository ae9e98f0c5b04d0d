//! CreateConnectPackage (versions 1 and 2): the calling application drops off a DOPU package
//! for a person to pick up with its identity code and the answer to its question (protocol
//! notes, section 14). The request (`method-createconnectpackage.xsd`, and
//! `method-createconnectpackage2.xsd` in the namespace `CreateConnectPackage2`) is
//! `identity-code?, friendly-name, question, external-id, package`, and in version 2
//! `streamed-package-blobs{blob-in-package-ref-url+}?`; the answer
//! (`response-createconnectpackage.xsd`, for both versions) is the package's `identity-code`.
//!
//! `package` is a Password-Protected-Package thing whose children are a thing's (thing.xsd
//! `Thing` in version 1, `Thing2` in version 2) directly, without a nested `<thing>`: the .NET
//! SDK writes the thing with the element name `package`. Its ciphertext is the default blob,
//! inline (`data-other`, or `blob-payload/blob/base64data`). The answer is never sent: it only
//! derives the key.
//!
//! The package is kept as the exact text between its tags ([`CreateConnectPackageRequest::package_xml`]),
//! and checked when read by parsing that text on its own as a submitted thing, so what the
//! Platform later reads with [`CreateConnectPackageRequest::package`] is what was checked. A
//! package must therefore declare any namespace prefix it uses inside itself. That it is a
//! Password-Protected-Package with a ciphertext is the Platform's check.
//!
//! A blank question is read, not refused: the Platform answers it with
//! INVALID_VERIFICATION_QUESTION, as HealthVault documents. Both versions read
//! `streamed-package-blobs`.

use roxmltree::Node;

use super::connect_fields::{
    connect_text, identity_code_info_xml, identity_code_text, parse_identity_code_info_xml, required_connect_text,
    required_secret_text,
};
use crate::error::WireError;
use crate::request::Request;
use crate::response::ResponseInfo;
use crate::thing_xml::{SubmittedThing, ThingSchema, parse_submitted_thing};
use crate::xml::{
    XmlBuilder, children_named, inner_range, optional_child, optional_text, parse_document, required_child, text_of,
};

/// The method name.
pub const METHOD: &str = "CreateConnectPackage";

/// The response schema of both versions (there is no `CreateConnectPackage2` response schema).
pub const RESPONSE_SCHEMA: &str = "CreateConnectPackage";

/// The request's info.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateConnectPackageRequest {
    /// The method version, 1 or 2.
    pub version: u32,
    /// `identity-code`: the code AllocatePackageId reserved, trimmed; `None` (absent or blank)
    /// asks the Platform for a new one.
    pub identity_code: Option<String>,
    /// `friendly-name`: shown to the person once they answer, as sent, not blank.
    pub friendly_name: String,
    /// `question`: the challenge question, as sent (possibly blank; see the module docs).
    pub question: String,
    /// `external-id`: the application's own key for the package, as sent, not blank. Several
    /// packages may share one.
    pub external_id: String,
    /// The inner XML of `package`, exactly as received: a thing's children, starting with
    /// `type-id`. Build it with [`CreateConnectPackageRequest::package_xml_of`].
    pub package_xml: String,
    /// `streamed-package-blobs/blob-in-package-ref-url`, trimmed, in request order: the URLs
    /// BeginPutConnectPackageBlob gave for blobs of the things inside the package. Written only
    /// when not empty, and meant for version 2.
    pub streamed_blob_urls: Vec<String>,
}

impl CreateConnectPackageRequest {
    /// Reads the typed request from a parsed envelope.
    pub fn from_request(request: &Request<'_>) -> Result<Self, WireError> {
        let info = request.info_xml().ok_or(WireError::MissingElement { parent: "request", element: "info" })?;
        Self::parse_info(request.method_version(), info)
    }

    /// Reads `<info>...</info>` for `version` (1 or 2). A package that is not a readable thing
    /// is refused with the error [`SubmittedThing`] gives, naming its parts `thing/...`.
    pub fn parse_info(version: u32, info_xml: &str) -> Result<Self, WireError> {
        if !matches!(version, 1 | 2) {
            return Err(WireError::UnsupportedMethodVersion { method: METHOD, version });
        }
        let document = parse_document(info_xml)?;
        let info = document.root_element();
        let identity_code = optional_text(info, "info", "identity-code")?
            .map(|code| identity_code_text("identity-code", &code))
            .transpose()?;
        let friendly_name = required_connect_text(info, "friendly-name")?;
        let question = required_secret_text(info, "question")?;
        let external_id = required_connect_text(info, "external-id")?;
        let package = required_child(info, "info", "package")?;
        let package_xml = info_xml.get(inner_range(package)).unwrap_or_default().to_owned();
        parse_package(&package_xml)?;
        let streamed_blob_urls = match optional_child(info, "info", "streamed-package-blobs")? {
            Some(list) => parse_streamed_blob_urls(list)?,
            None => Vec::new(),
        };
        Ok(Self { version, identity_code, friendly_name, question, external_id, package_xml, streamed_blob_urls })
    }

    /// Writes `<info>...</info>` as a client sends it. `package_xml` must be well-formed
    /// element content; it is written as is.
    pub fn to_info_xml(&self) -> String {
        let mut builder = XmlBuilder::new();
        builder.start("info");
        builder.optional_text_element("identity-code", self.identity_code.as_deref());
        builder.text_element("friendly-name", &self.friendly_name);
        builder.text_element("question", &self.question);
        builder.text_element("external-id", &self.external_id);
        builder.start("package");
        builder.raw(&self.package_xml);
        builder.end("package");
        if !self.streamed_blob_urls.is_empty() {
            builder.start("streamed-package-blobs");
            for url in &self.streamed_blob_urls {
                builder.text_element("blob-in-package-ref-url", url);
            }
            builder.end("streamed-package-blobs");
        }
        builder.end("info");
        builder.finish()
    }

    /// The package read as a submitted thing: its type, `data-xml` (the
    /// `password-protected-package` element, verbatim) and the ciphertext among its inline
    /// blobs. [`CreateConnectPackageRequest::parse_info`] has already checked that this reads.
    pub fn package(&self) -> Result<SubmittedThing, WireError> {
        parse_package(&self.package_xml)
    }

    /// The inner XML of `package` for `thing`, as a client writes it for `version`: thing.xsd
    /// `Thing2` for version 2 (every blob in `blob-payload`), `Thing` for version 1 (only the
    /// default inline blob, as `data-other`).
    pub fn package_xml_of(version: u32, thing: &SubmittedThing) -> String {
        let schema = if version >= 2 { ThingSchema::Thing2 } else { ThingSchema::Thing };
        let mut builder = XmlBuilder::new();
        thing.write(&mut builder, schema);
        let thing_xml = builder.finish();
        match thing_xml.strip_prefix("<thing>").and_then(|rest| rest.strip_suffix("</thing>")) {
            Some(inner) => inner.to_owned(),
            None => thing_xml,
        }
    }
}

/// Reads a package's inner XML on its own, as the children of a `<thing>`.
fn parse_package(package_xml: &str) -> Result<SubmittedThing, WireError> {
    parse_submitted_thing(&format!("<thing>{package_xml}</thing>"))
}

/// Reads `streamed-package-blobs`: at least one URL, each trimmed, not blank, and no longer
/// than the connect texts.
fn parse_streamed_blob_urls(list: Node<'_, '_>) -> Result<Vec<String>, WireError> {
    let urls: Vec<String> = children_named(list, "blob-in-package-ref-url")
        .map(|url| connect_text("blob-in-package-ref-url", text_of(url).trim()))
        .collect::<Result<_, _>>()?;
    if urls.is_empty() {
        return Err(WireError::MissingElement { parent: "streamed-package-blobs", element: "blob-in-package-ref-url" });
    }
    Ok(urls)
}

/// The answer: `identity-code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateConnectPackageResponse {
    /// The package's code (the one sent in the request, if any), which the person enters at
    /// the Shell (`target=PICKUP`); a secret the application hands to the person only.
    pub identity_code: String,
}

impl CreateConnectPackageResponse {
    /// The answer's `wc:info`, in the `CreateConnectPackage` schema whatever the version.
    pub fn to_info(&self) -> ResponseInfo {
        ResponseInfo::new(RESPONSE_SCHEMA, identity_code_info_xml(&self.identity_code))
    }

    /// Reads the inner XML of the answer's `wc:info` (for the SDK and tests).
    pub fn parse_info_xml(inner_xml: &str) -> Result<Self, WireError> {
        Ok(Self { identity_code: parse_identity_code_info_xml(inner_xml)? })
    }
}

#[cfg(test)]
mod tests;
