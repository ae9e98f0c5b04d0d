//! Verifying a delivery's signature, as the handler does before it looks at the body.
//!
//! HealthVault's: `Authorization: HVEventingSharedKey <subscription-id>:<key-version>:<base64
//! HMAC-SHA256 of the body>`. The key is picked by key version from the keyring; a version
//! the keyring lacks, or one that belongs to another subscription than the header names, is
//! refused before any HMAC is computed. Standard Webhooks': `webhook-id`,
//! `webhook-timestamp` and `webhook-signature` (`v1,<base64 HMAC-SHA256 of
//! "id.timestamp.body">`, several separated by spaces), keyed by the same key. Those headers
//! name no key version, so the subscription named in the (not yet trusted) body gives the
//! candidate keys, newest first; the signature covers the body, so once one key verifies the
//! subscription id is trusted too. Comparisons are constant-time (`verify_slice`).

use axum::http::HeaderMap;
use haven_wire::base64_text::decode_base64;
use haven_wire::methods::subscription::KeyVersionId;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use time::OffsetDateTime;

use crate::keyring::Keyring;

/// The scheme of HealthVault's `Authorization` header.
pub const HV_EVENTING_SCHEME: &str = "HVEventingSharedKey";

/// How far a Standard Webhooks timestamp may lie from the receiver's clock, as the
/// specification's reference libraries allow.
pub const WEBHOOK_TOLERANCE: time::Duration = time::Duration::minutes(5);

/// A delivery whose signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verified {
    /// HealthVault's format: an XML body signed under `Authorization`.
    HealthVault {
        /// The subscription the header names.
        subscription_id: String,
        /// The key version that verified.
        key_version: String,
    },
    /// Standard Webhooks: a JSON body signed under `webhook-signature`.
    StandardWebhooks {
        /// `webhook-id`, the same on every attempt at one notification.
        message_id: String,
        /// The subscription the body names.
        subscription_id: String,
        /// The key version that verified.
        key_version: String,
    },
}

/// Why a delivery was discarded (answered 200 and not processed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Discard {
    /// Neither an `Authorization` header nor Standard Webhooks headers.
    #[error("no signature: neither Authorization: HVEventingSharedKey nor webhook-signature")]
    Unsigned,
    /// The `Authorization` header is not `HVEventingSharedKey <id>:<version>:<hmac>`.
    #[error("malformed Authorization header: {0}")]
    MalformedAuthorization(String),
    /// The keyring has no key of this version.
    #[error("unknown key version {0:?}")]
    UnknownKeyVersion(String),
    /// The key version belongs to another subscription than the one the header names.
    #[error("key version {key_version:?} belongs to subscription {owner}, not {subscription_id}")]
    KeyOfAnotherSubscription {
        /// The version sent.
        key_version: String,
        /// The subscription the header names.
        subscription_id: String,
        /// The subscription the keyring has the version for.
        owner: String,
    },
    /// The HMAC does not match the body under the key of the version sent.
    #[error("HMAC mismatch under key version {0:?}")]
    BadHmac(String),
    /// The Standard Webhooks headers are incomplete or unreadable.
    #[error("malformed Standard Webhooks headers: {0}")]
    MalformedWebhook(String),
    /// The Standard Webhooks timestamp is too far from now (a replay, or a wrong clock).
    #[error("webhook-timestamp {0} is more than 5 minutes from now")]
    StaleTimestamp(i64),
    /// No candidate key verifies the Standard Webhooks signature.
    #[error("no key of subscription {0:?} verifies webhook-signature")]
    BadWebhookSignature(String),
}

/// Verifies a delivery's signature against the keyring at `now`.
pub fn verify(keyring: &Keyring, headers: &HeaderMap, body: &[u8], now: OffsetDateTime) -> Result<Verified, Discard> {
    if headers.contains_key("webhook-signature") {
        return verify_standard_webhooks(keyring, headers, body, now);
    }
    let Some(authorization) = headers.get(axum::http::header::AUTHORIZATION) else {
        return Err(Discard::Unsigned);
    };
    let authorization =
        authorization.to_str().map_err(|_| Discard::MalformedAuthorization("not visible ASCII".to_owned()))?;
    verify_hv_eventing(keyring, authorization, body)
}

/// The parts of an `HVEventingSharedKey` authorization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HvEventingAuthorization {
    /// The subscription id, lower-case.
    pub subscription_id: String,
    /// The key version.
    pub key_version: KeyVersionId,
    /// The HMAC, decoded.
    pub hmac: Vec<u8>,
}

