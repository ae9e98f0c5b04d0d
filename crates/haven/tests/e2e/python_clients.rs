//! Two independent HealthVault clients from PyPI, python-healthvault 0.1.5 and pyhealthvault
//! 1.0 (Python 2.7), against a real deployment: an application registered with a key pair
//! made here, a person and consent from `haven dev grant`, weights put into the person's
//! record with the Rust SDK, and the drivers in `tests/python/` running each client's flow
//! and printing one JSON line per step.
//!
//! `scripts/python-clients` installs the clients into `target/python-clients/`. Without
//! them or without Python 2.7 the tests are skipped, saying why, except under CI, where
//! they fail.

use std::path::{Path, PathBuf};
use std::process::Command;

use haven::certificate;
use haven_domain::ids::{ApplicationId, RecordId};
use haven_domain::thing::{CommonData, ThingDraft, ThingFlags};
use haven_domain::thing_type::{HEIGHT, WEIGHT};
use haven_sdk::{ApplicationCredentials, CallAs, Connection};
use haven_testkit::{Deployment, InstanceSpec};
use openssl::rsa::Rsa;
use serde_json::Value;
use time::{Duration, OffsetDateTime};

use crate::shell_flow;
use crate::support::{haven, run, text};

/// The interpreter, the installed clients and the drivers.
struct PythonClients {
    python: PathBuf,
    installed: PathBuf,
    drivers: PathBuf,
}

impl PythonClients {
    /// Finds them, or explains what is missing.
    fn find() -> Result<Self, String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let python = match std::env::var_os("HAVEN_PYTHON27") {
            Some(path) => PathBuf::from(path),
            None => {
                let home = std::env::var_os("HOME").ok_or("HOME is not set, so ~/.pyenv cannot be found")?;
                Path::new(&home).join(".pyenv/versions/2.7.18/bin/python")
            }
        };
        if !python.exists() {
            return Err(format!("Python 2.7 is not at {} (pyenv install 2.7.18)", python.display()));
        }
        let installed = root.join("target/python-clients");
        if !installed.join("installed").exists() {
            return Err(format!(
                "the clients are not installed in {} (run scripts/python-clients)",
                installed.display()
            ));
        }
        Ok(Self { python, installed, drivers: root.join("tests/python") })
    }

    /// Runs a driver with one client on its path; returns its JSON lines, failing with its
    /// error output if it fails.
    fn run_driver(&self, client: &str, driver: &str, inputs: &DriverInputs) -> Vec<Value> {
        let path = std::env::join_paths([self.installed.join(client), self.installed.join("common")]).unwrap();
        let output = Command::new(&self.python)
            .arg(self.drivers.join(driver))
            .env("PYTHONPATH", path)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("HAVEN_PLATFORM_URL", &inputs.platform_url)
            .env("HAVEN_APP_ID", &inputs.app_id)
            .env("HAVEN_APP_THUMBPRINT", &inputs.thumbprint)
            .env("HAVEN_APP_KEY_N", &inputs.modulus_hex)
            .env("HAVEN_APP_KEY_D", &inputs.private_exponent_hex)
            .env("HAVEN_WCTOKEN", &inputs.wctoken)
            .env("HAVEN_PERSON_ID", &inputs.person_id)
            .env("HAVEN_RECORD_ID", &inputs.record_id)
            .output()
            .expect("python runs");
        let (stdout, stderr) = text(&output);
        assert!(output.status.success(), "{driver} failed:\n{stderr}\nsteps so far:\n{stdout}");
        // What the client printed of its exchanges; shown with --nocapture.
        eprintln!("{driver}:\n{stderr}");
        stdout.lines().map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}"))).collect()
    }
}

/// Skips (with the reason) outside CI, panics under CI, when the clients cannot run.
fn python_clients() -> Option<PythonClients> {
    match PythonClients::find() {
        Ok(clients) => Some(clients),
        Err(reason) if std::env::var_os("CI").is_some() => {
            panic!("the Python client tests cannot run under CI: {reason}")
        }
        Err(reason) => {
            eprintln!("skipped: {reason}");
            None
        }
    }
}

/// What the drivers are given.
struct DriverInputs {
    platform_url: String,
    app_id: String,
    thumbprint: String,
    modulus_hex: String,
    private_exponent_hex: String,
    wctoken: String,
    person_id: String,
    record_id: String,
}

/// A deployment (US with test grants, EU) with an application registered in the US and a
/// person who granted it online and offline access.
struct Setup {
    deployment: Deployment,
    inputs: DriverInputs,
    /// The application's private key and certificate, for the Rust SDK.
    credentials: ApplicationCredentials,
}

impl Setup {
    /// A Rust SDK connection to the US Platform as the application.
    fn connection(&self) -> Connection {
        let platform_url = url::Url::parse(&self.deployment.instance("1").platform_url).unwrap();
        Connection::new(platform_url, self.credentials.clone()).unwrap()
    }

