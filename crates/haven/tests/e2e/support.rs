//! Shared helpers for the end-to-end tests.

use std::path::{Path, PathBuf};
use std::process::Output;

use haven_wire::methods::get_service_definition::{GetServiceDefinitionRequest, ServiceDefinition};
use haven_wire::{StatusCode, parse_response};

/// The `haven` binary Cargo built for these tests.
pub fn haven() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_haven"))
}

/// Runs a `haven` command to completion.
pub fn run(arguments: &[&str]) -> Output {
    std::process::Command::new(haven()).args(arguments).env_remove("LISTEN_FDS").output().expect("haven runs")
}

/// Standard output and error of a finished command, as text.
pub fn text(output: &Output) -> (String, String) {
    (String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}

/// An anonymous request envelope as a .NET client sends it (`app-id` in the header, no
/// `auth`).
pub fn anonymous_request(method: &str, version: u32, info_xml: &str) -> String {
    format!(
        r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header><method>{method}</method><method-version>{version}</method-version><app-id>05a059c9-c309-46af-9b86-b06d42510550</app-id><language>en</language><country>US</country><msg-time>2026-11-21T10:00:00.000Z</msg-time><msg-ttl>1800</msg-ttl><version>haven-e2e/1.0</version></header>{info_xml}</wc-request:request>"#
    )
}

/// POSTs a request body to a wildcat URL; asserts HTTP 200 (HealthVault reports outcomes
/// in the body) and returns the body.
pub async fn post(url: &str, body: String) -> String {
    let client = haven_testkit::http_client().unwrap();
    let response = client.post(url).header("Content-Type", "text/xml").body(body).send().await.unwrap();
    assert_eq!(response.status(), 200, "HealthVault answers HTTP 200 whatever the outcome");
    response.text().await.unwrap()
}

/// Calls GetServiceDefinition (v1 or v2, all sections) and parses the answer.
pub async fn service_definition(wildcat_url: &str, version: u32) -> ServiceDefinition {
    let request = GetServiceDefinitionRequest { version, updated_date: None, response_sections: None };
    let body = post(wildcat_url, anonymous_request("GetServiceDefinition", version, &request.to_info_xml())).await;
    let response = parse_response(&body).unwrap();
    assert_eq!(response.status, StatusCode::OK, "{body}");
    let info = response.info.expect("a wc:info element");
    let expected_schema = if version == 1 { "GetServiceDefinition" } else { "GetServiceDefinition2" };
    assert_eq!(info.schema(), Some(expected_schema));
    ServiceDefinition::parse_info_xml(info.inner_xml).unwrap().expect("a non-empty definition")
}

/// The Python 3 packages `scripts/python-verifiers` installs (standardwebhooks, py3rijndael),
/// if python3 can `import` the module named: their directory, for PYTHONPATH. Outside CI, `None`
/// with the reason printed; under CI their absence fails the test.
pub fn python_verifiers(import: &str) -> Option<PathBuf> {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/python-verifiers");
    let usable = std::process::Command::new("python3")
        .arg("-c")
        .arg(format!("import {import}"))
        .env("PYTHONPATH", &directory)
        .output()
        .is_ok_and(|output| output.status.success());
    match usable {
        true => Some(directory),
        false if std::env::var_os("CI").is_some() => {
            panic!("python3 with {import} is needed under CI (bash scripts/python-verifiers)")
        }
        false => {
            eprintln!("skipped: python3 cannot import {import}; run bash scripts/python-verifiers");
            None
        }
    }
}
