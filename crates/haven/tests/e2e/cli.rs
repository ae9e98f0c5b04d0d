//! The command line: refusing bad configuration, `haven up`, and the admin commands.

use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use haven::config::{MailTransport, load};
use haven::up;
use haven_direct::{DirectAddress, DomainIdentity, RecipientCertificates, TrustAnchors};
use haven_testkit::{HavenProcess, loopback_socket};
use tokio::io::AsyncReadExt;

use crate::support::{haven, run, service_definition, text};

const TOPOLOGY: &str = r#"[[instance]]
id = "1"
name = "US"
description = "US instance"
platform-url = "http://127.0.0.1:1/"
shell-url = "http://127.0.0.1:2/"
min-signup-age = 13

[countries]
default-instance = "1"
"#;

const CONFIG: &str = r#"instance-id = "1"
topology = "topology.toml"

[platform]
listen = "127.0.0.1:0"

[shell]
listen = "127.0.0.1:0"

[database]
sqlite = "data/haven.db"
"#;

/// Runs `haven serve` on a configuration and returns its error output; it must refuse to
/// start.
fn refused(topology: &str, config: &str, make_data_dir: bool) -> String {
    let directory = tempfile::tempdir().unwrap();
    if make_data_dir {
        std::fs::create_dir(directory.path().join("data")).unwrap();
    }
    std::fs::write(directory.path().join("topology.toml"), topology).unwrap();
    let config_path = directory.path().join("haven.toml");
    std::fs::write(&config_path, config).unwrap();
    let output = run(&["serve", "--config", config_path.to_str().unwrap()]);
    let (_, stderr) = text(&output);
    assert!(!output.status.success(), "haven serve must refuse to start: {stderr}");
    assert!(!directory.path().join("data/haven.db").exists(), "nothing is created for a refused configuration");
    stderr
}

#[test]
fn bad_configuration_stops_the_server_with_file_line_and_field() {
    let syntax =
        refused(TOPOLOGY, &CONFIG.replace("listen = \"127.0.0.1:0\"\n\n[shell]", "listen = \n\n[shell]"), true);
    assert!(syntax.contains("haven.toml:5: "), "{syntax}");

    let bad_country = refused(
        &TOPOLOGY.replace("default-instance = \"1\"", "default-instance = \"1\"\nunsupported = [\"ZZ\"]"),
        CONFIG,
        true,
    );
    assert!(
        bad_country
            .contains("topology.toml:11: countries.unsupported: \"ZZ\" is not an ISO 3166-1 alpha-2 country code"),
        "{bad_country}"
    );

    let missing_directory = refused(TOPOLOGY, CONFIG, false);
    assert!(missing_directory.contains("haven.toml:11: database.sqlite: the directory"), "{missing_directory}");
    assert!(missing_directory.contains("does not exist"), "{missing_directory}");

    let unknown_field = refused(TOPOLOGY, &CONFIG.replace("[shell]", "[shell]\nthreads = 4"), true);
    assert!(unknown_field.contains("haven.toml:8: ") && unknown_field.contains("threads"), "{unknown_field}");

    let inherited_missing = refused(
        TOPOLOGY,
        &CONFIG.replace("listen = \"127.0.0.1:0\"\n\n[shell]", "listen = \"systemd:0\"\n\n[shell]"),
        true,
    );
    assert!(inherited_missing.contains("no such socket was passed"), "{inherited_missing}");
}

fn init(data_dir: &Path) -> String {
    let output = run(&["up", "--data-dir", data_dir.to_str().unwrap(), "--init-only"]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}{stderr}");
    stdout
}

fn demo_application_id(stdout: &str) -> String {
    let marker = "(id ";
    let start = stdout.find(marker).expect("the demo application id is printed") + marker.len();
    stdout[start..start + 36].to_owned()
}

