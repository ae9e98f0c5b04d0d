//! Development-only commands. `haven dev grant` stands in for the Shell until it exists: it
//! opens an account (or finds one by e-mail), records the person's consent to an
//! application and issues a user token (wctoken) for it, directly in the instance's
//! database. It refuses to run unless the instance's configuration has
//! `[development] test-grants = true`, which no production configuration sets.

use anyhow::{Context, anyhow, bail};
use haven_domain::account::{AccountRequest, NewAccountIds, open_account};
use haven_domain::authorization::AppAuthorization;
use haven_domain::country::CountryCode;
use haven_domain::ids::{ApplicationId, PersonId, RecordId};
use haven_domain::person::{EmailAddress, Person};
use haven_domain::record::Relationship;
use haven_domain::session::{TokenHash, USER_TOKEN_LIFETIME, UserToken};
use haven_store::{ApplicationStore, AuthorizationStore, PersonStore, RecordStore, SessionStore, SqlStore};
use haven_wire::base64_text::encode_base64;
use time::{Date, OffsetDateTime};

use crate::config::InstanceConfig;

/// Bytes of randomness in an issued user token, as the Platform's own tokens have.
const TOKEN_BYTES: usize = 32;

/// Who to grant, and what.
#[derive(Debug, Clone)]
pub struct GrantRequest {
    /// The application to authorize.
    pub application_id: ApplicationId,
    /// The person's sign-in address; an account is opened when none has it.
    pub email: String,
    /// Given name for a new account.
    pub given_name: String,
    /// Family name for a new account.
    pub family_name: String,
    /// Date of birth for a new account.
    pub birth_date: Date,
    /// Country for a new account (it must belong to this instance).
    pub country: String,
    /// Also grant the application's offline rules.
    pub offline: bool,
}

/// What was granted: the ids the application will see and the user token to call with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The person.
    pub person_id: PersonId,
    /// Their own record, which the grant covers and the token selects.
    pub record_id: RecordId,
    /// The user token (wctoken), valid for [`USER_TOKEN_LIFETIME`].
    pub wctoken: String,
}

impl Grant {
    /// The machine-readable lines `haven dev grant` prints.
    pub fn to_lines(&self) -> String {
        format!("person-id={}\nrecord-id={}\nwctoken={}\n", self.person_id, self.record_id, self.wctoken)
    }
}

/// Finds or opens the person's account, authorizes the application on their own record with
/// its whole online rule set (and offline rule set when asked), and issues a user token.
/// Refused unless the configuration enables test grants.
pub async fn grant(config: &InstanceConfig, request: GrantRequest, now: OffsetDateTime) -> anyhow::Result<Grant> {
    if !config.development.test_grants {
        bail!(
            "{}: `haven dev grant` is refused: this instance does not allow test grants (add `[development]` with \
             `test-grants = true` to its configuration; development only, never in production)",
            config.path.display()
        );
    }
    let email = EmailAddress::parse(&request.email).map_err(|error| anyhow!("--email {:?}: {error}", request.email))?;
    let store = SqlStore::open(&config.database)
        .await
        .with_context(|| format!("{}: cannot open the database", config.path.display()))?;
    let granted = grant_in(config, &store, &request, email, now).await;
    store.close().await;
    granted
}

async fn grant_in(
    config: &InstanceConfig,
    store: &SqlStore,
    request: &GrantRequest,
    email: EmailAddress,
    now: OffsetDateTime,
) -> anyhow::Result<Grant> {
    let application = store.application(request.application_id).await?.ok_or_else(|| {
        anyhow!("application {} is not registered in instance {}", request.application_id, config.instance_id)
    })?;
    let (person, record_id) = match store.person_by_email(&email).await? {
        Some(person) => {
            let record_id = own_record(store, &person).await?;
            (person, record_id)
        }
        None => open(config, store, request, email, now).await?,
    };
    let authorization = AppAuthorization {
        person_id: person.id,
        record_id,
        application_id: application.id,
        online: Some(application.online_rules.clone()),
        offline: request.offline.then(|| application.offline_rules.clone()),
        granted_at: now,
        expires_at: None,
        revoked_at: None,
    };
    store.put_authorization(&authorization).await?;

    let mut random = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut random).map_err(|error| anyhow!("the operating system's random source failed: {error}"))?;
    let wctoken = encode_base64(&random);
    let token = UserToken {
        token_hash: TokenHash::of_token(&wctoken),
        person_id: person.id,
        application_id: application.id,
        selected_record_id: Some(record_id),
        created_at: now,
        expires_at: now + USER_TOKEN_LIFETIME,
        revoked_at: None,
    };
    store.create_user_token(&token).await?;
    Ok(Grant { person_id: person.id, record_id, wctoken })
}

