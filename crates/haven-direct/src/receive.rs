//! Receiving a Direct message: the S/MIME layers peeled in order (envelope, decryption,
//! signature, trust), then the inner MIME read into an [`InboundMessage`].

use mail_parser::{Address, Message, MessageParser, MimeHeaders, PartType};
use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::pkcs7::{Pkcs7, Pkcs7Flags};
use openssl::stack::Stack;
use openssl::x509::X509;

use crate::address::DirectAddress;
use crate::identity::{DomainIdentity, TrustAnchors};
use crate::mime::{self, CmsType};
use crate::recipients::{names_address, names_domain};
use crate::refusal::Refusal;

/// A received Direct message whose envelope was decrypted with the domain key and whose
/// signature verified up to a trust anchor.
///
/// The headers come from the signed (inner) entity when it has them, as Direct recommends, and
/// otherwise from the outer, unprotected message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMessage {
    /// The first address of From.
    pub from: DirectAddress,
    /// The addresses of To (possibly none).
    pub to: Vec<DirectAddress>,
    /// The decoded Subject, if any.
    pub subject: Option<String>,
    /// The Message-ID without angle brackets, if any.
    pub message_id: Option<String>,
    /// The first text body (an HTML-only body converted to text), if any.
    pub text: Option<String>,
    /// Every attachment, in order.
    pub attachments: Vec<Attachment>,
}

/// A file attached to a received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The file name from Content-Disposition or Content-Type, if given.
    pub file_name: Option<String>,
    /// `type/subtype`, lower-cased, without parameters.
    pub content_type: String,
    /// The decoded bytes.
    pub content: Vec<u8>,
}

/// Opens a Direct message as received over SMTP (the DATA, un-stuffed): it must be S/MIME
/// enveloped data encrypted to `domain`'s certificate, holding signed data whose signer chains
/// to one of `anchors` (the signer's certificates are taken from the message). Every way it can
/// fail is a [`Refusal`], checked in that order.
pub fn receive(raw: &[u8], domain: &DomainIdentity, anchors: &TrustAnchors) -> Result<InboundMessage, Refusal> {
    let outer = parse(raw, "the message has no header section")?;
    let enveloped = enveloped_data(&outer)?;
    let decrypted =
        enveloped.decrypt(domain.key(), &domain.certificate().to_owned()).map_err(|_| Refusal::CannotDecrypt)?;
    let signed_entity = parse(&decrypted, "the decrypted content has no header section")?;
    let (content, signers) = verified_content(&signed_entity, &decrypted, anchors)?;
    let inner = parse(&content, "the signed content has no header section")?;
    check_structure(&inner)?;
    let message = read_message(&inner, &outer)?;
    if !signers.iter().any(|signer| names_address(signer, &message.from) || names_domain(signer, message.from.domain()))
    {
        return Err(Refusal::SenderMismatch);
    }
    Ok(message)
}

/// The certificates that made the signatures of the signed data `der` (taken from the message).
fn signers_of(der: &[u8]) -> Result<Vec<X509>, Refusal> {
    let signed = Pkcs7::from_der(der).map_err(|_| Refusal::MalformedSmime)?;
    let none = Stack::new().map_err(|_| Refusal::MalformedSmime)?;
    let signers = signed.signers(&none, Pkcs7Flags::empty()).map_err(|_| Refusal::BadSignature)?;
    Ok(signers.iter().map(ToOwned::to_owned).collect())
}

/// Parses an entity that must open with a header field (mail-parser alone reads anything).
fn parse<'a>(raw: &'a [u8], detail: &'static str) -> Result<Message<'a>, Refusal> {
    if !starts_with_header_field(raw) {
        return Err(Refusal::MalformedMime { detail });
    }
    match MessageParser::default().parse(raw) {
        Some(message) if !message.root_part().headers().is_empty() => Ok(message),
        _ => Err(Refusal::MalformedMime { detail }),
    }
}

