//! The Shell in a real browser: Debian's Chromium, driven by playwright-core scripts in
//! `tests/browser/`, against real `haven serve` processes. Each script prints one JSON line
//! per step and exits non-zero on the first failed check; screenshots go to
//! `target/browser-output/<script>/`.
//!
//! `scripts/test` installs Chromium (Debian package) and playwright-core (`npm ci` in
//! `tests/browser`). Without them the tests are skipped, saying why, except under CI, where
//! they fail.

use std::path::{Path, PathBuf};
use std::process::Command;

use haven::certificate;
use haven_domain::ids::{ApplicationId, PersonId, RecordId};
use haven_domain::thing_type::WEIGHT;
use haven_sdk::{ApplicationCredentials, CallAs, Connection};
use haven_testkit::{Deployment, InstanceSpec, RunningInstance};

use crate::support::{haven, run, text};

/// Node, Chromium and the scripts.
pub(crate) struct BrowserTests {
    node: PathBuf,
    chromium: PathBuf,
    scripts: PathBuf,
    output: PathBuf,
}

impl BrowserTests {
    /// Finds them, or explains what is missing.
    fn find() -> Result<Self, String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let chromium = PathBuf::from(std::env::var_os("HAVEN_CHROMIUM").unwrap_or_else(|| "/usr/bin/chromium".into()));
        if !chromium.exists() {
            return Err(format!("Chromium is not at {} (apt-get install chromium)", chromium.display()));
        }
        let node = PathBuf::from("/usr/bin/node");
        if !node.exists() {
            return Err("Node.js is not at /usr/bin/node".to_owned());
        }
        let scripts = root.join("tests/browser");
        if !scripts.join("node_modules/playwright-core").exists() {
            return Err(format!("playwright-core is not installed (npm ci --prefix {})", scripts.display()));
        }
        Ok(Self { node, chromium, scripts, output: root.join("target/browser-output") })
    }

    /// Runs `script` with `variables`; returns its JSON step lines, failing with its output
    /// if it fails.
    pub(crate) fn run(&self, script: &str, variables: &[(&str, &str)]) -> Vec<serde_json::Value> {
        let name = script.trim_end_matches(".mjs");
        let output_directory = self.output.join(name);
        let mut command = Command::new(&self.node);
        command
            .arg(self.scripts.join(script))
            .current_dir(&self.scripts)
            .env("HAVEN_CHROMIUM", &self.chromium)
            .env("HAVEN_OUTPUT_DIR", &output_directory);
        for (variable, value) in variables {
            command.env(variable, value);
        }
        let output = command.output().expect("node runs");
        let (stdout, stderr) = text(&output);
        assert!(output.status.success(), "{script} failed:\n{stderr}\nsteps so far:\n{stdout}");
        stdout.lines().map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}"))).collect()
    }
}

/// Skips (with the reason) outside CI, panics under CI, when the browser cannot run.
pub(crate) fn browser_tests() -> Option<BrowserTests> {
    match BrowserTests::find() {
        Ok(tests) => Some(tests),
        Err(reason) if std::env::var_os("CI").is_some() => panic!("the browser tests cannot run under CI: {reason}"),
        Err(reason) => {
            eprintln!("skipped: {reason}");
            None
        }
    }
}