#[test]
fn haven_up_creates_a_deployment_once_and_admin_commands_read_it() {
    let directory = tempfile::tempdir().unwrap();
    let data_dir = directory.path().join("haven-data");
    let first = init(&data_dir);
    assert!(first.contains("Created a local deployment"), "{first}");
    for file in [
        "topology.toml",
        "us.toml",
        "eu.toml",
        "us.db",
        "eu.db",
        "demo-app/private-key.pem",
        "demo-app/certificate.cer",
        "demo-app/app.toml",
        "direct/anchor.pem",
        "direct/anchors.pem",
        "direct/domain.pem",
        "direct/provider.pem",
    ] {
        assert!(data_dir.join(file).exists(), "{file} is created");
    }
    for key in
        ["federation.key", "demo-app/private-key.pem", "direct/anchor.key", "direct/domain.key", "direct/provider.key"]
    {
        let mode = std::fs::metadata(data_dir.join(key)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{key} is readable by its owner only");
    }
    check_messaging(&data_dir, &first);
    let app_id = demo_application_id(&first);
    let second = init(&data_dir);
    assert!(second.contains("Using the local deployment"), "{second}");
    assert_eq!(demo_application_id(&second), app_id, "the same deployment is reused");

    let us = data_dir.join("us.toml");
    let eu = data_dir.join("eu.toml");
    let configs = ["--config", us.to_str().unwrap(), "--config", eu.to_str().unwrap()];
    let show = run(&[&["app", "show", "--app", &app_id][..], &configs[..]].concat());
    let (shown, errors) = text(&show);
    assert!(show.status.success(), "{errors}");
    assert_eq!(shown.matches("name: Haven demo application").count(), 2, "registered in both instances: {shown}");
    assert!(shown.contains("live in instances: 1, 2"), "{shown}");

    let topology = run(&["topology", "show", "--topology", data_dir.join("topology.toml").to_str().unwrap()]);
    let (topology_text, _) = text(&topology);
    assert!(topology.status.success());
    assert!(topology_text.contains("AS, GU, MP, PR, UM, US, VI: instance 1"), "{topology_text}");
    assert!(topology_text.contains("every other country: instance 2"), "{topology_text}");
    assert!(topology_text.contains("unsupported: CA, FR, CU, IR, KP, SD, SY"), "{topology_text}");

    // Register another application in the US only, then take it live in both.
    let certificate = data_dir.join("demo-app/certificate.pem");
    let register = run(&[&[
        "app",
        "register",
        "--name",
        "Clinic portal",
        "--certificate",
        certificate.to_str().unwrap(),
        "--action-url",
        "https://clinic.example/hv/action",
        "--online-rule",
        "vitals:read,create:Weight,Blood pressure",
        "--offline-rule",
        "weights:read:Weight",
        "--config",
        us.to_str().unwrap(),
    ][..]]
    .concat());
    let (registered, register_errors) = text(&register);
    assert!(register.status.success(), "{register_errors}");
    let clinic_id = registered.split_whitespace().nth(2).unwrap().to_owned();
    assert!(registered.contains("vitals: Read, Create on Weight, Blood pressure"), "{registered}");

    let go_live = run(&[&["app", "go-live", "--app", &clinic_id, "--instances", "1,2"][..], &configs[..]].concat());
    assert!(go_live.status.success(), "{}", text(&go_live).1);
    let shown = text(&run(&[&["app", "show", "--app", &clinic_id][..], &configs[..]].concat())).0;
    assert_eq!(shown.matches("name: Clinic portal").count(), 2, "{shown}");

    // Bad input says what is wrong.
    let bad_rule = run(&[
        "app",
        "register",
        "--name",
        "x",
        "--certificate",
        certificate.to_str().unwrap(),
        "--online-rule",
        "r:fly:Weight",
        "--action-url",
        "https://x.example/",
        "--config",
        us.to_str().unwrap(),
    ]);
    assert!(!bad_rule.status.success());
    assert!(text(&bad_rule).1.contains("\"fly\" is not one of read, create, update, delete, all"));
    let unknown_app =
        run(&[&["app", "show", "--app", "00000000-0000-0000-0000-000000000000"][..], &configs[..]].concat());
    assert!(!unknown_app.status.success());
    assert!(text(&unknown_app).1.contains("is not registered in any of the given instances"));

    // A deployment made before Direct messaging is left as it is, and the summary says how to get it.
    for path in [&us, &eu] {
        let content = std::fs::read_to_string(path).unwrap();
        let start = content.find("# Outgoing mail").expect("the mail table follows the federation table");
        std::fs::write(path, &content[..start]).unwrap();
    }
    let old = init(&data_dir);
    assert!(old.contains(&format!("delete {} to get Direct messaging", data_dir.display())), "{old}");
    assert!(!std::fs::read_to_string(&us).unwrap().contains("[direct]"), "the configuration is not changed");
}

/// The configurations `haven up` wrote load, with mail for both instances and Direct for the
/// US one, whose domain and the demo provider have certificates under the local anchor; the
/// summary names the domain, the SMTP address and the mail folder.
fn check_messaging(data_dir: &Path, summary: &str) {
    let [us_path, eu_path] = up::config_paths(data_dir);
    let (us, eu) = (load(&us_path).unwrap(), load(&eu_path).unwrap());
    for config in [&us, &eu] {
        let mail = config.mail.as_ref().expect("both instances have mail");
        assert!(
            matches!(&mail.transport, MailTransport::Folder(folder) if folder == &data_dir.join("mail")),
            "{:?}",
            mail.transport
        );
    }
    assert_eq!(us.mail.as_ref().unwrap().from, "no-reply@us.haven.localhost");
    assert!(eu.direct.is_none(), "Direct messaging is US-only");
    let direct = us.direct.as_ref().expect("the US instance has Direct messaging");
    assert_eq!(direct.domain, up::US_DIRECT_DOMAIN);
    assert_eq!(
        direct.smtp_listen,
        haven::config::ListenAddress::Bind(format!("127.0.0.1:{}", up::ports::US_DIRECT_SMTP).parse().unwrap())
    );

    let directory = data_dir.join("direct");
    let domain = DomainIdentity::load(&directory.join("domain.pem"), &directory.join("domain.key")).unwrap();
    let anchors = TrustAnchors::load([directory.join("anchors.pem")]).unwrap();
    assert_eq!(anchors.certificates().len(), 2, "the anchor and the demo provider's certificate");
    let anchor_only = TrustAnchors::load([directory.join("anchor.pem")]).unwrap();
    let address = |text: &str| DirectAddress::parse(text).unwrap();
    let domain_certificates = RecipientCertificates::from_certificates(vec![domain.certificate().to_owned()]);
    assert!(
        domain_certificates.certificate_for(&address("ana@direct.us.haven.localhost"), &anchor_only).is_some(),
        "the domain certificate chains to the anchor"
    );
    let provider = RecipientCertificates::from_certificates(vec![]).with_leaves_of(&anchors);
    let found =
        provider.certificate_for(&address(up::DEMO_PROVIDER_ADDRESS), &anchors).expect("replies can be encrypted");
    let provider_pem = std::fs::read(directory.join("provider.pem")).unwrap();
    assert_eq!(found.to_pem().unwrap(), provider_pem);
    DomainIdentity::load(&directory.join("provider.pem"), &directory.join("provider.key")).unwrap();

    for expected in [
        "Direct messaging (US): domain direct.us.haven.localhost, SMTP 127.0.0.1:8125".to_owned(),
        format!("saved as .eml files in {}", data_dir.join("mail").display()),
        format!("demo provider {}", up::DEMO_PROVIDER_ADDRESS),
    ] {
        assert!(summary.contains(&expected), "{expected}: {summary}");
    }
}

/// Points the deployment's listeners at inherited sockets and its topology at their real
/// ports, so `haven up` runs without taking fixed ports on the test machine.
fn use_inherited_sockets(data_dir: &Path, addresses: &[std::net::SocketAddr; 5]) {
    let replacements = [
        ("us.toml", "listen = \"127.0.0.1:8111\"", "listen = \"systemd:0\""),
        ("us.toml", "listen = \"127.0.0.1:8110\"", "listen = \"systemd:1\""),
        ("eu.toml", "listen = \"127.0.0.1:8121\"", "listen = \"systemd:2\""),
        ("eu.toml", "listen = \"127.0.0.1:8120\"", "listen = \"systemd:3\""),
        ("us.toml", "smtp-listen = \"127.0.0.1:8125\"", "smtp-listen = \"systemd:4\""),
        ("topology.toml", "http://127.0.0.1:8111/", &format!("http://{}/", addresses[0])),
        ("topology.toml", "http://127.0.0.1:8110/", &format!("http://{}/", addresses[1])),
        ("topology.toml", "http://127.0.0.1:8121/", &format!("http://{}/", addresses[2])),
        ("topology.toml", "http://127.0.0.1:8120/", &format!("http://{}/", addresses[3])),
    ];
    for (file, from, to) in replacements {
        let path = data_dir.join(file);
        let content = std::fs::read_to_string(&path).unwrap();
        assert!(content.contains(from), "{file} has the documented default {from}");
        std::fs::write(&path, content.replace(from, to)).unwrap();
    }
}

#[tokio::test]
async fn haven_up_serves_both_instances_in_one_process() {
    let directory = tempfile::tempdir().unwrap();
    let data_dir = directory.path().join("haven-data");
    init(&data_dir);
    let mut sockets = Vec::new();
    let mut addresses = Vec::new();
    for _ in 0..5 {
        let (socket, address) = loopback_socket().unwrap();
        sockets.push(socket);
        addresses.push(address);
    }
    let addresses: [std::net::SocketAddr; 5] = addresses.try_into().unwrap();
    use_inherited_sockets(&data_dir, &addresses);
    let arguments = [OsStr::new("up"), OsStr::new("--data-dir"), data_dir.as_os_str()];
    let mut process = HavenProcess::spawn(haven(), &arguments, sockets, &directory.path().join("up.log")).unwrap();
    let roots: Vec<String> = addresses[..4].iter().map(|address| format!("http://{address}/")).collect();
    process.wait_until_healthy(&roots).await.unwrap();

    for (platform, expected_current) in [(&roots[0], "1"), (&roots[2], "2")] {
        let definition = service_definition(&format!("{platform}platform/wildcat.ashx"), 2).await;
        let instances = definition.instances.unwrap();
        assert_eq!(instances.current_instance_id.as_str(), expected_current);
        assert_eq!(instances.instances.len(), 2);
    }
    let home = haven_testkit::http_client().unwrap().get(&roots[3]).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("<h1>Haven EU</h1>"), "{home}");
    let log = process.log();
    assert!(
        log.contains("Haven instance 1 (US)") && log.contains("Haven instance 2 (EU)"),
        "every URL is printed: {log}"
    );

    // The US instance's Direct SMTP listener greets.
    let mut smtp = tokio::net::TcpStream::connect(addresses[4]).await.unwrap();
    let mut greeting = Vec::new();
    while !greeting.ends_with(b"\r\n") {
        let mut buffer = [0u8; 256];
        let read =
            tokio::time::timeout(std::time::Duration::from_secs(10), smtp.read(&mut buffer)).await.unwrap().unwrap();
        assert!(read > 0, "the listener closed the connection: {}", String::from_utf8_lossy(&greeting));
        greeting.extend_from_slice(&buffer[..read]);
    }
    let greeting = String::from_utf8_lossy(&greeting);
    assert!(greeting.starts_with("220 direct.us.haven.localhost "), "{greeting}");
    assert!(log.contains("Direct messaging (US): domain direct.us.haven.localhost, SMTP inherited socket 4"), "{log}");
}
