//! Fixtures shared by the test binaries: a PKI made afresh by the `openssl` command line in a
//! temporary directory, and Direct messages signed and encrypted with it, as a provider's
//! gateway would build them.

#![allow(dead_code, reason = "each test binary uses its own share of the fixtures")]
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test fixtures fail loudly")]

use std::path::{Path, PathBuf};
use std::process::Command;

use haven_direct::{DirectAddress, DocumentKind, DomainIdentity, Refusal, TrustAnchors, classify, receive};
use tempfile::TempDir;

pub const INSTANCE_DOMAIN: &str = "direct.haven.test";

pub const CCDA: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3">
  <realmCode code="US"/>
  <typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>
  <templateId root="2.16.840.1.113883.10.20.22.1.1" extension="2015-08-01"/>
  <templateId root="2.16.840.1.113883.10.20.22.1.2" extension="2015-08-01"/>
  <title>Continuity of Care Document</title>
</ClinicalDocument>
"#;

/// The certificates of one test, each as a certificate and key file.
pub struct Pki {
    pub dir: TempDir,
    pub trusted_anchor: PathBuf,
    pub untrusted_anchor: PathBuf,
    pub haven_anchor: PathBuf,
    pub provider: Leaf,
    pub rogue_provider: Leaf,
    pub instance: Leaf,
    pub other_instance: Leaf,
}

pub struct Leaf {
    pub certificate: PathBuf,
    pub key: PathBuf,
}

impl Pki {
    pub fn new() -> Self {
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

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn instance_identity(&self) -> DomainIdentity {
        DomainIdentity::load(&self.instance.certificate, &self.instance.key).unwrap()
    }

    pub fn trusted_anchors(&self) -> TrustAnchors {
        TrustAnchors::load([&self.trusted_anchor]).unwrap()
    }

    pub fn write(&self, name: &str, content: &[u8]) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    /// Signs `inner` as `signer` with `openssl cms -sign` (detached unless `opaque`).
    pub fn sign(&self, inner: &[u8], signer: &Leaf, opaque: bool) -> PathBuf {
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
    pub fn encrypt(&self, input: &Path, recipient: &Path) -> Vec<u8> {
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

    pub fn receive(&self, raw: &[u8]) -> Result<haven_direct::InboundMessage, Refusal> {
        receive(raw, &self.instance_identity(), &self.trusted_anchors())
    }
}

pub fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

pub fn openssl(arguments: &[&str]) -> Vec<u8> {
    let output = Command::new("openssl").args(arguments).output().expect("the openssl command line is installed");
    assert!(output.status.success(), "openssl {arguments:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    output.stdout
}

pub fn anchor(dir: &Path, name: &str) -> Leaf {
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

pub fn leaf(dir: &Path, name: &str, issuer: &Leaf, subject_alt_name: &str) -> Leaf {
    let extensions = format!(
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n\
         extendedKeyUsage=emailProtection\nsubjectAltName={subject_alt_name}\n"
    );
    leaf_with_extensions(dir, name, issuer, &extensions)
}

/// A TLS server certificate for 127.0.0.1 under `issuer`.
pub fn tls_server_leaf(dir: &Path, name: &str, issuer: &Leaf) -> Leaf {
    let extensions = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n\
                      extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n";
    leaf_with_extensions(dir, name, issuer, extensions)
}

/// A certificate with an RSA key under `issuer`, with the extensions of an `openssl x509
/// -extfile`.
pub fn leaf_with_extensions(dir: &Path, name: &str, issuer: &Leaf, extensions_text: &str) -> Leaf {
    let certificate = dir.join(format!("{name}.pem"));
    let key = dir.join(format!("{name}.key"));
    let request = dir.join(format!("{name}.csr"));
    let extensions = dir.join(format!("{name}.ext"));
    std::fs::write(&extensions, extensions_text).unwrap();
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
pub fn provider_message(greeting: &str) -> Vec<u8> {
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
