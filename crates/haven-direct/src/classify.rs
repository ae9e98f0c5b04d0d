//! Recognising clinical documents among a message's attachments.

use crate::receive::Attachment;

/// The HL7 v3 namespace of CDA documents.
const HL7_V3_NAMESPACE: &str = "urn:hl7-org:v3";
/// The ASTM namespace of CCR documents.
const CCR_NAMESPACE: &str = "urn:astm-org:CCR";
/// The C-CDA US Realm Header template, on every C-CDA document.
const CCDA_HEADER_TEMPLATE: &str = "2.16.840.1.113883.10.20.22.1.1";
/// The C-CDA Continuity of Care Document template.
const CCDA_CCD_TEMPLATE: &str = "2.16.840.1.113883.10.20.22.1.2";
/// The HL7 CCD (release 1, HITSP C32) template.
const CCD_TEMPLATE: &str = "2.16.840.1.113883.10.20.1";

/// What kind of document an attachment is, which decides the thing type it is stored as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    /// A Consolidated CDA document (the US Realm Header or C-CDA CCD template).
    Ccda,
    /// An HL7 CCD release 1 document (HITSP C32).
    Ccd,
    /// Any other HL7 CDA `ClinicalDocument`, or a CDA sent as `application/cda+xml`.
    Cda,
    /// An ASTM Continuity of Care Record.
    Ccr,
    /// Not a clinical document: stored as a File.
    Other,
}

/// Classifies an attachment by its content, with the content type deciding between CDA and its
/// CCD/C-CDA specialisations.
///
/// The document must be well-formed XML (no DTD) whose root is `ClinicalDocument` in
/// `urn:hl7-org:v3` or `ContinuityOfCareRecord` in `urn:astm-org:CCR`; a clinical content type
/// on anything else gives [`DocumentKind::Other`], since such a file cannot be read as a
/// document. A `ClinicalDocument` is C-CDA or CCD by its `templateId`s (C-CDA first when both are
/// present), unless it was sent as `application/cda+xml`, which asks for a CDA item as HealthVault
/// did; `application/ccd-xml`, `text/xml` and other types are sniffed alike.
pub fn classify(attachment: &Attachment) -> DocumentKind {
    let Some(root) = sniff(&attachment.content) else {
        return DocumentKind::Other;
    };
    match root {
        Root::Ccr => DocumentKind::Ccr,
        Root::ClinicalDocument { .. } if attachment.content_type == "application/cda+xml" => DocumentKind::Cda,
        Root::ClinicalDocument { ccda: true, .. } => DocumentKind::Ccda,
        Root::ClinicalDocument { ccd: true, .. } => DocumentKind::Ccd,
        Root::ClinicalDocument { .. } => DocumentKind::Cda,
    }
}

/// What the XML root says.
enum Root {
    ClinicalDocument { ccda: bool, ccd: bool },
    Ccr,
}

