//! The request envelope exactly as received (protocol notes, section 2):
//!
//! ```xml
//! <wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request">
//!   <auth><hmac-data algName="HMACSHA256">...</hmac-data></auth>
//!   <header>...</header>
//!   <info>...</info>
//! </wc-request:request>
//! ```
//!
//! Parsing keeps the byte ranges of `<header>...</header>` and `<info>...</info>` in the body,
//! because the HMAC and the info hash are computed by clients over the bytes they sent, not
//! over any re-serialisation.

use std::ops::Range;

use haven_domain::ids::{ApplicationId, InvalidId, PersonId, RecordId};
use roxmltree::Node;
use time::OffsetDateTime;

use crate::base64_text::decode_base64;
use crate::date_time::parse_date_time;
use crate::error::{WireError, excerpt};
use crate::xml::{
    describe_element, optional_child, optional_text, parse_document, parse_number, required_attribute, required_child,
    text_of,
};

/// The namespace of the request's document element; clients bind it to the prefix
/// `wc-request`, but any prefix (or a default namespace) is accepted.
pub const REQUEST_NAMESPACE: &str = "urn:com.microsoft.wc.request";

/// A parsed request that still borrows the body, so the signed bytes can be checked.
///
/// Invariant: the header and info ranges lie inside the body and start with `<header` and
/// `<info` respectively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request<'body> {
    body: &'body str,
    header_range: Range<usize>,
    info_range: Option<Range<usize>>,
    /// `<auth><hmac-data>`: the HMAC of the header bytes, present on authenticated calls.
    pub hmac: Option<Digest>,
    /// The fields of `<header>`.
    pub header: Header,
}

/// The fields of `<header>`. Optional elements that are present but blank are treated as
/// absent (pyhealthvault sends an empty `<offline-person-id/>` before it knows the person).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// `<method>`, e.g. `GetThings`.
    pub method: String,
    /// `<method-version>`. A header without one is read as version 1, the first version of
    /// every method; every known client sends it.
    pub method_version: u32,
    /// `<target-person-id>`.
    pub target_person_id: Option<PersonId>,
    /// `<record-id>`: the record the method works on.
    pub record_id: Option<RecordId>,
    /// `<app-id>` or `<auth-session>`; a header never has both.
    pub caller: Option<Caller>,
    /// `<language>` (ISO 639-1), as sent.
    pub language: Option<String>,
    /// `<country>` (ISO 3166), as sent.
    pub country: Option<String>,
    /// `<culture-code>`, e.g. `en-US`, as sent.
    pub culture_code: Option<String>,
    /// `<msg-time>` as sent; clients send odd values, so it is kept raw (see
    /// [`Header::msg_time_parsed`]).
    pub msg_time: Option<String>,
    /// `<msg-ttl>` in seconds.
    pub msg_ttl: Option<u32>,
    /// `<version>`: free text naming the client.
    pub version: Option<String>,
    /// `<info-hash><hash-data>`: the hash of the info bytes.
    pub info_hash: Option<Digest>,
}

/// Who is calling, as the header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// `<app-id>`: an anonymous method called by an application.
    Application(ApplicationId),
    /// `<auth-session>`: a call within an application session.
    Session(AuthSession),
}

/// `<auth-session>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSession {
    /// `<auth-token>`: the application session token from CreateAuthenticatedSessionToken.
    pub auth_token: String,
    /// `<user-auth-token>`: the person's token from the Shell, for online calls.
    pub user_auth_token: Option<String>,
    /// `<offline-person-info><offline-person-id>`: the person, for offline calls.
    pub offline_person_id: Option<PersonId>,
}

/// A base64 digest with its algorithm: `<hmac-data algName="HMACSHA1">` or
/// `<hash-data algName="SHA256">`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// The `algName` attribute as sent (`HMACSHA256`, `HMACSHA1`, `SHA256`, `SHA1`).
    pub algorithm: String,
    /// The element's text as sent; it may contain line breaks.
    pub text: String,
}

impl Digest {
    /// The digest bytes, ignoring any whitespace in the text.
    pub fn decode(&self) -> Result<Vec<u8>, WireError> {
        decode_base64(&self.text)
    }
}

impl Header {
    /// `<msg-time>` read leniently (see [`parse_date_time`]), or `None` if absent or unreadable.
    pub fn msg_time_parsed(&self) -> Option<OffsetDateTime> {
        self.msg_time.as_deref().and_then(parse_date_time)
    }
}

impl<'body> Request<'body> {
    /// The whole body this request was parsed from.
    pub fn body(&self) -> &'body str {
        self.body
    }

    /// The method name.
    pub fn method(&self) -> &str {
        &self.header.method
    }

    /// The method version.
    pub fn method_version(&self) -> u32 {
        self.header.method_version
    }

    /// Where `<header>...</header>` lies in the body, in bytes.
    pub fn header_range(&self) -> Range<usize> {
        self.header_range.clone()
    }

    /// `<header>...</header>` exactly as received: the bytes the HMAC covers.
    pub fn header_xml(&self) -> &'body str {
        self.body.get(self.header_range.clone()).unwrap_or_default()
    }

    /// Where `<info>...</info>` (or `<info/>`) lies in the body, if the request has one.
    pub fn info_range(&self) -> Option<Range<usize>> {
        self.info_range.clone()
    }

    /// `<info>...</info>` exactly as received: the bytes the info hash covers.
    pub fn info_xml(&self) -> Option<&'body str> {
        self.info_range.clone().and_then(|range| self.body.get(range))
    }
}

