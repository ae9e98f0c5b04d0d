//! Master applications provisioning child applications in real instances: a master live in
//! the US and the EU adds a child in each, which signs in only where it was added; a master
//! absent from an instance cannot provision there until the operator takes it live there;
//! and UpdateApplication changes what the Shell's consent screen shows for the child.

use haven::certificate::{self, GeneratedKeyPair};
use haven_domain::auth_rules::{AuthRule, Permissions, RuleSet, TargetSet};
use haven_domain::ids::{ApplicationId, ThingTypeId};
use haven_domain::thing_type::{BLOOD_PRESSURE, WEIGHT};
use haven_domain::topology::InstanceId;
use haven_sdk::{ApplicationCredentials, CallAs, Connection, SdkError};
use haven_testkit::{Deployment, InstanceSpec, RunningInstance};
use haven_wire::StatusCode;
use haven_wire::methods::add_application::ApplicationFields;
use haven_wire::methods::get_application_info::{ApplicationInfo, GetApplicationInfoRequest};

use crate::shell_flow::{self, Session};
use crate::support::{haven, run, text};

/// What the Platform says of an application id it has never seen (CreateAuthenticatedSessionToken).
const NOT_REGISTERED_HERE: &str = "is not registered in this instance";

/// A master application registered with the `haven` command line: it may read Weight and
/// Blood pressure online, and call the Basic and Master method groups.
struct Master {
    id: ApplicationId,
    key_pair: GeneratedKeyPair,
}

impl Master {
    /// Registers the master in `instances` (`haven app register`, one `--config` each).
    fn register(deployment: &Deployment, name: &str, instances: &[&RunningInstance]) -> Self {
        let id = ApplicationId::from_uuid(uuid::Uuid::new_v4());
        let key_pair = certificate::generate(id).unwrap();
        let key_directory = deployment.directory().join(format!("master-{id}"));
        certificate::write_files(&key_pair, &key_directory).unwrap();
        let id_text = id.to_string();
        let certificate_path = key_directory.join("certificate.pem");
        let mut arguments = vec![
            "app",
            "register",
            "--id",
            &id_text,
            "--name",
            name,
            "--certificate",
            certificate_path.to_str().unwrap(),
            "--action-url",
            "http://127.0.0.1:9/master/action",
            "--online-rule",
            "vitals:read:Weight,Blood pressure",
            "--method-group",
            "basic",
            "--method-group",
            "master",
        ];
        arguments.extend(config_arguments(instances));
        let registered = run(&arguments);
        assert!(registered.status.success(), "{}", text(&registered).1);
        Self { id, key_pair }
    }

    /// Takes the master live in exactly `live_in` (`haven app go-live`), copying it into
    /// those of `instances` that lack it.
    fn go_live(&self, live_in: &str, instances: &[&RunningInstance]) {
        let id_text = self.id.to_string();
        let mut arguments = vec!["app", "go-live", "--app", &id_text, "--instances", live_in];
        arguments.extend(config_arguments(instances));
        let live = run(&arguments);
        assert!(live.status.success(), "{}", text(&live).1);
    }

    /// A connection to `instance`'s Platform as the master.
    fn connection(&self, instance: &RunningInstance) -> Connection {
        connection(instance, credentials(self.id, &self.key_pair))
    }
}

/// `--config <file>` for each instance.
fn config_arguments<'a>(instances: &[&'a RunningInstance]) -> Vec<&'a str> {
    instances.iter().flat_map(|instance| ["--config", instance.config_path.to_str().unwrap()]).collect()
}

fn credentials(id: ApplicationId, key_pair: &GeneratedKeyPair) -> ApplicationCredentials {
    let private_key = key_pair.private_key.private_key_to_pem_pkcs8().unwrap();
    ApplicationCredentials::from_pem(id, &private_key, &key_pair.certificate.to_der().unwrap()).unwrap()
}

fn connection(instance: &RunningInstance, credentials: ApplicationCredentials) -> Connection {
    Connection::new(url::Url::parse(&instance.platform_url).unwrap(), credentials).unwrap()
}

/// A key pair for a child, made before AddApplication gives the child its id (which only
/// names the certificate's subject).
fn child_key_pair() -> GeneratedKeyPair {
    certificate::generate(ApplicationId::from_uuid(uuid::Uuid::new_v4())).unwrap()
}