    /// Puts weights into the person's record through the Rust SDK, online (the person's
    /// offline grant only reads), `days` from now each (negative for the past).
    async fn put_weights(&self, weights: &[(i64, &str)]) {
        let now = OffsetDateTime::now_utc();
        let drafts = weights
            .iter()
            .map(|(days, kg)| {
                let when = now + Duration::days(*days);
                let data_xml = format!(
                    "<weight><when><date><y>{}</y><m>{}</m><d>{}</d></date><time><h>{}</h><m>{}</m></time></when><value><kg>{kg}</kg></value></weight>",
                    when.year(),
                    u8::from(when.month()),
                    when.day(),
                    when.hour(),
                    when.minute()
                );
                let draft = ThingDraft {
                    type_id: WEIGHT,
                    flags: ThingFlags::default(),
                    data_xml,
                    common: CommonData::default(),
                    blobs: Vec::new(),
                    updated_end_date: None,
                };
                (None, draft)
            })
            .collect();
        let record_id = RecordId::parse(&self.inputs.record_id).unwrap();
        let keys = self
            .connection()
            .put_things(&CallAs::Online(self.inputs.wctoken.clone()), record_id, drafts)
            .await
            .unwrap();
        assert_eq!(keys.len(), weights.len());
    }
}

/// How the person's consent and user token are obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Consent {
    /// `haven dev grant`, the development stand-in (refused where test grants are off).
    DevGrant,
    /// The real Shell: sign-up, APPAUTH and the consent screen, over HTTP.
    Shell,
}

async fn set_up(consent: Consent) -> Setup {
    let us = InstanceSpec { test_grants: consent == Consent::DevGrant, ..InstanceSpec::us() };
    let deployment = Deployment::start(haven(), &[us, InstanceSpec::eu()]).await.unwrap();
    let instance = deployment.instance("1");
    let config = instance.config_path.to_str().unwrap();

    let application_id = ApplicationId::from_uuid(uuid::Uuid::new_v4());
    let key_pair = certificate::generate(application_id).unwrap();
    let key_directory = deployment.directory().join("python-app");
    certificate::write_files(&key_pair, &key_directory).unwrap();
    let certificate_path = key_directory.join("certificate.pem");
    let credentials =
        ApplicationCredentials::from_pem_file(application_id, key_directory.join("private-key.pem"), &certificate_path)
            .unwrap();
    let registered = run(&[
        "app",
        "register",
        "--id",
        &application_id.to_string(),
        "--name",
        "Python clients",
        "--certificate",
        certificate_path.to_str().unwrap(),
        "--action-url",
        "http://127.0.0.1:9/healthvault/action",
        "--online-rule",
        "vitals:read,create,update,delete:Weight,Height",
        "--offline-rule",
        "vitals-offline:read:Weight,Height",
        "--config",
        config,
    ]);
    assert!(registered.status.success(), "{}", text(&registered).1);

    let (wctoken, person_id, record_id) = match consent {
        Consent::DevGrant => dev_grant(&deployment, config, application_id),
        Consent::Shell => {
            let returned = shell_flow::sign_up_and_authorize(
                &instance.shell_url,
                application_id,
                "python.clients@example.org",
                "Ada",
                "Python",
            )
            .await;
            assert_eq!(returned.get("target"), "AppAuthSuccess");
            assert_eq!(returned.get("instanceid"), "1");
            assert_eq!(returned.get("actionqs"), "e2e-state");
            let wctoken = returned.get("wctoken").to_owned();
            let platform_url = url::Url::parse(&instance.platform_url).unwrap();
            let connection = Connection::new(platform_url, credentials.clone()).unwrap();
            let person = connection.person_info(&CallAs::Online(wctoken.clone())).await.unwrap();
            let record_id = person.selected_record_id.expect("the consented record is selected");
            (wctoken, person.person_id.to_string(), record_id.to_string())
        }
    };

    // The clients take the raw RSA numbers; e is fixed at 65537 in both.
    let private_key = std::fs::read(key_directory.join("private-key.pem")).unwrap();
    let rsa = Rsa::private_key_from_pem(&private_key).unwrap();
    assert_eq!(rsa.e().to_dec_str().unwrap().to_string(), "65537");
    let inputs = DriverInputs {
        platform_url: instance.wildcat_url(),
        app_id: application_id.to_string(),
        thumbprint: certificate::app_certificate(&key_pair.certificate).unwrap().thumbprint.as_str().to_owned(),
        modulus_hex: rsa.n().to_hex_str().unwrap().to_string(),
        private_exponent_hex: rsa.d().to_hex_str().unwrap().to_string(),
        wctoken,
        person_id,
        record_id,
    };
    Setup { deployment, inputs, credentials }
}

