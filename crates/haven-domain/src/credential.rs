//! Signing in to the Shell: a person's password credential (kept only as an Argon2id hash,
//! which the Shell computes), the rules a new password must meet, and the lockout policy that
//! stops password guessing.

use std::fmt;

use time::{Duration, OffsetDateTime};

use crate::ids::PersonId;

/// Failed sign-ins in a row after which the account is locked for [`LOCKOUT_DURATION`].
pub const MAX_FAILED_SIGN_INS: u32 = 5;

/// How long an account stays locked after [`MAX_FAILED_SIGN_INS`] failures in a row.
pub const LOCKOUT_DURATION: Duration = Duration::minutes(15);

/// The shortest password accepted (NIST SP 800-63B asks for at least 8; a health record
/// deserves a little more).
pub const MIN_PASSWORD_CHARACTERS: usize = 10;

/// The longest password accepted, so hashing cannot be used to exhaust the server.
pub const MAX_PASSWORD_CHARACTERS: usize = 256;

/// A person's password credential.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    /// The person who signs in with it.
    pub person_id: PersonId,
    /// The Argon2id hash of the password, as a PHC string.
    pub password_hash: String,
    /// Failed sign-ins since the last success or lockout.
    pub failed_attempts: u32,
    /// Until when sign-in is refused, if the account is locked.
    pub locked_until: Option<OffsetDateTime>,
    /// When the password was set.
    pub changed_at: OffsetDateTime,
}

impl fmt::Debug for Credential {
    // The hash stays out of logs.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Credential")
            .field("person_id", &self.person_id)
            .field("failed_attempts", &self.failed_attempts)
            .field("locked_until", &self.locked_until)
            .field("changed_at", &self.changed_at)
            .finish_non_exhaustive()
    }
}

impl Credential {
    /// A new credential with no failures.
    pub fn new(person_id: PersonId, password_hash: String, now: OffsetDateTime) -> Self {
        Self { person_id, password_hash, failed_attempts: 0, locked_until: None, changed_at: now }
    }

    /// Whether sign-in is refused at `now`, whatever the password.
    pub fn is_locked_at(&self, now: OffsetDateTime) -> bool {
        self.locked_until.is_some_and(|until| now < until)
    }

    /// The credential after a wrong password at `now`: one more failure, and a lockout of
    /// [`LOCKOUT_DURATION`] once there are [`MAX_FAILED_SIGN_INS`] in a row (the count then
    /// starts again). A lapsed lockout is forgotten.
    pub fn after_failure(&self, now: OffsetDateTime) -> Self {
        let mut next = self.clone();
        if next.locked_until.is_some_and(|until| now >= until) {
            next.locked_until = None;
        }
        next.failed_attempts += 1;
        if next.failed_attempts >= MAX_FAILED_SIGN_INS {
            next.failed_attempts = 0;
            next.locked_until = Some(now + LOCKOUT_DURATION);
        }
        next
    }

    /// The credential after a successful sign-in: no failures remembered.
    pub fn after_success(&self) -> Self {
        Self { failed_attempts: 0, locked_until: None, ..self.clone() }
    }
}

/// Why a new password is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    /// Too short.
    #[error("use at least {MIN_PASSWORD_CHARACTERS} characters")]
    TooShort,
    /// Too long.
    #[error("use at most {MAX_PASSWORD_CHARACTERS} characters")]
    TooLong,
    /// It is the sign-in address or contains it.
    #[error("do not use your e-mail address as your password")]
    ContainsEmail,
}

/// Checks a new password for `email`: length, and not the address itself. Composition rules
/// are left out on purpose (NIST SP 800-63B: they make passwords weaker, not stronger).
pub fn check_new_password(password: &str, email: &str) -> Result<(), PasswordProblem> {
    let characters = password.chars().count();
    if characters < MIN_PASSWORD_CHARACTERS {
        return Err(PasswordProblem::TooShort);
    }
    if characters > MAX_PASSWORD_CHARACTERS {
        return Err(PasswordProblem::TooLong);
    }
    let local_part = email.split('@').next().unwrap_or("").to_lowercase();
    let lowered = password.to_lowercase();
    if lowered.contains(&email.to_lowercase()) || (local_part.chars().count() >= 4 && lowered == local_part) {
        return Err(PasswordProblem::ContainsEmail);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-22 10:00 UTC);

    fn credential() -> Credential {
        Credential::new(PersonId::from_uuid(uuid::Uuid::nil()), "$argon2id$...".to_owned(), NOW)
    }

    #[test]
    fn the_fifth_failure_in_a_row_locks_the_account() {
        let mut credential = credential();
        for attempt in 1..MAX_FAILED_SIGN_INS {
            credential = credential.after_failure(NOW);
            assert_eq!(credential.failed_attempts, attempt);
            assert!(!credential.is_locked_at(NOW));
        }
        credential = credential.after_failure(NOW);
        assert!(credential.is_locked_at(NOW));
        assert!(credential.is_locked_at(NOW + LOCKOUT_DURATION - Duration::seconds(1)));
        assert!(!credential.is_locked_at(NOW + LOCKOUT_DURATION));
        assert_eq!(credential.failed_attempts, 0);
    }

    #[test]
    fn success_forgets_failures() {
        let credential = credential().after_failure(NOW).after_failure(NOW).after_success();
        assert_eq!(credential.failed_attempts, 0);
        assert_eq!(credential.locked_until, None);
    }

    #[test]
    fn a_lapsed_lockout_is_forgotten_at_the_next_failure() {
        let mut credential = credential();
        for _ in 0..MAX_FAILED_SIGN_INS {
            credential = credential.after_failure(NOW);
        }
        let later = NOW + LOCKOUT_DURATION + Duration::minutes(1);
        let credential = credential.after_failure(later);
        assert_eq!(credential.locked_until, None);
        assert_eq!(credential.failed_attempts, 1);
    }

    #[test]
    fn debug_output_leaves_out_the_hash() {
        assert!(!format!("{:?}", credential()).contains("argon2"));
    }

    #[test]
    fn new_passwords_are_checked() {
        assert_eq!(check_new_password("short", "ann@example.org"), Err(PasswordProblem::TooShort));
        assert_eq!(check_new_password(&"x".repeat(257), "ann@example.org"), Err(PasswordProblem::TooLong));
        assert_eq!(check_new_password("my ann@example.org!", "ann@example.org"), Err(PasswordProblem::ContainsEmail));
        assert_eq!(check_new_password("annabelle1", "annabelle1@example.org"), Err(PasswordProblem::ContainsEmail));
        assert_eq!(check_new_password("correct horse battery", "ann@example.org"), Ok(()));
    }
}
