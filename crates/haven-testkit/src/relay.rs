//! A fake SMTP relay for tests: listens on 127.0.0.1 (port 0, plain SMTP, no TLS or AUTH),
//! accepts every message and records its envelope and data, for tests of what Haven sends.
//!
//! It speaks enough SMTP for lettre and Python's smtplib: the greeting, EHLO or HELO, MAIL,
//! RCPT, DATA (un-stuffing dots), RSET, NOOP and QUIT; other commands get `502`. Commands and
//! the end of DATA are found by smtp-proto, as in haven-direct's listener.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::bail;
use smtp_proto::Request;
use smtp_proto::request::receiver::{DataReceiver, RequestReceiver};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::{JoinHandle, JoinSet};

/// One message the fake relay took: its envelope and its data as the client meant it (dots
/// un-stuffed, ending with the CRLF before the final `.`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayedMail {
    /// The `MAIL FROM` address, empty for the null reverse path.
    pub envelope_from: String,
    /// The `RCPT TO` addresses, in order.
    pub recipients: Vec<String>,
    /// The message bytes.
    pub data: Vec<u8>,
}

/// A running fake relay; it stops listening and drops its connections when dropped.
#[derive(Debug)]
pub struct FakeRelay {
    address: SocketAddr,
    received: Arc<Received>,
    accepting: JoinHandle<()>,
}

#[derive(Debug, Default)]
struct Received {
    messages: Mutex<Vec<RelayedMail>>,
    arrived: Notify,
}

impl Received {
    fn messages(&self) -> Vec<RelayedMail> {
        self.messages.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl FakeRelay {
    /// Starts a relay on 127.0.0.1 with a port of the system's choosing.
    pub async fn start() -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let received = Arc::new(Received::default());
        let accepting = tokio::spawn(accept(listener, Arc::clone(&received)));
        Ok(Self { address, received, accepting })
    }

    /// The address to send to.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The messages taken so far, in the order their DATA ended.
    pub fn messages(&self) -> Vec<RelayedMail> {
        self.received.messages()
    }

    /// Waits until at least `count` messages have arrived and returns them all, failing once
    /// `deadline` has passed.
    pub async fn wait_for(&self, count: usize, deadline: Duration) -> anyhow::Result<Vec<RelayedMail>> {
        let give_up = tokio::time::Instant::now() + deadline;
        loop {
            // Registering before looking means an arrival in between still wakes us.
            let arrival = self.received.arrived.notified();
            tokio::pin!(arrival);
            arrival.as_mut().enable();
            let messages = self.messages();
            if messages.len() >= count {
                return Ok(messages);
            }
            if tokio::time::timeout_at(give_up, arrival).await.is_err() {
                bail!("the fake relay received {} of {count} messages within {deadline:?}", messages.len());
            }
        }
    }
}

impl Drop for FakeRelay {
    fn drop(&mut self) {
        // The accepting task owns the connections' tasks, so aborting it ends them too.
        self.accepting.abort();
    }
}

async fn accept(listener: TcpListener, received: Arc<Received>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    connections.spawn(converse(stream, Arc::clone(&received)));
                }
            }
            // Reaps finished connections so the set does not grow.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// One transaction's envelope so far.
#[derive(Default)]
struct Transaction {
    envelope_from: Option<String>,
    recipients: Vec<String>,
}

