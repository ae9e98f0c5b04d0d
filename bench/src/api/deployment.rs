//! A Platform to benchmark: a fresh store seeded with an application and one account per
//! client (a person, their own record, their authorization of the application and a user
//! token), and the real Platform router serving it on a loopback socket in this process.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use haven_domain::application::{AppCertificate, Application, MethodGroup, Thumbprint};
use haven_domain::auth_rules::{AuthRule, Permissions, RuleSet, TargetSet};
use haven_domain::authorization::AppAuthorization;
use haven_domain::clock::SystemClock;
use haven_domain::ids::{ApplicationId, PersonId, RecordId};
use haven_domain::session::{TokenHash, USER_TOKEN_LIFETIME, UserToken};
use haven_domain::thing_type::WEIGHT;
use haven_domain::topology::{EXAMPLE_TOML, InstanceId, Topology};
use haven_sdk::{ApplicationCredentials, CallAs, Connection};
use haven_store::{ApplicationStore, AuthorizationStore, SessionStore, SqlStore};
use openssl::asn1::Asn1Time;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::x509::{X509, X509NameBuilder};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::client::Caller;
use crate::engine::{FreshStore, Target};
use crate::plan::Plan;
use crate::store::data::{create_records, preload};

/// The instance the Platform serves, as the example topology names it.
const INSTANCE: &str = "1";

/// How long a stopping server may take to finish its connections before it is aborted.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The benchmark's application: registered in every fresh store, signing in with a key
/// generated for this run. Online it may do anything to weights; offline nothing.
#[derive(Debug)]
pub struct BenchApplication {
    application: Application,
    credentials: ApplicationCredentials,
}

impl BenchApplication {
    /// A new application with a 2048-bit RSA key and a self-signed certificate.
    pub fn generate() -> Result<Self> {
        let key = PKey::from_rsa(Rsa::generate(2048)?)?;
        let mut name = X509NameBuilder::new()?;
        name.append_entry_by_text("CN", "WildcatApp-haven-bench")?;
        let name = name.build();
        let mut builder = X509::builder()?;
        builder.set_subject_name(&name)?;
        builder.set_issuer_name(&name)?;
        builder.set_pubkey(&key)?;
        let not_before = Asn1Time::days_from_now(0)?;
        let not_after = Asn1Time::days_from_now(2)?;
        builder.set_not_before(&not_before)?;
        builder.set_not_after(&not_after)?;
        builder.sign(&key, MessageDigest::sha256())?;
        let certificate = builder.build();
        let digest: [u8; 20] =
            certificate.digest(MessageDigest::sha1())?.as_ref().try_into().context("a SHA-1 digest has 20 bytes")?;
        let weights = RuleSet {
            rules: vec![AuthRule {
                name: "weights".to_owned(),
                reason: "the benchmark writes and reads weights".to_owned(),
                is_optional: false,
                is_incremental: false,
                display_flags: 0,
                permissions: Permissions::ALL,
                target_sets: vec![TargetSet { type_ids: [WEIGHT].into_iter().collect(), date_ranges: Vec::new() }],
                exception_sets: Vec::new(),
            }],
        };
        let application = Application {
            id: ApplicationId::from_uuid(Uuid::new_v4()),
            name: "haven-bench".to_owned(),
            description: "Benchmark client".to_owned(),
            certificates: vec![AppCertificate {
                thumbprint: Thumbprint::from_sha1(&digest),
                der: certificate.to_der()?,
            }],
            action_url: Some(url::Url::parse("https://bench.example/hv")?),
            online_rules: weights,
            offline_rules: RuleSet::default(),
            method_groups: MethodGroup::web_defaults(),
            supported_instances: [InstanceId::parse(INSTANCE)?].into_iter().collect(),
            master_id: None,
            is_soda: false,
            soda_secret: None,
            created_at: OffsetDateTime::now_utc(),
        };
        let credentials =
            ApplicationCredentials::from_pem(application.id, &key.private_key_to_pem_pkcs8()?, &certificate.to_pem()?)?;
        Ok(Self { application, credentials })
    }
}

/// A person with their own record who signed in to the application: what one client calls
/// as.
#[derive(Debug, Clone)]
struct Account {
    person_id: PersonId,
    record_id: RecordId,
    user_token: String,
}

/// A running Platform over a fresh store, with one account per client.
#[derive(Debug)]
pub struct Deployment {
    fresh: FreshStore,
    address: SocketAddr,
    shutdown: oneshot::Sender<()>,
    server: JoinHandle<std::io::Result<()>>,
    accounts: Vec<Account>,
}

