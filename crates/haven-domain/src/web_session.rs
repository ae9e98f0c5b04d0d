//! A browser's session with the Shell. Every visitor gets one (the form pages need a CSRF
//! token before anyone signs in); signing in replaces it with a new one bound to the person,
//! so a session token seen before sign-in is worthless after. Only the SHA-256 of the
//! cookie's token is stored.

use time::{Duration, OffsetDateTime};

use crate::ids::PersonId;
use crate::session::TokenHash;

/// How long a visitor's session lasts before anyone signs in.
pub const VISITOR_SESSION_LIFETIME: Duration = Duration::hours(2);

/// How long a signed-in session lasts; then the person signs in again.
pub const SIGNED_IN_SESSION_LIFETIME: Duration = Duration::hours(8);

/// A Shell session.
#[derive(Clone, PartialEq, Eq)]
pub struct WebSession {
    /// Hash of the cookie's token.
    pub token_hash: TokenHash,
    /// The person signed in, if anyone.
    pub person_id: Option<PersonId>,
    /// The synchronizer token every form of this session must carry.
    pub csrf_token: String,
    /// When it started.
    pub created_at: OffsetDateTime,
    /// When it ends.
    pub expires_at: OffsetDateTime,
}

impl std::fmt::Debug for WebSession {
    // The CSRF token stays out of logs.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("WebSession")
            .field("token_hash", &self.token_hash)
            .field("person_id", &self.person_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl WebSession {
    /// A visitor's session, starting at `now`.
    pub fn visitor(token_hash: TokenHash, csrf_token: String, now: OffsetDateTime) -> Self {
        Self { token_hash, person_id: None, csrf_token, created_at: now, expires_at: now + VISITOR_SESSION_LIFETIME }
    }

    /// A session for `person_id`, who just signed in at `now`.
    pub fn signed_in(token_hash: TokenHash, person_id: PersonId, csrf_token: String, now: OffsetDateTime) -> Self {
        Self {
            token_hash,
            person_id: Some(person_id),
            csrf_token,
            created_at: now,
            expires_at: now + SIGNED_IN_SESSION_LIFETIME,
        }
    }

    /// Whether it is still valid at `now`.
    pub fn is_active_at(&self, now: OffsetDateTime) -> bool {
        now < self.expires_at
    }
}
