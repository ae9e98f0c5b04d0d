//! Fixtures shared by the test binaries: the test kit's PKI made by the `openssl` command line
//! (`haven_testkit::pki`), what haven-direct makes of it, and a provider's visit summary.

#![allow(dead_code, reason = "each test binary uses its own share of the fixtures")]
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test fixtures fail loudly")]

use haven_direct::{DirectAddress, DocumentKind, DomainIdentity, Refusal, TrustAnchors, classify, receive};

pub const CCDA: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3">
  <realmCode code="US"/>
  <typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>
  <templateId root="2.16.840.1.113883.10.20.22.1.1" extension="2015-08-01"/>
  <templateId root="2.16.840.1.113883.10.20.22.1.2" extension="2015-08-01"/>
  <title>Continuity of Care Document</title>
</ClinicalDocument>
"#;

#[allow(unused_imports, reason = "each test binary uses its own share of the fixtures")]
pub use haven_testkit::pki::{INSTANCE_DOMAIN, Leaf, Pki, openssl, s, tls_server_leaf};

/// What haven-direct makes of the test PKI's files.
pub trait DirectPki {
    fn instance_identity(&self) -> DomainIdentity;
    fn trusted_anchors(&self) -> TrustAnchors;
    fn receive(&self, raw: &[u8]) -> Result<haven_direct::InboundMessage, Refusal>;
}

impl DirectPki for Pki {
    fn instance_identity(&self) -> DomainIdentity {
        DomainIdentity::load(&self.instance.certificate, &self.instance.key).unwrap()
    }

    fn trusted_anchors(&self) -> TrustAnchors {
        TrustAnchors::load([&self.trusted_anchor]).unwrap()
    }

    fn receive(&self, raw: &[u8]) -> Result<haven_direct::InboundMessage, Refusal> {
        receive(raw, &self.instance_identity(), &self.trusted_anchors())
    }
}

/// A provider's message with a text body and a C-CDA attachment.
pub fn provider_message(greeting: &str) -> Vec<u8> {
    haven_testkit::pki::direct_message(
        "Dr Smith <dr.smith@provider.example>",
        "Jane Doe <Jane@Direct.Haven.Test>",
        "Your visit summary",
        &format!("{greeting}, your visit summary is attached."),
        &[("summary.xml", "application/xml", CCDA.as_bytes())],
    )
}

pub fn assert_accepted_visit(message: &haven_direct::InboundMessage) {
    assert_eq!(message.from, DirectAddress::parse("dr.smith@provider.example").unwrap());
    assert_eq!(message.to, [DirectAddress::parse("jane@direct.haven.test").unwrap()]);
    assert_eq!(message.subject.as_deref(), Some("Your visit summary"));
    assert_eq!(message.message_id.as_deref(), Some("visit-1@provider.example"));
    assert_eq!(message.text.as_deref().map(str::trim_end), Some("Hello Jane, your visit summary is attached."));
    assert_eq!(message.attachments.len(), 1);
    let attachment = &message.attachments[0];
    assert_eq!(attachment.file_name.as_deref(), Some("summary.xml"));
    assert_eq!(attachment.content_type, "application/xml");
    assert_eq!(attachment.content, CCDA.as_bytes());
    assert_eq!(classify(attachment), DocumentKind::Ccda);
}
