//! `notification`: what Python's `email` package reads from it, directly and after a trip
//! through the relay; header injection refused.

use haven_mail::{AddressRole, MailError, Mailer, RelaySecurity, RelaySettings, SmtpRelay, notification};
use haven_testkit::FakeRelay;

use crate::{DEADLINE, python, python_available};

const FROM: &str = "Zoë at Haven <noreply@haven.example>";
const TO: &str = "pat.doe@example.org";
const SUBJECT: &str = "Jane invited you to share her record – grüße";
const TEXT: &str = "Hello Pat,\n\nJane Doe invited you to her health record.\n.This line starts with a dot.\nOpen https://shell.haven.example/invitation?code=ABCD to accept.\n\nHaven ✓\n";

/// Reads the message in the file named by the argument and prints what a mail client sees.
const PARSE_SCRIPT: &str = r#"
import email, email.policy, email.utils, json, sys
raw = open(sys.argv[1], "rb").read()
message = email.message_from_bytes(raw, policy=email.policy.default)
date = message["Date"].datetime
print(json.dumps({
    "from": str(message["From"]),
    "from_address": message["From"].addresses[0].addr_spec,
    "to": str(message["To"]),
    "subject": str(message["Subject"]),
    "date_has_zone": date is not None and date.tzinfo is not None,
    "message_id": str(message["Message-ID"]),
    "content_type": message.get_content_type(),
    "charset": message.get_content_charset(),
    "mime_version": str(message["MIME-Version"]),
    "body": message.get_content().replace("\r\n", "\n"),
    "defects": [repr(defect) for defect in message.defects]
        + [repr(defect) for name in message.keys() for defect in message[name].defects],
    "header_names": list(message.keys()),
}))
"#;

async fn parsed_by_python(raw: &[u8]) -> serde_json::Value {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("message.eml");
    std::fs::write(&path, raw).unwrap();
    python(PARSE_SCRIPT, &[path.to_str().unwrap()]).await
}

fn assert_reads_as_sent(parsed: &serde_json::Value) {
    assert_eq!(parsed["from"], FROM, "{parsed}");
    assert_eq!(parsed["from_address"], "noreply@haven.example");
    assert_eq!(parsed["to"], TO);
    assert_eq!(parsed["subject"], SUBJECT);
    assert_eq!(parsed["date_has_zone"], true);
    let message_id = parsed["message_id"].as_str().unwrap();
    assert!(message_id.starts_with('<') && message_id.ends_with("@haven.example>"), "{message_id}");
    assert_eq!(parsed["content_type"], "text/plain");
    assert_eq!(parsed["charset"], "utf-8");
    assert_eq!(parsed["mime_version"], "1.0");
    assert_eq!(parsed["body"], TEXT);
    assert_eq!(parsed["defects"], serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn pythons_email_parser_reads_the_headers_and_text() {
    if !python_available() {
        return;
    }
    let mail = notification(FROM, TO, SUBJECT, TEXT).unwrap();
    assert_eq!(mail.envelope_from, "noreply@haven.example");
    assert_eq!(mail.recipients, [TO]);
    assert!(mail.raw.is_ascii(), "headers and body are encoded for 7-bit transport");
    assert!(!mail.raw.windows(2).any(|pair| pair[1] == b'\n' && pair[0] != b'\r'), "every line ends with CRLF");
    let parsed = parsed_by_python(&mail.raw).await;
    assert_reads_as_sent(&parsed);
    for header in ["Date", "Message-ID", "From", "To", "Subject"] {
        assert!(parsed["header_names"].as_array().unwrap().iter().any(|name| name == header), "{header}: {parsed}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_notification_arrives_through_the_relay_intact() {
    if !python_available() {
        return;
    }
    let fake = FakeRelay::start().await.unwrap();
    let relay = SmtpRelay::new(RelaySettings::new("localhost", fake.address().port(), RelaySecurity::None)).unwrap();
    let mail = notification(FROM, TO, SUBJECT, TEXT).unwrap();
    relay.send(mail.clone()).await.unwrap();
    let received = fake.wait_for(1, DEADLINE).await.unwrap();
    assert_eq!(received[0].envelope_from, "noreply@haven.example");
    assert_eq!(received[0].recipients, [TO]);
    let mut expected = mail.raw.clone();
    if !expected.ends_with(b"\r\n") {
        expected.extend_from_slice(b"\r\n");
    }
    assert_eq!(received[0].data, expected);
    assert_reads_as_sent(&parsed_by_python(&received[0].data).await);
}

#[test]
fn line_breaks_in_the_subject_or_addresses_are_refused() {
    let injections = [
        (FROM, TO, "Hello\r\nBcc: everyone@example.org", "Subject"),
        (FROM, TO, "Hello\nBcc: everyone@example.org", "Subject"),
        (FROM, "pat.doe@example.org\r\nBcc: everyone@example.org", SUBJECT, "To"),
        ("noreply@haven.example\rBcc: everyone@example.org", TO, SUBJECT, "From"),
    ];
    for (from, to, subject, header) in injections {
        match notification(from, to, subject, TEXT) {
            Err(error @ MailError::LineBreakInHeader(refused)) => {
                assert_eq!(refused, header);
                assert!(error.is_permanent());
            }
            other => panic!("{header}: {other:?}"),
        }
    }
    assert!(matches!(
        notification("not an address", TO, SUBJECT, TEXT),
        Err(MailError::InvalidAddress(AddressRole::From))
    ));
}
