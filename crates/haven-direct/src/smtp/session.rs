//! One SMTP connection: the command loop, STARTTLS, and DATA opened with [`receive`].
//!
//! A session moves through greeting (EHLO or HELO), a transaction (MAIL, then RCPT for each
//! recipient, each checked before any data), and DATA, after which it is back at greeting.
//! STARTTLS discards everything the client sent after it and forgets the greeting, so the
//! client must EHLO again over TLS.

use std::borrow::Cow;
use std::error::Error as _;
use std::io;
use std::sync::Arc;

use smtp_proto::request::receiver::{DataReceiver, DummyDataReceiver, RequestReceiver};
use smtp_proto::{Error as ParseError, Request};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::timeout;
use tokio_rustls::TlsAcceptor;

use super::{COMMAND_TIMEOUT, DATA_TIMEOUT, DeliveryError, Listener, MAX_BAD_COMMANDS, MAX_RECIPIENTS};
use crate::address::DirectAddress;
use crate::receive::receive;

/// How many bytes are read from the peer at a time.
const READ_CHUNK: usize = 16 * 1024;

/// A reply: the RFC 5321 code, the RFC 3463 enhanced code and a text without peer input.
struct Reply {
    code: u16,
    enhanced: &'static str,
    text: Cow<'static, str>,
}

impl Reply {
    fn new(code: u16, enhanced: &'static str, text: impl Into<Cow<'static, str>>) -> Self {
        Self { code, enhanced, text: text.into() }
    }

    fn ok() -> Self {
        Self::new(250, "2.0.0", "OK")
    }

    fn bad_sequence(text: &'static str) -> Self {
        Self::new(503, "5.5.1", text)
    }

    fn temporary_failure() -> Self {
        Self::new(451, "4.3.0", "Temporary failure, please try again later")
    }
}

/// What ends a conversation over one stream.
enum Next {
    Close,
    StartTls(Arc<rustls::ServerConfig>),
}

/// What the peer sent when a command was expected.
enum Incoming {
    Request(Request<String>),
    Bad(ParseError),
    Closed,
    TimedOut,
    Stopping,
}

/// What the peer sent after `354`.
enum Data {
    Complete(Vec<u8>),
    TooLarge,
    Closed,
    TimedOut,
}

/// Bytes received and not yet parsed.
#[derive(Default)]
struct Input {
    pending: Vec<u8>,
    /// Whether the rest of the current line belongs to a command already refused.
    skipping_line: bool,
}

struct Session<'a> {
    listener: &'a Listener,
    tls: bool,
    greeted: bool,
    /// Whether MAIL FROM was accepted (the reverse path itself is not needed).
    has_sender: bool,
    recipients: Vec<DirectAddress>,
    bad_commands: usize,
}

/// Runs the session over `stream`, upgrading it to TLS if the client uses STARTTLS.
pub(super) async fn run(mut stream: TcpStream, listener: &Listener, mut stop: watch::Receiver<bool>) -> io::Result<()> {
    let mut session =
        Session { listener, tls: false, greeted: false, has_sender: false, recipients: Vec::new(), bad_commands: 0 };
    let greeting = format!("220 {} ESMTP Haven Direct\r\n", listener.settings.hostname);
    write(&mut stream, greeting.as_bytes()).await?;
    let Next::StartTls(config) = session.converse(&mut stream, &mut stop).await? else { return Ok(()) };
    let mut stream = match timeout(COMMAND_TIMEOUT, TlsAcceptor::from(config).accept(stream)).await {
        Ok(handshake) => handshake?,
        Err(_) => return Err(io::Error::new(io::ErrorKind::TimedOut, "the TLS handshake timed out")),
    };
    tracing::debug!("TLS started");
    session.tls = true;
    session.greeted = false;
    session.reset();
    session.converse(&mut stream, &mut stop).await?;
    stream.shutdown().await
}