/// The sample web application (`examples/weight-web`) served in this process on a socket of
/// its own, registered as "Weight sample" in `instances` with its action URL and the given
/// rules (`haven app register` forms); the first instance is its default. Stops when dropped.
pub(crate) struct WeightSample {
    /// Its root URL.
    pub(crate) url: String,
    /// The application's id.
    pub(crate) application_id: ApplicationId,
    /// Its credentials, for calls the test makes as the application.
    pub(crate) credentials: ApplicationCredentials,
    /// Its data file (the connected records).
    pub(crate) data_file: PathBuf,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl WeightSample {
    pub(crate) async fn start(
        deployment: &Deployment,
        instances: &[&RunningInstance],
        online_rules: &[&str],
        offline_rules: &[&str],
    ) -> Self {
        let (listener, address) = haven_testkit::loopback_socket().unwrap();
        let url = format!("http://{address}/");
        let application_id = ApplicationId::from_uuid(uuid::Uuid::new_v4());
        let key_pair = certificate::generate(application_id).unwrap();
        let key_directory = deployment.directory().join("weight-sample");
        certificate::write_files(&key_pair, &key_directory).unwrap();
        let certificate = key_directory.join("certificate.pem");
        let action_url = format!("{url}action");
        let id = application_id.to_string();
        let mut arguments = vec!["app", "register", "--id", &id, "--name", "Weight sample"];
        arguments.extend(["--description", "Shows your latest weight.", "--action-url", &action_url]);
        arguments.extend(["--certificate", certificate.to_str().unwrap()]);
        arguments.extend(online_rules.iter().flat_map(|rule| ["--online-rule", rule]));
        arguments.extend(offline_rules.iter().flat_map(|rule| ["--offline-rule", rule]));
        arguments.extend(instances.iter().flat_map(|instance| ["--config", instance.config_path.to_str().unwrap()]));
        let registered = run(&arguments);
        assert!(registered.status.success(), "{}", text(&registered).1);

        let credentials =
            ApplicationCredentials::from_pem_file(application_id, key_directory.join("private-key.pem"), certificate)
                .unwrap();
        let data_file = deployment.directory().join("weight-sample.json");
        let config = haven_example_weight_web::Config {
            shell_url: url::Url::parse(&instances[0].shell_url).unwrap(),
            platform_url: url::Url::parse(&instances[0].platform_url).unwrap(),
            multi_instance_aware: true,
            credentials: credentials.clone(),
            data_file: data_file.clone(),
        };
        listener.set_nonblocking(true).unwrap();
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        let task = tokio::spawn(haven_example_weight_web::serve(listener, config));
        Self { url, application_id, credentials, data_file, task }
    }
}

impl Drop for WeightSample {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[tokio::test]
async fn accounts_in_a_real_browser() {
    let Some(browser) = browser_tests() else { return };
    let deployment = Deployment::start(haven(), &[InstanceSpec::us()]).await.unwrap();
    let shell_url = deployment.instance("1").shell_url.clone();
    let steps = browser.run("accounts.mjs", &[("HAVEN_SHELL_URL", &shell_url)]);
    let names: Vec<&str> = steps.iter().filter_map(|step| step["step"].as_str()).collect();
    assert_eq!(names, ["sign-up mistake shown", "signed up", "signed out", "signed in", "fits a phone"]);
    let cookie = &steps[1]["cookie"];
    assert_eq!(cookie["httpOnly"], true);
    assert_eq!(cookie["sameSite"], "Lax");
    assert!(browser.output.join("accounts/account.png").exists(), "the screenshot is saved");
}

/// The sample web application (`examples/weight-web`) and a person, through the real Shell
/// in Chromium: sign-up, APPAUTH with an optional rule declined, the return with wctoken and
/// instanceid, the sample reading the weight online and offline, APPSIGNOUT, the reject
/// path, CREATERECORD, and a revoke in the Shell after which the application's calls are
/// refused.
// Several threads: the sample serves in this process while the browser script runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_application_connects_through_the_shell() {
    let Some(browser) = browser_tests() else { return };
    let deployment = Deployment::start(haven(), &[InstanceSpec::us()]).await.unwrap();
    let instance = deployment.instance("1");

    // The sample is registered with its own action URL, a required and an optional online
    // rule, and an offline rule.
    let rules = ["weights:read:Weight", "heights:read:Height:optional"];
    let sample = WeightSample::start(&deployment, &[instance], &rules, &["weights-offline:read:Weight"]).await;
    let (sample_url, application_id, data_file) = (&sample.url, sample.application_id, &sample.data_file);

    let steps = browser.run(
        "appauth.mjs",
        &[
            ("HAVEN_SHELL_URL", &instance.shell_url),
            ("HAVEN_SAMPLE_URL", sample_url),
            ("HAVEN_APP_ID", &application_id.to_string()),
        ],
    );
    let names: Vec<&str> = steps.iter().filter_map(|step| step["step"].as_str()).collect();
    assert_eq!(
        names,
        [
            "weight added",
            "authorized",
            "read offline",
            "signed out of the application",
            "declined",
            "record created",
            "revoked"
        ]
    );
    for screenshot in ["consent.png", "record.png"] {
        assert!(browser.output.join("appauth").join(screenshot).exists(), "{screenshot} is saved");
    }

