//! A `<thing>` as a client submits it to PutThings.

use haven_domain::ids::ThingTypeId;
use haven_domain::thing::{BlobHash, CommonData, ThingDraft, ThingFlags, ThingKey};
use roxmltree::Node;

use super::blob::{BlobData, BlobPayloadEntry, parse_blob_payload, parse_data_other, write_blob_payload};
use super::common::{parse_common, write_common};
use super::fragment::element_text;
use super::{ThingSchema, format_wall_clock, parse_guid, parse_key, parse_wall_clock, write_key};
use crate::error::{WireError, excerpt};
use crate::xml::{
    XmlBuilder, describe_element, is_named, optional_child, optional_text, parse_document, parse_number,
    required_child, text_of,
};

/// A thing submitted for writing, read from one `<thing>` of a PutThings request.
///
/// Only what a client may set is read: the key, `type-id`, `flags` (kept so the platform can
/// honour the ReadOnly bit; it decides which bits an application may set), `data-xml`, the
/// blobs and `updated-end-date` (a wall-clock time; the domain decides what a far-future date
/// means). `thing-state`, `eff-date`, `created`, `updated`, `eff-permissions` and
/// `signature-info` are ignored, as HealthVault ignores them. The top-level `tags`
/// (newer clients) wins over `common/tags` (older ones) when both are sent; the domain keeps one
/// tag list, in [`CommonData::tags`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmittedThing {
    /// `thing-id@version-stamp`: an update of that version; `None` for a new thing.
    pub key: Option<ThingKey>,
    /// The type, flags, data, common data and updated-end-date. Its `blobs` are empty: the
    /// platform stores the bytes below and then fills them in.
    pub draft: ThingDraft,
    /// Blobs sent inline (`base64data`, or v1's `data-other` as the default blob "").
    pub inline_blobs: Vec<InlineBlob>,
    /// Blobs uploaded beforehand to a BeginPutBlob URL (`blob-ref-url`).
    pub blob_references: Vec<BlobReference>,
    /// Names of blobs sent with neither data nor URL: the .NET SDK's way of removing a blob
    /// from the thing (it sends `content-length` 0).
    pub removed_blobs: Vec<String>,
}

/// A blob whose bytes came inline in the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineBlob {
    /// The blob's name; "" is the default blob.
    pub name: String,
    /// MIME type, as sent.
    pub content_type: String,
    /// The decoded bytes.
    pub bytes: Vec<u8>,
    /// The hash the client computed, if it sent one; the platform may check it.
    pub hash: Option<BlobHash>,
}

/// A blob the client uploaded to a BeginPutBlob URL before the PutThings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobReference {
    /// The blob's name; "" is the default blob.
    pub name: String,
    /// MIME type, as sent.
    pub content_type: String,
    /// The `blob-ref-url` BeginPutBlob returned.
    pub url: String,
    /// The length the client states, if any.
    pub content_length: Option<u64>,
    /// The hash the client computed, if it sent one.
    pub hash: Option<BlobHash>,
}

/// Reads a document whose element is one `<thing>` (for example a .NET SDK sample file).
pub fn parse_submitted_thing(xml: &str) -> Result<SubmittedThing, WireError> {
    let document = parse_document(xml)?;
    let root = document.root_element();
    if root.tag_name().name() != "thing" {
        return Err(WireError::WrongRoot { expected: "<thing>", found: describe_element(root) });
    }
    SubmittedThing::parse(xml, root)
}

/// Reads a sequence of `<thing>` elements side by side, with no element around them: the
/// plaintext of a DOPU package ("a sequence of thing elements", drop-off-pick-up.md). An XML
/// declaration, whitespace and comments may come between them; any other element or text is
/// refused, and there must be at least one thing. Each thing is read as PutThings reads one.
pub fn parse_submitted_things(xml: &str) -> Result<Vec<SubmittedThing>, WireError> {
    let mut body = xml.trim_start_matches('\u{feff}').trim_start();
    // A declaration may only open a document; it cannot stay inside the wrapper below.
    if body.starts_with("<?xml") {
        let end = body.find("?>").ok_or(WireError::InvalidValue {
            element: "package",
            expected: "a sequence of <thing> elements",
            text: excerpt(body),
        })?;
        body = &body[end + 2..];
    }
    // The wrapper gives the sequence the single root a document needs; the things keep their
    // exact text, since each is read from this one source.
    let wrapped = format!("<things>{body}</things>");
    let document = parse_document(&wrapped)?;
    let mut things = Vec::new();
    for node in document.root_element().children() {
        if is_named(node, "thing") {
            things.push(SubmittedThing::parse(&wrapped, node)?);
        } else if node.is_element() {
            return Err(WireError::InvalidValue {
                element: "package",
                expected: "only <thing> elements",
                text: excerpt(&describe_element(node)),
            });
        } else if node.is_text() && !node.text().unwrap_or_default().trim().is_empty() {
            return Err(WireError::InvalidValue {
                element: "package",
                expected: "only <thing> elements",
                text: excerpt(node.text().unwrap_or_default().trim()),
            });
        }
    }
    if things.is_empty() {
        return Err(WireError::MissingElement { parent: "package", element: "thing" });
    }
    Ok(things)
}

