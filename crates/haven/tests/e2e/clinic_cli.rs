//! The clinic tooling with real processes: `haven clinic`, given only the US Platform, creates
//! a connect request and drops off a package (things and a streamed attachment) for a patient
//! in the Netherlands, and both land in the EU instance and nowhere else. The package the tool
//! wrote is opened here independently with the answer, and the attachment the EU Platform holds
//! decrypts with the key that opened it.

use std::process::Output;

use haven::certificate;
use haven::config::load;
use haven_domain::connect::IdentityCode;
use haven_domain::ids::ApplicationId;
use haven_domain::session::TokenHash;
use haven_domain::thing_type::{CONTINUITY_OF_CARE_DOCUMENT, FILE, WEIGHT};
use haven_package::PackageParameters;
use haven_store::{ConnectStore, SqlStore};
use haven_testkit::{Deployment, InstanceSpec, RunningInstance};
use haven_wire::base64_text::decode_base64;
use haven_wire::thing_xml::parse_submitted_thing;

use crate::support::{haven, run, text};

pub(crate) const ANSWER: &str = "Rex The Dog";

/// Runs `haven clinic ARGUMENTS` as `application`, with the US Platform as its default
/// instance, the answer in the environment.
pub(crate) fn clinic(application: &Clinic, arguments: &[&str]) -> Output {
    std::process::Command::new(haven())
        .arg("clinic")
        .args(arguments)
        .env_remove("LISTEN_FDS")
        .env("HAVEN_CLINIC_APP_ID", application.id.to_string())
        .env("HAVEN_CLINIC_CERTIFICATE", application.keys.join("certificate.pem"))
        .env("HAVEN_CLINIC_PRIVATE_KEY", application.keys.join("private-key.pem"))
        .env("HAVEN_CLINIC_PLATFORM", &application.platform)
        .env("HAVEN_CLINIC_ANSWER", ANSWER)
        .output()
        .expect("haven runs")
}

/// The `name=` line of a successful command's output.
pub(crate) fn field(output: &Output, name: &str) -> String {
    let (stdout, stderr) = text(output);
    assert!(output.status.success(), "the command failed: {stderr}");
    let prefix = format!("{name}=");
    stdout
        .lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {prefix} in {stdout}"))
        .to_owned()
}

/// The command's error output; it must have failed.
fn refusal(output: &Output) -> String {
    let (stdout, stderr) = text(output);
    assert!(!output.status.success(), "the command should have failed: {stdout}");
    stderr
}

/// The clinic's application: its id, the folder of its key and certificate, and the
/// Platform it names as its default instance.
pub(crate) struct Clinic {
    pub(crate) id: ApplicationId,
    pub(crate) keys: std::path::PathBuf,
    pub(crate) platform: String,
}

impl Clinic {
    /// Registers "Clinic" in `instances` with the ConnectPackage method group and an offline
    /// rule reading and creating weights and files; `default` is the Platform it calls first.
    pub(crate) fn register(deployment: &Deployment, instances: &[&RunningInstance], default: &RunningInstance) -> Self {
        let application = Clinic {
            id: ApplicationId::from_uuid(uuid::Uuid::new_v4()),
            keys: deployment.directory().join("clinic-app"),
            platform: default.platform_url.clone(),
        };
        certificate::write_files(&certificate::generate(application.id).unwrap(), &application.keys).unwrap();
        let id = application.id.to_string();
        let certificate = application.keys.join("certificate.pem");
        let mut arguments = vec!["app", "register", "--id", &id, "--name", "Clinic"];
        arguments.extend(["--certificate", certificate.to_str().unwrap()]);
        arguments.extend(["--offline-rule", "results:read,create:Weight,File"]);
        arguments.extend(["--method-group", "basic", "--method-group", "connect-package"]);
        arguments.extend(instances.iter().flat_map(|instance| ["--config", instance.config_path.to_str().unwrap()]));
        let registered = run(&arguments);
        assert!(registered.status.success(), "{}", text(&registered).1);
        application
    }

    /// Its credentials, for calls the test makes as the clinic.
    pub(crate) fn credentials(&self) -> haven_sdk::ApplicationCredentials {
        haven_sdk::ApplicationCredentials::from_pem_file(
            self.id,
            self.keys.join("private-key.pem"),
            self.keys.join("certificate.pem"),
        )
        .unwrap()
    }
}

pub(crate) async fn store_of(instance: &RunningInstance) -> SqlStore {
    SqlStore::open(&load(&instance.config_path).unwrap().database).await.unwrap()
}

/// Whether `instance` holds a connect request and a package with `code`.
async fn holds(instance: &RunningInstance, code: &str) -> (bool, bool) {
    let hash = IdentityCode::parse(code).unwrap().hash();
    let store = store_of(instance).await;
    let request = store.connect_request_by_code(hash).await.unwrap().is_some();
    let package = store.connect_package_by_code(hash).await.unwrap().is_some();
    store.close().await;
    (request, package)
}

