//! The SMTP listener on a loopback socket, fed by Python's smtplib with messages built by the
//! `openssl` command line, delivering into an in-memory mailbox.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stderr,
    reason = "tests fail loudly or say why they skip"
)]

mod support;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use haven_direct::smtp::{DeliveryError, Mailbox, SmtpSettings, serve};
use haven_direct::{DirectAddress, InboundMessage};
use haven_testkit::pki::python3_available as python_available;
use openssl::pkey::PKey;
use openssl::x509::X509;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::Value;
use support::{DirectPki, INSTANCE_DOMAIN, Pki, assert_accepted_visit, provider_message, tls_server_leaf};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const JANE: &str = "jane@direct.haven.test";
const SENDER: &str = "dr.smith@provider.example";

/// People of the test domain, and what was delivered to them.
#[derive(Default)]
struct MemoryMailbox {
    delivered: Mutex<Vec<(InboundMessage, Vec<DirectAddress>)>>,
}

#[async_trait]
impl Mailbox for MemoryMailbox {
    async fn accepts(&self, recipient: &DirectAddress) -> Result<bool, DeliveryError> {
        Ok(matches!(recipient.local_part(), "jane" | "newuser"))
    }

    async fn deliver(&self, message: InboundMessage, recipients: Vec<DirectAddress>) -> Result<(), DeliveryError> {
        self.delivered.lock().unwrap().push((message, recipients));
        Ok(())
    }
}

impl MemoryMailbox {
    fn delivered_count(&self) -> usize {
        self.delivered.lock().unwrap().len()
    }
}

struct Server {
    address: SocketAddr,
    mailbox: Arc<MemoryMailbox>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Server {
    async fn start(pki: &Pki, settings: SmtpSettings) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let mailbox = Arc::new(MemoryMailbox::default());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(
            listener,
            Arc::new(settings),
            Arc::new(pki.instance_identity()),
            Arc::new(pki.trusted_anchors()),
            Arc::clone(&mailbox) as Arc<dyn Mailbox>,
            async move {
                let _ = stopped.await;
            },
        ));
        Self { address, mailbox, stop, task }
    }

    async fn stop(self) {
        self.stop.send(()).unwrap();
        self.task.await.unwrap();
    }
}

/// A rustls configuration (ring provider) with a server certificate for 127.0.0.1 under
/// Haven's test anchor.
fn tls_config(pki: &Pki) -> Arc<rustls::ServerConfig> {
    let leaf = tls_server_leaf(
        pki.dir.path(),
        "smtp-server",
        &support::Leaf { certificate: pki.haven_anchor.clone(), key: pki.haven_anchor.with_extension("key") },
    );
    let certificate = X509::from_pem(&std::fs::read(&leaf.certificate).unwrap()).unwrap().to_der().unwrap();
    let key = PKey::private_key_from_pem(&std::fs::read(&leaf.key).unwrap()).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.private_key_to_pkcs8().unwrap()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![CertificateDer::from(certificate)], key)
        .unwrap();
    Arc::new(config)
}

