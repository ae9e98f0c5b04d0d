//! What can go wrong sending mail. No variant carries message content or an address: a bad
//! address is named by its role, and a relay's refusal by its reply code alone (a relay's reply
//! text often echoes the recipient).

use std::fmt;
use std::io;
use std::path::PathBuf;

use thiserror::Error;

/// Why mail was not built or sent.
#[derive(Debug, Error)]
pub enum MailError {
    /// An address is not a valid e-mail address (a line break makes any address invalid).
    #[error("the {0} is not a valid e-mail address")]
    InvalidAddress(AddressRole),
    /// A header value holds a CR or LF, which would start a header of its own.
    #[error("the {0} header may not contain a line break")]
    LineBreakInHeader(&'static str),
    /// The envelope names no recipient.
    #[error("a message needs at least one recipient")]
    NoRecipients,
    /// lettre could not assemble the message (its reasons name no content).
    #[error("the message could not be built: {0}")]
    Build(String),
    /// [`RelaySecurity::None`](crate::RelaySecurity::None) was asked for a host that is not a
    /// loopback address or `localhost`: mail and credentials would cross a network in clear.
    #[error(
        "plain SMTP is allowed only to a loopback relay (127.0.0.0/8, ::1, localhost), not to {host}; use StartTls or Tls"
    )]
    PlainSmtpToRemoteHost {
        /// The relay host as configured.
        host: String,
    },
    /// The relay host cannot be a TLS server name.
    #[error("the relay host {host} is not a valid TLS server name")]
    InvalidRelayHost {
        /// The relay host as configured.
        host: String,
    },
    /// The relay did not take the message.
    #[error("the relay {host}:{port} did not take the message: {failure}")]
    Relay {
        /// The relay host as configured.
        host: String,
        /// The relay port.
        port: u16,
        /// What went wrong.
        failure: RelayFailure,
    },
    /// The mail folder could not be written.
    #[error("could not write to the mail folder {}", path.display())]
    Folder {
        /// The folder.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// The system's random number generator failed (message ids and file names use it).
    #[error("the random number generator failed: {0}")]
    Randomness(String),
}

impl MailError {
    /// Whether sending the same mail again cannot succeed: the message or the configuration is
    /// at fault, or the relay refused with a 5xx reply. Anything else may pass on a retry.
    pub fn is_permanent(&self) -> bool {
        match self {
            Self::InvalidAddress(_)
            | Self::LineBreakInHeader(_)
            | Self::NoRecipients
            | Self::Build(_)
            | Self::PlainSmtpToRemoteHost { .. }
            | Self::InvalidRelayHost { .. } => true,
            Self::Relay { failure, .. } => failure.is_permanent(),
            Self::Folder { .. } | Self::Randomness(_) => false,
        }
    }
}

/// Which address an [`MailError::InvalidAddress`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressRole {
    /// The envelope sender (`MAIL FROM`).
    EnvelopeSender,
    /// An envelope recipient (`RCPT TO`).
    EnvelopeRecipient,
    /// The `From:` header.
    From,
    /// The `To:` header.
    To,
}

impl fmt::Display for AddressRole {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Self::EnvelopeSender => "envelope sender",
            Self::EnvelopeRecipient => "envelope recipient",
            Self::From => "From address",
            Self::To => "To address",
        })
    }
}

/// How a relay failed to take a message, without the relay's reply text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayFailure {
    /// The relay did not answer within the timeout.
    TimedOut,
    /// No connection could be made, or it broke off (refused, unreachable, reset, the host
    /// name not resolved).
    Connection(io::ErrorKind),
    /// TLS could not be set up: the handshake or the certificate failed.
    Tls,
    /// The relay refused with this 4xx reply code; it may take the message later.
    Transient(u16),
    /// The relay refused with this 5xx reply code.
    Permanent(u16),
    /// The relay's reply could not be read.
    MalformedReply,
    /// The client gave up, with lettre's reason (such as "STARTTLS is not supported on this
    /// server" or "No compatible authentication mechanism was found"; these name no content).
    Client(String),
}

impl RelayFailure {
    /// Whether the relay refused for good (a 5xx reply).
    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::Permanent(_))
    }

    /// Classifies lettre's error, keeping nothing of the relay's reply but its code.
    pub(crate) fn of(error: &lettre::transport::smtp::Error) -> Self {
        if let Some(code) = error.status() {
            let code = u16::from(code);
            return if error.is_permanent() { Self::Permanent(code) } else { Self::Transient(code) };
        }
        if error.is_timeout() {
            return Self::TimedOut;
        }
        if error.is_tls() {
            return Self::Tls;
        }
        if error.is_response() {
            return Self::MalformedReply;
        }
        if error.is_client() {
            return Self::Client(error.to_string());
        }
        Self::Connection(io_error_kind(error).unwrap_or(io::ErrorKind::Other))
    }
}

impl fmt::Display for RelayFailure {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TimedOut => formatter.write_str("timed out"),
            Self::Connection(kind) => write!(formatter, "connection failed ({kind})"),
            Self::Tls => formatter.write_str("TLS failed"),
            Self::Transient(code) => write!(formatter, "refused for now with {code}"),
            Self::Permanent(code) => write!(formatter, "refused with {code}"),
            Self::MalformedReply => formatter.write_str("its reply could not be read"),
            Self::Client(reason) => formatter.write_str(reason),
        }
    }
}

/// The kind of the first I/O error in `error`'s chain of causes.
fn io_error_kind(error: &(dyn std::error::Error + 'static)) -> Option<io::ErrorKind> {
    let mut cause = error.source();
    while let Some(current) = cause {
        if let Some(io_error) = current.downcast_ref::<io::Error>() {
            return Some(io_error.kind());
        }
        cause = current.source();
    }
    None
}