/// Consent and a user token from `haven dev grant`; also checks that an instance without
/// test grants refuses it. Returns the wctoken, person id and record id it printed.
fn dev_grant(deployment: &Deployment, config: &str, application_id: ApplicationId) -> (String, String, String) {
    let granted = run(&[
        "dev",
        "grant",
        "--config",
        config,
        "--app",
        &application_id.to_string(),
        "--email",
        "python.clients@example.org",
        "--given-name",
        "Ada",
        "--family-name",
        "Python",
        "--offline",
    ]);
    let (grant_lines, grant_errors) = text(&granted);
    assert!(granted.status.success(), "{grant_errors}");
    let field = |name: &str| -> String {
        let prefix = format!("{name}=");
        let line = grant_lines.lines().find(|line| line.starts_with(&prefix));
        line.unwrap_or_else(|| panic!("haven dev grant prints {prefix}: {grant_lines}"))[prefix.len()..].to_owned()
    };
    assert_eq!(grant_lines.lines().count(), 3, "only the three lines on standard output: {grant_lines}");
    // The EU instance's configuration does not allow test grants.
    let eu_config = deployment.instance("2").config_path.to_str().unwrap();
    let refused =
        run(&["dev", "grant", "--config", eu_config, "--app", &application_id.to_string(), "--email", "x@example.org"]);
    assert!(!refused.status.success() && refused.stdout.is_empty());
    assert!(text(&refused).1.contains("does not allow test grants"), "{}", text(&refused).1);

    (field("wctoken"), field("person-id"), field("record-id"))
}

/// The step of this name (and, for GetPersonInfo, avenue) among a driver's lines.
fn step<'a>(steps: &'a [Value], name: &str, avenue: Option<&str>) -> &'a Value {
    steps
        .iter()
        .find(|step| step["step"] == name && avenue.is_none_or(|avenue| step["avenue"] == avenue))
        .unwrap_or_else(|| panic!("no {name} {avenue:?} step in {steps:#?}"))
}

/// The GetThings step of pyhealthvault's flow for this avenue and stage.
fn get_things_step<'a>(steps: &'a [Value], avenue: &str, stage: &str) -> &'a Value {
    steps
        .iter()
        .find(|step| step["step"] == "GetThings" && step["avenue"] == avenue && step["stage"] == stage)
        .unwrap_or_else(|| panic!("no GetThings {avenue} {stage} step in {steps:#?}"))
}

fn assert_person_info(person_info: &Value, inputs: &DriverInputs) {
    assert_eq!(person_info["person_id"], inputs.person_id.as_str(), "{person_info}");
    assert_eq!(person_info["selected_record_id"], inputs.record_id.as_str(), "{person_info}");
    assert_eq!(person_info["record_ids"], serde_json::json!([inputs.record_id]), "{person_info}");
    assert_eq!(person_info["name"], "Ada Python", "{person_info}");
}

#[tokio::test]
async fn python_healthvault_reads_weights_and_keeps_an_alternate_id() {
    let Some(clients) = python_clients() else { return };
    let setup = set_up(Consent::DevGrant).await;
    // The driver asks for weights from 30 days ago to a day ahead.
    setup.put_weights(&[(-60, "80.5"), (-5, "71.5"), (-2, "72"), (10, "60.25")]).await;
    let steps = clients.run_driver("python-healthvault", "python_healthvault_flow.py", &setup.inputs);

    let session = step(&steps, "CreateAuthenticatedSessionToken", None);
    assert_eq!(session["version"], 1);
    assert_eq!(session["has_auth_token"], true);
    let person_info = step(&steps, "GetPersonInfo", Some("online"));
    assert_person_info(person_info, &setup.inputs);
    assert_eq!(person_info["library_record_id"], setup.inputs.record_id.as_str());

    let weights = step(&steps, "GetThings", None);
    assert_eq!((weights["from_days_ago"].as_i64(), weights["to_days_ahead"].as_i64()), (Some(30), Some(1)));
    let kilograms: Vec<f64> =
        weights["weights"].as_array().unwrap().iter().map(|weight| weight["kg"].as_f64().unwrap()).collect();
    assert_eq!(kilograms, vec![72.0, 71.5], "only the weights inside the range, newest first: {weights}");

    let alternate_id = "python-healthvault-e2e-0001";
    assert_eq!(step(&steps, "AssociateAlternateId", None)["alternate_id"], alternate_id);
    assert_eq!(step(&steps, "GetAlternateIds", None)["alternate_ids"], serde_json::json!([alternate_id]));
    let disassociated = step(&steps, "DisassociateAlternateId", None);
    assert_eq!(disassociated["alternate_id"], alternate_id);
    assert_eq!(disassociated["remaining"], serde_json::json!([]), "{disassociated}");
    assert_eq!(steps.len(), 6, "{steps:#?}");
}

