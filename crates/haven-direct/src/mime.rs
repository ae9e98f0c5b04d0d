//! Small MIME and CMS helpers shared by receiving and sealing: content-type checks, splitting a
//! `multipart/signed` body at its exact bytes, line-ending canonicalisation, and reading the
//! content type of a CMS `ContentInfo`.

use mail_parser::{ContentType, MessagePart, MimeHeaders};

/// `application/pkcs7-mime` or its pre-RFC 5751 spelling `application/x-pkcs7-mime`.
pub(crate) fn is_pkcs7_mime(content_type: &ContentType<'_>) -> bool {
    content_type.ctype().eq_ignore_ascii_case("application")
        && content_type.subtype().is_some_and(|subtype| {
            subtype.eq_ignore_ascii_case("pkcs7-mime") || subtype.eq_ignore_ascii_case("x-pkcs7-mime")
        })
}

/// `application/pkcs7-signature` or `application/x-pkcs7-signature`.
pub(crate) fn is_pkcs7_signature_type(media_type: &str) -> bool {
    media_type.eq_ignore_ascii_case("application/pkcs7-signature")
        || media_type.eq_ignore_ascii_case("application/x-pkcs7-signature")
}

/// Whether the content type is `type/subtype`, case-insensitively.
pub(crate) fn is_type(content_type: &ContentType<'_>, ctype: &str, subtype: &str) -> bool {
    content_type.ctype().eq_ignore_ascii_case(ctype)
        && content_type.subtype().is_some_and(|found| found.eq_ignore_ascii_case(subtype))
}

/// A content type attribute, with the name compared case-insensitively.
pub(crate) fn attribute<'a>(content_type: &'a ContentType<'_>, name: &str) -> Option<&'a str> {
    content_type
        .attributes()?
        .iter()
        .find(|attribute| attribute.name.eq_ignore_ascii_case(name))
        .map(|attribute| attribute.value.as_ref())
}

/// The part's `type/subtype`, lower-cased; `text/plain` when it has no Content-Type (RFC 2045).
pub(crate) fn media_type(part: &MessagePart<'_>) -> String {
    match part.content_type() {
        Some(content_type) => match content_type.subtype() {
            Some(subtype) => format!("{}/{}", content_type.ctype(), subtype).to_ascii_lowercase(),
            None => content_type.ctype().to_ascii_lowercase(),
        },
        None => "text/plain".to_owned(),
    }
}

/// The two bodies of a `multipart/signed` entity, as exact byte ranges of the entity.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct SignedParts<'a> {
    /// The first body part, headers included, exactly as signed (RFC 1847 section 2.1): from
    /// after the first delimiter line to before the line break that precedes the second.
    pub(crate) content: &'a [u8],
    /// The second body part, headers included.
    pub(crate) signature: &'a [u8],
}

/// Splits a multipart body (the bytes after the entity's header section) into exactly two body
/// parts, as `multipart/signed` requires. `None` when a delimiter is missing, the closing
/// delimiter is absent, or the number of parts is not two.
pub(crate) fn split_signed<'a>(body: &'a [u8], boundary: &str) -> Option<SignedParts<'a>> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    // Each delimiter line as (start of the line, end of the line including its break, closing?).
    let mut delimiters = Vec::new();
    let mut line_start = 0;
    while line_start < body.len() {
        let line_end = body[line_start..]
            .iter()
            .position(|&byte| byte == b'\n')
            .map_or(body.len(), |position| line_start + position + 1);
        let line = &body[line_start..line_end];
        if let Some(rest) = line.strip_prefix(delimiter) {
            let closing = rest.starts_with(b"--");
            let rest = if closing { &rest[2..] } else { rest };
            // Only transport padding (spaces and tabs) may follow a delimiter (RFC 2046 5.1.1).
            if rest.iter().all(|&byte| matches!(byte, b' ' | b'\t' | b'\r' | b'\n')) {
                delimiters.push((line_start, line_end, closing));
                if closing {
                    break;
                }
            }
        }
        line_start = line_end;
    }
    match delimiters.as_slice() {
        [(_, first_end, false), (second_start, second_end, false), (third_start, _, true)] => Some(SignedParts {
            content: &body[*first_end..without_line_break(body, *second_start)],
            signature: &body[*second_end..without_line_break(body, *third_start)],
        }),
        _ => None,
    }
}

/// The position of the line break (CRLF or LF) that ends just before `line_start`, which belongs
/// to the following delimiter rather than to the part.
fn without_line_break(body: &[u8], line_start: usize) -> usize {
    let mut end = line_start;
    if end > 0 && body[end - 1] == b'\n' {
        end -= 1;
        if end > 0 && body[end - 1] == b'\r' {
            end -= 1;
        }
    }
    end
}