impl SubmittedThing {
    /// Reads `thing`, an element of the document parsed from `source`.
    ///
    /// Requires `type-id` and exactly one `data-xml`, whose element children are the type's
    /// root element and an optional `common`. The type's element is kept as sent (see the
    /// `fragment` module for the namespace declarations it may gain). A `thing-id` must carry
    /// its `version-stamp`.
    pub(crate) fn parse(source: &str, thing: Node<'_, '_>) -> Result<Self, WireError> {
        let key = optional_child(thing, "thing", "thing-id")?
            .map(|element| parse_key(element, "thing/thing-id", "thing/thing-id@version-stamp"))
            .transpose()?;
        let type_text = text_of(required_child(thing, "thing", "type-id")?);
        let type_id = parse_guid("thing/type-id", &type_text, ThingTypeId::parse)?;
        let flags = optional_text(thing, "thing", "flags")?
            .map(|text| parse_number("thing/flags", &text).map(ThingFlags))
            .transpose()?
            .unwrap_or_default();
        let (data_xml, mut common) = parse_data_xml(source, required_child(thing, "thing", "data-xml")?)?;
        if let Some(tags) = optional_text(thing, "thing", "tags")? {
            common.tags = Some(tags);
        }
        let mut entries = Vec::new();
        if let Some(data_other) = optional_child(thing, "thing", "data-other")? {
            entries.push(parse_data_other(data_other)?);
        }
        if let Some(payload) = optional_child(thing, "thing", "blob-payload")? {
            entries.extend(parse_blob_payload(payload)?);
        }
        let updated_end_date = optional_text(thing, "thing", "updated-end-date")?
            .map(|text| parse_wall_clock("thing/updated-end-date", &text))
            .transpose()?;
        let mut submitted = Self {
            key,
            draft: ThingDraft { type_id, flags, data_xml, common, blobs: Vec::new(), updated_end_date },
            inline_blobs: Vec::new(),
            blob_references: Vec::new(),
            removed_blobs: Vec::new(),
        };
        for entry in entries {
            let BlobPayloadEntry { name, content_type, content_length, hash, data } = entry;
            match data {
                BlobData::Inline(bytes) => submitted.inline_blobs.push(InlineBlob { name, content_type, bytes, hash }),
                BlobData::Url(url) => {
                    submitted.blob_references.push(BlobReference { name, content_type, url, content_length, hash });
                }
                BlobData::Information => submitted.removed_blobs.push(name),
            }
        }
        Ok(submitted)
    }

    /// Writes the `<thing>` a client sends for this submission. `Thing` can carry only the
    /// default blob, inline, as `data-other`; other blobs and the updated-end-date are left out.
    /// `Thing2` writes every blob in `blob-payload`, removals as `content-length` 0, and ends
    /// with `updated-end-date` when the draft has one.
    pub(crate) fn write(&self, builder: &mut XmlBuilder, schema: ThingSchema) {
        builder.start("thing");
        if let Some(key) = self.key {
            write_key(builder, "thing-id", key);
        }
        builder.text_element("type-id", &self.draft.type_id.to_string());
        builder.text_element("flags", &self.draft.flags.0.to_string());
        builder.start("data-xml");
        builder.raw(&self.draft.data_xml);
        write_common(builder, &self.draft.common);
        builder.end("data-xml");
        match schema {
            ThingSchema::Thing => {
                if let Some(blob) = self.inline_blobs.iter().find(|blob| blob.name.is_empty()) {
                    super::blob::write_data_other(builder, &blob.content_type, &blob.bytes);
                }
            }
            ThingSchema::Thing2 => {
                write_blob_payload(builder, &self.blob_entries());
                if let Some(updated_end_date) = self.draft.updated_end_date {
                    builder.text_element("updated-end-date", &format_wall_clock(updated_end_date));
                }
            }
        }
        builder.end("thing");
    }

    /// Every blob of the submission as a `blob-payload` entry.
    fn blob_entries(&self) -> Vec<BlobPayloadEntry> {
        let inline = self.inline_blobs.iter().map(|blob| BlobPayloadEntry {
            name: blob.name.clone(),
            content_type: blob.content_type.clone(),
            content_length: Some(blob.bytes.len() as u64),
            hash: blob.hash.clone(),
            data: BlobData::Inline(blob.bytes.clone()),
        });
        let references = self.blob_references.iter().map(|blob| BlobPayloadEntry {
            name: blob.name.clone(),
            content_type: blob.content_type.clone(),
            content_length: blob.content_length,
            hash: blob.hash.clone(),
            data: BlobData::Url(blob.url.clone()),
        });
        let removed = self.removed_blobs.iter().map(|name| BlobPayloadEntry {
            name: name.clone(),
            content_type: String::new(),
            content_length: Some(0),
            hash: None,
            data: BlobData::Information,
        });
        inline.chain(references).chain(removed).collect()
    }
}

/// Reads `data-xml`: the type's root element (verbatim) and `common`. The `transform`
/// attribute is ignored, as thing.xsd says it is on put.
pub(super) fn parse_data_xml(source: &str, data_xml: Node<'_, '_>) -> Result<(String, CommonData), WireError> {
    let mut elements = data_xml.children().filter(Node::is_element);
    let type_element = elements
        .next()
        .filter(|element| !is_named(*element, "common"))
        .ok_or(WireError::MissingElement { parent: "thing/data-xml", element: "the thing type's root element" })?;
    let common = match elements.next() {
        Some(common) if is_named(common, "common") => parse_common(source, common)?,
        Some(other) => return Err(unexpected_in_data_xml(other)),
        None => CommonData::default(),
    };
    if let Some(other) = elements.next() {
        return Err(unexpected_in_data_xml(other));
    }
    Ok((element_text(source, type_element), common))
}

fn unexpected_in_data_xml(element: Node<'_, '_>) -> WireError {
    WireError::InvalidValue {
        element: "thing/data-xml",
        expected: "the thing type's root element followed by an optional <common>",
        text: excerpt(&format!("<{}>", element.tag_name().name())),
    }
}
