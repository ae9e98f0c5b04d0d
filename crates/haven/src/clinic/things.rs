//! What goes into a DOPU package: the things of a things file, a CCD as one Continuity of Care
//! Document thing, and an attachment as a File thing whose content is a streamed blob. Every
//! thing is checked here against the thing-type registry, as the Platform will check it at
//! pickup, so that a package the person could not pick up is never dropped off.

use std::path::Path;

use anyhow::{Context, anyhow, bail};
use haven_domain::thing::{CommonData, ThingDraft, ThingFlags};
use haven_domain::thing_type::{self, CONTINUITY_OF_CARE_DOCUMENT, FILE, PASSWORD_PROTECTED_PACKAGE};
use haven_sdk::StreamedPackageBlob;
use haven_wire::thing_xml::{SubmittedThing, parse_submitted_thing};
use roxmltree::{Document, Node};

/// The element a things file is wrapped in to read it as one document, so that a file may
/// hold several `<thing>` elements side by side, as the package's plaintext does.
const WRAPPER: &str = "haven-things";

/// Reads a things file: `<thing>` elements (thing.xsd), side by side or inside one root
/// element of any name. Each is checked as the Platform checks a PutThings thing and its
/// data-xml against its type; they become new things (a `thing-id` is dropped). Inline blobs
/// travel inside the sealed package; a `blob-ref-url` cannot, since the package's streamed
/// blobs must be encrypted with its key (use an attachment instead).
pub fn parse_things(text: &str) -> anyhow::Result<Vec<SubmittedThing>> {
    let wrapped = format!("<{WRAPPER}>{}</{WRAPPER}>", without_prolog(text));
    let document = Document::parse(&wrapped).map_err(|error| anyhow!("the file is not well-formed XML: {error}"))?;
    let root = document.root_element();
    let elements: Vec<Node<'_, '_>> = root.children().filter(Node::is_element).collect();
    let parent = match elements.as_slice() {
        [only] if only.tag_name().name() != "thing" => *only,
        _ => root,
    };
    let mut things = Vec::new();
    for (index, element) in parent.children().filter(Node::is_element).enumerate() {
        let line = document.text_pos_at(element.range().start).row;
        let label = format!("thing {} (line {line})", index + 1);
        if element.tag_name().name() != "thing" {
            bail!("{label}: expected a <thing> element, found <{}>", element.tag_name().name());
        }
        let thing = parse_thing(&wrapped[element.range()]).with_context(|| label.clone())?;
        things.push(thing);
    }
    if things.is_empty() {
        bail!("the file holds no <thing> element");
    }
    Ok(things)
}

/// Reads one `<thing>` and checks it can go into a package.
fn parse_thing(xml: &str) -> anyhow::Result<SubmittedThing> {
    // The wire's errors already quote their cause; their chain would repeat it.
    let mut thing = parse_submitted_thing(xml).map_err(|error| anyhow!("{error}"))?;
    thing.key = None;
    if let Some(reference) = thing.blob_references.first() {
        bail!(
            "blob {:?} refers to {}, but a package's streamed blobs are encrypted with its key: give the file with --attach",
            reference.name,
            reference.url
        );
    }
    if let Some(name) = thing.removed_blobs.first() {
        bail!("blob {name:?} has neither base64data nor a blob-ref-url");
    }
    check_data(&thing)?;
    Ok(thing)
}

/// Checks a thing's type and data-xml against the registry.
fn check_data(thing: &SubmittedThing) -> anyhow::Result<()> {
    let type_id = thing.draft.type_id;
    if type_id == PASSWORD_PROTECTED_PACKAGE {
        bail!("a package cannot hold a password-protected package");
    }
    let thing_type = thing_type::by_id(type_id)
        .ok_or_else(|| anyhow!("thing type {type_id} is not known (`haven types` lists those that are)"))?;
    thing_type.validate(&thing.draft.data_xml).map_err(|error| anyhow!("invalid {} data: {error}", thing_type.name))?;
    Ok(())
}

/// A CCD (or C-CDA) document as one Continuity of Care Document thing: its `ClinicalDocument`
/// element, exactly as in the file, is the data-xml, without the XML declaration or anything
/// else outside it, and with no common data.
pub fn ccd_thing(text: &str) -> anyhow::Result<SubmittedThing> {
    let text = text.trim_start_matches(|character: char| character == '\u{feff}' || character.is_whitespace());
    let document = Document::parse(text).map_err(|error| anyhow!("the file is not well-formed XML: {error}"))?;
    let data_xml = text[document.root_element().range()].to_owned();
    let thing = new_thing(CONTINUITY_OF_CARE_DOCUMENT, data_xml);
    check_data(&thing)?;
    Ok(thing)
}