/// The bytes with every line break as CRLF, the canonical form S/MIME signs (RFC 5751 3.1.1).
pub(crate) fn canonical_crlf(bytes: &[u8]) -> Vec<u8> {
    let mut canonical = Vec::with_capacity(bytes.len() + bytes.len() / 32);
    let mut previous = 0u8;
    for &byte in bytes {
        if byte == b'\n' && previous != b'\r' {
            canonical.push(b'\r');
        }
        canonical.push(byte);
        previous = byte;
    }
    canonical
}

/// The CMS content types Direct messages use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmsType {
    /// id-envelopedData, 1.2.840.113549.1.7.3.
    Enveloped,
    /// id-signedData, 1.2.840.113549.1.7.2.
    Signed,
    /// Any other type.
    Other,
}

/// The DER body of the id-signedData OID without its last arc.
const PKCS7_OID_PREFIX: [u8; 8] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07];

/// Reads the `contentType` of a CMS `ContentInfo` (a SEQUENCE whose first element is an OID),
/// without parsing the rest. `None` when the bytes do not start like a `ContentInfo`.
pub(crate) fn cms_type(der: &[u8]) -> Option<CmsType> {
    let (&tag, rest) = der.split_first()?;
    if tag != 0x30 {
        return None;
    }
    let rest = skip_length(rest)?;
    let (&oid_tag, rest) = rest.split_first()?;
    let (&oid_len, rest) = rest.split_first()?;
    if oid_tag != 0x06 || oid_len >= 0x80 {
        return None;
    }
    let oid = rest.get(..usize::from(oid_len))?;
    Some(match oid.split_last() {
        Some((3, prefix)) if prefix == PKCS7_OID_PREFIX => CmsType::Enveloped,
        Some((2, prefix)) if prefix == PKCS7_OID_PREFIX => CmsType::Signed,
        _ => CmsType::Other,
    })
}

/// Skips a BER length (short, long or indefinite form).
fn skip_length(bytes: &[u8]) -> Option<&[u8]> {
    let (&first, rest) = bytes.split_first()?;
    match first {
        0x80 => Some(rest),
        length if length < 0x80 => Some(rest),
        long_form => rest.get(usize::from(long_form & 0x7f)..),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_signed_parts_at_exact_bytes() {
        let body = b"preamble\r\n--b1\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b1\r\nContent-Type: application/pkcs7-signature\r\n\r\nSIG\r\n--b1--\r\nepilogue";
        let parts = split_signed(body, "b1").unwrap();
        assert_eq!(parts.content, b"Content-Type: text/plain\r\n\r\nhello");
        assert_eq!(parts.signature, b"Content-Type: application/pkcs7-signature\r\n\r\nSIG");
    }

    #[test]
    fn splits_with_bare_line_feeds_and_padding() {
        let body = b"--b1 \nA\n\nx\n--b1\nB\n\ny\n--b1--";
        let parts = split_signed(body, "b1").unwrap();
        assert_eq!(parts.content, b"A\n\nx");
        assert_eq!(parts.signature, b"B\n\ny");
    }

    #[test]
    fn refuses_other_shapes() {
        assert_eq!(split_signed(b"--b1\r\nA\r\n--b1\r\nB\r\n", "b1"), None, "no closing delimiter");
        assert_eq!(split_signed(b"--b1\r\nA\r\n--b1--\r\n", "b1"), None, "one part");
        assert_eq!(split_signed(b"--b1\r\nA\r\n--b1\r\nB\r\n--b1\r\nC\r\n--b1--", "b1"), None, "three parts");
        assert_eq!(split_signed(b"--b1x\r\nA\r\n--b1x\r\nB\r\n--b1x--", "b1"), None, "a longer boundary");
    }

    #[test]
    fn canonicalises_line_breaks() {
        assert_eq!(canonical_crlf(b"a\nb\r\nc\n"), b"a\r\nb\r\nc\r\n");
        assert_eq!(canonical_crlf(b""), b"");
    }

    #[test]
    fn reads_cms_content_types() {
        let enveloped = [0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03, 0xa0];
        let signed = [0x30, 0x82, 0x01, 0x00, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
        let data = [0x30, 0x10, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
        assert_eq!(cms_type(&enveloped), Some(CmsType::Enveloped));
        assert_eq!(cms_type(&signed), Some(CmsType::Signed));
        assert_eq!(cms_type(&data), Some(CmsType::Other));
        assert_eq!(cms_type(b"hello"), None);
        assert_eq!(cms_type(&[0x30]), None);
        assert_eq!(cms_type(&[]), None);
    }
}
