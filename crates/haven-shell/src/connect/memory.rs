//! What the Patient Connect and DOPU pages remember between requests, in the Shell process's
//! memory: failed attempts per client (the brute-force limit across codes), and each browser
//! session's correctly answered code (the step between the answer and the record choice).
//!
//! Both live in memory on purpose. The failure log only needs to slow guessing down, as the
//! sign-in limit does. The answered step holds what must never reach the browser or the
//! database: a package's key and its decrypted things, for a few minutes. Behind a load
//! balancer without sticky sessions a step may be missing on another process; the person is
//! then asked for the code and answer again, and nothing is lost.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};

use haven_domain::connect::{ConnectPackageId, ConnectRequestId};
use haven_domain::ids::PersonId;
use haven_domain::session::TokenHash;
use haven_package::PackageKey;
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

/// Failed code lookups and wrong answers one client may make within
/// [`CODE_FAILURE_WINDOW`]; after that its attempts are refused, without looking the code up,
/// until the oldest failure leaves the window. Three wrong answers lock one code; this limit
/// stops one client from trying many codes.
pub const MAX_CODE_FAILURES: usize = 10;

/// The window over which [`MAX_CODE_FAILURES`] counts.
pub const CODE_FAILURE_WINDOW: Duration = Duration::minutes(15);

/// How long a correct answer is remembered for choosing the record (and, for a connect
/// request, consenting). After it the person answers again.
pub const ANSWERED_STEP_LIFETIME: Duration = Duration::minutes(15);

/// How many clients or sessions are tracked before the expired ones are swept out.
const SWEEP_THRESHOLD: usize = 10_000;

/// Who is making attempts: the network address when the server knows it, else the browser
/// session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Client {
    /// The peer address of the connection.
    Address(IpAddr),
    /// The browser session's token hash.
    Session(TokenHash),
}

/// A code the person answered correctly, waiting for their choice of record.
#[derive(Clone)]
pub(crate) struct Answered {
    /// Who answered (the session's person).
    pub(crate) person_id: PersonId,
    /// Until when the answer counts.
    pub(crate) expires_at: OffsetDateTime,
    /// What was answered.
    pub(crate) item: AnsweredItem,
}

/// The item behind an answered code.
#[derive(Clone)]
pub(crate) enum AnsweredItem {
    /// A connect request.
    Request {
        /// Its id, checked again against the code at the end.
        request_id: ConnectRequestId,
        /// Its code's hash, to find it again.
        code_hash: TokenHash,
    },
    /// A package, opened with the answer.
    Package {
        /// Its id, checked again against the code at the end.
        package_id: ConnectPackageId,
        /// Its code's hash, to find it again.
        code_hash: TokenHash,
        /// The key the answer gave, for the streamed blobs.
        key: PackageKey,
        /// The decrypted things, erased from memory when dropped.
        things_xml: Zeroizing<String>,
    },
}

impl std::fmt::Debug for AnsweredItem {
    // Only ids: the things and the key stay out of logs.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Request { request_id, .. } => formatter.debug_struct("Request").field("id", request_id).finish(),
            Self::Package { package_id, .. } => {
                formatter.debug_struct("Package").field("id", package_id).finish_non_exhaustive()
            }
        }
    }
}

/// The failure log and the answered steps of one Shell process.
#[derive(Default)]
pub(crate) struct ConnectMemory {
    failures: Mutex<HashMap<Client, VecDeque<OffsetDateTime>>>,
    answered: Mutex<HashMap<TokenHash, Answered>>,
}

impl std::fmt::Debug for ConnectMemory {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("ConnectMemory").finish_non_exhaustive()
    }
}

impl ConnectMemory {
    /// Whether `client` has used up its failures at `now`.
    pub(crate) fn is_limited(&self, client: Client, now: OffsetDateTime) -> bool {
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(times) = failures.get_mut(&client) else { return false };
        forget_old(times, now);
        times.len() >= MAX_CODE_FAILURES
    }

    /// Counts a failed lookup or a wrong answer by `client` at `now`.
    pub(crate) fn count_failure(&self, client: Client, now: OffsetDateTime) {
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        if failures.len() >= SWEEP_THRESHOLD {
            failures.retain(|_, times| {
                forget_old(times, now);
                !times.is_empty()
            });
        }
        let times = failures.entry(client).or_default();
        forget_old(times, now);
        times.push_back(now);
        // More than the limit is never needed to decide.
        while times.len() > MAX_CODE_FAILURES {
            times.pop_front();
        }
    }

    /// Remembers the session's correct answer, replacing any earlier one.
    pub(crate) fn remember(&self, session: TokenHash, answered: Answered, now: OffsetDateTime) {
        let mut steps = self.answered.lock().unwrap_or_else(PoisonError::into_inner);
        if steps.len() >= SWEEP_THRESHOLD {
            steps.retain(|_, step| now < step.expires_at);
        }
        steps.insert(session, answered);
    }

    /// The session's answer, if it still counts at `now`.
    pub(crate) fn answered(&self, session: TokenHash, now: OffsetDateTime) -> Option<Answered> {
        let mut steps = self.answered.lock().unwrap_or_else(PoisonError::into_inner);
        match steps.get(&session) {
            Some(step) if now < step.expires_at => Some(step.clone()),
            Some(_) => {
                steps.remove(&session);
                None
            }
            None => None,
        }
    }

    /// Forgets the session's answer (once used, or refused).
    pub(crate) fn forget(&self, session: TokenHash) {
        self.answered.lock().unwrap_or_else(PoisonError::into_inner).remove(&session);
    }
}

fn forget_old(times: &mut VecDeque<OffsetDateTime>, now: OffsetDateTime) {
    while times.front().is_some_and(|oldest| now - *oldest >= CODE_FAILURE_WINDOW) {
        times.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-22 09:00 UTC);

    #[test]
    fn failures_limit_a_client_for_the_window() {
        let memory = ConnectMemory::default();
        let client = Client::Address("192.0.2.1".parse().unwrap());
        let other = Client::Session(TokenHash::of_token("session"));
        for minute in 0..MAX_CODE_FAILURES {
            assert!(!memory.is_limited(client, NOW));
            memory.count_failure(client, NOW + Duration::minutes(minute as i64));
        }
        let last = NOW + Duration::minutes(MAX_CODE_FAILURES as i64 - 1);
        assert!(memory.is_limited(client, last));
        assert!(!memory.is_limited(other, last), "others are not affected");
        // The first failure leaves the window after fifteen minutes, freeing one attempt.
        assert!(memory.is_limited(client, NOW + CODE_FAILURE_WINDOW - Duration::seconds(1)));
        assert!(!memory.is_limited(client, NOW + CODE_FAILURE_WINDOW));
    }

    #[test]
    fn answers_last_until_they_expire_or_are_forgotten() {
        let memory = ConnectMemory::default();
        let session = TokenHash::of_token("session");
        let answered = Answered {
            person_id: PersonId::from_uuid(uuid::Uuid::new_v4()),
            expires_at: NOW + ANSWERED_STEP_LIFETIME,
            item: AnsweredItem::Request {
                request_id: ConnectRequestId::from_uuid(uuid::Uuid::new_v4()),
                code_hash: TokenHash::of_token("code"),
            },
        };
        memory.remember(session, answered, NOW);
        assert!(memory.answered(session, NOW).is_some());
        assert!(memory.answered(TokenHash::of_token("another"), NOW).is_none());
        assert!(memory.answered(session, NOW + ANSWERED_STEP_LIFETIME).is_none());
        assert!(memory.answered(session, NOW).is_none(), "an expired answer is dropped");
    }
}