/// One required online rule reading `type_ids`.
fn reading(name: &str, reason: &str, type_ids: &[ThingTypeId]) -> RuleSet {
    RuleSet {
        rules: vec![AuthRule {
            name: name.to_owned(),
            reason: reason.to_owned(),
            is_optional: false,
            is_incremental: false,
            display_flags: 0,
            permissions: Permissions::READ,
            target_sets: vec![TargetSet { type_ids: type_ids.iter().copied().collect(), date_ranges: Vec::new() }],
            exception_sets: Vec::new(),
        }],
    }
}

/// A child's description as AddApplication takes it: reads Weight while the person is
/// present, nothing offline, comes back to a loopback action URL nobody needs to listen on.
fn child_fields(name: &str, description: &str, key_pair: &GeneratedKeyPair) -> ApplicationFields {
    ApplicationFields {
        name: Some(name.to_owned()),
        public_keys: Some(vec![key_pair.certificate.to_der().unwrap()]),
        online_rules: Some(reading("weights", "To see your weight before each visit", &[WEIGHT])),
        offline_rules: Some(RuleSet::default()),
        action_url: Some("http://127.0.0.1:9/child/action".to_owned()),
        description: Some(description.to_owned()),
        auth_reason: Some("Your clinic reads your measurements".to_owned()),
        ..ApplicationFields::default()
    }
}

/// GetApplicationInfo v2 in the connection's own session: about the caller, or about its
/// child `child_app_id`.
async fn application_info(
    connection: &Connection,
    child_app_id: Option<ApplicationId>,
) -> Result<ApplicationInfo, SdkError> {
    let request = GetApplicationInfoRequest { version: 2, all_languages: false, child_app_id };
    let inner = connection.call("GetApplicationInfo", 2, &CallAs::Application, None, &request.to_info_xml()).await?;
    Ok(ApplicationInfo::parse_info_xml(&inner).unwrap())
}

/// The HealthVault status and message a call was refused with.
fn refusal<T: std::fmt::Debug>(result: Result<T, SdkError>) -> (StatusCode, String) {
    match result.expect_err("the call is refused") {
        SdkError::Status { status, message } => (status, message),
        other => panic!("not a HealthVault refusal: {other}"),
    }
}

fn instance_id(instance: &RunningInstance) -> InstanceId {
    InstanceId::parse(&instance.id).unwrap()
}

#[tokio::test]
async fn a_master_live_in_both_instances_adds_a_child_in_each_usable_only_there() {
    let deployment = Deployment::start(haven(), &[InstanceSpec::us(), InstanceSpec::eu()]).await.unwrap();
    let (us, eu) = (deployment.instance("1"), deployment.instance("2"));
    // The operator registers the master in the US, then takes it live in both instances.
    let master = Master::register(&deployment, "Clinic network", &[us]);
    master.go_live("1,2", &[us, eu]);

    let mut children = Vec::new();
    for (instance, name) in [(us, "Northside Clinic"), (eu, "Nordkliniken")] {
        let key_pair = child_key_pair();
        let fields = child_fields(name, "Weights before your visits", &key_pair);
        let child_id = master.connection(instance).add_application(fields).await.unwrap();
        children.push((instance, child_id, key_pair, name));
    }
    assert_ne!(children[0].1, children[1].1, "each instance's child has its own id");

    for (instance, child_id, key_pair, name) in &children {
        let other = if instance.id == us.id { eu } else { us };

        // The child signs in with its own certificate where it was added...
        let info = application_info(&connection(instance, credentials(*child_id, key_pair)), None).await.unwrap();
        assert_eq!((info.id, info.name.as_str()), (*child_id, *name));
        assert_eq!(info.master_app_id, Some(master.id));
        assert_eq!(info.supported_instances, [instance_id(instance)].into_iter().collect());
        assert!(!info.methods.iter().any(|method| method == "AddApplication"), "a child is no master");

        // ...and its master reads it there by child-app-id.
        let as_master = application_info(&master.connection(instance), Some(*child_id)).await.unwrap();
        assert_eq!((as_master.id, as_master.name.as_str()), (*child_id, *name));
        assert_eq!(as_master.master_app_id, Some(master.id));

        // In the other instance the child does not exist: it cannot sign in, and its master,
        // live there too, is told it has no such child.
        let (status, message) =
            refusal(application_info(&connection(other, credentials(*child_id, key_pair)), None).await);
        assert_eq!(status, StatusCode::INVALID_APP, "{message}");
        assert!(message.contains(NOT_REGISTERED_HERE), "{message}");
        let (status, message) = refusal(application_info(&master.connection(other), Some(*child_id)).await);
        assert_eq!(status, StatusCode::ACCESS_DENIED, "{message}");
    }
}