impl Deployment {
    /// Opens a fresh store on `target`, registers the application, opens `clients`
    /// accounts (their records loaded like the store benchmark's query records when
    /// `preloaded`) and starts the Platform.
    pub async fn start(
        target: &Target,
        plan: &Plan,
        application: &BenchApplication,
        clients: usize,
        preloaded: bool,
    ) -> Result<Self> {
        let fresh = FreshStore::open(target, plan.max_connections).await?;
        match seed(&fresh.store, application, clients, preloaded).await {
            Ok(accounts) => match serve(&fresh.store).await {
                Ok((address, shutdown, server)) => Ok(Self { fresh, address, shutdown, server, accounts }),
                Err(error) => Err(discard_after(fresh, error).await),
            },
            Err(error) => Err(discard_after(fresh, error).await),
        }
    }

    /// One caller per account, each with its own connection (its own HTTP connection pool
    /// and application session), calling online with the account's user token.
    pub fn callers(&self, application: &BenchApplication) -> Result<Vec<Caller>> {
        let platform_url = url::Url::parse(&format!("http://{}/", self.address))?;
        self.accounts
            .iter()
            .map(|account| {
                let connection = Connection::new(platform_url.clone(), application.credentials.clone())?;
                Ok(Caller::new(Arc::new(connection), CallAs::Online(account.user_token.clone()), account.record_id))
            })
            .collect()
    }

    /// Stops the server (waiting for its connections to close, so callers should be
    /// dropped first) and removes the store.
    pub async fn stop(self) -> Result<()> {
        // The server may already have stopped on its own; then there is nobody to tell.
        let _ = self.shutdown.send(());
        let mut server = self.server;
        let served = match tokio::time::timeout(SHUTDOWN_GRACE, &mut server).await {
            Ok(joined) => joined.context("the Platform server panicked").and_then(|served| Ok(served?)),
            Err(_) => {
                server.abort();
                Ok(())
            }
        };
        let discarded = self.fresh.discard().await;
        served?;
        discarded
    }
}

/// Removes a store whose deployment failed to start and returns why it failed.
async fn discard_after(fresh: FreshStore, error: anyhow::Error) -> anyhow::Error {
    match fresh.discard().await {
        Ok(()) => error,
        Err(discard_error) => error.context(format!("and then removing the store failed: {discard_error:#}")),
    }
}

/// Registers the application and opens the accounts.
async fn seed(
    store: &SqlStore,
    application: &BenchApplication,
    clients: usize,
    preloaded: bool,
) -> Result<Vec<Account>> {
    store.put_application(&application.application).await?;
    let mut accounts = Vec::with_capacity(clients);
    for _ in 0..clients {
        accounts.push(open_account(store, &application.application).await?);
    }
    if preloaded {
        for account in &accounts {
            preload(store, account.person_id, &[account.record_id]).await?;
        }
    }
    Ok(accounts)
}

/// A person with their own record, their online authorization of the application and a
/// user token the application calls with (as the Shell would hand it after sign-in).
async fn open_account(store: &SqlStore, application: &Application) -> Result<Account> {
    let now = OffsetDateTime::now_utc();
    let (person_id, record_ids) = create_records(store, 1).await?;
    let record_id = *record_ids.first().context("create_records made no record")?;
    store
        .put_authorization(&AppAuthorization {
            person_id,
            record_id,
            application_id: application.id,
            online: Some(application.online_rules.clone()),
            offline: None,
            granted_at: now,
            expires_at: None,
            revoked_at: None,
        })
        .await?;
    let user_token = Uuid::new_v4().simple().to_string();
    store
        .create_user_token(&UserToken {
            token_hash: TokenHash(Sha256::digest(user_token.as_bytes()).into()),
            person_id,
            application_id: application.id,
            selected_record_id: Some(record_id),
            created_at: now,
            expires_at: now + USER_TOKEN_LIFETIME,
            revoked_at: None,
        })
        .await?;
    Ok(Account { person_id, record_id, user_token })
}

/// Serves the Platform router over `store` on 127.0.0.1 at a port the system picks, with
/// the system clock, until told to stop.
async fn serve(store: &SqlStore) -> Result<(SocketAddr, oneshot::Sender<()>, JoinHandle<std::io::Result<()>>)> {
    let topology = Topology::from_toml("topology.toml", EXAMPLE_TOML)?;
    let router = haven_platform::router(haven_platform::PlatformState::new(
        InstanceId::parse(INSTANCE)?,
        Arc::new(topology),
        Arc::new(store.clone()),
        Arc::new(SystemClock),
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.context("binding a loopback port")?;
    let address = listener.local_addr()?;
    let (shutdown, stop) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                // A dropped sender stops the server as well.
                let _ = stop.await;
            })
            .await
    });
    Ok((address, shutdown, server))
}