fn sniff(content: &[u8]) -> Option<Root> {
    let content = content.strip_prefix(b"\xef\xbb\xbf").unwrap_or(content);
    if content.iter().find(|byte| !byte.is_ascii_whitespace()) != Some(&b'<') {
        return None;
    }
    let text = std::str::from_utf8(content).ok()?;
    let document = roxmltree::Document::parse(text).ok()?;
    let root = document.root_element();
    let name = root.tag_name();
    match (name.namespace(), name.name()) {
        (Some(HL7_V3_NAMESPACE), "ClinicalDocument") => {
            let template_ids: Vec<&str> = root
                .children()
                .filter(|child| child.has_tag_name((HL7_V3_NAMESPACE, "templateId")))
                .filter_map(|child| child.attribute("root"))
                .collect();
            let ccda = template_ids.iter().any(|id| *id == CCDA_HEADER_TEMPLATE || *id == CCDA_CCD_TEMPLATE);
            let ccd = template_ids.contains(&CCD_TEMPLATE);
            Some(Root::ClinicalDocument { ccda, ccd })
        }
        (Some(CCR_NAMESPACE), "ContinuityOfCareRecord") => Some(Root::Ccr),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attachment(content_type: &str, content: &str) -> Attachment {
        Attachment { file_name: None, content_type: content_type.to_owned(), content: content.as_bytes().to_vec() }
    }

    fn clinical_document(template_ids: &[&str]) -> String {
        let templates: String =
            template_ids.iter().map(|id| format!("<templateId root=\"{id}\" extension=\"2015-08-01\"/>")).collect();
        format!(
            "\u{feff}<?xml version=\"1.0\"?>\n<ClinicalDocument xmlns=\"urn:hl7-org:v3\">\
             <realmCode code=\"US\"/>{templates}<title>Summary</title></ClinicalDocument>"
        )
    }

    #[test]
    fn recognises_ccda_by_either_template() {
        let header_only = clinical_document(&[CCDA_HEADER_TEMPLATE]);
        let ccd = clinical_document(&[CCDA_HEADER_TEMPLATE, CCDA_CCD_TEMPLATE]);
        assert_eq!(classify(&attachment("text/xml", &header_only)), DocumentKind::Ccda);
        assert_eq!(classify(&attachment("application/ccd-xml", &ccd)), DocumentKind::Ccda);
        assert_eq!(classify(&attachment("application/octet-stream", &ccd)), DocumentKind::Ccda);
        let both = clinical_document(&[CCD_TEMPLATE, CCDA_CCD_TEMPLATE]);
        assert_eq!(classify(&attachment("text/xml", &both)), DocumentKind::Ccda);
    }

    #[test]
    fn recognises_ccd_and_cda() {
        let ccd = clinical_document(&["2.16.840.1.113883.3.27.1776", CCD_TEMPLATE]);
        assert_eq!(classify(&attachment("application/ccd-xml", &ccd)), DocumentKind::Ccd);
        let cda = clinical_document(&["2.16.840.1.113883.10.20.3"]);
        assert_eq!(classify(&attachment("text/xml", &cda)), DocumentKind::Cda);
        let ccda = clinical_document(&[CCDA_HEADER_TEMPLATE]);
        assert_eq!(classify(&attachment("application/cda+xml", &ccda)), DocumentKind::Cda);
    }

    #[test]
    fn a_template_deeper_in_the_document_does_not_count() {
        let text = format!(
            "<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><component><templateId root=\"{CCDA_CCD_TEMPLATE}\"/>\
             </component></ClinicalDocument>"
        );
        assert_eq!(classify(&attachment("text/xml", &text)), DocumentKind::Cda);
    }

    #[test]
    fn recognises_ccr() {
        let ccr = "<ContinuityOfCareRecord xmlns=\"urn:astm-org:CCR\"><CCRDocumentObjectID>1</CCRDocumentObjectID>\
                   </ContinuityOfCareRecord>";
        assert_eq!(classify(&attachment("application/ccr+xml", ccr)), DocumentKind::Ccr);
        assert_eq!(classify(&attachment("text/xml", ccr)), DocumentKind::Ccr);
    }

    #[test]
    fn everything_else_is_other() {
        let cases = [
            ("text/plain", "hello"),
            ("application/ccd-xml", "not xml"),
            ("application/ccd-xml", "<ClinicalDocument xmlns=\"urn:hl7-org:v3\">"),
            ("text/xml", "<ClinicalDocument/>"),
            ("text/xml", "<ClinicalDocument xmlns=\"urn:hl7-org:v2\"/>"),
            ("text/xml", "<ContinuityOfCareRecord/>"),
            ("text/xml", "<!DOCTYPE x [<!ENTITY a \"b\">]><ClinicalDocument xmlns=\"urn:hl7-org:v3\"/>"),
            ("application/pdf", "%PDF-1.7"),
        ];
        for (content_type, content) in cases {
            assert_eq!(classify(&attachment(content_type, content)), DocumentKind::Other, "{content:?}");
        }
    }
}
