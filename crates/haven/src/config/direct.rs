//! The `[direct]` table: the instance's Direct messaging domain, its certificate and key, the
//! trust anchors of senders, and the SMTP listener. Everything is read and checked when the
//! configuration loads, so an instance with a bad Direct setting never starts.

use std::path::Path;
use std::sync::Arc;

use haven_direct::smtp::SmtpSettings;
use haven_direct::{DirectAddress, DomainIdentity, RecipientCertificates, TrustAnchors};
use haven_domain::source::{SourceError, SourceText};
use haven_shell::DirectSettings;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde::Deserialize;
use toml::Spanned;

use super::{ListenAddress, listen_address};

/// The validated `[direct]` table, with its certificates loaded.
#[derive(Debug, Clone)]
pub struct DirectConfig {
    /// The Direct domain, lower-cased.
    pub domain: String,
    /// Where the SMTP listener listens.
    pub smtp_listen: ListenAddress,
    /// The listener's greeting, size limit and STARTTLS.
    pub smtp: Arc<SmtpSettings>,
    /// The domain certificate and key.
    pub identity: Arc<DomainIdentity>,
    /// The senders' trust anchors.
    pub anchors: Arc<TrustAnchors>,
    /// The certificates replies may be encrypted to.
    pub recipients: Arc<RecipientCertificates>,
}

impl DirectConfig {
    /// The Shell's Direct settings.
    pub fn shell_settings(&self) -> DirectSettings {
        DirectSettings {
            domain: self.domain.clone(),
            identity: self.identity.clone(),
            anchors: self.anchors.clone(),
            recipients: self.recipients.clone(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawDirect {
    domain: Spanned<String>,
    certificate: Spanned<String>,
    private_key: Spanned<String>,
    trust_anchors: Spanned<Vec<String>>,
    #[serde(default)]
    recipient_certificates: Vec<String>,
    smtp_listen: Spanned<String>,
    smtp_hostname: Option<String>,
    max_message_bytes: Option<Spanned<usize>>,
    tls_certificate: Option<Spanned<String>>,
    tls_private_key: Option<Spanned<String>>,
    require_tls: Option<Spanned<bool>>,
}

/// Reads the `[direct]` table; paths are relative to the configuration file's directory `base`.
pub(super) fn read(source: &SourceText<'_>, base: &Path, raw: RawDirect) -> Result<DirectConfig, SourceError> {
    let domain = raw.domain.get_ref().trim().to_ascii_lowercase();
    if DirectAddress::parse(&format!("postmaster@{domain}")).is_err() {
        return Err(source.error(raw.domain.span(), "direct.domain: must be a host name such as direct.haven.example"));
    }
    let certificate = base.join(raw.certificate.get_ref());
    let private_key = base.join(raw.private_key.get_ref());
    let identity = DomainIdentity::load(&certificate, &private_key).map_err(|error| {
        source.error(raw.certificate.span(), format!("direct.certificate and private-key: {error}"))
    })?;
    if raw.trust_anchors.get_ref().is_empty() {
        return Err(source.error(raw.trust_anchors.span(), "direct.trust-anchors: name at least one PEM file"));
    }
    let trust_anchors: Vec<_> = raw.trust_anchors.get_ref().iter().map(|file| base.join(file)).collect();
    let anchors = TrustAnchors::load(&trust_anchors)
        .map_err(|error| source.error(raw.trust_anchors.span(), format!("direct.trust-anchors: {error}")))?;
    let recipient_certificates: Vec<_> = raw.recipient_certificates.iter().map(|file| base.join(file)).collect();
    let recipients = RecipientCertificates::load(&recipient_certificates)
        .map_err(|error| source.error(raw.domain.span(), format!("direct.recipient-certificates: {error}")))?
        .with_leaves_of(&anchors);
    let smtp_listen = listen_address(source, "direct.smtp-listen", &raw.smtp_listen)?;

    let mut smtp = SmtpSettings::new(domain.clone(), raw.smtp_hostname.unwrap_or_else(|| domain.clone()));
    if let Some(limit) = &raw.max_message_bytes {
        if *limit.get_ref() < 1024 {
            return Err(source.error(limit.span(), "direct.max-message-bytes: must be at least 1024"));
        }
        smtp.max_message_bytes = *limit.get_ref();
    }
    smtp.tls = match (&raw.tls_certificate, &raw.tls_private_key) {
        (Some(certificate), Some(key)) => Some(tls_config(source, base, certificate, key)?),
        (None, None) => None,
        (Some(spanned), None) | (None, Some(spanned)) => {
            return Err(source.error(spanned.span(), "direct: tls-certificate and tls-private-key go together"));
        }
    };
    if let Some(require_tls) = &raw.require_tls {
        smtp.require_tls = *require_tls.get_ref();
        if smtp.require_tls && smtp.tls.is_none() {
            return Err(
                source.error(require_tls.span(), "direct.require-tls: needs tls-certificate and tls-private-key")
            );
        }
    }
    Ok(DirectConfig {
        domain,
        smtp_listen,
        smtp: Arc::new(smtp),
        identity: Arc::new(identity),
        anchors: Arc::new(anchors),
        recipients: Arc::new(recipients),
    })
}

/// The STARTTLS configuration from a PEM certificate chain and key.
fn tls_config(
    source: &SourceText<'_>,
    base: &Path,
    certificate: &Spanned<String>,
    key: &Spanned<String>,
) -> Result<Arc<rustls::ServerConfig>, SourceError> {
    let certificate_path = base.join(certificate.get_ref());
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(&certificate_path).and_then(Iterator::collect).map_err(|error| {
            source.error(certificate.span(), format!("direct.tls-certificate: {}: {error}", certificate_path.display()))
        })?;
    if chain.is_empty() {
        return Err(source.error(certificate.span(), "direct.tls-certificate: the file holds no certificate"));
    }
    let key_path = base.join(key.get_ref());
    let private_key = PrivateKeyDer::from_pem_file(&key_path).map_err(|error| {
        source.error(key.span(), format!("direct.tls-private-key: {}: {error}", key_path.display()))
    })?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_no_client_auth().with_single_cert(chain, private_key))
        .map_err(|error| source.error(certificate.span(), format!("direct.tls-certificate: {error}")))?;
    Ok(Arc::new(config))
}
