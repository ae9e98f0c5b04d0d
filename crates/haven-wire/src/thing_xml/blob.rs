//! A thing's blobs on the wire: `blob-payload/blob` (`Thing2`) and the older single inline
//! `data-other` (`Thing`), which is the default blob (the one named "").

use haven_domain::thing::{BlobHash, BlobRef};
use roxmltree::Node;

use crate::base64_text::{decode_base64, encode_base64};
use crate::error::{WireError, excerpt};
use crate::xml::{XmlBuilder, children_named, optional_child, optional_text, parse_number, required_child, text_of};

const BLOB: &str = "thing/blob-payload/blob";
const BLOB_INFO: &str = "thing/blob-payload/blob/blob-info";
const HASH_INFO: &str = "thing/blob-payload/blob/blob-info/hash-info";

/// The block size `SHA256Block` uses when `hash-info` gives no `params/block-size`: 2 MiB, the
/// size HealthVault's BeginPutBlob announces.
pub const DEFAULT_HASH_BLOCK_SIZE: u32 = 2_097_152;

/// One `blob-payload/blob`: its description and, depending on the blob format asked for or
/// sent, its bytes or where to fetch them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobPayloadEntry {
    /// `blob-info/name`; the empty string names the default blob.
    pub name: String,
    /// `blob-info/content-type`.
    pub content_type: String,
    /// `content-length`, in bytes.
    pub content_length: Option<u64>,
    /// `blob-info/hash-info`.
    pub hash: Option<BlobHash>,
    /// `base64data`, `blob-ref-url` or neither.
    pub data: BlobData,
}

/// Where a blob's bytes are, in a `blob-payload/blob`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobData {
    /// Neither: the description only (blob format `information`). In PutThings, the .NET SDK
    /// sends this (with `content-length` 0) for a blob it removes.
    Information,
    /// `base64data`: the bytes inline (blob format `inline`).
    Inline(Vec<u8>),
    /// `blob-ref-url`: a URL to stream the bytes from (format `streamed`) or, in PutThings, the
    /// URL BeginPutBlob gave and the client uploaded to.
    Url(String),
}

impl BlobPayloadEntry {
    /// The entry for a stored blob with `data`.
    pub fn from_blob(blob: &BlobRef, data: BlobData) -> Self {
        Self {
            name: blob.name.clone(),
            content_type: blob.content_type.clone(),
            content_length: Some(blob.content_length),
            hash: blob.hash.clone(),
            data,
        }
    }
}

/// Reads `blob-payload`. `legacy-content-encoding` and `current-content-encoding` are ignored:
/// inline bytes are kept as decoded from base64.
pub(super) fn parse_blob_payload(payload: Node<'_, '_>) -> Result<Vec<BlobPayloadEntry>, WireError> {
    children_named(payload, "blob").map(parse_blob).collect()
}

fn parse_blob(blob: Node<'_, '_>) -> Result<BlobPayloadEntry, WireError> {
    let info = required_child(blob, BLOB, "blob-info")?;
    let hash = optional_child(info, BLOB_INFO, "hash-info")?.map(parse_hash_info).transpose()?;
    let content_length = optional_text(blob, BLOB, "content-length")?
        .map(|text| {
            text.parse::<u64>().map_err(|_| WireError::InvalidNumber {
                element: "thing/blob-payload/blob/content-length",
                text: excerpt(&text),
            })
        })
        .transpose()?;
    let inline = optional_child(blob, BLOB, "base64data")?;
    let url = optional_text(blob, BLOB, "blob-ref-url")?;
    let data = match (inline, url) {
        (Some(_), Some(_)) => {
            return Err(WireError::DuplicateElement { parent: BLOB, element: "base64data or blob-ref-url" });
        }
        (Some(inline), None) => BlobData::Inline(decode_base64(&text_of(inline))?),
        (None, Some(url)) => BlobData::Url(url),
        (None, None) => BlobData::Information,
    };
    Ok(BlobPayloadEntry {
        name: text_of(required_child(info, BLOB_INFO, "name")?).trim().to_owned(),
        content_type: text_of(required_child(info, BLOB_INFO, "content-type")?).trim().to_owned(),
        content_length,
        hash,
        data,
    })
}

