//! BeginPutConnectPackageBlob (version 1): an upload URL for a blob of a thing inside a DOPU
//! package (protocol notes, section 14). The blob is encrypted like the package, chunk by
//! chunk, so besides what BeginPutBlob says (see [`super::begin_put_blob`]) the answer
//! (`response-beginputconnectpackageblob.xsd`) names the chunk encryption (`aes256`) and the
//! chunk size before and after encryption. The request has no parameters (there is no method
//! schema; clients send `<info/>`). The upload itself is plain HTTP POSTs to the URL, and
//! CreateConnectPackage v2 lists the URL in `streamed-package-blobs`.

use crate::error::{WireError, excerpt};
use crate::request::Request;
use crate::response::ResponseInfo;
use crate::xml::{XmlBuilder, optional_text, parse_document, parse_number, required_child, required_text};

/// The method name.
pub const METHOD: &str = "BeginPutConnectPackageBlob";

/// The response schema.
pub const RESPONSE_SCHEMA: &str = "BeginPutConnectPackageBlob";

/// The longest `blob-hash-algorithm` the schema allows (`stringz255`).
const MAX_HASH_ALGORITHM_CHARS: usize = 255;

/// The request, which has no parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BeginPutConnectPackageBlobRequest;

impl BeginPutConnectPackageBlobRequest {
    /// Checks the version of a parsed envelope; any `<info>` content is ignored.
    pub fn from_request(request: &Request<'_>) -> Result<Self, WireError> {
        match request.method_version() {
            1 => Ok(Self),
            version => Err(WireError::UnsupportedMethodVersion { method: METHOD, version }),
        }
    }

    /// Writes `<info/>` as a client sends it.
    pub fn to_info_xml(&self) -> String {
        "<info/>".to_owned()
    }
}

/// `package-blob-chunk-encryption-algorithm`: how each chunk is encrypted. The schema knows
/// one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PackageBlobChunkEncryption {
    /// `aes256`: AES with a 256-bit key.
    Aes256,
}

impl PackageBlobChunkEncryption {
    /// The schema's name for the algorithm.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Aes256 => "aes256",
        }
    }

    fn parse(text: &str) -> Result<Self, WireError> {
        match text.trim() {
            "aes256" => Ok(Self::Aes256),
            _ => Err(WireError::InvalidValue {
                element: "package-blob-chunk-encryption-algorithm",
                expected: "aes256",
                text: excerpt(text),
            }),
        }
    }
}

/// The answer. The sizes are `positiveInteger`s: a zero is refused when read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BeginPutConnectPackageBlobResponse {
    /// `blob-ref-url`: where to POST the encrypted chunks (carries the upload token), and what
    /// to list in CreateConnectPackage's `streamed-package-blobs`.
    pub blob_ref_url: String,
    /// `package-blob-chunk-encryption-algorithm`.
    pub chunk_encryption: PackageBlobChunkEncryption,
    /// `blob-pre-encryption-chunk-size`: bytes of plain blob per chunk.
    pub pre_encryption_chunk_size: u32,
    /// `blob-post-encryption-chunk-size`: bytes per chunk as sent, once encrypted.
    pub post_encryption_chunk_size: u32,
    /// `max-blob-size`: the largest blob accepted, in bytes.
    pub max_blob_size: u64,
    /// `blob-hash-algorithm`, e.g. `SHA256Block`; at most 255 characters.
    pub hash_algorithm: String,
    /// `blob-hash-parameters/block-size`, if the answer gives one.
    pub hash_block_size: Option<u32>,
}

impl BeginPutConnectPackageBlobResponse {
    /// The answer's `wc:info`, in the `BeginPutConnectPackageBlob` schema.
    pub fn to_info(&self) -> ResponseInfo {
        let mut builder = XmlBuilder::new();
        builder.text_element("blob-ref-url", &self.blob_ref_url);
        builder.text_element("package-blob-chunk-encryption-algorithm", self.chunk_encryption.as_str());
        builder.text_element("blob-pre-encryption-chunk-size", &self.pre_encryption_chunk_size.to_string());
        builder.text_element("blob-post-encryption-chunk-size", &self.post_encryption_chunk_size.to_string());
        builder.text_element("max-blob-size", &self.max_blob_size.to_string());
        builder.text_element("blob-hash-algorithm", &self.hash_algorithm);
        builder.start("blob-hash-parameters");
        if let Some(block_size) = self.hash_block_size {
            builder.text_element("block-size", &block_size.to_string());
        }
        builder.end("blob-hash-parameters");
        ResponseInfo::new(RESPONSE_SCHEMA, builder.finish())
    }

    /// Reads the inner XML of the answer's `wc:info` (for the SDK and tests).
    pub fn parse_info_xml(inner_xml: &str) -> Result<Self, WireError> {
        let wrapped = format!("<info>{inner_xml}</info>");
        let document = parse_document(&wrapped)?;
        let info = document.root_element();
        let size = |name: &'static str| -> Result<u32, WireError> {
            positive(name, parse_number(name, &required_text(info, "info", name)?)?)
        };
        let max_text = required_text(info, "info", "max-blob-size")?;
        let max_blob_size = max_text
            .trim()
            .parse::<u64>()
            .map_err(|_| WireError::InvalidNumber { element: "max-blob-size", text: excerpt(&max_text) })?;
        let hash_algorithm = required_text(info, "info", "blob-hash-algorithm")?.trim().to_owned();
        if hash_algorithm.chars().count() > MAX_HASH_ALGORITHM_CHARS {
            return Err(WireError::InvalidValue {
                element: "blob-hash-algorithm",
                expected: "at most 255 characters",
                text: excerpt(&hash_algorithm),
            });
        }
        let parameters = required_child(info, "info", "blob-hash-parameters")?;
        let hash_block_size = optional_text(parameters, "blob-hash-parameters", "block-size")?
            .map(|text| positive("block-size", parse_number("block-size", &text)?))
            .transpose()?;
        Ok(Self {
            blob_ref_url: required_text(info, "info", "blob-ref-url")?.trim().to_owned(),
            chunk_encryption: PackageBlobChunkEncryption::parse(&required_text(
                info,
                "info",
                "package-blob-chunk-encryption-algorithm",
            )?)?,
            pre_encryption_chunk_size: size("blob-pre-encryption-chunk-size")?,
            post_encryption_chunk_size: size("blob-post-encryption-chunk-size")?,
            max_blob_size: positive("max-blob-size", max_blob_size)?,
            hash_algorithm,
            hash_block_size,
        })
    }
}

/// `value` if it is not zero: the schema's sizes are `positiveInteger`s.
fn positive<Size: PartialEq + From<u8>>(element: &'static str, value: Size) -> Result<Size, WireError> {
    if value == Size::from(0) {
        return Err(WireError::InvalidValue { element, expected: "a positive number of bytes", text: "0".to_owned() });
    }
    Ok(value)
}

#[cfg(test)]
mod tests;
