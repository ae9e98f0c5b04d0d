//! [`SmtpRelay`]: hands mail to an SMTP relay with lettre's pooled async transport, sending
//! each message's bytes as they are (`send_raw`) under its own envelope.
//!
//! The transport is built on the first send, inside the Tokio runtime (lettre's pool starts a
//! task of its own), so a relay can be configured before the runtime exists. Plain SMTP is
//! accepted only to a loopback host.

use std::fmt;
use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::Duration;

use async_trait::async_trait;
use lettre::transport::smtp::AsyncSmtpTransportBuilder;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::{MailError, Mailer, OutgoingMail, RelayFailure, checked_envelope};

/// How long the relay may take to connect and to answer each command, 30 seconds, unless the
/// settings say otherwise. A relay that is down fails at once; one that hangs fails after this.
pub const DEFAULT_RELAY_TIMEOUT: Duration = Duration::from_secs(30);

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelaySecurity {
    /// Plain SMTP, no TLS: accepted only when the host is a loopback address (127.0.0.0/8,
    /// `::1`) or `localhost`, such as a local MTA or a test relay; [`SmtpRelay::new`] refuses
    /// it for any other host.
    None,
    /// Plain SMTP upgraded with STARTTLS before anything else is sent (usually port 587); a
    /// relay that does not offer STARTTLS is refused, so no downgrade is possible.
    StartTls,
    /// TLS from the first byte, "implicit TLS" (usually port 465).
    Tls,
}

/// Where and how to reach the relay.
#[derive(Clone)]
pub struct RelaySettings {
    /// The relay's host name or IP address; with TLS, its certificate must name it (checked
    /// against the Web PKI roots).
    pub host: String,
    /// The relay's port (commonly 587 for STARTTLS, 465 for TLS, 25 for a local MTA).
    pub port: u16,
    /// How the connection is protected.
    pub security: RelaySecurity,
    /// User name and password for SMTP AUTH (PLAIN or LOGIN), if the relay wants them.
    pub credentials: Option<(String, String)>,
    /// How long connecting and each command may take ([`DEFAULT_RELAY_TIMEOUT`] is the usual).
    pub timeout: Duration,
}

impl RelaySettings {
    /// Settings for `host:port` with `security`, no credentials and [`DEFAULT_RELAY_TIMEOUT`].
    pub fn new(host: impl Into<String>, port: u16, security: RelaySecurity) -> Self {
        Self { host: host.into(), port, security, credentials: None, timeout: DEFAULT_RELAY_TIMEOUT }
    }
}

impl fmt::Debug for RelaySettings {
    /// Shows the user name but never the password.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("RelaySettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.credentials.as_ref().map(|(user, _)| user))
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A [`Mailer`] that sends through an SMTP relay, reusing connections (lettre's pool, which
/// checks an idle connection with NOOP before reusing it).
///
/// Invariant: plain SMTP is only ever spoken to a loopback host. Once it has sent, drop it
/// inside the Tokio runtime: the pool closes its connections on a task of its own.
pub struct SmtpRelay {
    host: String,
    port: u16,
    security: RelaySecurity,
    builder: AsyncSmtpTransportBuilder,
    transport: OnceLock<AsyncSmtpTransport<Tokio1Executor>>,
}

impl SmtpRelay {
    /// A relay with `settings`, checked but not yet contacted. Refuses
    /// [`RelaySecurity::None`] for a host that is not loopback
    /// ([`MailError::PlainSmtpToRemoteHost`]), and a TLS host that cannot be a server name.
    pub fn new(settings: RelaySettings) -> Result<Self, MailError> {
        let RelaySettings { host, port, security, credentials, timeout } = settings;
        let tls = match security {
            RelaySecurity::None if is_loopback_host(&host) => Tls::None,
            RelaySecurity::None => return Err(MailError::PlainSmtpToRemoteHost { host }),
            RelaySecurity::StartTls => Tls::Required(tls_parameters(&host)?),
            RelaySecurity::Tls => Tls::Wrapper(tls_parameters(&host)?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.as_str())
            .port(port)
            .tls(tls)
            .timeout(Some(timeout));
        if let Some((user, password)) = credentials {
            builder = builder.credentials(Credentials::new(user, password));
        }
        Ok(Self { host, port, security, builder, transport: OnceLock::new() })
    }

    fn transport(&self) -> &AsyncSmtpTransport<Tokio1Executor> {
        self.transport.get_or_init(|| self.builder.clone().build())
    }
}

impl fmt::Debug for SmtpRelay {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("SmtpRelay")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Mailer for SmtpRelay {
    /// Sends `mail.raw` unchanged under `mail`'s envelope. SMTP ends the data with
    /// `CRLF . CRLF`; when the message already ends with a line break, that break is the
    /// one before the dot, so the relay receives exactly `raw` (without one, it receives `raw`
    /// and a CRLF, as SMTP requires).
    async fn send(&self, mail: OutgoingMail) -> Result<(), MailError> {
        let envelope = checked_envelope(&mail)?;
        let data = mail.raw.strip_suffix(b"\r\n").unwrap_or(&mail.raw);
        match self.transport().send_raw(&envelope, data).await {
            Ok(_) => Ok(()),
            Err(error) => {
                Err(MailError::Relay { host: self.host.clone(), port: self.port, failure: RelayFailure::of(&error) })
            }
        }
    }
}

fn tls_parameters(host: &str) -> Result<TlsParameters, MailError> {
    TlsParameters::new(host.to_owned()).map_err(|_| MailError::InvalidRelayHost { host: host.to_owned() })
}

/// Whether `host` is `localhost` or a loopback IP address: `127.0.0.0/8`, `::1`, or an
/// IPv4-mapped `127.x.y.z`, with or without brackets.
fn is_loopback_host(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')).unwrap_or(host);
    match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(address)) => address.is_loopback(),
        Ok(IpAddr::V6(address)) => {
            address.is_loopback() || address.to_ipv4_mapped().is_some_and(|mapped| mapped.is_loopback())
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_are_recognised() {
        for host in
            ["localhost", "LocalHost", "localhost.", "127.0.0.1", "127.1.2.3", "::1", "[::1]", "::ffff:127.0.0.1"]
        {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in
            ["example.org", "localhost.example.org", "10.0.0.1", "0.0.0.0", "::", "128.0.0.1", "127.0.0.1.nip.io", ""]
        {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn plain_smtp_is_refused_for_other_hosts() {
        let refused = SmtpRelay::new(RelaySettings::new("smtp.example.org", 25, RelaySecurity::None));
        assert!(matches!(refused, Err(MailError::PlainSmtpToRemoteHost { host }) if host == "smtp.example.org"));
        assert!(SmtpRelay::new(RelaySettings::new("smtp.example.org", 587, RelaySecurity::StartTls)).is_ok());
        assert!(SmtpRelay::new(RelaySettings::new("smtp.example.org", 465, RelaySecurity::Tls)).is_ok());
    }

    #[test]
    fn debug_never_shows_the_password() {
        let mut settings = RelaySettings::new("smtp.example.org", 587, RelaySecurity::StartTls);
        settings.credentials = Some(("haven".to_owned(), "s3cret-password".to_owned()));
        assert!(!format!("{settings:?}").contains("s3cret"));
        let relay = SmtpRelay::new(settings).unwrap();
        assert!(!format!("{relay:?}").contains("s3cret"));
    }
}