impl Session<'_> {
    fn reset(&mut self) {
        self.has_sender = false;
        self.recipients.clear();
    }

    /// Answers commands until the peer quits, goes away, or starts TLS.
    async fn converse<S>(&mut self, stream: &mut S, stop: &mut watch::Receiver<bool>) -> io::Result<Next>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let mut input = Input::default();
        let mut receiver = RequestReceiver::default();
        loop {
            let request = match next_request(&mut receiver, &mut input, stream, stop).await? {
                Incoming::Request(request) => request,
                Incoming::Bad(error) => {
                    send(stream, parse_error_reply(&error)).await?;
                    if self.count_bad_command(stream).await? {
                        return Ok(Next::Close);
                    }
                    continue;
                }
                Incoming::Closed => return Ok(Next::Close),
                Incoming::TimedOut => {
                    send(stream, Reply::new(421, "4.4.2", "Idle timeout, closing connection")).await?;
                    return Ok(Next::Close);
                }
                Incoming::Stopping => {
                    send(stream, Reply::new(421, "4.3.2", "Service shutting down")).await?;
                    return Ok(Next::Close);
                }
            };
            let reply = match request {
                Request::Ehlo { .. } => {
                    self.greeted = true;
                    self.reset();
                    write(stream, self.ehlo_reply().as_bytes()).await?;
                    tracing::debug!(code = 250, "EHLO");
                    continue;
                }
                Request::Helo { .. } => {
                    self.greeted = true;
                    self.reset();
                    Reply::new(250, "2.0.0", self.listener.settings.hostname.clone())
                }
                Request::StartTls => match (&self.listener.settings.tls, self.tls) {
                    (_, true) => Reply::bad_sequence("TLS already started"),
                    (None, false) => Reply::new(502, "5.5.1", "STARTTLS not available"),
                    (Some(config), false) => {
                        send(stream, Reply::new(220, "2.0.0", "Ready to start TLS")).await?;
                        return Ok(Next::StartTls(Arc::clone(config)));
                    }
                },
                Request::Mail { from } => self.mail(from.size),
                Request::Rcpt { to } => self.rcpt(&to.address).await,
                Request::Data => match self.data_allowed() {
                    Some(refused) => refused,
                    None => {
                        send(stream, Reply::new(354, "", "Start mail input; end with <CRLF>.<CRLF>")).await?;
                        let data = read_data(&mut input, stream, self.listener.settings.max_message_bytes).await?;
                        let recipients = std::mem::take(&mut self.recipients);
                        self.reset();
                        match data {
                            Data::Complete(raw) => self.open_and_deliver(raw, recipients).await,
                            Data::TooLarge => Reply::new(552, "5.3.4", "Message size exceeds the limit"),
                            Data::Closed => return Ok(Next::Close),
                            Data::TimedOut => {
                                send(stream, Reply::new(421, "4.4.2", "Timeout reading data, closing connection"))
                                    .await?;
                                return Ok(Next::Close);
                            }
                        }
                    }
                },
                Request::Rset => {
                    self.reset();
                    Reply::ok()
                }
                Request::Noop { .. } => Reply::ok(),
                Request::Quit => {
                    send(stream, Reply::new(221, "2.0.0", "Bye")).await?;
                    return Ok(Next::Close);
                }
                Request::Vrfy { .. } => Reply::new(252, "2.5.2", "Cannot VRFY user, but will accept message"),
                Request::Help { .. } => Reply::new(214, "2.0.0", "See RFC 5321"),
                Request::Lhlo { .. }
                | Request::Bdat { .. }
                | Request::Auth { .. }
                | Request::Expn { .. }
                | Request::Etrn { .. }
                | Request::Atrn { .. }
                | Request::Burl { .. } => {
                    send(stream, Reply::new(502, "5.5.1", "Command not implemented")).await?;
                    if self.count_bad_command(stream).await? {
                        return Ok(Next::Close);
                    }
                    continue;
                }
            };
            send(stream, reply).await?;
        }
    }

    /// Counts a bad command; after too many it says goodbye and returns true.
    async fn count_bad_command<S: AsyncWrite + Unpin>(&mut self, stream: &mut S) -> io::Result<bool> {
        self.bad_commands += 1;
        if self.bad_commands < MAX_BAD_COMMANDS {
            return Ok(false);
        }
        send(stream, Reply::new(421, "4.7.0", "Too many errors, closing connection")).await?;
        Ok(true)
    }

    fn ehlo_reply(&self) -> String {
        let settings = &self.listener.settings;
        let mut lines = vec![
            format!("{} Hello", settings.hostname),
            format!("SIZE {}", settings.max_message_bytes),
            "8BITMIME".to_owned(),
            "ENHANCEDSTATUSCODES".to_owned(),
            "PIPELINING".to_owned(),
        ];
        if settings.tls.is_some() && !self.tls {
            lines.push("STARTTLS".to_owned());
        }
        let last = lines.len() - 1;
        lines
            .iter()
            .enumerate()
            .map(|(index, line)| format!("250{}{line}\r\n", if index == last { ' ' } else { '-' }))
            .collect()
    }

    /// The refusal of MAIL, RCPT or DATA while TLS is required and not started.
    fn tls_refusal(&self) -> Option<Reply> {
        (self.listener.settings.require_tls && !self.tls)
            .then(|| Reply::new(530, "5.7.0", "Must issue a STARTTLS command first"))
    }

    fn mail(&mut self, declared_size: usize) -> Reply {
        if let Some(refused) = self.tls_refusal() {
            return refused;
        }
        if !self.greeted {
            return Reply::bad_sequence("Send EHLO or HELO first");
        }
        if self.has_sender {
            return Reply::bad_sequence("Sender already given");
        }
        if declared_size > self.listener.settings.max_message_bytes {
            return Reply::new(552, "5.3.4", "Message size exceeds the limit");
        }
        self.has_sender = true;
        Reply::new(250, "2.1.0", "Sender OK")
    }

    async fn rcpt(&mut self, address: &str) -> Reply {
        if let Some(refused) = self.tls_refusal() {
            return refused;
        }
        if !self.has_sender {
            return Reply::bad_sequence("Send MAIL FROM first");
        }
        let Ok(recipient) = DirectAddress::parse(address) else {
            return Reply::new(501, "5.1.3", "Bad recipient address syntax");
        };
        if !recipient.is_in_domain(&self.listener.settings.domain) {
            tracing::info!(code = 550, recipient_domain = recipient.domain(), "recipient outside the Direct domain");
            return Reply::new(550, "5.1.2", "Recipient is not in this Direct domain");
        }
        if self.recipients.len() >= MAX_RECIPIENTS {
            return Reply::new(452, "4.5.3", "Too many recipients");
        }
        match self.listener.mailbox.accepts(&recipient).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::info!(code = 550, "unknown recipient");
                return Reply::new(550, "5.1.1", "No such Direct address here");
            }
            Err(error) => {
                let cause = error.source().map(ToString::to_string);
                tracing::error!(code = 451, %error, cause, "the mailbox could not look up a recipient");
                return Reply::temporary_failure();
            }
        }
        if !self.recipients.contains(&recipient) {
            self.recipients.push(recipient);
        }
        Reply::new(250, "2.1.5", "Recipient OK")
    }

    /// The refusal of DATA, if it may not start now.
    fn data_allowed(&self) -> Option<Reply> {
        if let Some(refused) = self.tls_refusal() {
            return Some(refused);
        }
        if !self.has_sender {
            return Some(Reply::bad_sequence("Send MAIL FROM first"));
        }
        if self.recipients.is_empty() {
            return Some(Reply::new(554, "5.5.1", "No valid recipients"));
        }
        None
    }

    /// Opens the message on the blocking pool (it decrypts and verifies with RSA) and hands it
    /// to the mailbox.
    async fn open_and_deliver(&self, raw: Vec<u8>, recipients: Vec<DirectAddress>) -> Reply {
        let domain = Arc::clone(&self.listener.domain);
        let anchors = Arc::clone(&self.listener.anchors);
        let size = raw.len();
        let opened = tokio::task::spawn_blocking(move || receive(&raw, &domain, &anchors)).await;
        match opened {
            Err(error) => {
                tracing::error!(%error, "opening a message failed");
                Reply::temporary_failure()
            }
            Ok(Err(refusal)) => {
                let reply = refusal.smtp_reply();
                tracing::info!(code = reply.code, %refusal, size, "message refused");
                Reply::new(reply.code, reply.enhanced, reply.text)
            }
            Ok(Ok(message)) => {
                let count = recipients.len();
                match self.listener.mailbox.deliver(message, recipients).await {
                    Ok(()) => {
                        tracing::info!(code = 250, recipients = count, size, "message delivered");
                        Reply::new(250, "2.0.0", "Message accepted for delivery")
                    }
                    Err(DeliveryError::Refused(refusal)) => {
                        let reply = refusal.smtp_reply();
                        tracing::info!(code = reply.code, %refusal, size, "message refused by the mailbox");
                        Reply::new(reply.code, reply.enhanced, reply.text)
                    }
                    Err(error) => {
                        let cause = error.source().map(ToString::to_string);
                        tracing::error!(code = 451, %error, cause, "the mailbox failed to store a message");
                        Reply::temporary_failure()
                    }
                }
            }
        }
    }
}

