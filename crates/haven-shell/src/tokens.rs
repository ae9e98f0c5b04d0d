//! Random tokens for cookies and forms: 32 bytes from the operating system, as hex.

/// Bytes of randomness in a token.
const TOKEN_BYTES: usize = 32;

/// Why randomness could not be had.
#[derive(Debug, thiserror::Error)]
#[error("the operating system's random source failed: {0}")]
pub(crate) struct RandomnessError(String);

/// A new random token as 64 hex digits.
pub(crate) fn new_token() -> Result<String, RandomnessError> {
    Ok(hex::encode(random_bytes::<TOKEN_BYTES>()?))
}

/// `N` random bytes from the operating system.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], RandomnessError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|error| RandomnessError(error.to_string()))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_and_differ() {
        let (first, second) = (new_token().unwrap(), new_token().unwrap());
        assert_eq!(first.len(), 64);
        assert!(first.chars().all(|character| character.is_ascii_hexdigit()));
        assert_ne!(first, second);
    }
}