/// Whether the first line is `name:` with a name of printable ASCII (RFC 5322 `ftext`).
fn starts_with_header_field(raw: &[u8]) -> bool {
    let first_line = raw.split(|&byte| byte == b'\n').next().unwrap_or_default();
    match first_line.iter().position(|&byte| byte == b':') {
        Some(colon) if colon > 0 => first_line[..colon].iter().all(|&byte| (33..=126).contains(&byte)),
        _ => false,
    }
}

/// The outer message's CMS enveloped data.
fn enveloped_data(outer: &Message<'_>) -> Result<CmsContentInfo, Refusal> {
    let root = outer.root_part();
    let content_type = root.content_type().ok_or(Refusal::NotEncrypted)?;
    if !mime::is_pkcs7_mime(content_type) {
        return Err(Refusal::NotEncrypted);
    }
    if let Some(smime_type) = mime::attribute(content_type, "smime-type")
        && !smime_type.eq_ignore_ascii_case("enveloped-data")
    {
        return Err(Refusal::NotEncrypted);
    }
    let der = root.contents();
    match mime::cms_type(der) {
        Some(CmsType::Enveloped) => {}
        Some(CmsType::Signed) => return Err(Refusal::NotEncrypted),
        Some(CmsType::Other) | None => return Err(Refusal::MalformedSmime),
    }
    CmsContentInfo::from_der(der).map_err(|_| Refusal::MalformedSmime)
}

/// Verifies the decrypted entity's signature and the signer's chain, and returns the signed
/// content (the first part of a `multipart/signed`, or the content of opaque signed data) with
/// the signers' certificates.
fn verified_content(entity: &Message<'_>, raw: &[u8], anchors: &TrustAnchors) -> Result<(Vec<u8>, Vec<X509>), Refusal> {
    let root = entity.root_part();
    let content_type = root.content_type().ok_or(Refusal::NotSigned)?;
    if mime::is_type(content_type, "multipart", "signed") {
        let protocol = mime::attribute(content_type, "protocol").unwrap_or_default();
        if !mime::is_pkcs7_signature_type(protocol) {
            return Err(Refusal::NotSigned);
        }
        let boundary = mime::attribute(content_type, "boundary")
            .ok_or(Refusal::MalformedMime { detail: "multipart/signed without a boundary" })?;
        let body = raw.get(root.raw_body_offset() as usize..).unwrap_or_default();
        let parts = mime::split_signed(body, boundary)
            .ok_or(Refusal::MalformedMime { detail: "multipart/signed without exactly two delimited parts" })?;
        let signature_part = MessageParser::default()
            .parse(parts.signature)
            .ok_or(Refusal::MalformedMime { detail: "unreadable signature part" })?;
        if !mime::is_pkcs7_signature_type(&mime::media_type(signature_part.root_part())) {
            return Err(Refusal::NotSigned);
        }
        let der = signature_part.root_part().contents();
        if mime::cms_type(der) != Some(CmsType::Signed) {
            return Err(Refusal::MalformedSmime);
        }
        let mut signed = CmsContentInfo::from_der(der).map_err(|_| Refusal::MalformedSmime)?;
        // Senders sign the canonical (CRLF) form; a relay may have changed line breaks of a
        // content that was already canonical, so the canonical form is tried second.
        let canonical = mime::canonical_crlf(parts.content);
        let content = if check_signature(&mut signed, Some(parts.content)) {
            parts.content.to_vec()
        } else if canonical != parts.content && check_signature(&mut signed, Some(&canonical)) {
            canonical
        } else {
            return Err(Refusal::BadSignature);
        };
        check_trust(&mut signed, Some(&content), anchors)?;
        Ok((content, signers_of(der)?))
    } else if mime::is_pkcs7_mime(content_type) {
        let smime_type = mime::attribute(content_type, "smime-type").unwrap_or("signed-data");
        let der = root.contents();
        if !smime_type.eq_ignore_ascii_case("signed-data") || mime::cms_type(der) != Some(CmsType::Signed) {
            return Err(Refusal::NotSigned);
        }
        let mut signed = CmsContentInfo::from_der(der).map_err(|_| Refusal::MalformedSmime)?;
        if !check_signature(&mut signed, None) {
            return Err(Refusal::BadSignature);
        }
        let mut content = Vec::new();
        signed
            .verify(None, Some(anchors.store()), None, Some(&mut content), CMSOptions::BINARY)
            .map_err(|_| Refusal::UntrustedSender)?;
        Ok((content, signers_of(der)?))
    } else {
        Err(Refusal::NotSigned)
    }
}

