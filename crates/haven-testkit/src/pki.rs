//! A Direct messaging PKI made afresh by the `openssl` command line in a temporary directory
//! (trust anchors, a provider's signing certificate, the instance's domain certificate), and
//! Direct messages signed and encrypted with it as a provider's gateway builds them: the
//! independent S/MIME client of the tests.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs, reason = "test fixtures fail loudly")]

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

/// The Direct domain of the PKI's instance certificate.
pub const INSTANCE_DOMAIN: &str = "direct.haven.test";

/// The certificates of one test, each as a certificate and key file.
#[derive(Debug)]
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

#[derive(Debug)]
pub struct Leaf {
    pub certificate: PathBuf,
    pub key: PathBuf,
}

impl Default for Pki {
    fn default() -> Self {
        Self::new()
    }
}

impl Pki {
    /// A fresh PKI: trusted and untrusted anchors, Haven's anchor, a provider and a rogue
    /// provider (same address, untrusted anchor), and two instance domain certificates.
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

    /// Opens a sealed Direct message as `recipient` would with the `openssl` command line:
    /// `cms -decrypt` with its key, then `cms -verify` of the signature up to `anchor`. Returns
    /// the signed content (the message as its sender wrote it).
    pub fn open_sealed(&self, sealed: &[u8], recipient: &Leaf, anchor: &Path) -> String {
        let sealed_path = self.write("sealed.eml", sealed);
        let decrypted = self.path("decrypted.eml");
        openssl(&[
            "cms",
            "-decrypt",
            "-in",
            s(&sealed_path),
            "-recip",
            s(&recipient.certificate),
            "-inkey",
            s(&recipient.key),
            "-out",
            s(&decrypted),
        ]);
        let content = self.path("content.eml");
        openssl(&[
            "cms",
            "-verify",
            "-in",
            s(&decrypted),
            "-CAfile",
            s(anchor),
            "-purpose",
            "any",
            "-out",
            s(&content),
        ]);
        std::fs::read_to_string(content).unwrap()
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

/// An attachment of [`direct_message`]: file name, content type and bytes.
pub type MessageAttachment<'a> = (&'a str, &'a str, &'a [u8]);

/// A provider's plain message (before signing): the headers, a text body and attachments in
/// base64, every line ending in CRLF.
pub fn direct_message(
    from: &str,
    to: &str,
    subject: &str,
    text: &str,
    attachments: &[MessageAttachment<'_>],
) -> Vec<u8> {
    let mut message = format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <visit-1@provider.example>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"mixed-1\"\r\n\r\n\
         --mixed-1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
    );
    for (name, content_type, content) in attachments {
        let encoded = openssl::base64::encode_block(content);
        let lines: Vec<&str> = encoded.as_bytes().chunks(76).map(|chunk| std::str::from_utf8(chunk).unwrap()).collect();
        message.push_str(&format!(
            "--mixed-1\r\nContent-Type: {content_type}; name=\"{name}\"\r\n\
             Content-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
            lines.join("\r\n")
        ));
    }
    message.push_str("--mixed-1--\r\n");
    message.into_bytes()
}

/// A Python 3 smtplib client, the independent SMTP sender of the tests:
/// `python3 -c SMTPLIB_SCRIPT PORT CAFILE MODE SENDER RECIPIENTS PATH` sends the file at PATH to
/// 127.0.0.1:PORT (with STARTTLS trusting CAFILE unless it is empty) from SENDER to the
/// comma-separated RECIPIENTS, with `sendmail` (MODE `sendmail`) or command by command (MODE
/// `data`, to see the reply to DATA), and prints one JSON object: `outcome` (`sent`, `data`,
/// `recipients_refused`, `sender_refused`, `data_error`) with the codes and texts.
pub const SMTPLIB_SCRIPT: &str = r#"
import json, smtplib, ssl, sys
port, cafile, mode, sender, recipients, path = sys.argv[1:7]
message = open(path, "rb").read()
recipients = recipients.split(",")
try:
    with smtplib.SMTP("127.0.0.1", int(port), timeout=60) as client:
        if cafile:
            client.starttls(context=ssl.create_default_context(cafile=cafile))
        if mode == "sendmail":
            refused = client.sendmail(sender, recipients, message)
            print(json.dumps({"outcome": "sent", "refused": {k: v[0] for k, v in refused.items()}}))
        else:
            client.ehlo_or_helo_if_needed()
            client.mail(sender)
            for recipient in recipients:
                client.rcpt(recipient)
            code, text = client.data(message)
            print(json.dumps({"outcome": "data", "code": code, "text": text.decode()}))
except smtplib.SMTPRecipientsRefused as error:
    codes = {k: [v[0], v[1].decode()] for k, v in error.recipients.items()}
    print(json.dumps({"outcome": "recipients_refused", "codes": codes}))
except smtplib.SMTPSenderRefused as error:
    print(json.dumps({"outcome": "sender_refused", "code": error.smtp_code, "text": error.smtp_error.decode()}))
except smtplib.SMTPDataError as error:
    print(json.dumps({"outcome": "data_error", "code": error.smtp_code, "text": error.smtp_error.decode()}))
"#;

/// Whether python3 runs; under `CI` its absence fails (panics) instead, since CI must run every
/// test. Elsewhere the caller skips, saying why.
pub fn python3_available() -> bool {
    let found = Command::new("python3").arg("--version").output().is_ok_and(|output| output.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "python3 is not installed (CI is set, so this fails instead of skipping)"
        );
        eprintln!("skipping: python3 is not installed");
    }
    found
}
