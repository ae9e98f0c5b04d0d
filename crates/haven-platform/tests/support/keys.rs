//! Application keys and certificates: generating them, thumbprints, RSA-SHA1 signatures.

use super::*;

/// An application's identity as a client holds it: its id, its certificate's private key and
/// the certificate's thumbprint.
#[derive(Debug, Clone)]
pub struct AppCredentials {
    pub app_id: ApplicationId,
    pub key: PKey<Private>,
    pub thumbprint: String,
}

/// A fresh RSA key for an application certificate.
pub fn generate_key() -> PKey<Private> {
    PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap()
}

/// A self-signed certificate over `key`, valid for 30 days from today.
pub fn self_signed_certificate(key: &PKey<Private>, common_name: &str) -> X509 {
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", common_name).unwrap();
    let name = name.build();
    let mut builder = X509::builder().unwrap();
    builder.set_subject_name(&name).unwrap();
    builder.set_issuer_name(&name).unwrap();
    builder.set_pubkey(key).unwrap();
    builder.set_not_before(&Asn1Time::days_from_now(0).unwrap()).unwrap();
    builder.set_not_after(&Asn1Time::days_from_now(30).unwrap()).unwrap();
    builder.sign(key, MessageDigest::sha256()).unwrap();
    builder.build()
}

/// The SHA-1 thumbprint of a certificate.
pub fn thumbprint_of(certificate: &X509) -> Thumbprint {
    let digest: [u8; 20] = certificate.digest(MessageDigest::sha1()).unwrap().as_ref().try_into().unwrap();
    Thumbprint::from_sha1(&digest)
}

/// RSA-SHA1 over `content`, base64 wrapped at 76 characters as python-healthvault does.
pub fn sign_with(key: &PKey<Private>, content: &str) -> String {
    let mut signer = Signer::new(MessageDigest::sha1(), key).unwrap();
    signer.update(content.as_bytes()).unwrap();
    // python-healthvault wraps base64 at 76 characters; so do we, to prove it is accepted.
    let encoded = STANDARD.encode(signer.sign_to_vec().unwrap());
    encoded.as_bytes().chunks(76).map(|chunk| std::str::from_utf8(chunk).unwrap()).collect::<Vec<_>>().join("\n")
}
