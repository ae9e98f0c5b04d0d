//! [`MailFolder`]: the development mailer, which writes each message to a folder as an `.eml`
//! file instead of sending it ("a development setting writes mail to a mailbox folder").
//!
//! A file is written under a hidden temporary name and renamed into place, so whoever watches
//! the folder for `*.eml` never reads half a message. Files are readable by their owner only:
//! mail holds invitation links and health information.

use std::fs::{self, DirBuilder, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::{MailError, Mailer, OutgoingMail, checked_envelope};

/// A [`Mailer`] that writes each message to `<directory>/<UTC time>-<random>.eml`, such as
/// `20260102T030405.678901Z-3f0c9a1be2d47a65.eml`, so names sort by arrival.
///
/// A file is the message's raw bytes preceded by its envelope, one header line each:
/// `X-Haven-Envelope-From: <sender>` (`<>` for the null reverse path), then
/// `X-Haven-Envelope-To: <recipient>` per recipient. On Unix the file has mode 0600 and the
/// folder, when this creates it, 0700.
#[derive(Debug, Clone)]
pub struct MailFolder {
    directory: PathBuf,
}

impl MailFolder {
    /// A folder mailer writing to `directory`, which is created on the first message if it does
    /// not exist yet.
    pub fn new(directory: impl Into<PathBuf>) -> Self {
        Self { directory: directory.into() }
    }

    /// The folder messages are written to.
    pub fn directory(&self) -> &Path {
        &self.directory
    }
}

#[async_trait]
impl Mailer for MailFolder {
    async fn send(&self, mail: OutgoingMail) -> Result<(), MailError> {
        // The envelope goes into header lines, so its addresses must be valid (no line breaks).
        checked_envelope(&mail)?;
        let random = getrandom::u64().map_err(|error| MailError::Randomness(error.to_string()))?;
        let file_name = format!("{}-{random:016x}.eml", timestamp(OffsetDateTime::now_utc()));
        let contents = file_contents(&mail);
        let directory = self.directory.clone();
        let written = tokio::task::spawn_blocking(move || write_atomically(&directory, &file_name, &contents)).await;
        let result = match written {
            Ok(result) => result,
            Err(join_error) => Err(io::Error::other(join_error)),
        };
        result.map_err(|source| MailError::Folder { path: self.directory.clone(), source })
    }
}

/// `2026-01-02 03:04:05.678901 UTC` as `20260102T030405.678901Z`.
fn timestamp(time: OffsetDateTime) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}.{:06}Z",
        time.year(),
        u8::from(time.month()),
        time.day(),
        time.hour(),
        time.minute(),
        time.second(),
        time.microsecond()
    )
}

fn file_contents(mail: &OutgoingMail) -> Vec<u8> {
    let mut contents = Vec::with_capacity(mail.raw.len() + 128);
    contents.extend_from_slice(format!("X-Haven-Envelope-From: <{}>\r\n", mail.envelope_from).as_bytes());
    for recipient in &mail.recipients {
        contents.extend_from_slice(format!("X-Haven-Envelope-To: <{recipient}>\r\n").as_bytes());
    }
    contents.extend_from_slice(&mail.raw);
    contents
}

/// Writes `contents` to `directory/.file_name.tmp` (owner-only), flushes it to disk and renames
/// it to `directory/file_name`; the temporary file is removed if any step fails.
fn write_atomically(directory: &Path, file_name: &str, contents: &[u8]) -> io::Result<()> {
    let mut folder = DirBuilder::new();
    folder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut folder, 0o700);
    folder.create(directory)?;

    let temporary = directory.join(format!(".{file_name}.tmp"));
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temporary)?;
    let written = file
        .write_all(contents)
        .and_then(|()| file.sync_all())
        .and_then(|()| fs::rename(&temporary, directory.join(file_name)));
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_sort_as_times_do() {
        let time = time::macros::datetime!(2026-01-02 03:04:05.678901 UTC);
        assert_eq!(timestamp(time), "20260102T030405.678901Z");
        let later = time::macros::datetime!(2026-01-02 03:04:05.6789011 UTC) + time::Duration::microseconds(1);
        assert!(timestamp(later) > timestamp(time));
    }

    #[test]
    fn the_envelope_precedes_the_message() {
        let mail = OutgoingMail {
            envelope_from: String::new(),
            recipients: vec!["a@example.org".to_owned(), "b@example.org".to_owned()],
            raw: b"Subject: x\r\n\r\nbody\r\n".to_vec(),
        };
        assert_eq!(
            file_contents(&mail),
            b"X-Haven-Envelope-From: <>\r\nX-Haven-Envelope-To: <a@example.org>\r\nX-Haven-Envelope-To: <b@example.org>\r\nSubject: x\r\n\r\nbody\r\n"
        );
    }
}