fn parse_error_reply(error: &ParseError) -> Reply {
    match error {
        ParseError::UnknownCommand => Reply::new(500, "5.5.1", "Command not recognized"),
        ParseError::InvalidSenderAddress => Reply::new(501, "5.1.7", "Bad sender address syntax"),
        ParseError::InvalidRecipientAddress => Reply::new(501, "5.1.3", "Bad recipient address syntax"),
        ParseError::SyntaxError { syntax } => Reply::new(501, "5.5.4", format!("Syntax: {syntax}")),
        ParseError::InvalidParameter { param } => Reply::new(501, "5.5.4", format!("Invalid parameter {param}")),
        ParseError::UnsupportedParameter { .. } => Reply::new(555, "5.5.4", "Unsupported parameter"),
        ParseError::ResponseTooLong => Reply::new(500, "5.5.6", "Line too long"),
        ParseError::NeedsMoreData { .. } | ParseError::InvalidResponse { .. } => {
            Reply::new(500, "5.5.1", "Command not recognized")
        }
    }
}

/// Reads until one command is parsed, the peer goes away or idles, or the listener stops.
async fn next_request<S>(
    receiver: &mut RequestReceiver,
    input: &mut Input,
    stream: &mut S,
    stop: &mut watch::Receiver<bool>,
) -> io::Result<Incoming>
where
    S: AsyncRead + Unpin,
{
    loop {
        if input.skipping_line {
            match input.pending.iter().position(|&byte| byte == b'\n') {
                Some(newline) => {
                    input.pending.drain(..=newline);
                    input.skipping_line = false;
                }
                None => input.pending.clear(),
            }
        }
        if !input.skipping_line && !input.pending.is_empty() {
            let mut bytes = input.pending.iter();
            let parsed = receiver.ingest(&mut bytes).map(Request::into_owned);
            let consumed = input.pending.len() - bytes.as_slice().len();
            let ended_line = consumed > 0 && input.pending[consumed - 1] == b'\n';
            input.pending.drain(..consumed);
            match parsed {
                Ok(request) => return Ok(Incoming::Request(request)),
                Err(ParseError::NeedsMoreData { .. }) => {}
                Err(error) => {
                    // The parser may stop inside the line; the rest of it is not a command.
                    input.skipping_line = !ended_line;
                    return Ok(Incoming::Bad(error));
                }
            }
        }
        input.pending.reserve(READ_CHUNK);
        tokio::select! {
            biased;
            _ = stop.wait_for(|stopping| *stopping) => return Ok(Incoming::Stopping),
            read = timeout(COMMAND_TIMEOUT, stream.read_buf(&mut input.pending)) => match read {
                Err(_) => return Ok(Incoming::TimedOut),
                Ok(Ok(0)) => return Ok(Incoming::Closed),
                Ok(Ok(_)) => {}
                Ok(Err(error)) => return Err(error),
            },
        }
    }
}