/// Parses a request body. The caller has already undone any `Content-Encoding`.
///
/// Rejects what no handler could use: XML that is not well-formed (or has a DTD), a document
/// element other than `request` in [`REQUEST_NAMESPACE`], a missing `<header>` or `<method>`,
/// a `<method-version>` that is not a positive integer, both `<app-id>` and `<auth-session>`,
/// and GUID elements that are not GUIDs. Unknown header elements (e.g. `final-xsl`) are
/// ignored. A request without `<info>` is accepted; [`Request::info_xml`] is then `None`.
pub fn parse_request(body: &str) -> Result<Request<'_>, WireError> {
    let document = parse_document(body)?;
    let root = document.root_element();
    if root.tag_name().name() != "request" || root.tag_name().namespace() != Some(REQUEST_NAMESPACE) {
        return Err(WireError::WrongRoot {
            expected: "<request> in namespace urn:com.microsoft.wc.request",
            found: describe_element(root),
        });
    }
    let header_element = required_child(root, "request", "header")?;
    let info_element = optional_child(root, "request", "info")?;
    let hmac = match optional_child(root, "request", "auth")? {
        Some(auth) => Some(digest(required_child(auth, "auth", "hmac-data")?, "hmac-data")?),
        None => None,
    };
    Ok(Request {
        body,
        header_range: header_element.range(),
        info_range: info_element.map(|info| info.range()),
        hmac,
        header: parse_header(header_element)?,
    })
}

fn parse_header(header: Node<'_, '_>) -> Result<Header, WireError> {
    let method = text_of(required_child(header, "header", "method")?).trim().to_owned();
    if method.is_empty() {
        return Err(WireError::MissingElement { parent: "header", element: "method" });
    }
    let method_version = match optional_child(header, "header", "method-version")? {
        Some(element) => {
            let text = text_of(element);
            match text.trim().parse::<u32>() {
                Ok(version) if version > 0 => version,
                _ => {
                    return Err(WireError::InvalidMethodVersion { text: excerpt(&text) });
                }
            }
        }
        None => 1,
    };
    let app_id = optional_guid(header, "header", "app-id", ApplicationId::parse)?;
    let auth_session = optional_child(header, "header", "auth-session")?;
    let caller = match (app_id, auth_session) {
        (Some(_), Some(_)) => return Err(WireError::ConflictingCredentials),
        (Some(app_id), None) => Some(Caller::Application(app_id)),
        (None, Some(session)) => Some(Caller::Session(parse_auth_session(session)?)),
        (None, None) => None,
    };
    let msg_ttl = optional_text(header, "header", "msg-ttl")?.map(|text| parse_number("msg-ttl", &text)).transpose()?;
    let info_hash = match optional_child(header, "header", "info-hash")? {
        Some(info_hash) => Some(digest(required_child(info_hash, "info-hash", "hash-data")?, "hash-data")?),
        None => None,
    };
    Ok(Header {
        method,
        method_version,
        target_person_id: optional_guid(header, "header", "target-person-id", PersonId::parse)?,
        record_id: optional_guid(header, "header", "record-id", RecordId::parse)?,
        caller,
        language: optional_text(header, "header", "language")?,
        country: optional_text(header, "header", "country")?,
        culture_code: optional_text(header, "header", "culture-code")?,
        msg_time: optional_text(header, "header", "msg-time")?,
        msg_ttl,
        version: optional_text(header, "header", "version")?,
        info_hash,
    })
}

fn parse_auth_session(session: Node<'_, '_>) -> Result<AuthSession, WireError> {
    let auth_token = text_of(required_child(session, "auth-session", "auth-token")?).trim().to_owned();
    let offline_person_id = match optional_child(session, "auth-session", "offline-person-info")? {
        Some(info) => optional_guid(info, "offline-person-info", "offline-person-id", PersonId::parse)?,
        None => None,
    };
    Ok(AuthSession {
        auth_token,
        user_auth_token: optional_text(session, "auth-session", "user-auth-token")?,
        offline_person_id,
    })
}

/// An optional GUID child; absent or blank gives `None`, anything else must parse.
fn optional_guid<Id>(
    parent: Node<'_, '_>,
    parent_name: &'static str,
    name: &'static str,
    parse: fn(&str) -> Result<Id, InvalidId>,
) -> Result<Option<Id>, WireError> {
    optional_text(parent, parent_name, name)?
        .map(|text| parse(&text).map_err(|source| WireError::InvalidGuid { element: name, source }))
        .transpose()
}

/// `<hmac-data algName="...">base64</hmac-data>` and `<hash-data>` alike.
fn digest(element: Node<'_, '_>, name: &'static str) -> Result<Digest, WireError> {
    Ok(Digest { algorithm: required_attribute(element, name, "algName")?.to_owned(), text: text_of(element) })
}

mod write;

pub use write::{RequestCaller, RequestHeader, write_request};

#[cfg(test)]
mod tests;