/// Opens an account with the request's details and stores the person and their record.
async fn open(
    config: &InstanceConfig,
    store: &SqlStore,
    request: &GrantRequest,
    email: EmailAddress,
    now: OffsetDateTime,
) -> anyhow::Result<(Person, RecordId)> {
    let country =
        CountryCode::parse(&request.country).map_err(|error| anyhow!("--country {:?}: {error}", request.country))?;
    let account_request = AccountRequest {
        email,
        given_name: request.given_name.clone(),
        family_name: request.family_name.clone(),
        birth_date: request.birth_date,
        country,
    };
    let ids = NewAccountIds {
        person_id: PersonId::from_uuid(uuid::Uuid::new_v4()),
        record_id: RecordId::from_uuid(uuid::Uuid::new_v4()),
    };
    let account = open_account(account_request, &config.topology, &config.instance_id, ids, now)
        .map_err(|error| anyhow!("cannot open an account for {} here: {error}", request.email))?;
    store.create_person(&account.person).await?;
    store.create_record(&account.record, &account.custodian).await?;
    Ok((account.person, account.record.id))
}

/// The record an existing person keeps about themself.
async fn own_record(store: &SqlStore, person: &Person) -> anyhow::Result<RecordId> {
    store
        .records_for_person(person.id)
        .await?
        .into_iter()
        .find(|(_, member)| member.is_custodian && member.relationship == Relationship::SELF)
        .map(|(record, _)| record.id)
        .ok_or_else(|| anyhow!("{} has no record of their own to grant", person.sign_in_email))
}

#[cfg(test)]
mod tests {
    use super::*;
    use haven_domain::application::{Application, MethodGroup};
    use haven_domain::auth_rules::{Permissions, RuleSet};
    use haven_domain::clock::{Clock, SystemClock};
    use haven_domain::thing_type::{HEIGHT, WEIGHT};
    use std::path::{Path, PathBuf};
    use time::macros::date;

    const TOPOLOGY: &str = r#"
[[instance]]
id = "1"
name = "US"
description = "US instance"
platform-url = "http://127.0.0.1:8111/"
shell-url = "http://127.0.0.1:8110/"
min-signup-age = 13

[countries]
unsupported = ["FR"]
default-instance = "1"
"#;

    fn write_config(directory: &Path, development: &str) -> PathBuf {
        std::fs::write(directory.join("topology.toml"), TOPOLOGY).unwrap();
        let path = directory.join("us.toml");
        std::fs::write(
            &path,
            format!(
                "instance-id = \"1\"\ntopology = \"topology.toml\"\n\n[platform]\nlisten = \"127.0.0.1:0\"\n\n\
                 [shell]\nlisten = \"127.0.0.1:0\"\n\n[database]\nsqlite = \"us.db\"\n{development}"
            ),
        )
        .unwrap();
        path
    }

    fn request(application_id: ApplicationId, email: &str) -> GrantRequest {
        GrantRequest {
            application_id,
            email: email.to_owned(),
            given_name: "Test".to_owned(),
            family_name: "Person".to_owned(),
            birth_date: date!(1980 - 01 - 01),
            country: "US".to_owned(),
            offline: true,
        }
    }

    async fn register_application(config: &InstanceConfig) -> Application {
        let application = Application {
            id: ApplicationId::from_uuid(uuid::Uuid::new_v4()),
            name: "Tracker".to_owned(),
            description: String::new(),
            certificates: Vec::new(),
            action_url: None,
            online_rules: RuleSet { rules: vec![crate::admin::parse_rule("vitals:all:Weight,Height").unwrap()] },
            offline_rules: RuleSet { rules: vec![crate::admin::parse_rule("read:read:Weight").unwrap()] },
            method_groups: MethodGroup::web_defaults(),
            supported_instances: [config.instance_id.clone()].into_iter().collect(),
            master_id: None,
            is_soda: false,
            soda_secret: None,
            created_at: SystemClock.now(),
        };
        let store = SqlStore::open(&config.database).await.unwrap();
        store.put_application(&application).await.unwrap();
        store.close().await;
        application
    }