fn parse_hash_info(hash_info: Node<'_, '_>) -> Result<BlobHash, WireError> {
    let block_size = match optional_child(hash_info, HASH_INFO, "params")? {
        Some(params) => optional_text(params, "thing/blob-payload/blob/blob-info/hash-info/params", "block-size")?
            .map(|text| parse_number("thing/blob-payload/blob/blob-info/hash-info/params/block-size", &text))
            .transpose()?,
        None => None,
    };
    Ok(BlobHash {
        algorithm: text_of(required_child(hash_info, HASH_INFO, "algorithm")?).trim().to_owned(),
        block_size: block_size.unwrap_or(DEFAULT_HASH_BLOCK_SIZE),
        value: text_of(required_child(hash_info, HASH_INFO, "hash")?).trim().to_owned(),
    })
}

/// Writes `blob-payload` in schema order; nothing when there are no entries (the schema wants
/// at least one `blob`). An empty inline blob is written without `base64data`, which may not be
/// empty.
pub(super) fn write_blob_payload(builder: &mut XmlBuilder, entries: &[BlobPayloadEntry]) {
    if entries.is_empty() {
        return;
    }
    builder.start("blob-payload");
    for entry in entries {
        builder.start("blob");
        builder.start("blob-info");
        builder.text_element("name", &entry.name);
        builder.text_element("content-type", &entry.content_type);
        if let Some(hash) = &entry.hash {
            builder.start("hash-info");
            builder.text_element("algorithm", &hash.algorithm);
            if hash.block_size > 0 {
                builder.start("params");
                builder.text_element("block-size", &hash.block_size.to_string());
                builder.end("params");
            }
            builder.text_element("hash", &hash.value);
            builder.end("hash-info");
        }
        builder.end("blob-info");
        if let Some(length) = entry.content_length {
            builder.text_element("content-length", &length.to_string());
        }
        match &entry.data {
            BlobData::Information => {}
            BlobData::Inline(bytes) if bytes.is_empty() => {}
            BlobData::Inline(bytes) => builder.text_element("base64data", &encode_base64(bytes)),
            BlobData::Url(url) => builder.text_element("blob-ref-url", url),
        }
        builder.end("blob");
    }
    builder.end("blob-payload");
}

/// Reads `data-other` as the default blob, inline. Its `content-encoding` is a comma-separated
/// list of encodings applied in order; only `base64` (also spelled `base-64`) is supported,
/// and no encoding means the text itself is the content (UTF-8).
pub(super) fn parse_data_other(data_other: Node<'_, '_>) -> Result<BlobPayloadEntry, WireError> {
    let text = text_of(data_other);
    let encodings = data_other.attribute("content-encoding").unwrap_or_default();
    let mut bytes = text.clone().into_bytes();
    for encoding in encodings.split(',').map(str::trim).filter(|encoding| !encoding.is_empty()).rev() {
        match encoding.to_ascii_lowercase().as_str() {
            "base64" | "base-64" => bytes = decode_base64(&String::from_utf8_lossy(&bytes))?,
            _ => {
                return Err(WireError::InvalidValue {
                    element: "thing/data-other@content-encoding",
                    expected: "base64 or nothing",
                    text: excerpt(encodings),
                });
            }
        }
    }
    Ok(BlobPayloadEntry {
        name: String::new(),
        content_type: data_other.attribute("content-type").unwrap_or_default().trim().to_owned(),
        content_length: Some(bytes.len() as u64),
        hash: None,
        data: BlobData::Inline(bytes),
    })
}

/// Writes an inline blob as `data-other`, base64-encoded.
pub(super) fn write_data_other(builder: &mut XmlBuilder, content_type: &str, bytes: &[u8]) {
    builder.text_element_with(
        "data-other",
        &[("content-type", content_type), ("content-encoding", "base64")],
        &encode_base64(bytes),
    );
}
