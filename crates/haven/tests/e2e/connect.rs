//! Patient Connect and DOPU across two real instances, with Chromium (`tests/browser/
//! connect.mjs`). A clinic, using `haven clinic` with the US Platform as its default, creates a
//! connect request and drops off a package (weights and a streamed file) for a patient in the
//! Netherlands; both land in the EU. She signs up at the EU Shell, redeems the request and
//! picks up the package once; the clinic's poll returns her person and record ids and it reads
//! the things offline, created by the clinic. A package sealed by an independent Python
//! implementation (py3rijndael, PBKDF2 from hashlib) is picked up too, a package the clinic tool
//! made is opened by that implementation, and a legacy 3DES package is accepted.

use haven_domain::connect::IdentityCode;
use haven_domain::ids::{PersonId, RecordId};
use haven_domain::thing::ThingQuery;
use haven_domain::thing_type::{FILE, WEIGHT};
use haven_package::{PackageAlgorithm, PackageParameters};
use haven_sdk::{CallAs, Connection, SealedConnectPackage};
use haven_store::{BlobStore, ConnectStore, ThingStore};
use haven_testkit::{Deployment, InstanceSpec};
use haven_wire::base64_text::decode_base64;
use haven_wire::methods::create_connect_package::CreateConnectPackageRequest;

use crate::browser::browser_tests;
use crate::clinic_cli::{ANSWER, Clinic, clinic, field, store_of, weight_thing};
use crate::support::{haven, python_verifiers};

/// Runs crates/haven-package/tests/python/dopu_package.py (`seal` or `open`) with `input` on
/// standard input; returns its standard output, failing the test if it fails.
fn dopu_python(directory: &std::path::Path, mode: &str, salt: &str, iterations: u32, input: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../haven-package/tests/python/dopu_package.py");
    let mut child = std::process::Command::new("python3")
        .arg(script)
        .args([mode, ANSWER, salt, &iterations.to_string()])
        .env("PYTHONPATH", directory)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 starts");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "dopu_package.py {mode}: {}", String::from_utf8_lossy(&output.stderr));
    output.stdout
}

/// Creates a package in the EU from parameters and a ciphertext made elsewhere.
async fn create_package(in_eu: &Connection, sealed: &SealedConnectPackage, external_id: &str) -> String {
    let request = CreateConnectPackageRequest {
        version: 2,
        identity_code: None,
        friendly_name: "Saskia".to_owned(),
        question: "Name of your first pet?".to_owned(),
        external_id: external_id.to_owned(),
        package_xml: sealed.package_xml(2),
        streamed_blob_urls: Vec::new(),
    };
    in_eu.create_connect_package(&request).await.unwrap()
}

