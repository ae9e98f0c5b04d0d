//! Persons: the people who sign in to the Shell.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::country::CountryCode;
use crate::ids::PersonId;
use crate::topology::InstanceId;

/// Longest e-mail address accepted (RFC 5321's path limit).
pub const MAX_EMAIL_LENGTH: usize = 254;

/// A sign-in e-mail address, normalised to lower case so that sign-in names are unique
/// regardless of how they were typed.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

/// The text is not an address we can send mail to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidEmail {
    /// Empty, or longer than [`MAX_EMAIL_LENGTH`].
    #[error("an e-mail address must have 1 to {MAX_EMAIL_LENGTH} characters")]
    Length,
    /// Not of the form `name@domain.example`.
    #[error("an e-mail address looks like name@example.org")]
    Shape,
}

impl EmailAddress {
    /// Checks the basic shape (`local@domain` with a dot in the domain, no spaces) and
    /// lower-cases it. Deliverability is proven by sending mail, not by parsing.
    pub fn parse(text: &str) -> Result<Self, InvalidEmail> {
        let trimmed = text.trim();
        if trimmed.is_empty() || trimmed.len() > MAX_EMAIL_LENGTH {
            return Err(InvalidEmail::Length);
        }
        let (local, domain) = trimmed.rsplit_once('@').ok_or(InvalidEmail::Shape)?;
        let well_formed = !local.is_empty()
            && !local.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !trimmed.chars().any(|character| character.is_whitespace() || character.is_control());
        if !well_formed {
            return Err(InvalidEmail::Shape);
        }
        Ok(Self(trimmed.to_lowercase()))
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = InvalidEmail;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<EmailAddress> for String {
    fn from(email: EmailAddress) -> Self {
        email.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl fmt::Debug for EmailAddress {
    // Sign-in names are personal data; debug output keeps only the domain.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let domain = self.0.rsplit_once('@').map(|(_, domain)| domain).unwrap_or("");
        write!(formatter, "EmailAddress(…@{domain})")
    }
}

/// A person with an account in exactly one instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Stable id within the instance.
    pub id: PersonId,
    /// The address they sign in with; unique across the whole topology.
    pub sign_in_email: EmailAddress,
    /// Given (first) name.
    pub given_name: String,
    /// Family (last) name.
    pub family_name: String,
    /// Date of birth, used for the instance's minimum sign-up age.
    pub birth_date: Date,
    /// The country chosen at sign-up; it decided the instance.
    pub country: CountryCode,
    /// The instance that holds the account and everything the person owns.
    pub instance_id: InstanceId,
    /// When the account was created.
    pub created_at: OffsetDateTime,
}

impl Person {
    /// "Given Family", the way HealthVault shows a person's `name`.
    pub fn full_name(&self) -> String {
        match (self.given_name.trim(), self.family_name.trim()) {
            (given, "") => given.to_owned(),
            ("", family) => family.to_owned(),
            (given, family) => format!("{given} {family}"),
        }
    }

    /// Age in whole years on `today`.
    pub fn age_on(&self, today: Date) -> i32 {
        age_on(self.birth_date, today)
    }
}

/// Age in whole years on `today` of someone born on `birth_date` (0 if not yet born).
pub fn age_on(birth_date: Date, today: Date) -> i32 {
    let mut years = today.year() - birth_date.year();
    if (today.month() as u8, today.day()) < (birth_date.month() as u8, birth_date.day()) {
        years -= 1;
    }
    years.max(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn email_addresses_are_normalised_and_checked() {
        assert_eq!(EmailAddress::parse(" Ana.Lopez@Example.ORG ").unwrap().as_str(), "ana.lopez@example.org");
        assert_eq!(EmailAddress::parse("no-at-sign"), Err(InvalidEmail::Shape));
        assert_eq!(EmailAddress::parse("a@localhost"), Err(InvalidEmail::Shape));
        assert_eq!(EmailAddress::parse("a b@example.org"), Err(InvalidEmail::Shape));
        assert_eq!(EmailAddress::parse(""), Err(InvalidEmail::Length));
    }

    #[test]
    fn debug_output_hides_the_local_part() {
        let email = EmailAddress::parse("secret.name@example.org").unwrap();
        assert_eq!(format!("{email:?}"), "EmailAddress(…@example.org)");
    }

    #[test]
    fn age_counts_whole_years() {
        assert_eq!(age_on(date!(2010 - 06 - 15), date!(2026 - 06 - 14)), 15);
        assert_eq!(age_on(date!(2010 - 06 - 15), date!(2026 - 06 - 15)), 16);
        assert_eq!(age_on(date!(2030 - 01 - 01), date!(2026 - 01 - 01)), 0);
    }
}