    #[tokio::test]
    async fn grants_are_refused_unless_the_configuration_allows_them() {
        let directory = tempfile::tempdir().unwrap();
        for development in ["", "\n[development]\ntest-grants = false\n"] {
            let config = crate::config::load(&write_config(directory.path(), development)).unwrap();
            let application_id = ApplicationId::from_uuid(uuid::Uuid::new_v4());
            let error = grant(&config, request(application_id, "ana@example.org"), SystemClock.now())
                .await
                .unwrap_err()
                .to_string();
            assert!(error.contains("test-grants = true"), "{error}");
            assert!(!directory.path().join("us.db").exists(), "nothing is opened or created when refused");
        }
    }

    #[tokio::test]
    async fn a_grant_opens_an_account_authorizes_the_application_and_issues_a_token() {
        let directory = tempfile::tempdir().unwrap();
        let config =
            crate::config::load(&write_config(directory.path(), "\n[development]\ntest-grants = true\n")).unwrap();
        let application = register_application(&config).await;
        let now = SystemClock.now();
        let first = grant(&config, request(application.id, "ana@example.org"), now).await.unwrap();
        let lines = first.to_lines();
        assert!(lines.starts_with(&format!("person-id={}\nrecord-id={}\nwctoken=", first.person_id, first.record_id)));
        assert_eq!(lines.lines().count(), 3);

        let store = SqlStore::open(&config.database).await.unwrap();
        let token = store.user_token(TokenHash::of_token(&first.wctoken)).await.unwrap().expect("the token is stored");
        assert_eq!(token.person_id, first.person_id);
        assert_eq!(token.application_id, application.id);
        assert_eq!(token.selected_record_id, Some(first.record_id));
        assert!(token.is_active_at(now) && !token.is_active_at(now + USER_TOKEN_LIFETIME));
        let authorization =
            store.authorization(first.person_id, first.record_id, application.id).await.unwrap().unwrap();
        assert_eq!(authorization.online.as_ref().unwrap().permissions_for(HEIGHT), Permissions::ALL);
        assert_eq!(authorization.offline.as_ref().unwrap().permissions_for(WEIGHT), Permissions::READ);
        assert_eq!(authorization.offline.as_ref().unwrap().permissions_for(HEIGHT), Permissions::NONE);
        let person = store.person(first.person_id).await.unwrap().unwrap();
        assert_eq!(person.full_name(), "Test Person");
        let member = store.record_member(first.record_id, first.person_id).await.unwrap().unwrap();
        assert!(member.is_custodian);
        store.close().await;

        // The same address finds the same person and record; a new token is issued, and
        // without --offline the offline grant is withdrawn.
        let again = GrantRequest { offline: false, ..request(application.id, "ana@example.org") };
        let second = grant(&config, again, now).await.unwrap();
        assert_eq!((second.person_id, second.record_id), (first.person_id, first.record_id));
        assert_ne!(second.wctoken, first.wctoken);
        let store = SqlStore::open(&config.database).await.unwrap();
        let authorization =
            store.authorization(first.person_id, first.record_id, application.id).await.unwrap().unwrap();
        assert!(authorization.offline.is_none());
        store.close().await;
    }

    #[tokio::test]
    async fn account_and_application_errors_are_shown() {
        let directory = tempfile::tempdir().unwrap();
        let config =
            crate::config::load(&write_config(directory.path(), "\n[development]\ntest-grants = true\n")).unwrap();
        let unknown = ApplicationId::from_uuid(uuid::Uuid::new_v4());
        let error = grant(&config, request(unknown, "ana@example.org"), SystemClock.now()).await.unwrap_err();
        assert!(error.to_string().contains("is not registered in instance 1"), "{error}");

        let application = register_application(&config).await;
        let unsupported = GrantRequest { country: "FR".to_owned(), ..request(application.id, "bo@example.org") };
        let error = grant(&config, unsupported, SystemClock.now()).await.unwrap_err().to_string();
        assert!(error.contains("Haven is not available in"), "{error}");
        let too_young = GrantRequest { birth_date: date!(2024 - 01 - 01), ..request(application.id, "cy@example.org") };
        let error = grant(&config, too_young, SystemClock.now()).await.unwrap_err().to_string();
        assert!(error.contains("at least 13 years old"), "{error}");
        let bad_email = grant(&config, request(application.id, "not an address"), SystemClock.now()).await;
        assert!(bad_email.unwrap_err().to_string().contains("--email"));
    }
}
