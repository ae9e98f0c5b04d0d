//! The instance's Direct domain identity and the trust anchors of senders it accepts.

use std::fmt;
use std::path::{Path, PathBuf};

use openssl::pkey::{PKey, Private};
use openssl::x509::store::{X509Store, X509StoreBuilder};
use openssl::x509::{X509, X509Ref};
use thiserror::Error;

/// Why a domain identity or trust anchors could not be loaded.
#[derive(Debug, Error)]
pub enum IdentityError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("the certificate PEM holds no readable certificate")]
    NoCertificate,
    #[error("the private key PEM is not a readable, unencrypted private key")]
    BadPrivateKey,
    #[error("the private key does not belong to the domain certificate")]
    KeyMismatch,
    #[error("no trust anchor certificate was found")]
    NoTrustAnchors,
    #[error("{path} holds no readable PEM certificate")]
    NoCertificateInFile { path: PathBuf },
    #[error("cannot build the trust store: {0}")]
    Store(openssl::error::ErrorStack),
}

/// The instance's certificate and private key for its Direct domain: senders encrypt to the
/// certificate, and Haven signs outbound messages with the key.
///
/// Invariant: the key is the private half of the certificate's public key. `chain` holds any
/// further certificates (intermediates) that followed the domain certificate in its PEM; they are
/// included in signatures so that recipients can build the path to their anchor.
pub struct DomainIdentity {
    certificate: X509,
    chain: Vec<X509>,
    key: PKey<Private>,
}

impl DomainIdentity {
    /// Loads the identity from PEM text: the domain certificate first, optionally followed by
    /// its intermediates, and an unencrypted private key (PKCS #8 or traditional).
    pub fn from_pem(certificate_pem: &[u8], key_pem: &[u8]) -> Result<Self, IdentityError> {
        let mut certificates =
            X509::stack_from_pem(certificate_pem).map_err(|_| IdentityError::NoCertificate)?.into_iter();
        let certificate = certificates.next().ok_or(IdentityError::NoCertificate)?;
        let key = PKey::private_key_from_pem(key_pem).map_err(|_| IdentityError::BadPrivateKey)?;
        let public_key = certificate.public_key().map_err(|_| IdentityError::NoCertificate)?;
        if !public_key.public_eq(&key) {
            return Err(IdentityError::KeyMismatch);
        }
        Ok(Self { certificate, chain: certificates.collect(), key })
    }

    /// Reads [`DomainIdentity::from_pem`]'s two PEM files.
    pub fn load(certificate_path: &Path, key_path: &Path) -> Result<Self, IdentityError> {
        Self::from_pem(&read(certificate_path)?, &read(key_path)?)
    }

    /// The domain certificate.
    pub fn certificate(&self) -> &X509Ref {
        &self.certificate
    }

    /// Intermediate certificates sent along with signatures.
    pub fn chain(&self) -> &[X509] {
        &self.chain
    }

    pub(crate) fn key(&self) -> &PKey<Private> {
        &self.key
    }
}

impl fmt::Debug for DomainIdentity {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The private key is never printed.
        formatter
            .debug_struct("DomainIdentity")
            .field("certificate", &subject_line(&self.certificate))
            .field("chain", &self.chain.len())
            .finish_non_exhaustive()
    }
}

/// The CA certificates under which a sender's signing certificate must chain for Haven to accept
/// its messages (a Direct trust bundle, or anchors configured one by one).
///
/// Invariant: at least one anchor.
pub struct TrustAnchors {
    certificates: Vec<X509>,
    store: X509Store,
}

impl TrustAnchors {
    /// Reads every certificate in a PEM bundle.
    pub fn from_pem(bundle: &[u8]) -> Result<Self, IdentityError> {
        let certificates = X509::stack_from_pem(bundle).map_err(|_| IdentityError::NoTrustAnchors)?;
        Self::from_certificates(certificates)
    }

    /// Reads every certificate in each PEM file (a file may hold one anchor or a bundle).
    pub fn load<P: AsRef<Path>>(paths: impl IntoIterator<Item = P>) -> Result<Self, IdentityError> {
        let mut certificates = Vec::new();
        for path in paths {
            let path = path.as_ref();
            let found = X509::stack_from_pem(&read(path)?).unwrap_or_default();
            if found.is_empty() {
                return Err(IdentityError::NoCertificateInFile { path: path.to_path_buf() });
            }
            certificates.extend(found);
        }
        Self::from_certificates(certificates)
    }

    /// Uses the given certificates as anchors.
    pub fn from_certificates(certificates: Vec<X509>) -> Result<Self, IdentityError> {
        if certificates.is_empty() {
            return Err(IdentityError::NoTrustAnchors);
        }
        let mut builder = X509StoreBuilder::new().map_err(IdentityError::Store)?;
        for certificate in &certificates {
            builder.add_cert(certificate.clone()).map_err(IdentityError::Store)?;
        }
        Ok(Self { certificates, store: builder.build() })
    }

    /// The anchors, in the order read.
    pub fn certificates(&self) -> &[X509] {
        &self.certificates
    }

    pub(crate) fn store(&self) -> &X509Store {
        &self.store
    }
}

impl fmt::Debug for TrustAnchors {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let subjects: Vec<String> = self.certificates.iter().map(|certificate| subject_line(certificate)).collect();
        formatter.debug_struct("TrustAnchors").field("subjects", &subjects).finish()
    }
}

fn read(path: &Path) -> Result<Vec<u8>, IdentityError> {
    std::fs::read(path).map_err(|source| IdentityError::Read { path: path.to_path_buf(), source })
}

/// A certificate's subject as `CN=..., O=...`, for logs and debugging.
pub(crate) fn subject_line(certificate: &X509Ref) -> String {
    certificate
        .subject_name()
        .entries()
        .map(|entry| {
            let name = entry.object().nid().short_name().unwrap_or("?");
            let value = entry.data().to_string().unwrap_or_default();
            format!("{name}={value}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}
