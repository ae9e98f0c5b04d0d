//! Asking the deployment's other instances where an account lives. The Shell asks when a
//! sign-in address has no account here (to send the person to the instance that holds it)
//! and before opening an account (an address is unique across the whole deployment). Each
//! question is the one a Platform answers its peers (`POST /peer/account-lookup`, signed
//! with the federation key; see `haven_domain::federation`): the address goes out, a yes or
//! no comes back, nothing else about anyone crosses.

use std::time::Duration;

use haven_domain::federation::{
    ACCOUNT_LOOKUP_PATH, AccountLookup, AccountLookupAnswer, CODE_LOOKUP_PATH, CodeLookup, CodeLookupAnswer,
    FederationKey, PEER_INSTANCE_HEADER, PEER_SIGNATURE_HEADER, PEER_TIMESTAMP_HEADER,
};
use haven_domain::person::EmailAddress;
use haven_domain::session::TokenHash;
use haven_domain::topology::{Instance, InstanceId};
use tokio::task::JoinSet;

use crate::ShellState;

/// How long the Shell waits for a peer's answer before it counts the peer as unreachable.
pub const PEER_LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// What the Shell needs to ask its peers: the federation key and an HTTP client.
#[derive(Debug, Clone)]
pub struct Peers {
    key: FederationKey,
    client: reqwest::Client,
}

/// The HTTP client for peer requests could not be made.
#[derive(Debug, thiserror::Error)]
#[error("cannot make the HTTP client for asking peer instances: {0}")]
pub struct PeerClientError(#[source] reqwest::Error);

impl Peers {
    /// Peers reached with `key`, each answer awaited at most `timeout`.
    pub fn new(key: FederationKey, timeout: Duration) -> Result<Self, PeerClientError> {
        // reqwest is built without a default TLS provider; install ring once per process.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .build()
            .map_err(PeerClientError)?;
        Ok(Self { key, client })
    }
}

/// Where the other instances say an account lives, or a code is held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AccountLocation<'topology> {
    /// No other instance holds it (and every one answered).
    Nowhere,
    /// That instance holds it.
    Elsewhere(&'topology Instance),
    /// No instance that answered holds it, but these did not answer: it may live there.
    Unknown(Vec<&'topology Instance>),
}

/// Where the other instances say a Patient Connect or DOPU code is held.
pub(crate) type CodeLocation<'topology> = AccountLocation<'topology>;

/// One of the questions an instance answers its peers.
trait PeerQuestion {
    /// Where, below a Platform's URL.
    const PATH: &'static str;
    /// The answer's JSON.
    type Answer: serde::de::DeserializeOwned;
    /// Whether the answer is yes.
    fn is_yes(answer: &Self::Answer) -> bool;
}

impl PeerQuestion for AccountLookup {
    const PATH: &'static str = ACCOUNT_LOOKUP_PATH;
    type Answer = AccountLookupAnswer;
    fn is_yes(answer: &AccountLookupAnswer) -> bool {
        answer.exists
    }
}

impl PeerQuestion for CodeLookup {
    const PATH: &'static str = CODE_LOOKUP_PATH;
    type Answer = CodeLookupAnswer;
    fn is_yes(answer: &CodeLookupAnswer) -> bool {
        answer.held
    }
}

impl ShellState {
    /// Asks every other instance of the topology, side by side, whether `email` has an
    /// account there. Without a federation key there is no one to ask: `Nowhere`.
    pub(crate) async fn locate_account(&self, email: &EmailAddress) -> AccountLocation<'_> {
        self.ask_peers(&AccountLookup { email: email.as_str().to_owned() }).await
    }

    /// Asks every other instance, side by side, whether it holds a usable connect request or
    /// package whose identity code hashes to `code_hash` (only the hash is sent). Without a
    /// federation key there is no one to ask: `Nowhere`.
    pub(crate) async fn locate_code(&self, code_hash: TokenHash) -> CodeLocation<'_> {
        self.ask_peers(&CodeLookup::for_hash(code_hash)).await
    }

    async fn ask_peers<Q: PeerQuestion + serde::Serialize>(&self, question: &Q) -> AccountLocation<'_> {
        let Some(peers) = &self.peers else { return AccountLocation::Nowhere };
        let Ok(body) = serde_json::to_vec(question) else {
            return AccountLocation::Nowhere;
        };
        let mut questions = JoinSet::new();
        for instance in self.topology.instances().iter().filter(|instance| instance.id != self.instance_id) {
            let request = self.signed_lookup(peers, instance, Q::PATH, body.clone());
            let instance_id = instance.id.clone();
            questions.spawn(async move {
                let answer = ask::<Q::Answer>(request, &instance_id, Q::PATH).await;
                (instance_id, answer.map(|answer| Q::is_yes(&answer)))
            });
        }
        let mut silent = Vec::new();
        while let Some(joined) = questions.join_next().await {
            let Ok((instance_id, answer)) = joined else { continue };
            let Some(instance) = self.topology.instance(&instance_id) else { continue };
            match answer {
                Some(true) => return AccountLocation::Elsewhere(instance),
                Some(false) => {}
                None => silent.push(instance),
            }
        }
        if silent.is_empty() { AccountLocation::Nowhere } else { AccountLocation::Unknown(silent) }
    }

    fn signed_lookup(&self, peers: &Peers, instance: &Instance, path: &str, body: Vec<u8>) -> reqwest::RequestBuilder {
        let timestamp = self.clock.now().unix_timestamp();
        let sender = self.instance_id.as_str();
        let signature = peers.key.sign(sender, timestamp, &body);
        let url = instance.platform_url.join(path.trim_start_matches('/'));
        let url = url.unwrap_or_else(|_| instance.platform_url.clone());
        peers
            .client
            .post(url)
            .header("content-type", "application/json")
            .header(PEER_INSTANCE_HEADER, sender)
            .header(PEER_TIMESTAMP_HEADER, timestamp.to_string())
            .header(PEER_SIGNATURE_HEADER, signature)
            .body(body)
    }
}

/// Sends one lookup: `Some(answer)`, or `None` when the peer did not answer usefully (down,
/// too slow, refusing our signature, or answering something else), which is logged.
async fn ask<A: serde::de::DeserializeOwned>(
    request: reqwest::RequestBuilder,
    instance_id: &InstanceId,
    path: &str,
) -> Option<A> {
    let response = match request.send().await {
        Ok(response) => response,
        Err(error) => {
            tracing::warn!(peer = %instance_id, path, %error, "a peer instance did not answer a lookup");
            return None;
        }
    };
    let status = response.status();
    let bytes = response.bytes().await.ok()?;
    match serde_json::from_slice::<A>(&bytes) {
        Ok(answer) if status.is_success() => Some(answer),
        _ => {
            tracing::warn!(peer = %instance_id, path, %status, "a peer instance refused or garbled a lookup");
            None
        }
    }
}
