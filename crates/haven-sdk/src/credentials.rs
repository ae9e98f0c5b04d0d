//! An application's identity: its id, its private key, and its certificate's thumbprint.

use std::path::Path;

use haven_domain::application::Thumbprint;
use haven_domain::ids::ApplicationId;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::sign::Signer;
use openssl::x509::X509;

use crate::error::SdkError;

/// What an application signs in with.
#[derive(Clone)]
pub struct ApplicationCredentials {
    /// The application id.
    pub application_id: ApplicationId,
    private_key: PKey<Private>,
    /// SHA-1 thumbprint of the registered certificate.
    pub thumbprint: Thumbprint,
}

impl std::fmt::Debug for ApplicationCredentials {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("ApplicationCredentials")
            .field("application_id", &self.application_id)
            .field("thumbprint", &self.thumbprint)
            .finish_non_exhaustive()
    }
}

fn credentials_error(what: &str) -> impl Fn(openssl::error::ErrorStack) -> SdkError + '_ {
    move |error| SdkError::Credentials(format!("{what}: {error}"))
}

impl ApplicationCredentials {
    /// From a PEM private key and the PEM (or DER) certificate registered for it.
    pub fn from_pem(
        application_id: ApplicationId,
        private_key_pem: &[u8],
        certificate: &[u8],
    ) -> Result<Self, SdkError> {
        let private_key =
            PKey::private_key_from_pem(private_key_pem).map_err(credentials_error("reading the private key"))?;
        let certificate = if certificate.starts_with(b"-----BEGIN") {
            X509::from_pem(certificate)
        } else {
            X509::from_der(certificate)
        }
        .map_err(credentials_error("reading the certificate"))?;
        let digest = certificate.digest(MessageDigest::sha1()).map_err(credentials_error("hashing the certificate"))?;
        let bytes: [u8; 20] = digest
            .as_ref()
            .try_into()
            .map_err(|_| SdkError::Credentials("unexpected SHA-1 digest length".to_owned()))?;
        Ok(Self { application_id, private_key, thumbprint: Thumbprint::from_sha1(&bytes) })
    }

    /// From files, as `haven up` writes them (`private-key.pem`, `certificate.pem`).
    pub fn from_pem_file(
        application_id: ApplicationId,
        private_key: impl AsRef<Path>,
        certificate: impl AsRef<Path>,
    ) -> Result<Self, SdkError> {
        let read = |path: &Path| {
            std::fs::read(path).map_err(|error| SdkError::Credentials(format!("reading {}: {error}", path.display())))
        };
        Self::from_pem(application_id, &read(private_key.as_ref())?, &read(certificate.as_ref())?)
    }

    /// RSA-SHA1 signature of `data` (what HealthVault's CreateAuthenticatedSessionToken asks).
    pub(crate) fn sign_sha1(&self, data: &[u8]) -> Result<Vec<u8>, SdkError> {
        let mut signer = Signer::new(MessageDigest::sha1(), &self.private_key).map_err(credentials_error("signing"))?;
        signer.update(data).map_err(credentials_error("signing"))?;
        signer.sign_to_vec().map_err(credentials_error("signing"))
    }
}
