//! Finding the certificate an outbound Direct message is encrypted to.
//!
//! Direct finds a recipient's certificate by address: an address-bound certificate names the
//! address itself (a `rfc822Name` in its subject alternative names), an organisation-bound one
//! names the address's domain (a `dNSName`). Haven looks in the certificates the operator
//! configured for recipients and, since a trust bundle may hold providers' certificates
//! beside their anchors, among the trust anchor files' certificates that are not CAs. DNS CERT
//! and LDAP discovery are not done: the instance reaches no network but its relay.

use std::fmt;
use std::path::Path;

use openssl::nid::Nid;
use openssl::stack::Stack;
use openssl::x509::store::X509StoreRef;
use openssl::x509::{X509, X509Ref, X509StoreContext};

use crate::address::DirectAddress;
use crate::identity::{IdentityError, TrustAnchors, subject_line};

/// The certificates outbound messages may be encrypted to.
///
/// Invariant: every certificate was read from a configured file; whether it is usable (under an
/// anchor, in its validity period) is checked when it is looked up, so that a certificate
/// expiring while the instance runs stops being used.
pub struct RecipientCertificates {
    certificates: Vec<X509>,
}

impl RecipientCertificates {
    /// Reads every certificate of each PEM file (a file may hold one certificate or many).
    /// CA certificates among them are ignored: a message is never encrypted to an anchor.
    pub fn load<P: AsRef<Path>>(paths: impl IntoIterator<Item = P>) -> Result<Self, IdentityError> {
        let mut certificates = Vec::new();
        for path in paths {
            let path = path.as_ref();
            let bytes =
                std::fs::read(path).map_err(|source| IdentityError::Read { path: path.to_path_buf(), source })?;
            let found = X509::stack_from_pem(&bytes).unwrap_or_default();
            if found.is_empty() {
                return Err(IdentityError::NoCertificateInFile { path: path.to_path_buf() });
            }
            certificates.extend(found);
        }
        Ok(Self::from_certificates(certificates))
    }

    /// Uses the given certificates (CA certificates among them are ignored).
    pub fn from_certificates(certificates: Vec<X509>) -> Self {
        Self { certificates: certificates.into_iter().filter(|certificate| !is_ca(certificate)).collect() }
    }

    /// These certificates and the leaf certificates that sit among `anchors`.
    pub fn with_leaves_of(mut self, anchors: &TrustAnchors) -> Self {
        self.certificates.extend(anchors.certificates().iter().filter(|certificate| !is_ca(certificate)).cloned());
        self
    }

    /// The certificate to encrypt a message to `recipient` with: one naming the address itself
    /// if any, else one naming its domain, that chains to one of `anchors` today (OpenSSL
    /// checks the validity periods with the system time). `None` when there is none.
    pub fn certificate_for(&self, recipient: &DirectAddress, anchors: &TrustAnchors) -> Option<&X509Ref> {
        let usable = |certificate: &&X509| chains_to(certificate, anchors.store());
        let address_bound = self.certificates.iter().filter(|certificate| names_address(certificate, recipient));
        let domain_bound = self.certificates.iter().filter(|certificate| names_domain(certificate, recipient.domain()));
        address_bound.chain(domain_bound).find(usable).map(|certificate| &**certificate)
    }

    /// How many certificates are known.
    pub fn len(&self) -> usize {
        self.certificates.len()
    }

    /// Whether none are known.
    pub fn is_empty(&self) -> bool {
        self.certificates.is_empty()
    }
}

impl fmt::Debug for RecipientCertificates {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let subjects: Vec<String> = self.certificates.iter().map(|certificate| subject_line(certificate)).collect();
        formatter.debug_struct("RecipientCertificates").field("subjects", &subjects).finish()
    }
}

fn is_ca(certificate: &X509Ref) -> bool {
    // openssl's safe API does not expose basicConstraints directly; a self-issued certificate
    // or one whose text form says CA:TRUE is treated as a CA.
    let self_issued = certificate.issuer_name().to_der().ok() == certificate.subject_name().to_der().ok();
    let text = certificate.to_text().map(|text| String::from_utf8_lossy(&text).into_owned()).unwrap_or_default();
    self_issued || text.contains("CA:TRUE")
}

/// Whether the certificate is bound to the address itself (`rfc822Name` or subject e-mail).
pub(crate) fn names_address(certificate: &X509Ref, recipient: &DirectAddress) -> bool {
    let in_alt_names = certificate.subject_alt_names().is_some_and(|names| {
        names.iter().filter_map(|name| name.email()).any(|email| email.eq_ignore_ascii_case(recipient.as_str()))
    });
    let in_subject = certificate
        .subject_name()
        .entries_by_nid(Nid::PKCS9_EMAILADDRESS)
        .any(|entry| entry.data().to_string().is_ok_and(|email| email.eq_ignore_ascii_case(recipient.as_str())));
    in_alt_names || in_subject
}

/// Whether the certificate is bound to the domain (`dNSName`): an organisation's certificate.
pub(crate) fn names_domain(certificate: &X509Ref, domain: &str) -> bool {
    certificate
        .subject_alt_names()
        .is_some_and(|names| names.iter().filter_map(|name| name.dnsname()).any(|dns| dns.eq_ignore_ascii_case(domain)))
}

fn chains_to(certificate: &X509Ref, anchors: &X509StoreRef) -> bool {
    let Ok(mut context) = X509StoreContext::new() else { return false };
    let Ok(untrusted) = Stack::new() else { return false };
    context.init(anchors, certificate, &untrusted, |context| context.verify_cert()).unwrap_or(false)
}
