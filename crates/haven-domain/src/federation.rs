//! How instances recognise each other. Instances of one deployment share a federation key
//! (a file every instance's configuration names); a request from one instance to another
//! carries the sender's instance id, the time and an HMAC-SHA256 of both and the body under
//! that key. An instance answers a peer two questions, each with a yes or no: whether an account
//! with a given sign-in address lives there ([`AccountLookup`]), and whether it holds a usable
//! connect request or package whose identity code has a given hash ([`CodeLookup`]). Nothing
//! else about a person, or about what the code names, crosses.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::session::TokenHash;

/// Header naming the sending instance.
pub const PEER_INSTANCE_HEADER: &str = "x-haven-peer-instance";
/// Header with the sending time, whole seconds since the Unix epoch.
pub const PEER_TIMESTAMP_HEADER: &str = "x-haven-peer-timestamp";
/// Header with the hex HMAC-SHA256 of `"{instance}.{timestamp}.{body}"`.
pub const PEER_SIGNATURE_HEADER: &str = "x-haven-peer-signature";

/// The path, on a Platform's origin, where an instance answers its peers' account lookups.
pub const ACCOUNT_LOOKUP_PATH: &str = "/peer/account-lookup";

/// A peer's question: does an account with this sign-in address live in your instance?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountLookup {
    /// The sign-in address asked about.
    pub email: String,
}

/// The answer: whether it does. Nothing else about the person is ever sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountLookupAnswer {
    /// Whether an account with that address lives in the answering instance.
    pub exists: bool,
}

/// The path, on a Platform's origin, where an instance answers its peers' identity-code lookups.
pub const CODE_LOOKUP_PATH: &str = "/peer/code-lookup";

/// A peer's question: do you hold a connect request or package, still usable, whose identity
/// code hashes to this? Only the hash of the canonical code travels
/// ([`crate::connect::IdentityCode::hash`]), never the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeLookup {
    /// The SHA-256 of the canonical code, as 64 lower-case hex digits.
    pub code_hash: String,
}

impl CodeLookup {
    /// The question about `code_hash`.
    pub fn for_hash(code_hash: TokenHash) -> Self {
        Self { code_hash: hex::encode(code_hash.0) }
    }

    /// The hash asked about, if `code_hash` is 64 hex digits.
    pub fn hash(&self) -> Option<TokenHash> {
        let mut bytes = [0_u8; 32];
        hex::decode_to_slice(self.code_hash.trim(), &mut bytes).ok()?;
        Some(TokenHash(bytes))
    }
}

/// The answer: whether the answering instance holds such an item. Nothing else about it (its
/// kind, its clinic, its status) is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeLookupAnswer {
    /// Whether a connect request or package with that code is usable there.
    pub held: bool,
}

/// How far a peer request's timestamp may lie from the receiver's clock, either way; older
/// requests are refused so a captured one cannot be replayed later.
pub const PEER_REQUEST_WINDOW: time::Duration = time::Duration::minutes(5);

/// The shortest federation key accepted, in bytes.
pub const MIN_FEDERATION_KEY_BYTES: usize = 32;

/// The key instances share.
#[derive(Clone, PartialEq, Eq)]
pub struct FederationKey(Vec<u8>);

impl fmt::Debug for FederationKey {
    // The key stays out of logs.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "FederationKey({} bytes)", self.0.len())
    }
}

/// Why a federation key is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FederationKeyError {
    /// Not hexadecimal.
    #[error("the federation key must be hexadecimal digits")]
    NotHex,
    /// Too short.
    #[error("the federation key must have at least {MIN_FEDERATION_KEY_BYTES} bytes ({} hex digits)", MIN_FEDERATION_KEY_BYTES * 2)]
    TooShort,
}

impl FederationKey {
    /// Reads a key written as hex digits (surrounding whitespace ignored).
    pub fn from_hex(text: &str) -> Result<Self, FederationKeyError> {
        let bytes = hex::decode(text.trim()).map_err(|_| FederationKeyError::NotHex)?;
        if bytes.len() < MIN_FEDERATION_KEY_BYTES {
            return Err(FederationKeyError::TooShort);
        }
        Ok(Self(bytes))
    }

