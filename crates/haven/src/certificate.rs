//! Key pairs and certificates: generating a demo application's RSA key and self-signed
//! certificate, reading the certificate an operator registers, and generating a local Direct
//! PKI (a trust anchor and the certificates it issues to domains and providers).

use std::path::Path;

use anyhow::{Context, bail};
use haven_domain::application::{AppCertificate, Thumbprint};
use haven_domain::ids::ApplicationId;
use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName, SubjectKeyIdentifier,
};
use openssl::x509::{X509, X509Builder, X509Name, X509NameBuilder};

/// RSA key size for generated keys (HealthVault recommends 2048 for applications).
pub const RSA_BITS: u32 = 2048;

/// Validity of generated certificates.
pub const CERTIFICATE_DAYS: u32 = 3650;

/// A generated key pair and its certificate.
pub struct GeneratedKeyPair {
    /// The private key.
    pub private_key: PKey<Private>,
    /// The certificate: for an application, self-signed with subject
    /// `CN=WildcatApp-<application id>` as HealthVault names them.
    pub certificate: X509,
}

impl std::fmt::Debug for GeneratedKeyPair {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("GeneratedKeyPair").finish_non_exhaustive()
    }
}

/// A name a Direct certificate is bound to, one of its subject alternative names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectName<'a> {
    /// A domain (`dNSName`): an organisation-bound certificate, for every address there.
    Domain(&'a str),
    /// An address (`rfc822Name`): an address-bound certificate.
    Address(&'a str),
}

/// A new RSA key, and a version 3 certificate builder for it with a random serial, the
/// subject `CN=<common_name>` and [`CERTIFICATE_DAYS`] of validity from now. The caller sets
/// the issuer and extensions and signs.
fn new_certificate(common_name: &str) -> anyhow::Result<(PKey<Private>, X509Name, X509Builder)> {
    let rsa = Rsa::generate(RSA_BITS).context("generating an RSA key")?;
    let private_key = PKey::from_rsa(rsa)?;
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_text("CN", common_name)?;
    let name = name.build();
    let mut serial = BigNum::new()?;
    serial.rand(128, MsbOption::MAYBE_ZERO, false)?;
    let mut builder = X509::builder()?;
    builder.set_version(2)?;
    let serial = serial.to_asn1_integer()?;
    builder.set_serial_number(&serial)?;
    builder.set_subject_name(&name)?;
    builder.set_pubkey(&private_key)?;
    let not_before = Asn1Time::days_from_now(0)?;
    let not_after = Asn1Time::days_from_now(CERTIFICATE_DAYS)?;
    builder.set_not_before(&not_before)?;
    builder.set_not_after(&not_after)?;
    Ok((private_key, name, builder))
}

/// Generates an RSA key pair and a self-signed certificate for an application.
pub fn generate(application_id: ApplicationId) -> anyhow::Result<GeneratedKeyPair> {
    let (private_key, name, mut builder) = new_certificate(&format!("WildcatApp-{application_id}"))?;
    builder.set_issuer_name(&name)?;
    builder.sign(&private_key, MessageDigest::sha256())?;
    Ok(GeneratedKeyPair { private_key, certificate: builder.build() })
}

/// Generates a Direct trust anchor: a self-signed CA certificate (`basicConstraints CA:TRUE`
/// and keyUsage keyCertSign and cRLSign, both critical) with its RSA key.
pub fn generate_direct_anchor(common_name: &str) -> anyhow::Result<GeneratedKeyPair> {
    let (private_key, name, mut builder) = new_certificate(common_name)?;
    builder.set_issuer_name(&name)?;
    builder.append_extension(BasicConstraints::new().critical().ca().build()?)?;
    builder.append_extension(KeyUsage::new().critical().key_cert_sign().crl_sign().build()?)?;
    let key_identifier = SubjectKeyIdentifier::new().build(&builder.x509v3_context(None, None))?;
    builder.append_extension(key_identifier)?;
    builder.sign(&private_key, MessageDigest::sha256())?;
    Ok(GeneratedKeyPair { private_key, certificate: builder.build() })
}

/// Generates a Direct end-entity certificate issued by `anchor` and bound to `names`, with its
/// RSA key: for signing and encrypting mail (keyUsage digitalSignature and keyEncipherment,
/// critical; extendedKeyUsage emailProtection; not a CA), as a domain's or a provider's.
pub fn generate_direct_certificate(
    anchor: &GeneratedKeyPair,
    common_name: &str,
    names: &[DirectName<'_>],
) -> anyhow::Result<GeneratedKeyPair> {
    if names.is_empty() {
        bail!("a Direct certificate names at least one domain or address");
    }
    let (private_key, _, mut builder) = new_certificate(common_name)?;
    builder.set_issuer_name(anchor.certificate.subject_name())?;
    builder.append_extension(BasicConstraints::new().build()?)?;
    builder.append_extension(KeyUsage::new().critical().digital_signature().key_encipherment().build()?)?;
    builder.append_extension(ExtendedKeyUsage::new().email_protection().build()?)?;
    let mut alternative_names = SubjectAlternativeName::new();
    for name in names {
        match name {
            DirectName::Domain(domain) => alternative_names.dns(domain),
            DirectName::Address(address) => alternative_names.email(address),
        };
    }
    let context = builder.x509v3_context(Some(&anchor.certificate), None);
    let alternative_names = alternative_names.build(&context)?;
    let subject_key_identifier = SubjectKeyIdentifier::new().build(&context)?;
    let authority_key_identifier = AuthorityKeyIdentifier::new().keyid(true).build(&context)?;
    builder.append_extension(alternative_names)?;
    builder.append_extension(subject_key_identifier)?;
    builder.append_extension(authority_key_identifier)?;
    builder.sign(&anchor.private_key, MessageDigest::sha256())?;
    Ok(GeneratedKeyPair { private_key, certificate: builder.build() })
}

/// The registration form of a certificate: its DER bytes and SHA-1 thumbprint.
pub fn app_certificate(certificate: &X509) -> anyhow::Result<AppCertificate> {
    let der = certificate.to_der()?;
    let digest = certificate.digest(MessageDigest::sha1())?;
    let bytes: [u8; 20] = digest.as_ref().try_into().context("SHA-1 digest length")?;
    Ok(AppCertificate { thumbprint: Thumbprint::from_sha1(&bytes), der })
}

/// Reads a certificate file, PEM or DER (`.cer`).
pub fn read_certificate(path: &Path) -> anyhow::Result<AppCertificate> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read certificate file {}", path.display()))?;
    let certificate = if bytes.starts_with(b"-----BEGIN") { X509::from_pem(&bytes) } else { X509::from_der(&bytes) };
    match certificate {
        Ok(certificate) => app_certificate(&certificate),
        Err(_) => bail!("{} is not an X.509 certificate (PEM or DER)", path.display()),
    }
}

/// Writes the key pair into `directory`: `private-key.pem` (PKCS#8, readable only by the
/// owner), `certificate.pem` and `certificate.cer` (DER).
pub fn write_files(pair: &GeneratedKeyPair, directory: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(directory).with_context(|| format!("creating {}", directory.display()))?;
    write_private_key(&pair.private_key, &directory.join("private-key.pem"))?;
    std::fs::write(directory.join("certificate.pem"), pair.certificate.to_pem()?)?;
    std::fs::write(directory.join("certificate.cer"), pair.certificate.to_der()?)?;
    Ok(())
}

/// Writes `key` to `path` as unencrypted PKCS #8 PEM, readable only by the owner: on Unix a
/// new file is created with mode 0600, so the key is never readable by others, not even
/// before its mode is set.
pub fn write_private_key(key: &PKey<Private>, path: &Path) -> anyhow::Result<()> {
    use std::io::Write as _;
    let pem = key.private_key_to_pem_pkcs8()?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(path).and_then(|mut file| {
        // An existing file keeps its mode when opened, so it is set again.
        restrict_to_owner(path)?;
        file.write_all(&pem)?;
        file.sync_all()
    });
    written.with_context(|| format!("writing {}", path.display()))
}

#[cfg(unix)]
fn restrict_to_owner(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict_to_owner(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_certificates_read_back_with_the_same_thumbprint() {
        let id = ApplicationId::from_uuid(uuid::Uuid::new_v4());
        let pair = generate(id).unwrap();
        let subject = pair.certificate.subject_name().entries().next().unwrap().data().to_string().unwrap();
        assert_eq!(subject, format!("WildcatApp-{id}"));
        let directory = tempfile::tempdir().unwrap();
        write_files(&pair, directory.path()).unwrap();
        let from_pem = read_certificate(&directory.path().join("certificate.pem")).unwrap();
        let from_der = read_certificate(&directory.path().join("certificate.cer")).unwrap();
        assert_eq!(from_pem, from_der);
        assert_eq!(from_pem, app_certificate(&pair.certificate).unwrap());
        assert_eq!(from_pem.thumbprint.as_str().len(), 40);
    }

    #[test]
    fn direct_certificates_chain_to_their_anchor_and_carry_a_message_both_ways() {
        use haven_direct::{DirectAddress, DomainIdentity, RecipientCertificates, TrustAnchors};
        let anchor = generate_direct_anchor("Test Direct anchor").unwrap();
        let domain = generate_direct_certificate(&anchor, "direct.test", &[DirectName::Domain("direct.test")]).unwrap();
        let provider = generate_direct_certificate(
            &anchor,
            "Dr Test",
            &[DirectName::Address("dr@provider.test"), DirectName::Domain("provider.test")],
        )
        .unwrap();
        let anchor_text = String::from_utf8(anchor.certificate.to_text().unwrap()).unwrap();
        assert!(anchor_text.contains("CA:TRUE") && anchor_text.contains("Certificate Sign"), "{anchor_text}");
        let provider_text = String::from_utf8(provider.certificate.to_text().unwrap()).unwrap();
        for expected in ["Digital Signature, Key Encipherment", "E-mail Protection", "email:dr@provider.test"] {
            assert!(provider_text.contains(expected), "{expected}: {provider_text}");
        }

        // The anchor file holds the anchor and the provider's certificate, as `haven up` writes it.
        let anchors =
            TrustAnchors::from_certificates(vec![anchor.certificate.clone(), provider.certificate.clone()]).unwrap();
        let recipients =
            RecipientCertificates::from_certificates(vec![domain.certificate.clone()]).with_leaves_of(&anchors);
        let address = |text: &str| DirectAddress::parse(text).unwrap();
        let found = recipients.certificate_for(&address("dr@provider.test"), &anchors).unwrap();
        assert_eq!(found.to_der().unwrap(), provider.certificate.to_der().unwrap());
        let found = recipients.certificate_for(&address("ana@direct.test"), &anchors).unwrap();
        assert_eq!(found.to_der().unwrap(), domain.certificate.to_der().unwrap());
        let stranger = generate_direct_anchor("Another anchor").unwrap();
        let other_anchors = TrustAnchors::from_certificates(vec![stranger.certificate]).unwrap();
        assert!(recipients.certificate_for(&address("ana@direct.test"), &other_anchors).is_none());

        // The provider sends to the domain, and the domain replies to the provider.
        let identity = |pair: &GeneratedKeyPair| {
            let key = pair.private_key.private_key_to_pem_pkcs8().unwrap();
            DomainIdentity::from_pem(&pair.certificate.to_pem().unwrap(), &key).unwrap()
        };
        let message = |from: &str, to: &str| {
            format!("From: {from}\r\nTo: {to}\r\nSubject: Visit\r\nContent-Type: text/plain\r\n\r\nHello\r\n")
        };
        let sealed = haven_direct::seal_outbound(
            message("dr@provider.test", "ana@direct.test").as_bytes(),
            &identity(&provider),
            &domain.certificate,
        )
        .unwrap();
        let received = haven_direct::receive(&sealed, &identity(&domain), &anchors).unwrap();
        assert_eq!(received.from, address("dr@provider.test"));
        let reply = haven_direct::seal_outbound(
            message("ana@direct.test", "dr@provider.test").as_bytes(),
            &identity(&domain),
            &provider.certificate,
        )
        .unwrap();
        let received = haven_direct::receive(&reply, &identity(&provider), &anchors).unwrap();
        assert_eq!(received.from, address("ana@direct.test"));
    }

    #[test]
    fn private_keys_are_written_for_the_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("key.pem");
        std::fs::write(&path, b"old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let anchor = generate_direct_anchor("Test Direct anchor").unwrap();
        write_private_key(&anchor.private_key, &path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let read = PKey::private_key_from_pem(&std::fs::read(&path).unwrap()).unwrap();
        assert!(read.public_eq(&anchor.private_key));
    }

    #[test]
    fn a_file_that_is_not_a_certificate_is_refused() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("junk.cer");
        std::fs::write(&path, b"not a certificate").unwrap();
        let error = read_certificate(&path).unwrap_err().to_string();
        assert!(error.contains("is not an X.509 certificate"), "{error}");
    }
}