/// Reads DATA up to the lone `.` line, un-stuffing dots; past `max_bytes` the rest is read and
/// dropped so the reply can follow the end of data.
async fn read_data<S>(input: &mut Input, stream: &mut S, max_bytes: usize) -> io::Result<Data>
where
    S: AsyncRead + Unpin,
{
    let mut receiver = DataReceiver::new();
    // The receiver finds the end only after a line break; the DATA command's own ends the line
    // before the first, so a first line of "." ends an empty message.
    receiver.ingest(&mut b"\r\n".iter(), &mut Vec::new());
    let mut message = Vec::new();
    let mut discarding: Option<DummyDataReceiver> = None;
    loop {
        if !input.pending.is_empty() {
            let mut bytes = input.pending.iter();
            let ended = match &mut discarding {
                Some(discard) => discard.ingest(&mut bytes),
                None => receiver.ingest(&mut bytes, &mut message),
            };
            let consumed = input.pending.len() - bytes.as_slice().len();
            input.pending.drain(..consumed);
            if discarding.is_none() && message.len() > max_bytes {
                discarding = Some(DummyDataReceiver::new_data(&receiver));
                message = Vec::new();
            }
            if ended {
                return Ok(if discarding.is_some() { Data::TooLarge } else { Data::Complete(message) });
            }
        }
        input.pending.reserve(READ_CHUNK);
        match timeout(DATA_TIMEOUT, stream.read_buf(&mut input.pending)).await {
            Err(_) => return Ok(Data::TimedOut),
            Ok(Ok(0)) => return Ok(Data::Closed),
            Ok(Ok(_)) => {}
            Ok(Err(error)) => return Err(error),
        }
    }
}