    /// The key as hex digits, for writing a key file.
    pub fn to_hex(&self) -> String {
        hex::encode(&self.0)
    }

    /// A key from random bytes the caller generated.
    pub fn from_random(bytes: [u8; MIN_FEDERATION_KEY_BYTES]) -> Self {
        Self(bytes.to_vec())
    }

    fn mac(&self, instance: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
        // HMAC accepts keys of any length; the constructor cannot fail.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!());
        mac.update(instance.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// The signature header value for a request from `instance` at `timestamp` with `body`.
    pub fn sign(&self, instance: &str, timestamp: i64, body: &[u8]) -> String {
        hex::encode(self.mac(instance, timestamp, body).finalize().into_bytes())
    }

    /// Whether `signature` (hex) signs the request, compared in constant time.
    pub fn verify(&self, instance: &str, timestamp: i64, body: &[u8], signature: &str) -> bool {
        let Ok(expected) = hex::decode(signature.trim()) else { return false };
        self.mac(instance, timestamp, body).verify_slice(&expected).is_ok()
    }
}

/// Whether a peer request sent at `timestamp` (seconds) is recent enough at `now`.
pub fn is_fresh(timestamp: i64, now: time::OffsetDateTime) -> bool {
    (now.unix_timestamp() - timestamp).abs() <= PEER_REQUEST_WINDOW.whole_seconds()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn key() -> FederationKey {
        FederationKey::from_hex(&"ab".repeat(32)).unwrap()
    }

    #[test]
    fn signatures_verify_and_anything_changed_does_not() {
        let signature = key().sign("1", 1_790_000_000, b"{\"email\":\"ana@example.org\"}");
        assert!(key().verify("1", 1_790_000_000, b"{\"email\":\"ana@example.org\"}", &signature));
        assert!(!key().verify("2", 1_790_000_000, b"{\"email\":\"ana@example.org\"}", &signature));
        assert!(!key().verify("1", 1_790_000_001, b"{\"email\":\"ana@example.org\"}", &signature));
        assert!(!key().verify("1", 1_790_000_000, b"{\"email\":\"bob@example.org\"}", &signature));
        assert!(!key().verify("1", 1_790_000_000, b"{}", "zz"));
        let other = FederationKey::from_hex(&"cd".repeat(32)).unwrap();
        assert!(!other.verify("1", 1_790_000_000, b"{\"email\":\"ana@example.org\"}", &signature));
    }

    #[test]
    fn keys_are_hex_and_long_enough() {
        assert_eq!(FederationKey::from_hex("xyz"), Err(FederationKeyError::NotHex));
        assert_eq!(FederationKey::from_hex(&"ab".repeat(31)), Err(FederationKeyError::TooShort));
        assert_eq!(key().to_hex(), "ab".repeat(32));
        assert_eq!(format!("{:?}", key()), "FederationKey(32 bytes)");
    }

    #[test]
    fn code_lookups_carry_only_the_hash() {
        let hash = TokenHash::of_token("JKYZ-QNMN-VHRX-ZGNR-GZNH");
        let lookup = CodeLookup::for_hash(hash);
        assert_eq!(lookup.code_hash.len(), 64);
        assert!(!lookup.code_hash.contains("JKYZ"));
        assert_eq!(lookup.hash(), Some(hash));
        assert_eq!(CodeLookup { code_hash: "abc".to_owned() }.hash(), None);
        assert_eq!(CodeLookup { code_hash: "zz".repeat(32) }.hash(), None);
    }

    #[test]
    fn only_recent_requests_are_fresh() {
        let now = datetime!(2026-11-22 12:00 UTC);
        assert!(is_fresh(now.unix_timestamp() - 299, now));
        assert!(is_fresh(now.unix_timestamp() + 299, now));
        assert!(!is_fresh(now.unix_timestamp() - 301, now));
    }
}