// Several threads: the browser script runs (blocking) while the instances serve.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clinic_reaches_a_patient_in_the_netherlands_through_the_eu() {
    let Some(browser) = browser_tests() else { return };
    let Some(python) = python_verifiers("py3rijndael") else { return };
    let deployment = Deployment::start(haven(), &[InstanceSpec::us(), InstanceSpec::eu()]).await.unwrap();
    let (us, eu) = (deployment.instance("1"), deployment.instance("2"));
    let directory = deployment.directory();
    let application = Clinic::register(&deployment, &[us, eu], us);
    let in_eu = Connection::new(url::Url::parse(&eu.platform_url).unwrap(), application.credentials()).unwrap();

    // The clinic's connect requests and package, made through the US Platform for a patient
    // in the Netherlands.
    let question = ["--question", "Name of your first pet?"];
    let request = |external_id: &str, name: &str| {
        let arguments = ["connect-request", "create", "--country", "NL", "--external-id", external_id];
        let created = clinic(&application, &[&arguments[..], &["--friendly-name", name], &question[..]].concat());
        assert_eq!(field(&created, "instance"), "2");
        field(&created, "identity-code")
    };
    let connect_code = request("patient-4711", "Saskia (patient 4711)");
    let lock_code = request("patient-4712", "Saskia again");
    let things_file = directory.join("results.xml");
    std::fs::write(&things_file, format!("<things>{}{}</things>", weight_thing("71.5"), weight_thing("72"))).unwrap();
    let attachment: Vec<u8> = (0..2_300_000_u32).map(|index| (index % 253) as u8).collect();
    let attachment_file = directory.join("scan.pdf");
    std::fs::write(&attachment_file, &attachment).unwrap();
    let written = directory.join("package.json");
    let dropped = clinic(
        &application,
        &[
            &["package", "drop", "--country", "NL", "--external-id", "patient-4711"],
            &["--friendly-name", "Lab results for Saskia"][..],
            &question[..],
            &["--things", things_file.to_str().unwrap(), "--attach", attachment_file.to_str().unwrap()][..],
            &["--write-package", written.to_str().unwrap()][..],
        ]
        .concat(),
    );
    assert_eq!(field(&dropped, "instance"), "2");
    let package_code = field(&dropped, "identity-code");

    // The independent implementation opens what the clinic tool sealed...
    let package: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&written).unwrap()).unwrap();
    let salt = package["salt"].as_str().unwrap();
    let iterations = u32::try_from(package["iteration-count"].as_u64().unwrap()).unwrap();
    let opened = dopu_python(&python, "open", salt, iterations, package["ciphertext"].as_str().unwrap().as_bytes());
    let opened = String::from_utf8(opened).unwrap();
    assert_eq!(opened.matches("<thing>").count(), 3, "two weights and the file: {opened}");
    assert!(opened.contains("<kg>71.5</kg>") && opened.contains("<name>scan.pdf</name>"), "{opened}");

    // ...and seals a package of its own, which the Platform takes and the Shell will open.
    let python_salt = "c2FsdCBmcm9tIHB5dGhvbg==";
    let sealed = dopu_python(&python, "seal", python_salt, 20_000, weight_thing("68.25").as_bytes());
    let sealed = SealedConnectPackage {
        parameters: PackageParameters::recommended(python_salt.to_owned()),
        ciphertext: decode_base64(std::str::from_utf8(&sealed).unwrap().trim()).unwrap(),
    };
    let python_code = create_package(&in_eu, &sealed, "patient-4711").await;

    // A legacy package: hmac-sha1-3des.
    let legacy_parameters = PackageParameters {
        algorithm: PackageAlgorithm::HmacSha1TripleDes,
        salt: "legacy-salt-0001".to_owned(),
        iteration_count: 20_000,
        key_length_bits: 192,
    };
    let legacy = haven_package::seal(&legacy_parameters, ANSWER, &weight_thing("69.5")).unwrap();
    let legacy = SealedConnectPackage { parameters: legacy_parameters, ciphertext: legacy.ciphertext };
    let legacy_code = create_package(&in_eu, &legacy, "patient-4711").await;

    // A package the US instance holds, for a patient who lives there.
    let us_drop = clinic(
        &application,
        &[
            &["package", "drop", "--country", "US", "--external-id", "us-patient"][..],
            &["--friendly-name", "US patient"][..],
            &question[..],
            &["--things", things_file.to_str().unwrap()][..],
        ]
        .concat(),
    );
    assert_eq!(field(&us_drop, "instance"), "1");
    let us_code = field(&us_drop, "identity-code");

    // Before she answers, the clinic's poll is empty.
    let polled = in_eu.authorized_connect_requests(None).await.unwrap();
    assert!(polled.is_empty(), "{polled:?}");

    let steps = browser.run(
        "connect.mjs",
        &[
            ("HAVEN_EU_SHELL_URL", &eu.shell_url),
            ("HAVEN_PERSON_EMAIL", "saskia.verbeek@example.org"),
            ("HAVEN_CONNECT_CODE", &connect_code),
            ("HAVEN_CONNECT_ANSWER", ANSWER),
            ("HAVEN_PACKAGE_CODE", &package_code),
            ("HAVEN_PACKAGE_ANSWER", ANSWER),
            ("HAVEN_PYTHON_PACKAGE_CODE", &python_code),
            ("HAVEN_LEGACY_PACKAGE_CODE", &legacy_code),
            ("HAVEN_LOCK_CODE", &lock_code),
            ("HAVEN_US_PACKAGE_CODE", &us_code),
        ],
    );
    let names: Vec<&str> = steps.iter().filter_map(|step| step["step"].as_str()).collect();
    assert_eq!(
        names,
        [
            "signed up",
            "connected",
            "picked up",
            "second pickup refused",
            "python package picked up",
            "legacy package picked up",
            "locked",
            "other instance named"
        ]
    );

    // The clinic's poll (through the US Platform, with the country) returns her ids.
    let listed = clinic(&application, &["connect-request", "list", "--country", "NL", "--json"]);
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let entries = listed.as_array().unwrap();
    assert_eq!(entries.len(), 1, "{listed}");
    let entry = &entries[0];
    assert_eq!(entry["external-id"], "patient-4711", "{listed}");
    let person_id = PersonId::parse(entry["person-id"].as_str().unwrap()).unwrap();
    let record_id = RecordId::parse(entry["record-id"].as_str().unwrap()).unwrap();

    // It reads offline what the packages put in her record, created by the clinic.
    let weights = in_eu.things_of_type(&CallAs::Offline(person_id), record_id, WEIGHT).await.unwrap();
    let mut kilograms: Vec<String> = weights
        .iter()
        .map(|thing| {
            let data = thing.data_xml.as_deref().unwrap_or_default();
            data[data.find("<kg>").unwrap() + 4..data.find("</kg>").unwrap()].to_owned()
        })
        .collect();
    kilograms.sort();
    assert_eq!(kilograms, ["68.25", "69.5", "71.5", "72"], "one pickup each, the first package's two weights once");
    for weight in &weights {
        assert_eq!(weight.created.as_ref().unwrap().application_id, application.id, "the clinic is the source");
    }
    let files = in_eu.things_of_type(&CallAs::Offline(person_id), record_id, FILE).await.unwrap();
    assert_eq!(files.len(), 1);

    // The file's blob is the attachment, decrypted; the packages are spent.
    let store = store_of(eu).await;
    let query = ThingQuery { type_ids: vec![FILE], ..ThingQuery::default() };
    let stored_files = store.query_things(record_id, &query).await.unwrap();
    let blob = &stored_files[0].blobs[0];
    assert_eq!(store.blob_content(blob.blob_id).await.unwrap(), attachment);
    for code in [&package_code, &python_code, &legacy_code] {
        let package = store.connect_package_by_code(IdentityCode::parse(code).unwrap().hash()).await.unwrap().unwrap();
        assert!(package.picked_up.is_some_and(|pickup| pickup.record_id == record_id));
    }
    store.close().await;
    // The US package was left alone.
    let store = store_of(us).await;
    let untouched = store.connect_package_by_code(IdentityCode::parse(&us_code).unwrap().hash()).await.unwrap();
    assert!(untouched.is_some_and(|package| package.picked_up.is_none() && package.failed_attempts == 0));
    store.close().await;
}
