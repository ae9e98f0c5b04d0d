//! Alternate ids: an application's own identifier for a person's record, so it can find the
//! record again without storing Haven's ids (AssociateAlternateId and friends).

use std::fmt;

use serde::{Deserialize, Serialize};

/// Longest alternate id.
pub const MAX_ALTERNATE_ID_LENGTH: usize = 255;

/// Most alternate ids one application may hold for one person's record.
pub const MAX_ALTERNATE_IDS_PER_RECORD: usize = 100;

/// An application's id for a record: 1 to 255 characters, compared case-sensitively,
/// unique per application.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AlternateId(String);

/// The text cannot be an alternate id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an alternate id has 1 to {MAX_ALTERNATE_ID_LENGTH} characters")]
pub struct InvalidAlternateId;

impl AlternateId {
    /// Checks the length; the text is kept exactly as given.
    pub fn parse(text: &str) -> Result<Self, InvalidAlternateId> {
        let length = text.chars().count();
        if length == 0 || length > MAX_ALTERNATE_ID_LENGTH {
            return Err(InvalidAlternateId);
        }
        Ok(Self(text.to_owned()))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AlternateId {
    type Error = InvalidAlternateId;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<AlternateId> for String {
    fn from(id: AlternateId) -> Self {
        id.0
    }
}

impl fmt::Display for AlternateId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl fmt::Debug for AlternateId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "AlternateId({:?})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_is_checked_and_case_kept() {
        assert_eq!(AlternateId::parse("Patient-42").unwrap().as_str(), "Patient-42");
        assert_ne!(AlternateId::parse("a").unwrap(), AlternateId::parse("A").unwrap());
        assert!(AlternateId::parse("").is_err());
        assert!(AlternateId::parse(&"x".repeat(256)).is_err());
        assert!(AlternateId::parse(&"é".repeat(255)).is_ok(), "the limit counts characters");
    }
}
