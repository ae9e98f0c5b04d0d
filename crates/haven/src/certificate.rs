//! Application key pairs and certificates: generating a demo application's RSA key and
//! self-signed certificate, and reading the certificate an operator registers.

use std::path::Path;

use anyhow::{Context, bail};
use haven_domain::application::{AppCertificate, Thumbprint};
use haven_domain::ids::ApplicationId;
use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::{X509, X509NameBuilder};

/// RSA key size for generated application keys (HealthVault recommends 2048).
pub const RSA_BITS: u32 = 2048;

/// Validity of generated certificates.
pub const CERTIFICATE_DAYS: u32 = 3650;

/// A generated key pair and its self-signed certificate.
pub struct GeneratedKeyPair {
    /// The private key.
    pub private_key: PKey<Private>,
    /// The certificate, subject `CN=WildcatApp-<application id>` as HealthVault names them.
    pub certificate: X509,
}

impl std::fmt::Debug for GeneratedKeyPair {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("GeneratedKeyPair").finish_non_exhaustive()
    }
}

/// Generates an RSA key pair and a self-signed certificate for an application.
pub fn generate(application_id: ApplicationId) -> anyhow::Result<GeneratedKeyPair> {
    let rsa = Rsa::generate(RSA_BITS).context("generating an RSA key")?;
    let private_key = PKey::from_rsa(rsa)?;
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_text("CN", &format!("WildcatApp-{application_id}"))?;
    let name = name.build();
    let mut serial = BigNum::new()?;
    serial.rand(128, MsbOption::MAYBE_ZERO, false)?;
    let mut builder = X509::builder()?;
    builder.set_version(2)?;
    let serial = serial.to_asn1_integer()?;
    builder.set_serial_number(&serial)?;
    builder.set_subject_name(&name)?;
    builder.set_issuer_name(&name)?;
    builder.set_pubkey(&private_key)?;
    let not_before = Asn1Time::days_from_now(0)?;
    let not_after = Asn1Time::days_from_now(CERTIFICATE_DAYS)?;
    builder.set_not_before(&not_before)?;
    builder.set_not_after(&not_after)?;
    builder.sign(&private_key, MessageDigest::sha256())?;
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
    let key_path = directory.join("private-key.pem");
    std::fs::write(&key_path, pair.private_key.private_key_to_pem_pkcs8()?)
        .with_context(|| format!("writing {}", key_path.display()))?;
    restrict_to_owner(&key_path)?;
    std::fs::write(directory.join("certificate.pem"), pair.certificate.to_pem()?)?;
    std::fs::write(directory.join("certificate.cer"), pair.certificate.to_der()?)?;
    Ok(())
}

#[cfg(unix)]
fn restrict_to_owner(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(())
}

#[cfg(not(unix))]
fn restrict_to_owner(_path: &Path) -> anyhow::Result<()> {
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
    fn a_file_that_is_not_a_certificate_is_refused() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("junk.cer");
        std::fs::write(&path, b"not a certificate").unwrap();
        let error = read_certificate(&path).unwrap_err().to_string();
        assert!(error.contains("is not an X.509 certificate"), "{error}");
    }
}