    // The application's own offline call on the revoked record is refused too.
    let stored: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(data_file).unwrap()).unwrap();
    let latest = stored["connections"].as_array().and_then(|connections| connections.last()).unwrap();
    let person_id = PersonId::parse(latest["person-id"].as_str().unwrap()).unwrap();
    let record_id = RecordId::parse(latest["record-id"].as_str().unwrap()).unwrap();
    let connection = Connection::new(url::Url::parse(&instance.platform_url).unwrap(), sample.credentials.clone());
    let refused = connection.unwrap().things_of_type(&CallAs::Offline(person_id), record_id, WEIGHT).await;
    assert!(refused.is_err(), "offline access ends with the revoke: {refused:?}");
}

/// A SODA application (the `examples/soda-cli` sample) created on a device and completed by
/// a person in Chromium: `connect` prints the CREATEAPPLICATION address, the person signs up
/// and consents there, and the device then signs in with its own secret and reads and
/// writes the person's record offline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_soda_application_is_created_through_the_shell() {
    let Some(browser) = browser_tests() else { return };
    let deployment = Deployment::start(haven(), &[InstanceSpec::us()]).await.unwrap();
    let instance = deployment.instance("1");
    let master_id = ApplicationId::from_uuid(uuid::Uuid::new_v4());
    let registered = run(&[
        "app",
        "register",
        "--id",
        &master_id.to_string(),
        "--name",
        "Pocket weights",
        "--soda",
        "--offline-rule",
        "weights:read,create:Weight",
        "--config",
        instance.config_path.to_str().unwrap(),
    ]);
    assert!(registered.status.success(), "{}", text(&registered).1);

    let state_file = deployment.directory().join("soda-state.json");
    let outcome = haven_example_soda_cli::connect(&haven_example_soda_cli::ConnectRequest {
        platform_url: url::Url::parse(&instance.platform_url).unwrap(),
        shell_url: url::Url::parse(&instance.shell_url).unwrap(),
        master_application_id: master_id,
        device_name: "test laptop".to_owned(),
        multi_record: false,
        state_file: state_file.clone(),
    })
    .await
    .unwrap();

    // Before the person completes it, the device cannot sign in.
    let quick = haven_example_soda_cli::WaitOptions {
        timeout: std::time::Duration::from_secs(1),
        retry_delay: std::time::Duration::from_millis(200),
    };
    assert!(haven_example_soda_cli::wait(&state_file, &quick).await.is_err(), "not completed yet");

    let steps = browser.run(
        "soda.mjs",
        &[
            ("HAVEN_SHELL_URL", &instance.shell_url),
            ("HAVEN_CREATE_APPLICATION_URL", outcome.shell_url_to_open.as_str()),
        ],
    );
    let names: Vec<&str> = steps.iter().filter_map(|step| step["step"].as_str()).collect();
    assert_eq!(names, ["completed", "used link refused"]);
    assert_eq!(steps[0]["appid"], outcome.application_id.to_string().as_str());

    let patient = haven_example_soda_cli::WaitOptions {
        timeout: std::time::Duration::from_secs(20),
        retry_delay: std::time::Duration::from_millis(200),
    };
    haven_example_soda_cli::wait(&state_file, &patient).await.unwrap();
    let measured = time::OffsetDateTime::now_utc();
    let measured = time::PrimitiveDateTime::new(measured.date(), measured.time());
    haven_example_soda_cli::add_weight(&state_file, haven_example_soda_cli::Weight::new(measured, 68.25).unwrap())
        .await
        .unwrap();
    let weights = haven_example_soda_cli::read(&state_file).await.unwrap();
    assert_eq!(weights.len(), 1, "{weights:?}");
    assert!(weights[0].to_string().ends_with("68.25 kg"), "{}", weights[0]);
}