#[tokio::test]
async fn pyhealthvault_reads_writes_and_removes_things_online_and_offline() {
    let Some(clients) = python_clients() else { return };
    let setup = set_up(Consent::Shell).await;
    setup.put_weights(&[(-3, "70"), (-1, "69.5")]).await;
    let steps = clients.run_driver("pyhealthvault", "pyhealthvault_flow.py", &setup.inputs);

    let session = step(&steps, "CreateAuthenticatedSessionToken", None);
    assert_eq!(session["version"], 2);
    assert_eq!(session["has_auth_token"], true);
    assert_eq!(session["has_shared_secret"], true);
    assert_person_info(step(&steps, "GetPersonInfo", Some("online")), &setup.inputs);
    assert_person_info(step(&steps, "GetPersonInfo", Some("offline")), &setup.inputs);

    // The two weights, read online and offline.
    let weight_type = WEIGHT.to_string();
    for avenue in ["online", "offline"] {
        let things = get_things_step(&steps, avenue, "before")["things"].as_array().unwrap();
        assert_eq!(things.len(), 2, "{avenue}: {things:?}");
        assert!(things.iter().all(|thing| thing["type_id"] == weight_type.as_str()), "{avenue}: {things:?}");
    }

    let definition = step(&steps, "GetServiceDefinition", None);
    let us = setup.deployment.instance("1");
    assert_eq!(definition["platform_url"], us.wildcat_url().as_str(), "{definition}");
    assert_eq!(definition["shell_url"], us.shell_url.as_str(), "{definition}");
    assert_eq!(definition["current_instance_id"], "1", "{definition}");
    let expected: Vec<Value> = setup
        .deployment
        .instances
        .iter()
        .map(|instance| {
            serde_json::json!({
                "id": instance.id,
                "name": if instance.id == "1" { "US" } else { "EU" },
                "platform_url": instance.wildcat_url(),
                "shell_url": instance.shell_url,
            })
        })
        .collect();
    assert_eq!(definition["instances"], Value::Array(expected), "{definition}");
    let methods = definition["methods"].as_array().unwrap();
    for method in [
        "CreateAuthenticatedSessionToken",
        "GetPersonInfo",
        "GetServiceDefinition",
        "GetThings",
        "PutThings",
        "RemoveThings",
        "QueryPermissions",
        "GetAuthorizedPeople",
        "GetApplicationInfo",
        "GetThingType",
    ] {
        assert!(methods.iter().any(|listed| listed == method), "{method} is listed: {definition}");
    }

    // The Height pyhealthvault wrote comes back, then is gone once removed.
    let put = step(&steps, "PutThings", None);
    let height_id = put["thing_id"].as_str().unwrap();
    assert!(put["version_stamp"].as_str().is_some_and(|stamp| !stamp.is_empty()), "{put}");
    let after_put = get_things_step(&steps, "online", "after-put")["things"].as_array().unwrap();
    assert_eq!(after_put.len(), 1, "{after_put:?}");
    assert_eq!(after_put[0]["thing_id"], height_id);
    assert_eq!(after_put[0]["version_stamp"], put["version_stamp"]);
    assert_eq!(step(&steps, "RemoveThings", None)["thing_ids"], serde_json::json!([height_id]));
    let after_remove = get_things_step(&steps, "online", "after-remove")["things"].as_array().unwrap();
    assert!(after_remove.is_empty(), "{after_remove:?}");

    let people = step(&steps, "GetAuthorizedPeople", None)["people"].as_array().unwrap();
    assert_eq!(
        people,
        &vec![serde_json::json!({"person_id": setup.inputs.person_id, "record_ids": [setup.inputs.record_id]})]
    );

    let application = step(&steps, "GetApplicationInfo", None);
    assert_eq!(application["id"], setup.inputs.app_id.as_str(), "{application}");
    assert_eq!(application["name"], "Python clients", "{application}");
    assert_eq!(application["action_url"], "http://127.0.0.1:9/healthvault/action", "{application}");
    let vitals = serde_json::json!([WEIGHT.to_string(), HEIGHT.to_string()]);
    assert_eq!(application["online_rules"][0]["permissions"], 15, "{application}");
    assert_eq!(application["online_rules"][0]["type_ids"], vitals, "{application}");
    assert_eq!(application["offline_rules"][0]["permissions"], 1, "{application}");

    // Read, update, create and delete online (15); read offline (1), per the registration.
    let permissions = step(&steps, "QueryPermissions", None)["permissions"].as_array().unwrap();
    assert_eq!(permissions.len(), 2, "{permissions:?}");
    for permission in permissions {
        assert_eq!(
            (permission["online"].as_i64(), permission["offline"].as_i64()),
            (Some(15), Some(1)),
            "{permission}"
        );
    }
    assert_eq!(steps.len(), 13, "{steps:#?}");
}
