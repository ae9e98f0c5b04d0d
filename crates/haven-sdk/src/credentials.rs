//! An application's identity: its id and what it signs in with. A web or offline application
//! holds its private key and its certificate's thumbprint; an installed copy of a SODA
//! (mobile or desktop) application holds the shared secret NewApplicationCreationInfo
//! issued it; a SODA master holds nothing, and only makes anonymous calls (to create
//! instances).

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
    proof: Proof,
}

/// How an application proves who it is to CreateAuthenticatedSessionToken v2.
#[derive(Clone)]
pub(crate) enum Proof {
    /// RSA-SHA1 with the private key of a registered certificate (`sig`).
    Certificate {
        /// The private key.
        private_key: PKey<Private>,
        /// SHA-1 thumbprint of the registered certificate.
        thumbprint: Thumbprint,
    },
    /// HMAC-SHA256 with a SODA instance's shared secret (`hmacSig`).
    SodaInstance {
        /// The secret from NewApplicationCreationInfo.
        shared_secret: Vec<u8>,
    },
    /// A SODA master: no session, anonymous calls only.
    SodaMaster,
}

impl std::fmt::Debug for ApplicationCredentials {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.proof {
            Proof::Certificate { thumbprint, .. } => format!("certificate {thumbprint}"),
            Proof::SodaInstance { .. } => "SODA instance".to_owned(),
            Proof::SodaMaster => "SODA master".to_owned(),
        };
        formatter
            .debug_struct("ApplicationCredentials")
            .field("application_id", &self.application_id)
            .field("proof", &kind)
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
        Ok(Self {
            application_id,
            proof: Proof::Certificate { private_key, thumbprint: Thumbprint::from_sha1(&bytes) },
        })
    }

    /// An installed copy of a SODA application: the child application id and shared secret
    /// NewApplicationCreationInfo returned (see [`crate::SodaInstance`]). It signs in with
    /// `hmacSig` once a person completed its creation in the Shell.
    pub fn soda_instance(application_id: ApplicationId, shared_secret: Vec<u8>) -> Self {
        Self { application_id, proof: Proof::SodaInstance { shared_secret } }
    }

    /// A SODA master application, which has no key: a connection with it makes anonymous
    /// calls only, such as [`crate::Connection::new_application_creation_info`].
    pub fn soda_master(application_id: ApplicationId) -> Self {
        Self { application_id, proof: Proof::SodaMaster }
    }

    /// SHA-1 thumbprint of the registered certificate, for certificate credentials.
    pub fn thumbprint(&self) -> Option<&Thumbprint> {
        match &self.proof {
            Proof::Certificate { thumbprint, .. } => Some(thumbprint),
            Proof::SodaInstance { .. } | Proof::SodaMaster => None,
        }
    }

    /// How the application proves who it is.
    pub(crate) fn proof(&self) -> &Proof {
        &self.proof
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
}

/// RSA-SHA1 signature of `data` with `private_key` (what HealthVault's
/// CreateAuthenticatedSessionToken asks of certificate credentials).
pub(crate) fn sign_sha1(private_key: &PKey<Private>, data: &[u8]) -> Result<Vec<u8>, SdkError> {
    let mut signer = Signer::new(MessageDigest::sha1(), private_key).map_err(credentials_error("signing"))?;
    signer.update(data).map_err(credentials_error("signing"))?;
    signer.sign_to_vec().map_err(credentials_error("signing"))
}
