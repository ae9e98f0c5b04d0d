//! BeginPutBlob (v1): an upload URL for a blob, the chunk size to send and the hash the
//! server will compute. The upload itself is plain HTTP POSTs to that URL.

use crate::error::WireError;
use crate::response::ResponseInfo;
use crate::xml::{XmlBuilder, optional_child, parse_document, parse_number, required_text};

/// The method name.
pub const METHOD: &str = "BeginPutBlob";

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BeginPutBlobResponse {
    /// `blob-ref-url`: where to POST the chunks (carries the upload token).
    pub blob_ref_url: String,
    /// `blob-chunk-size`: bytes per chunk.
    pub chunk_size: u32,
    /// `max-blob-size`: the largest blob accepted.
    pub max_blob_size: u64,
    /// `blob-hash-algorithm`, e.g. `SHA256Block`.
    pub hash_algorithm: String,
    /// `blob-hash-parameters/block-size`.
    pub hash_block_size: u32,
}

impl BeginPutBlobResponse {
    /// The `wc:info` of the response.
    pub fn to_info(&self) -> ResponseInfo {
        let mut builder = XmlBuilder::new();
        builder.text_element("blob-ref-url", &self.blob_ref_url);
        builder.text_element("blob-chunk-size", &self.chunk_size.to_string());
        builder.text_element("max-blob-size", &self.max_blob_size.to_string());
        builder.text_element("blob-hash-algorithm", &self.hash_algorithm);
        builder.start("blob-hash-parameters");
        builder.text_element("block-size", &self.hash_block_size.to_string());
        builder.end("blob-hash-parameters");
        ResponseInfo::new("BeginPutBlob", builder.finish())
    }

    /// Reads the inner XML of a response's `wc:info`.
    pub fn parse_info_xml(inner_xml: &str) -> Result<Self, WireError> {
        let wrapped = format!("<info>{inner_xml}</info>");
        let document = parse_document(&wrapped)?;
        let info = document.root_element();
        let max_text = required_text(info, "info", "max-blob-size")?;
        let hash_block_size = match optional_child(info, "info", "blob-hash-parameters")? {
            Some(parameters) => {
                parse_number("block-size", &required_text(parameters, "blob-hash-parameters", "block-size")?)?
            }
            None => 0,
        };
        Ok(Self {
            blob_ref_url: required_text(info, "info", "blob-ref-url")?.trim().to_owned(),
            chunk_size: parse_number("blob-chunk-size", &required_text(info, "info", "blob-chunk-size")?)?,
            max_blob_size: max_text.trim().parse().map_err(|_| WireError::InvalidNumber {
                element: "max-blob-size",
                text: crate::error::excerpt(&max_text),
            })?,
            hash_algorithm: required_text(info, "info", "blob-hash-algorithm")?.trim().to_owned(),
            hash_block_size,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::{Response, parse_response};
    use crate::testing::{ReferenceDocs, Xmllint};

    fn response() -> BeginPutBlobResponse {
        BeginPutBlobResponse {
            blob_ref_url: "http://127.0.0.1:8111/streaming/wildcatblob.ashx?blob-ref-token=abc%2B%3D".to_owned(),
            chunk_size: 2_097_152,
            max_blob_size: 268_435_456,
            hash_algorithm: "SHA256Block".to_owned(),
            hash_block_size: 2_097_152,
        }
    }

    #[test]
    fn round_trips_and_validates() {
        let written = Response::ok(response().to_info()).to_xml();
        let info = parse_response(&written).unwrap().info.unwrap();
        assert_eq!(info.schema(), Some("BeginPutBlob"));
        assert_eq!(BeginPutBlobResponse::parse_info_xml(info.inner_xml).unwrap(), response());
        let Some(docs) = ReferenceDocs::locate("BeginPutBlob XSD validation") else { return };
        let Some(xmllint) = Xmllint::locate("BeginPutBlob XSD validation", &docs) else { return };
        let info = response().to_info();
        let standalone = format!(r#"<wc:info xmlns:wc="{}">{}</wc:info>"#, info.namespace(), info.inner_xml);
        if let Err(report) = xmllint.validate("response-beginputblob.xsd", &standalone) {
            panic!("BeginPutBlob does not validate:\n{report}");
        }
    }
}
