//! Haven's packages against an independent implementation: `tests/python/dopu_package.py`,
//! written from the HealthVault documentation with `py3rijndael` and Python's standard library.
//! Each side opens what the other sealed. `bash scripts/python-verifiers` installs the package;
//! without it the tests are skipped, except under CI, where they fail.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stderr,
    reason = "a test fails by panicking, and says on stderr why it skipped"
)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use haven_package::{PackageError, PackageParameters, open, seal};

/// Non-ASCII text, line breaks and two things, as an application would drop off.
const THINGS: &str = "<thing>\n  <type-id>3d34d87e-7fc1-4153-800f-f56592cb0d17</type-id>\n  <data-xml><weight><when>\
    <date><y>2006</y><m>12</m><d>22</d></date></when><value><kg>125</kg><display units=\"lb\">275.5625</display>\
    </value></weight><common><note>Pesée à jeun ✓</note></common></data-xml>\n</thing>\n<thing><type-id>\
    3d34d87e-7fc1-4153-800f-f56592cb0d17</type-id><data-xml><weight><when><date><y>2006</y><m>12</m><d>23</d>\
    </date></when><value><kg>114</kg></value></weight></data-xml></thing>";

/// The SDK's default count, so that the check covers what real packages use.
const ITERATIONS: u32 = 20_000;

/// Python 3 with `py3rijndael` from `scripts/python-verifiers`, or `None` (with the reason
/// printed) outside CI; under CI their absence fails the test.
fn python_verifiers() -> Option<PathBuf> {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/python-verifiers");
    let usable = Command::new("python3")
        .arg("-c")
        .arg("import py3rijndael")
        .env("PYTHONPATH", &directory)
        .output()
        .is_ok_and(|output| output.status.success());
    match usable {
        true => Some(directory),
        false if std::env::var_os("CI").is_some() => {
            panic!("python3 with py3rijndael is needed under CI (bash scripts/python-verifiers)")
        }
        false => {
            eprintln!("skipped the Python package interoperability check: run bash scripts/python-verifiers");
            None
        }
    }
}

/// Runs `dopu_package.py mode answer salt iterations` with `input` on its standard input.
fn dopu_package(directory: &Path, mode: &str, answer: &str, salt: &str, input: &[u8]) -> Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/dopu_package.py");
    let mut child = Command::new("python3")
        .arg(script)
        .args([mode, answer, salt, &ITERATIONS.to_string()])
        .env("PYTHONPATH", directory)
        // Arguments and output are UTF-8 whatever the machine's locale.
        .env("PYTHONUTF8", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 starts");
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn parameters(salt: &str) -> PackageParameters {
    let parameters =
        PackageParameters { iteration_count: ITERATIONS, ..PackageParameters::recommended(salt.to_owned()) };
    // Through the data-xml, as the Platform will read it.
    PackageParameters::from_data_xml(&parameters.to_data_xml()).unwrap()
}

/// A GUID, as the .NET SDK wrote, and base64 text, as the documentation suggests.
const SALTS: [&str; 2] = ["9b2f6c1e-4a7d-4e38-b5c0-2d8e1f3a6b94", "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80="];

#[test]
fn packages_python_seals_open_in_haven() {
    let Some(directory) = python_verifiers() else {
        return;
    };
    for salt in SALTS {
        let sealed = dopu_package(&directory, "seal", "Blue Sky", salt, THINGS.as_bytes());
        assert!(sealed.status.success(), "{}", String::from_utf8_lossy(&sealed.stderr));
        let ciphertext = STANDARD.decode(String::from_utf8(sealed.stdout).unwrap().trim()).unwrap();
        let parameters = parameters(salt);
        let opened = open(&parameters, "blue sky", &ciphertext).unwrap();
        assert_eq!(opened.things_xml, THINGS);
        assert_eq!(open(&parameters, "blue  sky", &ciphertext).unwrap_err(), PackageError::WrongAnswer);
    }
}

#[test]
fn packages_haven_seals_open_in_python() {
    let Some(directory) = python_verifiers() else {
        return;
    };
    for salt in SALTS {
        let sealed = seal(&parameters(salt), "ÉTÉ Blue Sky", THINGS).unwrap();
        let encoded = STANDARD.encode(&sealed.ciphertext);
        let opened = dopu_package(&directory, "open", "été blue sky", salt, encoded.as_bytes());
        assert!(opened.status.success(), "{}", String::from_utf8_lossy(&opened.stderr));
        assert_eq!(String::from_utf8(opened.stdout).unwrap(), THINGS);

        // The script's own check works: a wrong answer and an altered package are refused.
        let wrong = dopu_package(&directory, "open", "ete blue sky", salt, encoded.as_bytes());
        assert!(!wrong.status.success(), "a wrong answer must not open the package");
        let mut tampered = sealed.ciphertext.clone();
        tampered[40] ^= 0x80;
        let altered = dopu_package(&directory, "open", "été blue sky", salt, STANDARD.encode(&tampered).as_bytes());
        assert!(!altered.status.success(), "an altered package must not open");
    }
}