/// Whether every signature matches the content, leaving the signer's chain aside.
fn check_signature(signed: &mut CmsContentInfo, detached: Option<&[u8]>) -> bool {
    let flags = CMSOptions::NO_SIGNER_CERT_VERIFY | CMSOptions::BINARY;
    signed.verify(None, None, detached, None, flags).is_ok()
}

/// Whether every signer's certificate chains to an anchor and is fit for S/MIME signing.
fn check_trust(signed: &mut CmsContentInfo, detached: Option<&[u8]>, anchors: &TrustAnchors) -> Result<(), Refusal> {
    signed.verify(None, Some(anchors.store()), detached, None, CMSOptions::BINARY).map_err(|_| Refusal::UntrustedSender)
}

/// Refuses MIME structures that mail-parser would otherwise read leniently.
fn check_structure(message: &Message<'_>) -> Result<(), Refusal> {
    let raw = message.raw_message();
    for part in &message.parts {
        if part.is_encoding_problem {
            return Err(Refusal::MalformedMime { detail: "a body part is badly encoded or truncated" });
        }
        let Some(content_type) = part.content_type() else { continue };
        if !content_type.ctype().eq_ignore_ascii_case("multipart") {
            continue;
        }
        let boundary = mime::attribute(content_type, "boundary")
            .filter(|boundary| !boundary.is_empty())
            .ok_or(Refusal::MalformedMime { detail: "a multipart without a boundary" })?;
        let body = raw.get(part.raw_body_offset() as usize..).unwrap_or_default();
        let closing = format!("--{boundary}--");
        if !contains(body, closing.as_bytes()) {
            return Err(Refusal::MalformedMime { detail: "a multipart without its closing delimiter" });
        }
        if !matches!(&part.body, PartType::Multipart(children) if !children.is_empty()) {
            return Err(Refusal::MalformedMime { detail: "a multipart without body parts" });
        }
    }
    Ok(())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

fn read_message(inner: &Message<'_>, outer: &Message<'_>) -> Result<InboundMessage, Refusal> {
    let from = inner
        .from()
        .or_else(|| outer.from())
        .and_then(Address::first)
        .and_then(|address| address.address())
        .ok_or(Refusal::MalformedMime { detail: "no From address" })?;
    let from = DirectAddress::parse(from).map_err(|_| Refusal::MalformedMime { detail: "an invalid From address" })?;
    let to = match inner.to().or_else(|| outer.to()) {
        Some(addresses) => addresses
            .iter()
            .filter_map(|address| address.address())
            .map(DirectAddress::parse)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| Refusal::MalformedMime { detail: "an invalid To address" })?,
        None => Vec::new(),
    };
    let subject = inner.subject().or_else(|| outer.subject()).map(str::to_owned);
    let message_id = inner.message_id().or_else(|| outer.message_id()).map(str::to_owned);
    let text = inner.body_text(0).map(|text| text.into_owned());
    let attachments = inner
        .attachments()
        .map(|part| Attachment {
            file_name: part.attachment_name().map(str::to_owned),
            content_type: mime::media_type(part),
            content: part.contents().to_vec(),
        })
        .collect();
    Ok(InboundMessage { from, to, subject, message_id, text, attachments })
}
