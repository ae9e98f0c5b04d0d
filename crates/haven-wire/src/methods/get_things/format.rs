//! A group's `format`: which sections of each thing to return, whether and how to return its
//! `data-xml`, which type versions the client understands, and how to return blobs (v3).

use haven_domain::ids::ThingTypeId;
use roxmltree::Node;

use crate::error::{WireError, excerpt};
use crate::thing_xml::{ThingSections, parse_guid};
use crate::xml::{XmlBuilder, children_named, optional_child, required_child, text_of};

/// A `format/section` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ThingSection {
    /// `core`: state, flags and effective date.
    Core,
    /// `audits`: the created and updated audits.
    Audits,
    /// `effectivepermissions`: what the caller may do with the thing.
    EffectivePermissions,
    /// `digitalsignatures`: the thing's signatures.
    DigitalSignatures,
    /// `tags`: the top-level tags.
    Tags,
    /// `blobpayload` (v3): the blobs.
    BlobPayload,
    /// `otherdata` (v1/v2): the inline `data-other` blob.
    OtherData,
}

impl ThingSection {
    /// Every section, in the order the .NET SDK writes them.
    pub const ALL: [ThingSection; 7] = [
        ThingSection::Audits,
        ThingSection::Core,
        ThingSection::EffectivePermissions,
        ThingSection::BlobPayload,
        ThingSection::Tags,
        ThingSection::DigitalSignatures,
        ThingSection::OtherData,
    ];

    /// The value in `<section>`.
    pub fn as_str(self) -> &'static str {
        match self {
            ThingSection::Core => "core",
            ThingSection::Audits => "audits",
            ThingSection::EffectivePermissions => "effectivepermissions",
            ThingSection::DigitalSignatures => "digitalsignatures",
            ThingSection::Tags => "tags",
            ThingSection::BlobPayload => "blobpayload",
            ThingSection::OtherData => "otherdata",
        }
    }

    /// Reads a `<section>` value, ignoring case and surrounding whitespace. Both versions'
    /// values are accepted in every version.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        Self::ALL.into_iter().find(|section| section.as_str().eq_ignore_ascii_case(text))
    }
}

/// How blobs are returned (v3 `blob-format-spec`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlobFormat {
    /// `information`: the description only.
    Information,
    /// `inline`: the bytes in `base64data`.
    Inline,
    /// `streamed`: a `blob-ref-url` to fetch the bytes from. Also what `default` means (the
    /// .NET SDK's `BlobFormat.Default` is `Streamed`).
    Streamed,
}

impl BlobFormat {
    /// The value in `<blob-format-spec>`.
    pub fn as_str(self) -> &'static str {
        match self {
            BlobFormat::Information => "information",
            BlobFormat::Inline => "inline",
            BlobFormat::Streamed => "streamed",
        }
    }

    /// Reads a `<blob-format-spec>` value, ignoring case and surrounding whitespace.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "information" => Some(BlobFormat::Information),
            "inline" => Some(BlobFormat::Inline),
            "streamed" | "default" => Some(BlobFormat::Streamed),
            _ => None,
        }
    }
}

/// `blob-payload-request` (v3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobPayloadRequest {
    /// `blob-filters/blob-filter/blob-name`: only these blobs; empty means all.
    pub blob_names: Vec<String>,
    /// `blob-format/blob-format-spec`.
    pub format: BlobFormat,
}

/// A group's `format`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThingFormat {
    /// `section*`, in request order.
    pub sections: Vec<ThingSection>,
    /// `xml*`, as sent (trimmed): an empty one asks for `data-xml` as stored; any other names a
    /// transform to apply, which is for the platform to support or refuse.
    pub xml: Vec<String>,
    /// `type-version-format*`: the type versions the client understands.
    pub type_version_formats: Vec<ThingTypeId>,
    /// `blob-payload-request` (v3).
    pub blob_payload_request: Option<BlobPayloadRequest>,
}

