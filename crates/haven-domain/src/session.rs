//! Sessions: an application's authenticated session (from CreateAuthenticatedSessionToken)
//! and a person's user token (the `wctoken` the Shell hands an application). Tokens are
//! random text given to the caller once; only their SHA-256 is stored, as a [`TokenHash`].

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use crate::ids::{ApplicationId, PersonId, RecordId};

/// How long an application session token is valid. After it, calls fail with
/// AUTHENTICATED_SESSION_TOKEN_EXPIRED and the application authenticates again.
pub const APP_SESSION_LIFETIME: Duration = Duration::hours(4);

/// How long a person's user token (wctoken) is valid. After it, online calls fail with
/// CREDENTIAL_TOKEN_EXPIRED and the application sends the person to sign in again.
pub const USER_TOKEN_LIFETIME: Duration = Duration::hours(8);

/// How far a CreateAuthenticatedSessionToken v2 `signing-time` may lie from the server's
/// clock ("HealthVault will reject requests signed too far in the past").
pub const SIGNING_TIME_TOLERANCE: Duration = Duration::hours(24);

/// The SHA-256 of a token; what the store keeps instead of the token.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TokenHash(pub [u8; 32]);

impl TokenHash {
    /// The hash under which a token is stored: SHA-256 of its text as sent, trimmed (clients
    /// wrap tokens in whitespace).
    pub fn of_token(token: &str) -> Self {
        Self(Sha256::digest(token.trim().as_bytes()).into())
    }
}

impl fmt::Debug for TokenHash {
    // Enough to tell hashes apart in logs, not enough to matter.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "TokenHash({:02x}{:02x}{:02x}{:02x}…)", self.0[0], self.0[1], self.0[2], self.0[3])
    }
}

/// The HMAC algorithm of a session's shared secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HmacAlgorithm {
    /// HMAC-SHA1 (both Python clients).
    HmacSha1,
    /// HMAC-SHA256 (.NET and iOS SDKs).
    HmacSha256,
}

impl HmacAlgorithm {
    /// The wire name, `HMACSHA1` or `HMACSHA256`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HmacSha1 => "HMACSHA1",
            Self::HmacSha256 => "HMACSHA256",
        }
    }

    /// Reads a wire name, case-insensitively.
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_uppercase().as_str() {
            "HMACSHA1" => Some(Self::HmacSha1),
            "HMACSHA256" => Some(Self::HmacSha256),
            _ => None,
        }
    }
}

/// An application's authenticated session.
///
/// Invariant: `shared_secret` is the key every later request of the session is HMAC'd
/// with; it must be kept usable (not hashed) to verify them.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppSession {
    /// Hash of the session token.
    pub token_hash: TokenHash,
    /// The application.
    pub application_id: ApplicationId,
    /// The HMAC key (chosen by the client in v1, by the server in v2).
    pub shared_secret: Vec<u8>,
    /// The HMAC algorithm agreed.
    pub algorithm: HmacAlgorithm,
    /// When the session started.
    pub created_at: OffsetDateTime,
    /// When it ends.
    pub expires_at: OffsetDateTime,
}

impl fmt::Debug for AppSession {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("AppSession")
            .field("token_hash", &self.token_hash)
            .field("application_id", &self.application_id)
            .field("algorithm", &self.algorithm)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl AppSession {
    /// A session that starts at `now` and lasts [`APP_SESSION_LIFETIME`].
    pub fn start(
        token_hash: TokenHash,
        application_id: ApplicationId,
        shared_secret: Vec<u8>,
        algorithm: HmacAlgorithm,
        now: OffsetDateTime,
    ) -> Self {
        Self {
            token_hash,
            application_id,
            shared_secret,
            algorithm,
            created_at: now,
            expires_at: now + APP_SESSION_LIFETIME,
        }
    }

    /// Whether it is still valid at `now`.
    pub fn is_active_at(&self, now: OffsetDateTime) -> bool {
        now < self.expires_at
    }
}

/// A person's user token for one application: proof the person signed in and is present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserToken {
    /// Hash of the token.
    pub token_hash: TokenHash,
    /// The person.
    pub person_id: PersonId,
    /// The application it was issued to; other applications cannot use it.
    pub application_id: ApplicationId,
    /// The record the person selected for the application, if one.
    pub selected_record_id: Option<RecordId>,
    /// When it was issued.
    pub created_at: OffsetDateTime,
    /// When it ends.
    pub expires_at: OffsetDateTime,
    /// When the person signed out of the application (APPSIGNOUT); a revoked token is dead.
    pub revoked_at: Option<OffsetDateTime>,
}

impl UserToken {
    /// Whether it is valid at `now`.
    pub fn is_active_at(&self, now: OffsetDateTime) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn sessions_expire_after_their_lifetime() {
        let now = datetime!(2026-11-21 12:00 UTC);
        let session = AppSession::start(
            TokenHash([1; 32]),
            ApplicationId::from_uuid(uuid::Uuid::nil()),
            vec![7; 16],
            HmacAlgorithm::HmacSha1,
            now,
        );
        assert!(session.is_active_at(now + APP_SESSION_LIFETIME - Duration::seconds(1)));
        assert!(!session.is_active_at(now + APP_SESSION_LIFETIME));
        assert!(!format!("{session:?}").contains("7, 7"), "the secret stays out of debug output");
    }

    #[test]
    fn algorithm_names_round_trip() {
        assert_eq!(HmacAlgorithm::parse("hmacsha256"), Some(HmacAlgorithm::HmacSha256));
        assert_eq!(HmacAlgorithm::parse(HmacAlgorithm::HmacSha1.as_str()), Some(HmacAlgorithm::HmacSha1));
        assert_eq!(HmacAlgorithm::parse("MD5"), None);
    }
}
