//! Password hashing with Argon2id at the argon2 crate's default cost (m = 19 MiB, t = 2,
//! p = 1, OWASP's recommendation). Hashing runs on the blocking pool so it never stalls the
//! server's other requests.

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};

use crate::error::ShellError;

/// Hashes a new password into a PHC string.
pub(crate) async fn hash(password: String) -> Result<String, ShellError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|error| ShellError::Internal(format!("hashing a password failed: {error}")))
    })
    .await
    .map_err(|error| ShellError::Internal(format!("the hashing task failed: {error}")))?
}

/// Whether `password` matches the PHC string `stored`. With no stored hash (no such
/// account), a stand-in is checked so that the answer takes as long either way and does not
/// tell which addresses have accounts.
pub(crate) async fn verify(password: String, stored: Option<String>) -> Result<bool, ShellError> {
    tokio::task::spawn_blocking(move || {
        let (stored, real) = match stored {
            Some(stored) => (stored, true),
            None => (STAND_IN_HASH.to_owned(), false),
        };
        let parsed = PasswordHash::new(&stored)
            .map_err(|error| ShellError::Internal(format!("a stored password hash is unreadable: {error}")))?;
        let matches = Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
        Ok(real && matches)
    })
    .await
    .map_err(|error| ShellError::Internal(format!("the hashing task failed: {error}")))?
}

/// The hash of a random password nobody knows, at the default cost.
const STAND_IN_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$YWJjZGVmZ2hpamtsbW5vcA$ZHo6SRfSCiXfVUfYDhLlcKT3g+Ky9YdqmsJGO7rqU4M";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_wrong_passwords_do_not() {
        let stored = hash("correct horse battery".to_owned()).await.unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(verify("correct horse battery".to_owned(), Some(stored.clone())).await.unwrap());
        assert!(!verify("wrong horse battery".to_owned(), Some(stored)).await.unwrap());
        assert!(!verify("anything".to_owned(), None).await.unwrap());
    }

    #[test]
    fn the_stand_in_hash_is_readable() {
        assert!(PasswordHash::new(STAND_IN_HASH).is_ok());
    }
}