impl ThingFormat {
    /// The sections to write for each thing. `data_xml` is set by an empty `<xml/>`.
    pub fn thing_sections(&self) -> ThingSections {
        let has = |section| self.sections.contains(&section);
        ThingSections {
            core: has(ThingSection::Core),
            audits: has(ThingSection::Audits),
            effective_permissions: has(ThingSection::EffectivePermissions),
            digital_signatures: has(ThingSection::DigitalSignatures),
            tags: has(ThingSection::Tags),
            blob_payload: has(ThingSection::BlobPayload),
            other_data: has(ThingSection::OtherData),
            data_xml: self.xml.iter().any(String::is_empty),
        }
    }

    /// The transforms asked for: the non-empty `<xml>` values.
    pub fn transforms(&self) -> impl Iterator<Item = &str> {
        self.xml.iter().map(String::as_str).filter(|transform| !transform.is_empty())
    }

    /// Reads `format`.
    pub(super) fn parse(format: Node<'_, '_>) -> Result<Self, WireError> {
        let sections = children_named(format, "section")
            .map(|section| {
                let text = text_of(section);
                ThingSection::parse(&text).ok_or(WireError::InvalidValue {
                    element: "group/format/section",
                    expected: "core, audits, effectivepermissions, digitalsignatures, tags, blobpayload or otherdata",
                    text: excerpt(&text),
                })
            })
            .collect::<Result<_, _>>()?;
        let type_version_formats = children_named(format, "type-version-format")
            .map(|element| parse_guid("group/format/type-version-format", &text_of(element), ThingTypeId::parse))
            .collect::<Result<_, _>>()?;
        let blob_payload_request = optional_child(format, "group/format", "blob-payload-request")?
            .map(parse_blob_payload_request)
            .transpose()?;
        Ok(Self {
            sections,
            xml: children_named(format, "xml").map(|xml| text_of(xml).trim().to_owned()).collect(),
            type_version_formats,
            blob_payload_request,
        })
    }

    /// Writes `format` in schema order. `blob-payload-request` is written only for v3.
    pub(super) fn write(&self, builder: &mut XmlBuilder, version: u32) {
        builder.start("format");
        for section in &self.sections {
            builder.text_element("section", section.as_str());
        }
        for xml in &self.xml {
            builder.text_element("xml", xml);
        }
        for type_id in &self.type_version_formats {
            builder.text_element("type-version-format", &type_id.to_string());
        }
        if let (Some(request), 3..) = (&self.blob_payload_request, version) {
            builder.start("blob-payload-request");
            if !request.blob_names.is_empty() {
                builder.start("blob-filters");
                for name in &request.blob_names {
                    builder.start("blob-filter");
                    builder.text_element("blob-name", name);
                    builder.end("blob-filter");
                }
                builder.end("blob-filters");
            }
            builder.start("blob-format");
            builder.text_element("blob-format-spec", request.format.as_str());
            builder.end("blob-format");
            builder.end("blob-payload-request");
        }
        builder.end("format");
    }
}

fn parse_blob_payload_request(request: Node<'_, '_>) -> Result<BlobPayloadRequest, WireError> {
    let blob_names = match optional_child(request, "group/format/blob-payload-request", "blob-filters")? {
        Some(filters) => children_named(filters, "blob-filter")
            .map(|filter| {
                required_child(filter, "group/format/blob-payload-request/blob-filters/blob-filter", "blob-name")
                    .map(|name| text_of(name).trim().to_owned())
            })
            .collect::<Result<_, _>>()?,
        None => Vec::new(),
    };
    let format = required_child(request, "group/format/blob-payload-request", "blob-format")?;
    let spec = text_of(required_child(format, "group/format/blob-payload-request/blob-format", "blob-format-spec")?);
    let format = BlobFormat::parse(&spec).ok_or(WireError::InvalidValue {
        element: "group/format/blob-payload-request/blob-format/blob-format-spec",
        expected: "information, inline or streamed",
        text: excerpt(&spec),
    })?;
    Ok(BlobPayloadRequest { blob_names, format })
}
