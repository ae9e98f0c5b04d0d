//! `MailFolder`: one owner-only `.eml` file per message, envelope first, never seen half
//! written.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use haven_mail::{MailError, MailFolder, Mailer, OutgoingMail};

fn mail(recipient: &str, body: &[u8]) -> OutgoingMail {
    let mut raw = b"Subject: Test\r\n\r\n".to_vec();
    raw.extend_from_slice(body);
    OutgoingMail { envelope_from: "noreply@haven.test".to_owned(), recipients: vec![recipient.to_owned()], raw }
}

/// The `.eml` files in `directory`, sorted by name.
fn eml_files(directory: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(directory)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "eml"))
        .collect();
    files.sort();
    files
}

/// Whether `name` looks like `20260102T030405.678901Z-3f0c9a1be2d47a65.eml`.
fn is_mail_file_name(name: &str) -> bool {
    let Some((stamp, rest)) = name.split_once('-') else { return false };
    let Some(random) = rest.strip_suffix(".eml") else { return false };
    let digits = |text: &str| text.bytes().all(|byte| byte.is_ascii_digit());
    stamp.len() == 23
        && digits(&stamp[0..8])
        && &stamp[8..9] == "T"
        && digits(&stamp[9..15])
        && &stamp[15..16] == "."
        && digits(&stamp[16..22])
        && stamp.ends_with('Z')
        && random.len() == 16
        && random.bytes().all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
}

#[tokio::test]
async fn each_message_is_an_owner_only_file_with_its_envelope() {
    let temporary = tempfile::tempdir().unwrap();
    let directory = temporary.path().join("outbox");
    let folder = MailFolder::new(&directory);
    let first = mail("pat@example.org", b".a line with a dot\r\n");
    let mut second = mail("sam@example.org", b"second\r\n");
    second.envelope_from = String::new();
    second.recipients.push("lee@example.org".to_owned());
    folder.send(first.clone()).await.unwrap();
    folder.send(second.clone()).await.unwrap();

    assert_eq!(std::fs::metadata(&directory).unwrap().permissions().mode() & 0o777, 0o700);
    let entries = std::fs::read_dir(&directory).unwrap().count();
    let files = eml_files(&directory);
    assert_eq!((entries, files.len()), (2, 2), "no temporary file is left behind");
    for file in &files {
        let name = file.file_name().unwrap().to_str().unwrap();
        assert!(is_mail_file_name(name), "{name}");
        assert_eq!(std::fs::metadata(file).unwrap().permissions().mode() & 0o777, 0o600, "{name}");
    }
    let mut expected_first =
        b"X-Haven-Envelope-From: <noreply@haven.test>\r\nX-Haven-Envelope-To: <pat@example.org>\r\n".to_vec();
    expected_first.extend_from_slice(&first.raw);
    let mut expected_second =
        b"X-Haven-Envelope-From: <>\r\nX-Haven-Envelope-To: <sam@example.org>\r\nX-Haven-Envelope-To: <lee@example.org>\r\n"
            .to_vec();
    expected_second.extend_from_slice(&second.raw);
    assert_eq!(std::fs::read(&files[0]).unwrap(), expected_first);
    assert_eq!(std::fs::read(&files[1]).unwrap(), expected_second);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reader_never_sees_half_a_file() {
    let temporary = tempfile::tempdir().unwrap();
    let directory = temporary.path().to_path_buf();
    let folder = MailFolder::new(&directory);
    let body = b"0123456789abcdef".repeat(32 * 1024);
    let expected_length = {
        let sample = mail("pat@example.org", &body);
        "X-Haven-Envelope-From: <noreply@haven.test>\r\nX-Haven-Envelope-To: <pat@example.org>\r\n".len()
            + sample.raw.len()
    };

    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let stop = Arc::clone(&stop);
        let directory = directory.clone();
        std::thread::spawn(move || {
            let mut reads = 0;
            while !stop.load(Ordering::Relaxed) {
                for file in eml_files(&directory) {
                    let length = std::fs::read(&file).unwrap().len();
                    assert_eq!(length, expected_length, "{} was read half written", file.display());
                    reads += 1;
                }
            }
            reads
        })
    };
    for _ in 0..20 {
        folder.send(mail("pat@example.org", &body)).await.unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    let reads = reader.join().unwrap();
    assert_eq!(eml_files(&directory).len(), 20);
    assert!(reads > 0, "the reader never saw a file");
}

#[tokio::test]
async fn a_bad_envelope_writes_nothing() {
    let temporary = tempfile::tempdir().unwrap();
    let folder = MailFolder::new(temporary.path());
    let injected = mail("pat@example.org>\r\nX-Other: <x@example.org", b"body\r\n");
    assert!(matches!(folder.send(injected).await, Err(MailError::InvalidAddress(_))));
    assert_eq!(std::fs::read_dir(temporary.path()).unwrap().count(), 0);
}

#[tokio::test]
async fn a_folder_that_cannot_be_made_is_an_error() {
    let temporary = tempfile::tempdir().unwrap();
    let file = temporary.path().join("not-a-folder");
    std::fs::write(&file, b"").unwrap();
    let error = MailFolder::new(&file).send(mail("pat@example.org", b"body\r\n")).await.unwrap_err();
    assert!(matches!(&error, MailError::Folder { path, .. } if *path == file), "{error:?}");
    assert!(!error.is_permanent());
}
