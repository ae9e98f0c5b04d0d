//! The cryptography HealthVault's protocol requires: RSA-SHA1 signatures by application
//! certificates, HMAC-SHA1 and HMAC-SHA256 over request headers, SHA-1 and SHA-256 info
//! hashes. SHA-1 is here only because existing clients use it; nothing new is built on
//! it. Also random session tokens and secrets, and token hashing.

use haven_domain::session::{HmacAlgorithm, TokenHash};
use haven_wire::base64_text::encode_base64;
use hmac::{Hmac, KeyInit, Mac};
use openssl::hash::MessageDigest;
use openssl::sign::Verifier;
use openssl::x509::X509;
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// Bytes of randomness in a token (session token or user token).
pub(crate) const TOKEN_BYTES: usize = 32;

/// Bytes of a shared secret the server issues (CreateAuthenticatedSessionToken v2).
pub(crate) const SHARED_SECRET_BYTES: usize = 32;

/// Why randomness could not be had.
#[derive(Debug, thiserror::Error)]
#[error("the operating system's random source failed: {0}")]
pub(crate) struct RandomnessError(String);

/// Fresh random bytes from the operating system.
pub(crate) fn random_bytes(count: usize) -> Result<Vec<u8>, RandomnessError> {
    let mut bytes = vec![0; count];
    getrandom::fill(&mut bytes).map_err(|error| RandomnessError(error.to_string()))?;
    Ok(bytes)
}

/// A new token (base64 text, given to the caller once) and the hash the store keeps.
pub(crate) fn new_token() -> Result<(String, TokenHash), RandomnessError> {
    let token = encode_base64(&random_bytes(TOKEN_BYTES)?);
    let hash = token_hash(&token);
    Ok((token, hash))
}

/// The hash under which a token is stored: SHA-256 of its text as sent (trimmed).
pub(crate) fn token_hash(token: &str) -> TokenHash {
    TokenHash::of_token(token)
}

/// Whether `signature` is a valid RSA-SHA1 (PKCS#1 v1.5) signature of `data` by the key of
/// the DER certificate `certificate_der`.
pub(crate) fn verify_rsa_sha1(certificate_der: &[u8], data: &[u8], signature: &[u8]) -> bool {
    let verified = || -> Result<bool, openssl::error::ErrorStack> {
        let certificate = X509::from_der(certificate_der)?;
        let key = certificate.public_key()?;
        let mut verifier = Verifier::new(MessageDigest::sha1(), &key)?;
        verifier.update(data)?;
        verifier.verify(signature)
    };
    verified().unwrap_or(false)
}

/// Whether `mac` is the HMAC of `data` under `key`, compared in constant time.
pub(crate) fn verify_hmac(algorithm: HmacAlgorithm, key: &[u8], data: &[u8], mac: &[u8]) -> bool {
    match algorithm {
        HmacAlgorithm::HmacSha1 => <Hmac<Sha1> as KeyInit>::new_from_slice(key).is_ok_and(|mut hmac| {
            hmac.update(data);
            hmac.verify_slice(mac).is_ok()
        }),
        HmacAlgorithm::HmacSha256 => <Hmac<Sha256> as KeyInit>::new_from_slice(key).is_ok_and(|mut hmac| {
            hmac.update(data);
            hmac.verify_slice(mac).is_ok()
        }),
    }
}

/// The HMAC of `data` under `key` (the client's side of the protocol, for tests).
#[cfg(test)]
pub(crate) fn hmac(algorithm: HmacAlgorithm, key: &[u8], data: &[u8]) -> Vec<u8> {
    match algorithm {
        HmacAlgorithm::HmacSha1 => <Hmac<Sha1> as KeyInit>::new_from_slice(key)
            .map(|mut hmac| {
                hmac.update(data);
                hmac.finalize().into_bytes().to_vec()
            })
            .unwrap_or_default(),
        HmacAlgorithm::HmacSha256 => <Hmac<Sha256> as KeyInit>::new_from_slice(key)
            .map(|mut hmac| {
                hmac.update(data);
                hmac.finalize().into_bytes().to_vec()
            })
            .unwrap_or_default(),
    }
}

/// The info hash of `data` with the named algorithm (`SHA1` or `SHA256`), or `None` for an
/// algorithm the protocol does not use.
pub(crate) fn info_hash(algorithm: &str, data: &[u8]) -> Option<Vec<u8>> {
    match algorithm.trim().to_ascii_uppercase().as_str() {
        "SHA1" => Some(Sha1::digest(data).to_vec()),
        "SHA256" => Some(Sha256::digest(data).to_vec()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::asn1::Asn1Time;
    use openssl::pkey::PKey;
    use openssl::rsa::Rsa;
    use openssl::sign::Signer;
    use openssl::x509::X509NameBuilder;

    #[test]
    fn rsa_sha1_signatures_verify_only_for_the_signed_bytes() {
        let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let mut name = X509NameBuilder::new().unwrap();
        name.append_entry_by_text("CN", "WildcatApp-test").unwrap();
        let name = name.build();
        let mut builder = X509::builder().unwrap();
        builder.set_subject_name(&name).unwrap();
        builder.set_issuer_name(&name).unwrap();
        builder.set_pubkey(&key).unwrap();
        builder.set_not_before(&Asn1Time::days_from_now(0).unwrap()).unwrap();
        builder.set_not_after(&Asn1Time::days_from_now(1).unwrap()).unwrap();
        builder.sign(&key, MessageDigest::sha256()).unwrap();
        let certificate = builder.build().to_der().unwrap();
        let mut signer = Signer::new(MessageDigest::sha1(), &key).unwrap();
        signer.update(b"<content>x</content>").unwrap();
        let signature = signer.sign_to_vec().unwrap();
        assert!(verify_rsa_sha1(&certificate, b"<content>x</content>", &signature));
        assert!(!verify_rsa_sha1(&certificate, b"<content>y</content>", &signature));
        assert!(!verify_rsa_sha1(b"not a certificate", b"<content>x</content>", &signature));
    }

    #[test]
    fn hmacs_verify_in_both_algorithms() {
        for algorithm in [HmacAlgorithm::HmacSha1, HmacAlgorithm::HmacSha256] {
            let mac = hmac(algorithm, b"secret", b"<header>...</header>");
            assert!(verify_hmac(algorithm, b"secret", b"<header>...</header>", &mac));
            assert!(!verify_hmac(algorithm, b"other", b"<header>...</header>", &mac));
            assert!(!verify_hmac(algorithm, b"secret", b"<header>..</header>", &mac));
        }
        // RFC 2202 test case 2 for HMAC-SHA1.
        let known = hmac(HmacAlgorithm::HmacSha1, b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            known.iter().map(|byte| format!("{byte:02x}")).collect::<String>(),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (first, first_hash) = new_token().unwrap();
        let (second, _) = new_token().unwrap();
        assert_ne!(first, second);
        assert_eq!(token_hash(&first), first_hash);
        assert_eq!(token_hash(&format!(" {first}\n")), first_hash, "surrounding whitespace is ignored");
        assert_eq!(info_hash("sha1", b"<info/>").unwrap().len(), 20);
        assert_eq!(info_hash("SHA256", b"<info/>").unwrap().len(), 32);
        assert!(info_hash("MD5", b"").is_none());
    }
}