/// Reads `HVEventingSharedKey <subscription-id>:<key-version>:<base64 hmac>` (the scheme
/// case-insensitive, as HTTP schemes are).
pub fn parse_hv_eventing_authorization(value: &str) -> Result<HvEventingAuthorization, Discard> {
    let malformed = |why: &str| Discard::MalformedAuthorization(why.to_owned());
    let (scheme, credentials) =
        value.trim().split_once(' ').ok_or_else(|| malformed("no credentials after the scheme"))?;
    if !scheme.eq_ignore_ascii_case(HV_EVENTING_SCHEME) {
        return Err(malformed("the scheme is not HVEventingSharedKey"));
    }
    let mut parts = credentials.trim().splitn(3, ':');
    let (Some(subscription_id), Some(key_version), Some(hmac)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(malformed("expected <subscription-id>:<key-version>:<hmac>"));
    };
    let subscription_id =
        uuid::Uuid::parse_str(subscription_id).map_err(|_| malformed("the subscription id is not a GUID"))?;
    let key_version = KeyVersionId::parse(key_version)
        .map_err(|_| malformed("the key version is not 1 to 50 letters, digits and hyphens"))?;
    let hmac = decode_base64(hmac).map_err(|_| malformed("the HMAC is not base64"))?;
    Ok(HvEventingAuthorization { subscription_id: subscription_id.hyphenated().to_string(), key_version, hmac })
}

fn verify_hv_eventing(keyring: &Keyring, authorization: &str, body: &[u8]) -> Result<Verified, Discard> {
    let authorization = parse_hv_eventing_authorization(authorization)?;
    let key_version = authorization.key_version.as_str();
    let key = keyring.key(key_version).ok_or_else(|| Discard::UnknownKeyVersion(key_version.to_owned()))?;
    if let Some(owner) = keyring.owner(key_version)
        && owner != authorization.subscription_id
    {
        return Err(Discard::KeyOfAnotherSubscription {
            key_version: key_version.to_owned(),
            subscription_id: authorization.subscription_id,
            owner: owner.to_owned(),
        });
    }
    let mut mac = hmac_sha256(&key);
    mac.update(body);
    mac.verify_slice(&authorization.hmac).map_err(|_| Discard::BadHmac(key_version.to_owned()))?;
    Ok(Verified::HealthVault { subscription_id: authorization.subscription_id, key_version: key_version.to_owned() })
}

fn verify_standard_webhooks(
    keyring: &Keyring,
    headers: &HeaderMap,
    body: &[u8],
    now: OffsetDateTime,
) -> Result<Verified, Discard> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
            .ok_or_else(|| Discard::MalformedWebhook(format!("no readable {name}")))
    };
    let message_id = header("webhook-id")?;
    let timestamp_text = header("webhook-timestamp")?;
    let signatures = header("webhook-signature")?;
    let timestamp: i64 = timestamp_text
        .parse()
        .map_err(|_| Discard::MalformedWebhook("webhook-timestamp is not a number".to_owned()))?;
    if (now.unix_timestamp() - timestamp).abs() > WEBHOOK_TOLERANCE.whole_seconds() {
        return Err(Discard::StaleTimestamp(timestamp));
    }
    // The body is not trusted yet; it only says which subscription's keys to try.
    let subscription_id = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|event| event.pointer("/data/subscription_id")?.as_str().map(str::to_ascii_lowercase))
        .ok_or_else(|| Discard::MalformedWebhook("the body names no data.subscription_id".to_owned()))?;
    let signatures: Vec<Vec<u8>> = signatures
        .split_whitespace()
        .filter_map(|signature| signature.strip_prefix("v1,"))
        .filter_map(|signature| decode_base64(signature).ok())
        .collect();
    if signatures.is_empty() {
        return Err(Discard::MalformedWebhook("webhook-signature has no v1 signature".to_owned()));
    }
    for (key_version, key) in keyring.candidate_keys(&subscription_id) {
        let mut mac = hmac_sha256(&key);
        mac.update(message_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp_text.as_bytes());
        mac.update(b".");
        mac.update(body);
        if signatures.iter().any(|signature| mac.clone().verify_slice(signature).is_ok()) {
            return Ok(Verified::StandardWebhooks { message_id: message_id.to_owned(), subscription_id, key_version });
        }
    }
    Err(Discard::BadWebhookSignature(subscription_id))
}

fn hmac_sha256(key: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length; the constructor cannot fail.
    <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

    use super::*;

    #[test]
    fn an_authorization_header_reads_into_its_three_parts() {
        let parsed = parse_hv_eventing_authorization(
            "hveventingsharedkey 6F1C2D3E-4A5B-4C6D-8E7F-0A1B2C3D4E5F:k20261121-3f9a0c1d:AAEC",
        )
        .unwrap();
        assert_eq!(parsed.subscription_id, "6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f");
        assert_eq!(parsed.key_version.as_str(), "k20261121-3f9a0c1d");
        assert_eq!(parsed.hmac, [0, 1, 2]);
        for bad in [
            "Bearer x",
            "HVEventingSharedKey",
            "HVEventingSharedKey a:b",
            "HVEventingSharedKey x:v1:AA",
            "HVEventingSharedKey 6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f:v_1:AA",
        ] {
            assert!(matches!(parse_hv_eventing_authorization(bad), Err(Discard::MalformedAuthorization(_))), "{bad}");
        }
    }
}
