//! haven-mail against real sockets, files and parsers: `SmtpRelay` sending to haven-testkit's
//! `FakeRelay` on 127.0.0.1, `MailFolder` writing to a temporary folder, and `notification`'s
//! messages read back by Python's `email` package.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stderr,
    reason = "tests fail loudly or say why they skip"
)]

mod folder;
mod notification;
mod relay;

use haven_testkit::pki::python3_available as python_available;
use std::time::Duration;

/// How long a test waits for mail to arrive before failing.
const DEADLINE: Duration = Duration::from_secs(20);

/// Runs `python3 -c script arguments...` and returns its standard output as JSON.
async fn python(script: &str, arguments: &[&str]) -> serde_json::Value {
    let output = tokio::process::Command::new("python3").arg("-c").arg(script).args(arguments).output().await.unwrap();
    assert!(output.status.success(), "python3 failed: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}