/// The File thing for an attachment streamed as `blob`: its name (the file's), size and
/// content type in the data-xml, and the blob as its default blob.
pub fn file_thing(name: &str, content_type: &str, blob: &StreamedPackageBlob) -> anyhow::Result<SubmittedThing> {
    let data_xml = format!(
        "<file><name>{}</name><size>{}</size><content-type><text>{}</text></content-type></file>",
        escape_text(name),
        blob.length,
        escape_text(content_type)
    );
    let mut thing = new_thing(FILE, data_xml);
    check_data(&thing).context("the attachment")?;
    thing.blob_references.push(blob.reference("", content_type));
    Ok(thing)
}

/// The content type of a file, guessed from its extension; `application/octet-stream` when
/// the extension is not one of the common ones.
pub fn content_type_for(path: &Path) -> &'static str {
    let extension = path.extension().and_then(|extension| extension.to_str()).unwrap_or_default();
    match extension.to_ascii_lowercase().as_str() {
        "pdf" => "application/pdf",
        "xml" => "application/xml",
        "json" => "application/json",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "htm" | "html" => "text/html",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "tif" | "tiff" => "image/tiff",
        "dcm" => "application/dicom",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

fn new_thing(type_id: haven_domain::ids::ThingTypeId, data_xml: String) -> SubmittedThing {
    SubmittedThing {
        key: None,
        draft: ThingDraft {
            type_id,
            flags: ThingFlags::default(),
            data_xml,
            common: CommonData::default(),
            blobs: Vec::new(),
            updated_end_date: None,
        },
        inline_blobs: Vec::new(),
        blob_references: Vec::new(),
        removed_blobs: Vec::new(),
    }
}

/// `text` without a byte-order mark, and with its XML declaration (if any) blanked out, so
/// that it can be wrapped in an element and still be reported by its own line numbers.
fn without_prolog(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let start = text.len() - text.trim_start().len();
    let rest = &text[start..];
    match rest.strip_prefix("<?xml").filter(|after| after.starts_with(char::is_whitespace)).and(rest.find("?>")) {
        Some(end) => {
            let declaration = &rest[..end + 2];
            let blank: String =
                declaration.chars().map(|character| if character == '\n' { '\n' } else { ' ' }).collect();
            format!("{}{blank}{}", &text[..start], &rest[end + 2..])
        }
        None => text.to_owned(),
    }
}

/// Escapes element text.
fn escape_text(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use haven_domain::thing_type::WEIGHT;
    use haven_wire::thing_xml::BlobReference;

    use super::*;

    const WEIGHT_DATA: &str =
        "<weight><when><date><y>2026</y><m>11</m><d>22</d></date></when><value><kg>71.5</kg></value></weight>";

    fn weight_thing(kg: &str) -> String {
        format!("<thing><type-id>{WEIGHT}</type-id><data-xml>{}</data-xml></thing>", WEIGHT_DATA.replace("71.5", kg))
    }

    #[test]
    fn things_may_stand_side_by_side_or_inside_a_root() {
        let side_by_side = format!("<?xml version=\"1.0\"?>\n{}\n{}\n", weight_thing("71.5"), weight_thing("72"));
        let things = parse_things(&side_by_side).unwrap();
        assert_eq!(things.len(), 2);
        assert_eq!(things[0].draft.type_id, WEIGHT);
        assert_eq!(things[1].draft.data_xml, WEIGHT_DATA.replace("71.5", "72"));
        let wrapped = format!("\u{feff}<things>{}</things>", weight_thing("70"));
        assert_eq!(parse_things(&wrapped).unwrap().len(), 1);
        let single = weight_thing("70");
        assert_eq!(parse_things(&single).unwrap().len(), 1);
    }

    #[test]
    fn a_thing_id_is_dropped_and_inline_blobs_are_kept() {
        let text = format!(
            "<thing><thing-id version-stamp=\"5c0c3c36-0000-0000-0000-000000000001\">1a1a1a1a-0000-0000-0000-000000000001</thing-id>\
             <type-id>{WEIGHT}</type-id><data-xml>{WEIGHT_DATA}</data-xml>\
             <blob-payload><blob><blob-info><name>note</name><content-type>text/plain</content-type></blob-info>\
             <base64data>aGVsbG8=</base64data></blob></blob-payload></thing>"
        );
        let things = parse_things(&text).unwrap();
        assert_eq!(things[0].key, None);
        assert_eq!(things[0].inline_blobs[0].bytes, b"hello");
    }

    #[test]
    fn bad_things_files_are_refused_with_where_and_what() {
        let error = |text: &str| format!("{:#}", parse_things(text).unwrap_err());
        assert!(error("<thing>").starts_with("the file is not well-formed XML"), "{}", error("<thing>"));
        assert_eq!(error("<things/>"), "the file holds no <thing> element");
        assert_eq!(
            error(&format!("{}\n<weight/>", weight_thing("70"))),
            "thing 2 (line 2): expected a <thing> element, found <weight>"
        );
        let bad_weight = weight_thing("70").replace("<d>22</d>", "<d>32</d>");
        let message = error(&format!("\n{bad_weight}"));
        assert!(message.starts_with("thing 1 (line 2): invalid Weight data: weight/when/date/d"), "{message}");
        let unknown =
            error("<thing><type-id>00000000-0000-0000-0000-000000000001</type-id><data-xml><x/></data-xml></thing>");
        assert!(unknown.contains("thing type 00000000-0000-0000-0000-000000000001 is not known"), "{unknown}");
        let streamed = error(&format!(
            "<thing><type-id>{WEIGHT}</type-id><data-xml>{WEIGHT_DATA}</data-xml><blob-payload><blob><blob-info>\
             <name></name><content-type>text/plain</content-type></blob-info>\
             <blob-ref-url>http://p.example/b</blob-ref-url></blob></blob-payload></thing>"
        ));
        assert!(streamed.contains("give the file with --attach"), "{streamed}");
        let no_data = error(&format!("<thing><type-id>{WEIGHT}</type-id></thing>"));
        assert!(no_data.starts_with("thing 1 (line 1): "), "{no_data}");
    }

    #[test]
    fn a_ccd_becomes_one_thing_with_the_document_as_its_data() {
        let document = "<ClinicalDocument xmlns=\"urn:hl7-org:v3\" xmlns:sdtc=\"urn:hl7-org:sdtc\">\r\n  \
                        <title>Summary &amp; plan</title><sdtc:raceCode code=\"2106-3\"/></ClinicalDocument>";
        let file = format!(
            "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?xml-stylesheet type=\"text/xsl\" href=\"CDA.xsl\"?>\n\
             <!-- exported -->\n{document}\n"
        );
        let thing = ccd_thing(&file).unwrap();
        assert_eq!(thing.draft.type_id, CONTINUITY_OF_CARE_DOCUMENT);
        assert_eq!(thing.draft.data_xml, document);
        assert_eq!(thing.draft.common, CommonData::default());
        // It is what the package carries and the Platform reads back.
        let written = haven_sdk::package_things_xml(std::slice::from_ref(&thing));
        assert_eq!(parse_submitted_thing(&written).unwrap(), thing);
    }

    #[test]
    fn a_document_that_is_not_a_ccd_is_refused() {
        let wrong_root = format!("{:#}", ccd_thing("<ContinuityOfCareRecord/>").unwrap_err());
        assert!(wrong_root.contains("must have the root element <ClinicalDocument>"), "{wrong_root}");
        let broken = format!("{:#}", ccd_thing("<ClinicalDocument>").unwrap_err());
        assert!(broken.starts_with("the file is not well-formed XML"), "{broken}");
    }

    #[test]
    fn an_attachment_is_a_file_thing_whose_default_blob_is_streamed() {
        let blob = StreamedPackageBlob {
            url: "http://eu.example/streaming/wildcatblob.ashx?blob-ref-token=t".to_owned(),
            length: 1234,
            encrypted_length: 1248,
        };
        let thing = file_thing("results <final>.pdf", "application/pdf", &blob).unwrap();
        assert_eq!(thing.draft.type_id, FILE);
        assert_eq!(
            thing.draft.data_xml,
            "<file><name>results &lt;final&gt;.pdf</name><size>1234</size>\
             <content-type><text>application/pdf</text></content-type></file>"
        );
        assert_eq!(
            thing.blob_references,
            [BlobReference {
                name: String::new(),
                content_type: "application/pdf".to_owned(),
                url: blob.url.clone(),
                content_length: Some(1234),
                hash: None,
            }]
        );
        // Inside the sealed package the thing names the upload by its blob-ref-url.
        let written = haven_sdk::package_things_xml(std::slice::from_ref(&thing));
        assert!(
            written
                .contains("<blob-ref-url>http://eu.example/streaming/wildcatblob.ashx?blob-ref-token=t</blob-ref-url>")
        );
        assert_eq!(parse_submitted_thing(&written).unwrap(), thing);
        let empty = StreamedPackageBlob { length: 0, ..blob };
        assert!(format!("{:#}", file_thing("a.pdf", "application/pdf", &empty).unwrap_err()).contains("file/size"));
    }

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(content_type_for(Path::new("scan.PDF")), "application/pdf");
        assert_eq!(content_type_for(Path::new("x-ray.jpeg")), "image/jpeg");
        assert_eq!(content_type_for(Path::new("data.bin")), "application/octet-stream");
        assert_eq!(content_type_for(Path::new("README")), "application/octet-stream");
    }

    #[test]
    fn the_xml_declaration_is_blanked_keeping_lines() {
        assert_eq!(without_prolog("<?xml version=\"1.0\"?>\n<a/>"), format!("{}\n<a/>", " ".repeat(21)));
        assert_eq!(without_prolog("\u{feff}<a/>"), "<a/>");
        assert_eq!(without_prolog("<?xml-stylesheet href=\"x\"?><a/>"), "<?xml-stylesheet href=\"x\"?><a/>");
    }
}