async fn send<S: AsyncWrite + Unpin>(stream: &mut S, reply: Reply) -> io::Result<()> {
    tracing::debug!(code = reply.code, "reply");
    let line = if reply.enhanced.is_empty() {
        format!("{} {}\r\n", reply.code, reply.text)
    } else {
        format!("{} {} {}\r\n", reply.code, reply.enhanced, reply.text)
    };
    write(stream, line.as_bytes()).await
}

async fn write<S: AsyncWrite + Unpin>(stream: &mut S, bytes: &[u8]) -> io::Result<()> {
    stream.write_all(bytes).await?;
    stream.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn data(bytes: &[u8], max_bytes: usize) -> (Data, Vec<u8>) {
        let mut input = Input::default();
        let mut stream = bytes;
        let data = read_data(&mut input, &mut stream, max_bytes).await.unwrap();
        (data, input.pending)
    }

    #[tokio::test]
    async fn data_is_unstuffed_up_to_the_lone_dot_and_what_follows_is_kept() {
        let (data, rest) = data(b"Subject: x\r\n\r\n..leading dot\r\nbody\r\n.\r\nQUIT\r\n", 1024).await;
        assert!(matches!(data, Data::Complete(message) if message == b"Subject: x\r\n\r\n.leading dot\r\nbody\r\n"));
        assert_eq!(rest, b"QUIT\r\n");
    }

    #[tokio::test]
    async fn a_lone_dot_first_ends_an_empty_message() {
        let (data, rest) = data(b".\r\nNOOP\r\n", 1024).await;
        assert!(matches!(data, Data::Complete(message) if message.is_empty()));
        assert_eq!(rest, b"NOOP\r\n");
    }

    #[tokio::test]
    async fn data_past_the_limit_is_read_to_its_end_and_dropped() {
        let mut message = b"x".repeat(4096);
        message.extend_from_slice(b"\r\n.\r\nRSET\r\n");
        let (data, rest) = data(&message, 100).await;
        assert!(matches!(data, Data::TooLarge));
        assert_eq!(rest, b"RSET\r\n");
    }

    #[tokio::test]
    async fn data_cut_short_is_closed() {
        let (data, _) = data(b"Subject: x\r\n\r\nno end", 1024).await;
        assert!(matches!(data, Data::Closed));
    }
}