#[tokio::test]
async fn a_master_cannot_provision_children_in_an_instance_it_is_absent_from() {
    let deployment = Deployment::start(haven(), &[InstanceSpec::us(), InstanceSpec::eu()]).await.unwrap();
    let (us, eu) = (deployment.instance("1"), deployment.instance("2"));
    let master = Master::register(&deployment, "Clinic network", &[us]);
    let key_pair = child_key_pair();
    let fields = child_fields("Nordkliniken", "Weights before your visits", &key_pair);

    // The EU instance has never heard of the master: it gets no session there, so its
    // AddApplication goes no further than CreateAuthenticatedSessionToken.
    let (status, message) = refusal(master.connection(eu).add_application(fields.clone()).await);
    assert_eq!(status, StatusCode::INVALID_APP, "{message}");
    assert!(message.contains(&format!("application {} {NOT_REGISTERED_HERE}", master.id)), "{message}");
    master.connection(us).add_application(fields.clone()).await.expect("the master provisions where it is live");

    // Once the operator takes it live in the EU too, it provisions there.
    master.go_live("1,2", &[us, eu]);
    let child_id = master.connection(eu).add_application(fields).await.unwrap();
    let info = application_info(&connection(eu, credentials(child_id, &key_pair)), None).await.unwrap();
    assert_eq!(info.master_app_id, Some(master.id));
}

#[tokio::test]
async fn update_application_changes_what_the_consent_screen_shows() {
    let deployment = Deployment::start(haven(), &[InstanceSpec::us(), InstanceSpec::eu()]).await.unwrap();
    let us = deployment.instance("1");
    let master = Master::register(&deployment, "Clinic network", &[us]);
    let key_pair = child_key_pair();
    let child_id = master
        .connection(us)
        .add_application(child_fields("Northside Clinic", "Weights before your visits", &key_pair))
        .await
        .unwrap();

    let targetqs = format!("appid={child_id}");
    let app_auth = format!(
        "/redirect.aspx?target=APPAUTH&targetqs={}",
        url::form_urlencoded::byte_serialize(targetqs.as_bytes()).collect::<String>()
    );
    let mut browser = Session::new(&us.shell_url);
    shell_flow::sign_up_in(&mut browser, "pat@example.org", "Pat", "Lindqvist", &app_auth).await;

    let (status, _, consent) = browser.get(&app_auth).await;
    assert_eq!(status, 200, "{consent}");
    assert!(consent.contains("<h1>Allow Northside Clinic to use your health information?</h1>"), "{consent}");
    assert!(consent.contains("Weights before your visits"), "{consent}");
    assert!(consent.contains("To see your weight before each visit"), "{consent}");
    assert!(consent.contains("<li>Read: Weight</li>"), "{consent}");
    assert!(!consent.contains("Blood pressure"), "{consent}");

    let update = ApplicationFields {
        name: Some("Riverside Heart Centre".to_owned()),
        description: Some("Your weight and blood pressure before your visits".to_owned()),
        online_rules: Some(reading("vitals", "To follow your heart health", &[WEIGHT, BLOOD_PRESSURE])),
        ..ApplicationFields::default()
    };
    master.connection(us).update_application(child_id, update).await.unwrap();

    let (status, _, consent) = browser.get(&app_auth).await;
    assert_eq!(status, 200, "{consent}");
    assert!(consent.contains("<h1>Allow Riverside Heart Centre to use your health information?</h1>"), "{consent}");
    assert!(consent.contains("Your weight and blood pressure before your visits"), "{consent}");
    assert!(consent.contains("To follow your heart health"), "{consent}");
    assert!(consent.contains("<li>Read: Blood pressure, Weight</li>"), "{consent}");
    for gone in ["Northside Clinic", "Weights before your visits", "To see your weight before each visit"] {
        assert!(!consent.contains(gone), "{gone:?} is no longer shown: {consent}");
    }
}