/// Serves one connection until QUIT or the client goes away.
async fn converse(mut stream: TcpStream, received: Arc<Received>) -> std::io::Result<()> {
    stream.write_all(b"220 fake-relay.test ESMTP Haven test relay\r\n").await?;
    let mut pending = Vec::new();
    let mut receiver = RequestReceiver::default();
    let mut transaction = Transaction::default();
    loop {
        let Some(parsed) = next_request(&mut receiver, &mut pending, &mut stream).await? else { return Ok(()) };
        let Ok(request) = parsed else {
            stream.write_all(b"500 5.5.1 Command not recognized\r\n").await?;
            continue;
        };
        let reply: &[u8] = match request {
            Request::Ehlo { .. } => {
                transaction = Transaction::default();
                b"250-fake-relay.test\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 ENHANCEDSTATUSCODES\r\n"
            }
            Request::Helo { .. } => {
                transaction = Transaction::default();
                b"250 fake-relay.test\r\n"
            }
            Request::Mail { from } if transaction.envelope_from.is_none() => {
                transaction.envelope_from = Some(from.address);
                b"250 2.1.0 OK\r\n"
            }
            Request::Mail { .. } => b"503 5.5.1 Sender already given\r\n",
            Request::Rcpt { to } if transaction.envelope_from.is_some() => {
                transaction.recipients.push(to.address);
                b"250 2.1.5 OK\r\n"
            }
            Request::Rcpt { .. } => b"503 5.5.1 Send MAIL FROM first\r\n",
            Request::Data if transaction.recipients.is_empty() => b"503 5.5.1 Send MAIL FROM and RCPT TO first\r\n",
            Request::Data => {
                stream.write_all(b"354 Start mail input; end with <CRLF>.<CRLF>\r\n").await?;
                let Some(data) = read_data(&mut pending, &mut stream).await? else { return Ok(()) };
                let Transaction { envelope_from, recipients } = std::mem::take(&mut transaction);
                let mail = RelayedMail { envelope_from: envelope_from.unwrap_or_default(), recipients, data };
                received.messages.lock().unwrap_or_else(PoisonError::into_inner).push(mail);
                received.arrived.notify_waiters();
                b"250 2.0.0 Message accepted\r\n"
            }
            Request::Rset => {
                transaction = Transaction::default();
                b"250 2.0.0 OK\r\n"
            }
            Request::Noop { .. } => b"250 2.0.0 OK\r\n",
            Request::Quit => {
                stream.write_all(b"221 2.0.0 Bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 5.5.1 Command not implemented\r\n",
        };
        stream.write_all(reply).await?;
    }
}

/// Reads until one command is parsed (or refused by the parser); `None` once the client has
/// gone away.
async fn next_request(
    receiver: &mut RequestReceiver,
    pending: &mut Vec<u8>,
    stream: &mut TcpStream,
) -> std::io::Result<Option<Result<Request<String>, smtp_proto::Error>>> {
    loop {
        if !pending.is_empty() {
            let mut bytes = pending.iter();
            let parsed = receiver.ingest(&mut bytes).map(Request::into_owned);
            let consumed = pending.len() - bytes.as_slice().len();
            let ended_line = consumed > 0 && pending[consumed - 1] == b'\n';
            pending.drain(..consumed);
            match parsed {
                Err(smtp_proto::Error::NeedsMoreData { .. }) => {}
                Err(error) => {
                    // The parser may stop inside a bad line; the rest of it is no command.
                    if !ended_line {
                        skip_line(pending, stream).await?;
                    }
                    *receiver = RequestReceiver::default();
                    return Ok(Some(Err(error)));
                }
                Ok(request) => return Ok(Some(Ok(request))),
            }
        }
        if stream.read_buf(pending).await? == 0 {
            return Ok(None);
        }
    }
}

/// Drops input up to and including the next line feed.
async fn skip_line(pending: &mut Vec<u8>, stream: &mut TcpStream) -> std::io::Result<()> {
    loop {
        if let Some(newline) = pending.iter().position(|&byte| byte == b'\n') {
            pending.drain(..=newline);
            return Ok(());
        }
        pending.clear();
        if stream.read_buf(pending).await? == 0 {
            return Ok(());
        }
    }
}

/// Reads DATA up to the lone `.` line, un-stuffing dots; `None` if the client went away first.
async fn read_data(pending: &mut Vec<u8>, stream: &mut TcpStream) -> std::io::Result<Option<Vec<u8>>> {
    let mut receiver = DataReceiver::new();
    // The receiver finds the end only after a line break; the DATA command's own line break
    // precedes the first line, so a first line of "." ends an empty message.
    receiver.ingest(&mut b"\r\n".iter(), &mut Vec::new());
    let mut message = Vec::new();
    loop {
        if !pending.is_empty() {
            let mut bytes = pending.iter();
            let ended = receiver.ingest(&mut bytes, &mut message);
            let consumed = pending.len() - bytes.as_slice().len();
            pending.drain(..consumed);
            if ended {
                return Ok(Some(message));
            }
        }
        if stream.read_buf(pending).await? == 0 {
            return Ok(None);
        }
    }
}
