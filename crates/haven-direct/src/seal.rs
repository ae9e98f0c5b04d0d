//! Sealing an outbound Direct message: signed with the domain key, then encrypted to the
//! recipient's certificate.

use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::stack::Stack;
use openssl::symm::Cipher;
use openssl::x509::X509Ref;
use thiserror::Error;

use crate::identity::DomainIdentity;
use crate::mime;

/// Header fields copied from the message to the outer, unencrypted message, so that relays and
/// mail clients can route and list it. Everything else, and every header again, travels only
/// inside the encryption.
const OUTER_HEADERS: [&str; 10] =
    ["from", "to", "cc", "reply-to", "sender", "subject", "date", "message-id", "in-reply-to", "references"];

/// The base64 line length of RFC 2045.
const BASE64_LINE_LEN: usize = 76;

/// Why a message could not be sealed.
#[derive(Debug, Error)]
pub enum SealError {
    #[error("the message has no header section ending in an empty line")]
    NoHeaderSection,
    #[error("the message has no From header")]
    MissingFrom,
    #[error("OpenSSL failed to sign or encrypt: {0}")]
    Crypto(#[from] openssl::error::ErrorStack),
}

/// Seals `message_mime`, a complete RFC 5322 message (From, To, Subject, Date, Message-ID and
/// its MIME body), for one recipient: the message, with its line breaks made CRLF, becomes the
/// first part of a `multipart/signed` whose detached SHA-256 signature is made with `domain`'s key
/// (its chain included), and that entity is encrypted with AES-256-CBC to `recipient`. The result
/// is a complete message: the routing headers listed in `OUTER_HEADERS` copied, then
/// `application/pkcs7-mime; smime-type=enveloped-data` in base64, every line ending in CRLF.
pub fn seal_outbound(message_mime: &[u8], domain: &DomainIdentity, recipient: &X509Ref) -> Result<Vec<u8>, SealError> {
    let message = mime::canonical_crlf(message_mime);
    let header_end = find(&message, b"\r\n\r\n").ok_or(SealError::NoHeaderSection)?;
    let outer_headers = routing_headers(&message[..header_end + 2]);
    if !outer_headers.iter().any(|field| field_name(field).eq_ignore_ascii_case("from")) {
        return Err(SealError::MissingFrom);
    }

    let signed_entity = sign_detached(&message, domain)?;

    let mut recipients = Stack::new()?;
    recipients.push(recipient.to_owned())?;
    let enveloped = CmsContentInfo::encrypt(&recipients, &signed_entity, Cipher::aes_256_cbc(), CMSOptions::BINARY)?;

    let mut sealed = Vec::new();
    for field in outer_headers {
        sealed.extend_from_slice(field);
    }
    sealed.extend_from_slice(
        b"MIME-Version: 1.0\r\n\
          Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=\"smime.p7m\"\r\n\
          Content-Transfer-Encoding: base64\r\n\
          Content-Disposition: attachment; filename=\"smime.p7m\"\r\n\r\n",
    );
    sealed.extend_from_slice(base64_lines(&enveloped.to_der()?).as_bytes());
    Ok(sealed)
}

/// The `multipart/signed` entity holding `message` and its detached signature.
fn sign_detached(message: &[u8], domain: &DomainIdentity) -> Result<Vec<u8>, SealError> {
    let mut chain = Stack::new()?;
    for certificate in domain.chain() {
        chain.push(certificate.clone())?;
    }
    let flags = CMSOptions::DETACHED | CMSOptions::BINARY;
    let signature =
        CmsContentInfo::sign(Some(domain.certificate()), Some(domain.key()), Some(&chain), Some(message), flags)?;
    let boundary = boundary_not_in(message)?;
    let mut entity = format!(
        "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=\"sha-256\"; \
         boundary=\"{boundary}\"\r\n\r\nThis is an S/MIME signed message.\r\n--{boundary}\r\n"
    )
    .into_bytes();
    entity.extend_from_slice(message);
    entity.extend_from_slice(
        format!(
            "\r\n--{boundary}\r\n\
             Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n\
             Content-Transfer-Encoding: base64\r\n\
             Content-Disposition: attachment; filename=\"smime.p7s\"\r\n\r\n\
             {signature}--{boundary}--\r\n",
            signature = base64_lines(&signature.to_der()?),
        )
        .as_bytes(),
    );
    Ok(entity)
}

/// A random boundary that does not occur in the content.
fn boundary_not_in(content: &[u8]) -> Result<String, SealError> {
    loop {
        let mut random = [0u8; 12];
        openssl::rand::rand_bytes(&mut random)?;
        let boundary = format!("----=_haven_{}", hex(&random));
        if find(content, boundary.as_bytes()).is_none() {
            return Ok(boundary);
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The header fields (with their continuation lines and CRLFs) named in `OUTER_HEADERS`.
fn routing_headers(header_section: &[u8]) -> Vec<&[u8]> {
    let mut fields: Vec<&[u8]> = Vec::new();
    let mut field_start = 0;
    let mut position = 0;
    while position < header_section.len() {
        let line_end = find(&header_section[position..], b"\r\n").map_or(header_section.len(), |at| position + at + 2);
        let next_is_continuation = matches!(header_section.get(line_end), Some(b' ' | b'\t'));
        if !next_is_continuation {
            let field = &header_section[field_start..line_end];
            if OUTER_HEADERS.iter().any(|name| field_name(field).eq_ignore_ascii_case(name)) {
                fields.push(field);
            }
            field_start = line_end;
        }
        position = line_end;
    }
    fields
}

fn field_name(field: &[u8]) -> &str {
    let name = field.iter().position(|&byte| byte == b':').map_or(&field[..0], |colon| &field[..colon]);
    std::str::from_utf8(name).unwrap_or_default().trim_end()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// Base64 in lines of 76 characters, each ending in CRLF.
fn base64_lines(bytes: &[u8]) -> String {
    let encoded = openssl::base64::encode_block(bytes);
    let mut lines = String::with_capacity(encoded.len() + encoded.len() / BASE64_LINE_LEN * 2 + 2);
    for chunk in encoded.as_bytes().chunks(BASE64_LINE_LEN) {
        // Base64 is ASCII, so every chunk is valid UTF-8.
        lines.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        lines.push_str("\r\n");
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_routing_headers_with_their_continuations() {
        let header_section = b"From: Jane <jane@direct.example>\r\nX-Private: no\r\nSubject: a long\r\n subject\r\n\
                               Content-Type: text/plain\r\nTo: dr@provider.example\r\n";
        let fields: Vec<&[u8]> = routing_headers(header_section);
        assert_eq!(
            fields,
            [
                &b"From: Jane <jane@direct.example>\r\n"[..],
                &b"Subject: a long\r\n subject\r\n"[..],
                &b"To: dr@provider.example\r\n"[..],
            ]
        );
    }

    #[test]
    fn wraps_base64() {
        let lines = base64_lines(&[0u8; 100]);
        let lines: Vec<&str> = lines.split("\r\n").collect();
        assert_eq!(lines[0].len(), 76);
        assert_eq!(lines.last(), Some(&""));
        assert_eq!(lines.len(), 3);
    }

    #[test]
    fn boundaries_avoid_the_content() {
        let boundary = boundary_not_in(b"hello").unwrap();
        assert!(boundary.starts_with("----=_haven_"));
        assert_eq!(boundary.len(), "----=_haven_".len() + 24);
    }
}
