//! Direct messages built and checked by the `openssl` command line, as a provider's gateway
//! would build them: a test trust anchor with a provider under it, a second, untrusted anchor
//! with its own provider, and the instance's domain certificate under Haven's own anchor, all
//! made afresh in a temporary directory.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test fixtures fail loudly")]

use std::path::{Path, PathBuf};
use std::process::Command;

use haven_direct::{
    DirectAddress, DocumentKind, DomainIdentity, IdentityError, Refusal, TrustAnchors, classify, receive, seal_outbound,
};
use openssl::x509::X509;
use tempfile::TempDir;

const INSTANCE_DOMAIN: &str = "direct.haven.test";

const CCDA: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3">
  <realmCode code="US"/>
  <typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>
  <templateId root="2.16.840.1.113883.10.20.22.1.1" extension="2015-08-01"/>
  <templateId root="2.16.840.1.113883.10.20.22.1.2" extension="2015-08-01"/>
  <title>Continuity of Care Document</title>
</ClinicalDocument>
"#;

/// The certificates of one test, each as a certificate and key file.
struct Pki {
    dir: TempDir,
    trusted_anchor: PathBuf,
    untrusted_anchor: PathBuf,
    haven_anchor: PathBuf,
    provider: Leaf,
    rogue_provider: Leaf,
    instance: Leaf,
    other_instance: Leaf,
}

struct Leaf {
    certificate: PathBuf,
    key: PathBuf,
}