/// Sends the file at `message` with smtplib (STARTTLS trusting `ca_file` when given) and
/// returns what it reported.
async fn smtplib(server: &Server, ca_file: Option<&Path>, mode: &str, recipients: &[&str], message: &Path) -> Value {
    let output = tokio::process::Command::new("python3")
        .arg("-c")
        .arg(haven_testkit::pki::SMTPLIB_SCRIPT)
        .arg(server.address.port().to_string())
        .arg(ca_file.map(|path| path.to_str().unwrap()).unwrap_or_default())
        .arg(mode)
        .arg(SENDER)
        .arg(recipients.join(","))
        .arg(message)
        .output()
        .await
        .unwrap();
    assert!(output.status.success(), "smtplib failed: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// A provider's message signed by `signer` and encrypted to `recipient`, written to a file.
fn sealed_message(pki: &Pki, name: &str, signer: &support::Leaf, recipient: &Path, tamper: bool) -> std::path::PathBuf {
    let signed = pki.sign(&provider_message("Hello Jane"), signer, false);
    let signed = if tamper {
        let text = std::fs::read_to_string(&signed).unwrap().replace("Hello Jane", "Jello Jane");
        pki.write("tampered.eml", text.as_bytes())
    } else {
        signed
    };
    let raw = pki.encrypt(&signed, recipient);
    pki.write(name, &raw)
}

#[tokio::test(flavor = "multi_thread")]
async fn delivers_a_good_message_over_starttls() {
    if !python_available() {
        return;
    }
    let pki = Pki::new();
    let mut settings = SmtpSettings::new(INSTANCE_DOMAIN, "mx.direct.haven.test");
    settings.tls = Some(tls_config(&pki));
    settings.require_tls = true;
    let server = Server::start(&pki, settings).await;
    let message = sealed_message(&pki, "good.eml", &pki.provider, &pki.instance.certificate, false);

    // Without STARTTLS the transaction is refused.
    let plain = smtplib(&server, None, "sendmail", &[JANE], &message).await;
    assert_eq!(plain["outcome"], "sender_refused", "{plain}");
    assert_eq!(plain["code"], 530, "{plain}");

    let sent = smtplib(&server, Some(&pki.haven_anchor), "sendmail", &[JANE], &message).await;
    assert_eq!(sent["outcome"], "sent", "{sent}");
    {
        let delivered = server.mailbox.delivered.lock().unwrap();
        assert_eq!(delivered.len(), 1);
        let (inbound, recipients) = &delivered[0];
        assert_accepted_visit(inbound);
        assert_eq!(recipients, &[DirectAddress::parse(JANE).unwrap()]);
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn refuses_bad_messages_after_data_and_stores_nothing() {
    if !python_available() {
        return;
    }
    let pki = Pki::new();
    let server = Server::start(&pki, SmtpSettings::new(INSTANCE_DOMAIN, "mx.direct.haven.test")).await;
    let cases = [
        ("bad-signature.eml", &pki.provider, &pki.instance.certificate, true, 554, "5.7.7"),
        ("untrusted.eml", &pki.rogue_provider, &pki.instance.certificate, false, 550, "5.7.1"),
        ("wrong-key.eml", &pki.provider, &pki.other_instance.certificate, false, 554, "5.7.5"),
    ];
    for (name, signer, recipient, tamper, code, enhanced) in cases {
        let message = sealed_message(&pki, name, signer, recipient, tamper);
        let outcome = smtplib(&server, None, "sendmail", &[JANE], &message).await;
        assert_eq!(outcome["outcome"], "data_error", "{name}: {outcome}");
        assert_eq!(outcome["code"], code, "{name}: {outcome}");
        assert!(outcome["text"].as_str().unwrap().starts_with(enhanced), "{name}: {outcome}");
    }
    assert_eq!(server.mailbox.delivered_count(), 0);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn refuses_unknown_and_foreign_recipients_before_data() {
    if !python_available() {
        return;
    }
    let pki = Pki::new();
    let server = Server::start(&pki, SmtpSettings::new(INSTANCE_DOMAIN, "mx.direct.haven.test")).await;
    let message = sealed_message(&pki, "good.eml", &pki.provider, &pki.instance.certificate, false);
    let recipients = ["nobody@direct.haven.test", "jane@elsewhere.example"];
    let outcome = smtplib(&server, None, "sendmail", &recipients, &message).await;
    assert_eq!(outcome["outcome"], "recipients_refused", "{outcome}");
    assert_eq!(outcome["codes"]["nobody@direct.haven.test"][0], 550, "{outcome}");
    assert!(outcome["codes"]["nobody@direct.haven.test"][1].as_str().unwrap().starts_with("5.1.1"), "{outcome}");
    assert_eq!(outcome["codes"]["jane@elsewhere.example"][0], 550, "{outcome}");
    assert!(outcome["codes"]["jane@elsewhere.example"][1].as_str().unwrap().starts_with("5.1.2"), "{outcome}");

    // With one good recipient the message goes to that one only; `newuser@` is accepted too.
    let outcome =
        smtplib(&server, None, "sendmail", &["nobody@direct.haven.test", "newuser@direct.haven.test"], &message).await;
    assert_eq!(outcome["outcome"], "sent", "{outcome}");
    assert_eq!(outcome["refused"]["nobody@direct.haven.test"], 550, "{outcome}");
    let delivered = server.mailbox.delivered.lock().unwrap().clone();
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].1, [DirectAddress::parse("newuser@direct.haven.test").unwrap()]);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn refuses_an_oversized_message_with_552() {
    if !python_available() {
        return;
    }
    let pki = Pki::new();
    let mut settings = SmtpSettings::new(INSTANCE_DOMAIN, "mx.direct.haven.test");
    settings.max_message_bytes = 1024;
    let server = Server::start(&pki, settings).await;
    let message = sealed_message(&pki, "good.eml", &pki.provider, &pki.instance.certificate, false);
    assert!(std::fs::metadata(&message).unwrap().len() > 1024);

    // smtplib declares SIZE, so sendmail is refused at MAIL FROM.
    let declared = smtplib(&server, None, "sendmail", &[JANE], &message).await;
    assert_eq!(declared["outcome"], "sender_refused", "{declared}");
    assert_eq!(declared["code"], 552, "{declared}");

    // Without SIZE the DATA is read to its end and then refused.
    let undeclared = smtplib(&server, None, "data", &[JANE], &message).await;
    assert_eq!(undeclared["outcome"], "data", "{undeclared}");
    assert_eq!(undeclared["code"], 552, "{undeclared}");
    assert!(undeclared["text"].as_str().unwrap().starts_with("5.3.4"), "{undeclared}");
    assert_eq!(server.mailbox.delivered_count(), 0);
    server.stop().await;
}

/// A bare client that reads whole (possibly multi-line) replies.
struct RawClient {
    reader: tokio::io::BufReader<tokio::net::TcpStream>,
}

impl RawClient {
    async fn connect(server: &Server) -> Self {
        let stream = tokio::net::TcpStream::connect(server.address).await.unwrap();
        Self { reader: tokio::io::BufReader::new(stream) }
    }

    async fn reply(&mut self) -> String {
        use tokio::io::AsyncBufReadExt;
        let mut reply = String::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).await.unwrap();
            reply.push_str(&line);
            if line.len() < 4 || line.as_bytes()[3] == b' ' {
                return reply;
            }
        }
    }

    async fn send(&mut self, text: &str) {
        use tokio::io::AsyncWriteExt;
        self.reader.get_mut().write_all(text.as_bytes()).await.unwrap();
    }

    async fn command(&mut self, line: &str) -> String {
        self.send(&format!("{line}\r\n")).await;
        self.reply().await
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn keeps_the_command_sequence_and_closes_idle_sessions_on_shutdown() {
    let pki = Pki::new();
    let server = Server::start(&pki, SmtpSettings::new(INSTANCE_DOMAIN, "mx.direct.haven.test")).await;
    let mut client = RawClient::connect(&server).await;
    assert!(client.reply().await.starts_with("220 mx.direct.haven.test "));
    assert!(client.command(&format!("MAIL FROM:<{SENDER}>")).await.starts_with("503 5.5.1"));
    assert!(client.command("STARTTLS").await.starts_with("502 5.5.1"), "STARTTLS is not offered without TLS");
    let ehlo = client.command("EHLO client.example").await;
    assert!(ehlo.starts_with("250-mx.direct.haven.test"), "{ehlo}");
    assert!(ehlo.contains("250-SIZE 26214400\r\n") && !ehlo.contains("STARTTLS"), "{ehlo}");
    assert!(client.command(&format!("RCPT TO:<{JANE}>")).await.starts_with("503 5.5.1"));
    assert!(client.command("DATA").await.starts_with("503 5.5.1"));
    assert!(client.command("BOGUS").await.starts_with("500 5.5.1"));
    assert!(client.command("RCPT TO:<not an address>").await.starts_with("501"));
    assert!(client.command("NOOP").await.starts_with("250 2.0.0"));

    // Pipelined commands are answered in order.
    client.send(&format!("MAIL FROM:<{SENDER}>\r\nRCPT TO:<{JANE}>\r\nRCPT TO:<nobody@direct.haven.test>\r\n")).await;
    assert!(client.reply().await.starts_with("250 2.1.0"));
    assert!(client.reply().await.starts_with("250 2.1.5"));
    assert!(client.reply().await.starts_with("550 5.1.1"));
    assert!(client.command(&format!("MAIL FROM:<{SENDER}>")).await.starts_with("503 5.5.1"), "nested MAIL");
    assert!(client.command("RSET").await.starts_with("250 2.0.0"));
    assert!(client.command("DATA").await.starts_with("503 5.5.1"), "RSET forgets the transaction");

    // A message that is not S/MIME is refused after DATA.
    assert!(client.command(&format!("MAIL FROM:<{SENDER}>")).await.starts_with("250"));
    assert!(client.command(&format!("RCPT TO:<{JANE}>")).await.starts_with("250"));
    assert!(client.command("DATA").await.starts_with("354"));
    let refused = client.command("From: <dr.smith@provider.example>\r\nSubject: plain\r\n\r\n..hello\r\n.").await;
    assert!(refused.starts_with("554 5.7.1"), "{refused}");
    assert_eq!(server.mailbox.delivered_count(), 0);

    // Shutting down says goodbye to the idle session.
    let mut idle = RawClient::connect(&server).await;
    assert!(idle.reply().await.starts_with("220"));
    server.stop().await;
    assert!(idle.reply().await.starts_with("421 4.3.2"));
    assert!(client.reply().await.starts_with("421 4.3.2"));
}
