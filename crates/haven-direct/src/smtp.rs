//! The SMTP listener of Direct messaging: accepts mail for the Direct domain over SMTP (with
//! STARTTLS), refuses unknown recipients before any data, opens each message with [`receive`]
//! and hands what it accepts to a [`Mailbox`]; anything refused gets its reply code and is not
//! stored.
//!
//! Commands are parsed by smtp-proto; the state machine of a session is our own. Logs name
//! the peer, reply codes and refusal kinds, never message content or the local part of an
//! address.
//!
//! [`receive`]: crate::receive

mod session;

use std::error::Error as StdError;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use thiserror::Error;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::Instrument;

use crate::address::DirectAddress;
use crate::identity::{DomainIdentity, TrustAnchors};
use crate::receive::InboundMessage;
use crate::refusal::Refusal;

/// The largest message accepted by default (the DATA, un-stuffed): 25 MiB.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 25 * 1024 * 1024;
/// How long the listener waits for a command (or a TLS handshake) before closing the
/// connection with `421 4.4.2` (RFC 5321 section 4.5.3.2 suggests five minutes).
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// How long the listener waits for each chunk of DATA before closing the connection (RFC 5321
/// section 4.5.3.2 suggests three minutes per data block).
pub const DATA_TIMEOUT: Duration = Duration::from_secs(3 * 60);
/// The most recipients one transaction may name; more get `452 4.5.3` (RFC 5321 requires at
/// least 100).
pub const MAX_RECIPIENTS: usize = 100;
/// How many bad commands one connection may send before it is closed with `421 4.7.0`.
pub const MAX_BAD_COMMANDS: usize = 10;
/// How long [`serve`] waits, once shut down, for sessions in the middle of a transaction.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);
/// How long [`serve`] pauses after a failed `accept` (such as running out of file descriptors).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// How the listener presents itself and what it accepts.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    /// The Direct domain: recipients outside it are refused with `550 5.1.2`.
    pub domain: String,
    /// The host name in the greeting and the EHLO reply.
    pub hostname: String,
    /// The largest message accepted, in bytes of un-stuffed DATA; larger ones get `552 5.3.4`.
    /// It is also advertised as the EHLO `SIZE`.
    pub max_message_bytes: usize,
    /// The TLS configuration for STARTTLS; STARTTLS is offered only when this is set.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Whether MAIL, RCPT and DATA are refused (`530 5.7.0`) until the client has used STARTTLS.
    pub require_tls: bool,
}

impl SmtpSettings {
    /// Settings for `domain` greeting as `hostname`, with the default size limit and no TLS.
    pub fn new(domain: impl Into<String>, hostname: impl Into<String>) -> Self {
        Self {
            domain: domain.into(),
            hostname: hostname.into(),
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            tls: None,
            require_tls: false,
        }
    }
}

/// Where accepted messages go: the people of the Direct domain and their message centers.
#[async_trait]
pub trait Mailbox: Send + Sync {
    /// Whether `recipient` (already known to be in the Direct domain) is a person here, or the
    /// `newuser@` address that holds messages for people without an account. An error makes
    /// the listener answer `451 4.3.0` to the RCPT, so the sender retries.
    async fn accepts(&self, recipient: &DirectAddress) -> Result<bool, DeliveryError>;

    /// Stores a message that was decrypted and verified, for the accepted `recipients` of its
    /// SMTP envelope. An error makes the listener answer `451 4.3.0`, so the sender retries.
    async fn deliver(&self, message: InboundMessage, recipients: Vec<DirectAddress>) -> Result<(), DeliveryError>;
}

/// Why a [`Mailbox`] did not store a message: it failed ([`DeliveryError::new`]; the listener
/// logs the cause and asks the sender to retry, never sending the cause to the peer), or the
/// message is unacceptable to it ([`DeliveryError::refused`]; the listener answers with the
/// refusal's permanent reply).
#[derive(Debug, Error)]
pub enum DeliveryError {
    /// Storing failed; the sender should retry (`451 4.3.0`).
    #[error("the message could not be stored")]
    Failed(#[source] Box<dyn StdError + Send + Sync>),
    /// The message cannot be delivered as it is.
    #[error("the message was refused: {0}")]
    Refused(Refusal),
}

impl DeliveryError {
    /// A failure with its cause, such as a storage error.
    pub fn new(source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        Self::Failed(source.into())
    }

    /// A permanent refusal of the message.
    pub fn refused(refusal: Refusal) -> Self {
        Self::Refused(refusal)
    }
}

/// What every session of one listener shares.
struct Listener {
    settings: Arc<SmtpSettings>,
    domain: Arc<DomainIdentity>,
    anchors: Arc<TrustAnchors>,
    mailbox: Arc<dyn Mailbox>,
}

/// Accepts SMTP connections on `listener`, one task per connection, until `shutdown`
/// completes. Then it stops accepting, closes idle sessions with `421 4.3.2`, and waits up to
/// [`SHUTDOWN_GRACE`] for transactions in progress before dropping them.
pub async fn serve(
    listener: TcpListener,
    settings: Arc<SmtpSettings>,
    domain: Arc<DomainIdentity>,
    anchors: Arc<TrustAnchors>,
    mailbox: Arc<dyn Mailbox>,
    shutdown: impl Future<Output = ()>,
) {
    let shared = Arc::new(Listener { settings, domain, anchors, mailbox });
    let (stop_sender, stop_receiver) = watch::channel(false);
    let mut sessions = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let span = tracing::info_span!("smtp", %peer);
                    let session = connection(stream, Arc::clone(&shared), stop_receiver.clone());
                    sessions.spawn(session.instrument(span));
                }
                Err(error) => {
                    tracing::warn!(%error, "accepting an SMTP connection failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            },
            Some(joined) = sessions.join_next(), if !sessions.is_empty() => {
                if let Err(error) = joined {
                    tracing::error!(%error, "an SMTP session failed");
                }
            }
        }
    }
    drop(listener);
    // Sending fails only when no receiver is left, and `stop_receiver` is still here.
    let _ = stop_sender.send(true);
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async { while sessions.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::warn!(
            remaining = sessions.len(),
            "SMTP sessions still running after the shutdown grace; dropping them"
        );
        sessions.shutdown().await;
    }
}

/// Runs one connection: the plain session, then the TLS session if the client asks for it.
async fn connection(stream: TcpStream, shared: Arc<Listener>, stop: watch::Receiver<bool>) {
    tracing::debug!("connected");
    match session::run(stream, &shared, stop).await {
        Ok(()) => tracing::debug!("closed"),
        Err(error) => tracing::info!(%error, "connection ended"),
    }
}
