//! `SmtpRelay` to `FakeRelay`: the envelope and the bytes arrive exactly; the safe defaults and
//! failures are errors, not hangs.

use haven_mail::{MailError, Mailer, OutgoingMail, RelayFailure, RelaySecurity, RelaySettings, SmtpRelay};
use haven_testkit::{FakeRelay, RelayedMail};

use crate::{DEADLINE, python, python_available};

/// A message shaped like an S/MIME Direct message: long base64 lines, and lines that SMTP must
/// dot-stuff (a lone dot would otherwise end the data early).
fn smime_like_message() -> Vec<u8> {
    let mut raw = b"From: <dr.smith@provider.example>\r\nTo: <jane@direct.haven.test>\r\nSubject: Referral\r\n\
MIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n\
Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=smime.p7m\r\n\r\n"
        .to_vec();
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for line in 0..40 {
        let length = if line == 7 { 990 } else { 76 };
        raw.extend((0..length).map(|index| alphabet[(index * 7 + line * 13) % alphabet.len()]));
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b".starts with a dot\r\n.\r\n..\r\n. \r\nend.\r\n.\r\n");
    raw.extend_from_slice(b"MIIBzgYJKoZIhvcNAQcDoIIBvzCCAbsCAQAxggFmMIIBYgIBADBKMDIxMDAuBgNVBAMTJ0Rp==\r\n");
    raw
}

fn loopback_relay(relay: &FakeRelay) -> SmtpRelay {
    SmtpRelay::new(RelaySettings::new("127.0.0.1", relay.address().port(), RelaySecurity::None)).unwrap()
}

#[tokio::test]
async fn the_envelope_and_bytes_arrive_exactly() {
    let fake = FakeRelay::start().await.unwrap();
    let relay = loopback_relay(&fake);
    let raw = smime_like_message();
    let first = OutgoingMail {
        envelope_from: "jane@direct.haven.test".to_owned(),
        recipients: vec!["dr.smith@provider.example".to_owned(), "records@provider.example".to_owned()],
        raw: raw.clone(),
    };
    relay.send(first.clone()).await.unwrap();
    // A second message reuses the pooled connection; the null reverse path is allowed.
    let second = OutgoingMail {
        envelope_from: String::new(),
        recipients: vec!["dr.smith@provider.example".to_owned()],
        raw: b"Subject: two\r\n\r\n.\r\n".to_vec(),
    };
    relay.send(second.clone()).await.unwrap();

    let received = fake.wait_for(2, DEADLINE).await.unwrap();
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[0],
        RelayedMail { envelope_from: first.envelope_from, recipients: first.recipients, data: raw }
    );
    assert_eq!(
        received[1],
        RelayedMail { envelope_from: second.envelope_from, recipients: second.recipients, data: second.raw }
    );
}

#[tokio::test]
async fn a_message_without_a_final_line_break_gets_one() {
    let fake = FakeRelay::start().await.unwrap();
    let mail = OutgoingMail {
        envelope_from: "a@haven.test".to_owned(),
        recipients: vec!["b@example.org".to_owned()],
        raw: b"Subject: x\r\n\r\nno final line break".to_vec(),
    };
    loopback_relay(&fake).send(mail).await.unwrap();
    let received = fake.wait_for(1, DEADLINE).await.unwrap();
    assert_eq!(received[0].data, b"Subject: x\r\n\r\nno final line break\r\n");
}

#[tokio::test]
async fn plain_smtp_to_a_host_that_is_not_loopback_is_refused() {
    for host in ["smtp.example.org", "10.0.0.1", "192.0.2.1", "localhost.example.org"] {
        let refused = SmtpRelay::new(RelaySettings::new(host, 25, RelaySecurity::None));
        match refused {
            Err(error @ MailError::PlainSmtpToRemoteHost { .. }) => {
                assert!(error.is_permanent());
                assert!(error.to_string().contains("loopback"), "{error}");
            }
            other => panic!("{host}: {other:?}"),
        }
    }
    for host in ["localhost", "127.0.0.1", "::1"] {
        assert!(SmtpRelay::new(RelaySettings::new(host, 25, RelaySecurity::None)).is_ok(), "{host}");
    }
}