pub(crate) fn weight_thing(kg: &str) -> String {
    format!(
        "<thing><type-id>{WEIGHT}</type-id><data-xml><weight><when><date><y>2026</y><m>11</m><d>22</d></date></when>\
         <value><kg>{kg}</kg></value></weight></data-xml></thing>"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clinic_tool_works_in_the_instance_of_the_patients_country() {
    let deployment = Deployment::start(haven(), &[InstanceSpec::us(), InstanceSpec::eu()]).await.unwrap();
    let (us, eu) = (deployment.instance("1"), deployment.instance("2"));
    let directory = deployment.directory();

    // The clinic's application, in both instances, with the ConnectPackage group.
    let application = Clinic::register(&deployment, &[us, eu], us);

    // A connect request for a patient in the Netherlands: made through the US Platform, held
    // by the EU, redeemed at the EU Shell.
    let request = ["--external-id", "patient-nl-1", "--friendly-name", "Femke", "--question", "First pet?"];
    let created = clinic(&application, &[&["connect-request", "create", "--country", "NL"], &request[..]].concat());
    assert_eq!(field(&created, "instance"), "2");
    let code = field(&created, "identity-code");
    assert_eq!(
        field(&created, "url"),
        format!("{}redirect.aspx?target=CONNECT&targetqs=packageid%3D{code}", eu.shell_url)
    );
    assert_eq!(holds(eu, &code).await, (true, false));
    assert_eq!(holds(us, &code).await, (false, false));
    // Nobody redeemed it yet; a second one with the same external id is refused there.
    let listed = clinic(&application, &["connect-request", "list", "--country", "NL", "--json"]);
    assert!(listed.status.success(), "{}", text(&listed).1);
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&listed.stdout).unwrap(), serde_json::json!([]));
    let duplicate =
        refusal(&clinic(&application, &[&["connect-request", "create", "--country", "NL"], &request[..]].concat()));
    assert!(duplicate.contains("DUPLICATE_CONNECT_REQUEST_FOUND"), "{duplicate}");
    assert!(duplicate.contains("instance 2 (EU)"), "{duplicate}");
    let deleted =
        clinic(&application, &["connect-request", "delete", "--country", "NL", "--external-id", "patient-nl-1"]);
    assert!(deleted.status.success(), "{}", text(&deleted).1);
    assert_eq!(holds(eu, &code).await, (false, false));
    // The default instance is the US one.
    let in_us = clinic(&application, &[&["connect-request", "create"], &request[..]].concat());
    assert_eq!(field(&in_us, "instance"), "1");
    assert_eq!(holds(us, &field(&in_us, "identity-code")).await, (true, false));

    // A package of two weights and a PDF of more than one chunk, sealed by the tool.
    let things_file = directory.join("things.xml");
    std::fs::write(
        &things_file,
        format!("<?xml version=\"1.0\"?>\n<things>\n{}\n{}\n</things>\n", weight_thing("71.5"), weight_thing("72")),
    )
    .unwrap();
    let attachment: Vec<u8> = (0..2_500_000_u32).map(|index| (index % 251) as u8).collect();
    let attachment_file = directory.join("results.pdf");
    std::fs::write(&attachment_file, &attachment).unwrap();
    let written = directory.join("package.json");
    let dropped = clinic(
        &application,
        &[
            "package",
            "drop",
            "--country",
            "NL",
            "--external-id",
            "patient-nl-1",
            "--friendly-name",
            "Lab results for Femke",
            "--question",
            "First pet?",
            "--things",
            things_file.to_str().unwrap(),
            "--attach",
            attachment_file.to_str().unwrap(),
            "--write-package",
            written.to_str().unwrap(),
        ],
    );
    assert_eq!(field(&dropped, "instance"), "2");
    let code = field(&dropped, "identity-code");
    assert_eq!(
        field(&dropped, "url"),
        format!("{}redirect.aspx?target=PICKUP&targetqs=packageid%3D{code}", eu.shell_url)
    );
    assert_eq!(holds(eu, &code).await, (false, true));
    assert_eq!(holds(us, &code).await, (false, false));

    // What the tool wrote opens with the answer, in any case, into the two weights and the
    // File thing whose blob the EU Platform holds.
    let package: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&written).unwrap()).unwrap();
    assert_eq!(package["identity-code"], code.as_str());
    assert_eq!(package["algorithm-name"], "hmac-sha256-aes256");
    let parameters = PackageParameters::from_data_xml(package["data-xml"].as_str().unwrap()).unwrap();
    assert_eq!(parameters.salt, package["salt"].as_str().unwrap());
    let ciphertext = decode_base64(package["ciphertext"].as_str().unwrap()).unwrap();
    let opened = haven_package::open(&parameters, &ANSWER.to_uppercase(), &ciphertext).unwrap();
    let things: Vec<_> =
        opened.things_xml.split_inclusive("</thing>").map(|thing| parse_submitted_thing(thing).unwrap()).collect();
    let types: Vec<_> = things.iter().map(|thing| thing.draft.type_id).collect();
    assert_eq!(types, [WEIGHT, WEIGHT, FILE]);
    let file = &things[2];
    assert!(file.draft.data_xml.contains("<name>results.pdf</name><size>2500000</size>"), "{}", file.draft.data_xml);
    let blob_url = &file.blob_references[0].url;
    assert!(blob_url.starts_with(&eu.platform_url), "{blob_url}");
    assert_eq!(package["streamed-blob-urls"], serde_json::json!([blob_url]));
    let token = url::Url::parse(blob_url)
        .unwrap()
        .query_pairs()
        .find(|(name, _)| name == "blob-ref-token")
        .unwrap()
        .1
        .into_owned();
    let store = store_of(eu).await;
    let stored = store.connect_package_by_code(IdentityCode::parse(&code).unwrap().hash()).await.unwrap().unwrap();
    let encrypted = store.package_blob_content(stored.id, TokenHash::of_token(&token)).await.unwrap().unwrap();
    store.close().await;
    assert_eq!(stored.contents.unwrap().ciphertext, ciphertext);
    assert_eq!(opened.key.decrypt_blob(&encrypted).unwrap(), attachment);

    // A CCD with a code reserved first; then both packages are deleted, by code and by
    // external id.
    let ccd_file = directory.join("summary.xml");
    std::fs::write(&ccd_file, "<?xml version=\"1.0\"?>\n<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><title>Summary</title></ClinicalDocument>\n").unwrap();
    let ccd = clinic(
        &application,
        &[
            "package",
            "drop",
            "--instance",
            "2",
            "--allocate-first",
            "--external-id",
            "patient-nl-2",
            "--friendly-name",
            "Summary",
            "--question",
            "First pet?",
            "--ccd",
            ccd_file.to_str().unwrap(),
            "--write-package",
            written.to_str().unwrap(),
        ],
    );
    let ccd_code = field(&ccd, "identity-code");
    assert_eq!(text(&ccd).0.matches("identity-code=").count(), 1, "{}", text(&ccd).0);
    assert_eq!(holds(eu, &ccd_code).await, (false, true));
    let package: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&written).unwrap()).unwrap();
    let parameters = PackageParameters::from_data_xml(package["data-xml"].as_str().unwrap()).unwrap();
    let ciphertext = decode_base64(package["ciphertext"].as_str().unwrap()).unwrap();
    let opened = haven_package::open(&parameters, ANSWER, &ciphertext).unwrap();
    let summary = parse_submitted_thing(&opened.things_xml).unwrap();
    assert_eq!(summary.draft.type_id, CONTINUITY_OF_CARE_DOCUMENT);
    assert!(summary.draft.data_xml.starts_with("<ClinicalDocument xmlns=\"urn:hl7-org:v3\">"));
    let deleted = clinic(&application, &["package", "delete", "--country", "NL", "--code", &ccd_code]);
    assert!(deleted.status.success(), "{}", text(&deleted).1);
    let deleted = clinic(&application, &["package", "delete", "--country", "NL", "--external-id", "patient-nl-1"]);
    assert!(deleted.status.success(), "{}", text(&deleted).1);
    assert_eq!(holds(eu, &ccd_code).await, (false, false));
    assert_eq!(holds(eu, &code).await, (false, false));

    // Mistakes are named before anything is sent.
    let bad_things = directory.join("bad.xml");
    std::fs::write(&bad_things, "<things>\n<thing><type-id>not a type</type-id></thing></things>").unwrap();
    let drop_bad = |extra: &[&str]| {
        let base =
            ["package", "drop", "--country", "NL", "--external-id", "x", "--friendly-name", "x", "--question", "x?"];
        refusal(&clinic(&application, &[&base[..], extra].concat()))
    };
    let message = drop_bad(&["--things", bad_things.to_str().unwrap()]);
    assert!(message.contains("bad.xml cannot be dropped off") && message.contains("thing 1 (line 2)"), "{message}");
    let message = drop_bad(&["--things", directory.join("missing.xml").to_str().unwrap()]);
    assert!(message.contains("missing.xml cannot be dropped off"), "{message}");
    let short = std::process::Command::new(haven())
        .args(["clinic", "connect-request", "create", "--external-id", "x", "--friendly-name", "x", "--question", "x?"])
        .args(["--answer", "rex", "--app-id", &application.id.to_string(), "--platform", &us.platform_url])
        .args(["--certificate", "c.pem", "--private-key", "k.pem"])
        .output()
        .unwrap();
    assert!(refusal(&short).contains("fewer than 6 characters"));
    let unsupported =
        refusal(&clinic(&application, &[&["connect-request", "create", "--country", "CU"], &request[..]].concat()));
    assert!(unsupported.contains("no instance of this deployment accepts people from CU"), "{unsupported}");
}