impl Pki {
    fn new() -> Self {
        let dir = TempDir::new().unwrap();
        let trusted = anchor(dir.path(), "trusted-anchor");
        let untrusted = anchor(dir.path(), "untrusted-anchor");
        let haven = anchor(dir.path(), "haven-anchor");
        let provider = leaf(dir.path(), "provider", &trusted, "email:dr.smith@provider.example,DNS:provider.example");
        let rogue_provider = leaf(dir.path(), "rogue", &untrusted, "email:dr.smith@provider.example");
        let instance = leaf(dir.path(), "instance", &haven, &format!("DNS:{INSTANCE_DOMAIN}"));
        let other_instance = leaf(dir.path(), "other-instance", &haven, "DNS:direct.elsewhere.test");
        Self {
            dir,
            trusted_anchor: trusted.certificate,
            untrusted_anchor: untrusted.certificate,
            haven_anchor: haven.certificate,
            provider,
            rogue_provider,
            instance,
            other_instance,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn instance_identity(&self) -> DomainIdentity {
        DomainIdentity::load(&self.instance.certificate, &self.instance.key).unwrap()
    }

    fn trusted_anchors(&self) -> TrustAnchors {
        TrustAnchors::load([&self.trusted_anchor]).unwrap()
    }

    fn write(&self, name: &str, content: &[u8]) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    /// Signs `inner` as `signer` with `openssl cms -sign` (detached unless `opaque`).
    fn sign(&self, inner: &[u8], signer: &Leaf, opaque: bool) -> PathBuf {
        let input = self.write("inner.eml", inner);
        let output = self.path("signed.eml");
        let mut arguments = vec!["cms", "-sign", "-in", s(&input), "-signer", s(&signer.certificate)];
        arguments.extend(["-inkey", s(&signer.key), "-out", s(&output)]);
        if opaque {
            arguments.push("-nodetach");
        }
        openssl(&arguments);
        output
    }

    /// Encrypts the file with `openssl cms -encrypt -aes256` to `recipient`, with outer headers.
    fn encrypt(&self, input: &Path, recipient: &Path) -> Vec<u8> {
        let output = self.path("encrypted.eml");
        openssl(&[
            "cms",
            "-encrypt",
            "-aes256",
            "-in",
            s(input),
            "-out",
            s(&output),
            "-from",
            "dr.smith@provider.example",
            "-to",
            "jane@direct.haven.test",
            "-subject",
            "Direct message",
            s(recipient),
        ]);
        std::fs::read(output).unwrap()
    }

    fn receive(&self, raw: &[u8]) -> Result<haven_direct::InboundMessage, Refusal> {
        receive(raw, &self.instance_identity(), &self.trusted_anchors())
    }
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn openssl(arguments: &[&str]) -> Vec<u8> {
    let output = Command::new("openssl").args(arguments).output().expect("the openssl command line is installed");
    assert!(output.status.success(), "openssl {arguments:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    output.stdout
}

fn anchor(dir: &Path, name: &str) -> Leaf {
    let certificate = dir.join(format!("{name}.pem"));
    let key = dir.join(format!("{name}.key"));
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        s(&key),
        "-out",
        s(&certificate),
        "-days",
        "30",
        "-subj",
        &format!("/CN={name}"),
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    Leaf { certificate, key }
}

fn leaf(dir: &Path, name: &str, issuer: &Leaf, subject_alt_name: &str) -> Leaf {
    let certificate = dir.join(format!("{name}.pem"));
    let key = dir.join(format!("{name}.key"));
    let request = dir.join(format!("{name}.csr"));
    let extensions = dir.join(format!("{name}.ext"));
    std::fs::write(
        &extensions,
        format!(
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n\
             extendedKeyUsage=emailProtection\nsubjectAltName={subject_alt_name}\n"
        ),
    )
    .unwrap();
    openssl(
        &["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", s(&key), "-out", s(&request)]
            .into_iter()
            .chain(["-subj", &format!("/CN={name}")])
            .collect::<Vec<_>>(),
    );
    openssl(&[
        "x509",
        "-req",
        "-in",
        s(&request),
        "-CA",
        s(&issuer.certificate),
        "-CAkey",
        s(&issuer.key),
        "-CAcreateserial",
        "-days",
        "30",
        "-extfile",
        s(&extensions),
        "-out",
        s(&certificate),
    ]);
    Leaf { certificate, key }
}

/// A provider's message with a text body and a C-CDA attachment, line breaks as given.
fn provider_message(greeting: &str) -> Vec<u8> {
    let attachment = openssl::base64::encode_block(CCDA.as_bytes());
    let attachment: Vec<&str> =
        attachment.as_bytes().chunks(76).map(|chunk| std::str::from_utf8(chunk).unwrap()).collect();
    format!(
        "From: Dr Smith <dr.smith@provider.example>\r\n\
         To: Jane Doe <Jane@Direct.Haven.Test>\r\n\
         Subject: Your visit summary\r\n\
         Message-ID: <visit-1@provider.example>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"mixed-1\"\r\n\
         \r\n\
         --mixed-1\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         \r\n\
         {greeting}, your visit summary is attached.\r\n\
         --mixed-1\r\n\
         Content-Type: application/xml; name=\"summary.xml\"\r\n\
         Content-Disposition: attachment; filename=\"summary.xml\"\r\n\
         Content-Transfer-Encoding: base64\r\n\
         \r\n\
         {}\r\n\
         --mixed-1--\r\n",
        attachment.join("\r\n")
    )
    .into_bytes()
}

fn assert_accepted_visit(message: &haven_direct::InboundMessage) {
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

#[test]
fn accepts_a_signed_and_encrypted_message_with_a_ccda() {
    let pki = Pki::new();
    let signed = pki.sign(&provider_message("Hello Jane"), &pki.provider, false);
    let raw = pki.encrypt(&signed, &pki.instance.certificate);
    assert_accepted_visit(&pki.receive(&raw).unwrap());
}

#[test]
fn accepts_opaque_signed_data_and_bare_line_feeds() {
    let pki = Pki::new();
    let signed = pki.sign(&provider_message("Hello Jane"), &pki.provider, true);
    let raw = pki.encrypt(&signed, &pki.instance.certificate);
    assert_accepted_visit(&pki.receive(&raw).unwrap());
    // A relay that turned the outer message's CRLFs into LFs changes nothing inside the CMS.
    let lf_only: Vec<u8> = raw.iter().copied().filter(|&byte| byte != b'\r').collect();
    assert_accepted_visit(&pki.receive(&lf_only).unwrap());
}

#[test]
fn refuses_a_tampered_signature() {
    let pki = Pki::new();
    let signed = pki.sign(&provider_message("Hello Jane"), &pki.provider, false);
    let tampered = String::from_utf8(std::fs::read(&signed).unwrap()).unwrap().replace("Hello Jane", "Jello Jane");
    let tampered = pki.write("tampered.eml", tampered.as_bytes());
    let raw = pki.encrypt(&tampered, &pki.instance.certificate);
    assert_eq!(pki.receive(&raw), Err(Refusal::BadSignature));
    assert_eq!(Refusal::BadSignature.smtp_reply().to_string(), "554 5.7.7 Message signature does not verify");
}

#[test]
fn refuses_a_sender_under_an_untrusted_anchor() {
    let pki = Pki::new();
    let signed = pki.sign(&provider_message("Hello Jane"), &pki.rogue_provider, false);
    let raw = pki.encrypt(&signed, &pki.instance.certificate);
    assert_eq!(pki.receive(&raw), Err(Refusal::UntrustedSender));
    // The same message is accepted once its anchor is trusted.
    let both = TrustAnchors::load([&pki.trusted_anchor, &pki.untrusted_anchor]).unwrap();
    assert_accepted_visit(&receive(&raw, &pki.instance_identity(), &both).unwrap());
}

#[test]
fn refuses_a_message_encrypted_to_another_key() {
    let pki = Pki::new();
    let signed = pki.sign(&provider_message("Hello Jane"), &pki.provider, false);
    let raw = pki.encrypt(&signed, &pki.other_instance.certificate);
    assert_eq!(pki.receive(&raw), Err(Refusal::CannotDecrypt));
    assert_eq!(Refusal::CannotDecrypt.smtp_reply().enhanced, "5.7.5");
}

#[test]
fn refuses_malformed_mime() {
    let pki = Pki::new();
    let no_boundary = String::from_utf8(provider_message("Hello Jane"))
        .unwrap()
        .replace("multipart/mixed; boundary=\"mixed-1\"", "multipart/mixed");
    let signed = pki.sign(no_boundary.as_bytes(), &pki.provider, false);
    let raw = pki.encrypt(&signed, &pki.instance.certificate);
    assert_eq!(pki.receive(&raw), Err(Refusal::MalformedMime { detail: "a multipart without a boundary" }));

    let unterminated = String::from_utf8(provider_message("Hello Jane")).unwrap().replace("--mixed-1--", "");
    let signed = pki.sign(unterminated.as_bytes(), &pki.provider, false);
    let raw = pki.encrypt(&signed, &pki.instance.certificate);
    let refusal = Refusal::MalformedMime { detail: "a multipart without its closing delimiter" };
    assert_eq!(pki.receive(&raw), Err(refusal));

    let garbage = pki.receive(b"\x00\x01\x02 not a message");
    assert_eq!(garbage, Err(Refusal::MalformedMime { detail: "the message has no header section" }));

    let bad_base64 = b"Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n\
                       Content-Transfer-Encoding: base64\r\n\r\n!!!! not base64 ****\r\n";
    assert_eq!(pki.receive(bad_base64), Err(Refusal::MalformedSmime));
    assert_eq!(Refusal::MalformedMime { detail: "x" }.smtp_reply().enhanced, "5.6.0");
}

#[test]
fn refuses_plain_and_signed_only_mail() {
    let pki = Pki::new();
    assert_eq!(pki.receive(&provider_message("Hello Jane")), Err(Refusal::NotEncrypted));
    let signed = pki.sign(&provider_message("Hello Jane"), &pki.provider, false);
    assert_eq!(pki.receive(&std::fs::read(signed).unwrap()), Err(Refusal::NotEncrypted));
    let opaque = pki.sign(&provider_message("Hello Jane"), &pki.provider, true);
    assert_eq!(pki.receive(&std::fs::read(opaque).unwrap()), Err(Refusal::NotEncrypted));
    assert_eq!(Refusal::NotEncrypted.smtp_reply().to_string(), "554 5.7.1 Direct messages must be S/MIME encrypted");
}

#[test]
fn refuses_encrypted_but_unsigned_mail() {
    let pki = Pki::new();
    let plain = pki.write("plain.eml", &provider_message("Hello Jane"));
    let raw = pki.encrypt(&plain, &pki.instance.certificate);
    assert_eq!(pki.receive(&raw), Err(Refusal::NotSigned));
}

const REPLY: &str = "From: Jane Doe <jane@direct.haven.test>\n\
                     To: dr.smith@provider.example\n\
                     Subject: Re: Your visit summary\n\
                     Message-ID: <reply-1@direct.haven.test>\n\
                     In-Reply-To: <visit-1@provider.example>\n\
                     MIME-Version: 1.0\n\
                     Content-Type: text/plain; charset=utf-8\n\
                     \n\
                     Thank you, Dr Smith.\n";

#[test]
fn an_outbound_reply_decrypts_and_verifies_with_openssl() {
    let pki = Pki::new();
    let provider_certificate = X509::from_pem(&std::fs::read(&pki.provider.certificate).unwrap()).unwrap();
    let sealed = seal_outbound(REPLY.as_bytes(), &pki.instance_identity(), &provider_certificate).unwrap();
    let sealed_text = String::from_utf8(sealed.clone()).unwrap();
    assert!(sealed_text.starts_with("From: Jane Doe <jane@direct.haven.test>\r\nTo: dr.smith@provider.example\r\n"));
    assert!(sealed_text.contains("Content-Type: application/pkcs7-mime; smime-type=enveloped-data"));
    assert!(!sealed_text.contains("Thank you"), "the body travels only encrypted");

    let sealed_path = pki.write("sealed.eml", &sealed);
    let decrypted = pki.path("decrypted.eml");
    openssl(&[
        "cms",
        "-decrypt",
        "-in",
        s(&sealed_path),
        "-recip",
        s(&pki.provider.certificate),
        "-inkey",
        s(&pki.provider.key),
        "-out",
        s(&decrypted),
    ]);
    let content = pki.path("content.eml");
    openssl(&["cms", "-verify", "-in", s(&decrypted), "-CAfile", s(&pki.haven_anchor), "-out", s(&content)]);
    assert_eq!(std::fs::read_to_string(content).unwrap(), REPLY.replace('\n', "\r\n"));

    // A gateway that trusts some other anchor refuses the signature.
    let wrong_anchor = Command::new("openssl")
        .args(["cms", "-verify", "-in", s(&decrypted), "-CAfile", s(&pki.trusted_anchor)])
        .output()
        .unwrap();
    assert!(!wrong_anchor.status.success());
}

#[test]
fn an_outbound_reply_is_received_by_another_haven() {
    let pki = Pki::new();
    // The provider's side plays the receiving instance: it trusts Haven's anchor.
    let provider = DomainIdentity::load(&pki.provider.certificate, &pki.provider.key).unwrap();
    let instance_certificate = X509::from_pem(&std::fs::read(&pki.instance.certificate).unwrap()).unwrap();
    let sealed = seal_outbound(REPLY.as_bytes(), &pki.instance_identity(), &instance_certificate).unwrap();
    let haven_anchors = TrustAnchors::load([&pki.haven_anchor]).unwrap();
    let received = receive(&sealed, &pki.instance_identity(), &haven_anchors).unwrap();
    assert_eq!(received.from.as_str(), "jane@direct.haven.test");
    assert_eq!(received.subject.as_deref(), Some("Re: Your visit summary"));
    assert_eq!(received.text.as_deref(), Some("Thank you, Dr Smith.\r\n"));
    assert!(received.attachments.is_empty());
    // Sealed to the instance, it cannot be opened with the provider's key.
    assert_eq!(receive(&sealed, &provider, &haven_anchors), Err(Refusal::CannotDecrypt));
    // And the provider's anchors do not cover Haven's signature.
    assert_eq!(receive(&sealed, &pki.instance_identity(), &pki.trusted_anchors()), Err(Refusal::UntrustedSender));
}

#[test]
fn loading_names_what_is_wrong() {
    let pki = Pki::new();
    let mismatched = DomainIdentity::load(&pki.instance.certificate, &pki.provider.key);
    assert!(matches!(mismatched, Err(IdentityError::KeyMismatch)), "{mismatched:?}");
    let no_certificate = DomainIdentity::load(&pki.instance.key, &pki.instance.key);
    assert!(matches!(no_certificate, Err(IdentityError::NoCertificate)), "{no_certificate:?}");
    let missing = DomainIdentity::load(&pki.path("missing.pem"), &pki.instance.key);
    assert!(matches!(missing, Err(IdentityError::Read { .. })), "{missing:?}");
    let not_pem = TrustAnchors::load([&pki.instance.key]);
    assert!(matches!(not_pem, Err(IdentityError::NoCertificateInFile { .. })), "{not_pem:?}");
    assert!(matches!(TrustAnchors::from_pem(b""), Err(IdentityError::NoTrustAnchors)));
    let bundle = [std::fs::read(&pki.trusted_anchor).unwrap(), std::fs::read(&pki.haven_anchor).unwrap()].concat();
    assert_eq!(TrustAnchors::from_pem(&bundle).unwrap().certificates().len(), 2);
    let identity = pki.instance_identity();
    assert!(format!("{identity:?}").contains("CN=instance"));
    assert!(!format!("{identity:?}").contains("PRIVATE"));
}