#[tokio::test]
async fn a_relay_that_is_down_is_an_error_not_a_hang() {
    // A port that was just free and is closed now: connecting is refused at once.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let relay = SmtpRelay::new(RelaySettings::new("127.0.0.1", port, RelaySecurity::None)).unwrap();
    let mail = OutgoingMail {
        envelope_from: "a@haven.test".to_owned(),
        recipients: vec!["secret.person@example.org".to_owned()],
        raw: b"Subject: private\r\n\r\nprivate body\r\n".to_vec(),
    };
    let outcome = tokio::time::timeout(DEADLINE, relay.send(mail)).await.expect("sending hung");
    let error = outcome.unwrap_err();
    assert!(
        matches!(&error, MailError::Relay { port: failed_port, failure: RelayFailure::Connection(_), .. } if *failed_port == port),
        "{error:?}"
    );
    assert!(!error.is_permanent());
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains("secret.person") && !shown.contains("private"), "{shown}");
}

#[tokio::test]
async fn invalid_envelopes_are_refused_before_connecting() {
    let fake = FakeRelay::start().await.unwrap();
    let relay = loopback_relay(&fake);
    let injected = OutgoingMail {
        envelope_from: "a@haven.test".to_owned(),
        recipients: vec!["b@example.org>\r\nRCPT TO:<c@example.org".to_owned()],
        raw: b"Subject: x\r\n\r\nbody\r\n".to_vec(),
    };
    assert!(matches!(relay.send(injected).await, Err(MailError::InvalidAddress(_))));
    let nobody =
        OutgoingMail { envelope_from: "a@haven.test".to_owned(), recipients: Vec::new(), raw: b"x\r\n".to_vec() };
    assert!(matches!(relay.send(nobody).await, Err(MailError::NoRecipients)));
    assert!(fake.messages().is_empty());
}

const SMTPLIB_SCRIPT: &str = r#"
import json, smtplib, sys
port = int(sys.argv[1])
with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
    client.noop()
    client.mail("first@haven.test")
    client.rset()
    refused = client.sendmail("sender@haven.test", ["one@example.org", "two@example.org"], b"Subject: hi\r\n\r\n.dot\r\nline\r\n")
with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
    client.helo("client.test")
    client.sendmail("", ["three@example.org"], b"Subject: helo\r\n\r\nbody\r\n")
print(json.dumps({"refused": list(refused)}))
"#;

#[tokio::test(flavor = "multi_thread")]
async fn the_fake_relay_serves_pythons_smtplib() {
    if !python_available() {
        return;
    }
    let fake = FakeRelay::start().await.unwrap();
    let outcome = python(SMTPLIB_SCRIPT, &[&fake.address().port().to_string()]).await;
    assert_eq!(outcome["refused"], serde_json::json!([]));
    let received = fake.wait_for(2, DEADLINE).await.unwrap();
    assert_eq!(
        received,
        [
            RelayedMail {
                envelope_from: "sender@haven.test".to_owned(),
                recipients: vec!["one@example.org".to_owned(), "two@example.org".to_owned()],
                data: b"Subject: hi\r\n\r\n.dot\r\nline\r\n".to_vec(),
            },
            RelayedMail {
                envelope_from: String::new(),
                recipients: vec!["three@example.org".to_owned()],
                data: b"Subject: helo\r\n\r\nbody\r\n".to_vec(),
            },
        ]
    );
}

#[tokio::test]
async fn waiting_for_mail_that_never_comes_fails_at_the_deadline() {
    let fake = FakeRelay::start().await.unwrap();
    let error = fake.wait_for(1, std::time::Duration::from_millis(50)).await.unwrap_err();
    assert!(error.to_string().contains("0 of 1"), "{error}");
}
