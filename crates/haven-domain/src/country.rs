//! ISO 3166-1 alpha-2 country codes. The list of codes comes from the `isocountry` crate.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A valid ISO 3166-1 alpha-2 country code, stored upper-case (`US`, `NL`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode([u8; 2]);

/// The text is not an ISO 3166-1 alpha-2 country code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an ISO 3166-1 alpha-2 country code")]
pub struct UnknownCountry(pub String);

impl CountryCode {
    /// Parses a two-letter code in either case; anything not in ISO 3166-1 is an error.
    pub fn parse(text: &str) -> Result<Self, UnknownCountry> {
        let trimmed = text.trim();
        let code = isocountry::CountryCode::for_alpha2_caseless(trimmed)
            .map_err(|_| UnknownCountry(trimmed.chars().take(16).collect()))?;
        let bytes = code.alpha2().as_bytes();
        Ok(Self([bytes[0], bytes[1]]))
    }

    /// The two upper-case letters.
    pub fn as_str(&self) -> &str {
        // The bytes were copied from an ISO alpha-2 code, which is ASCII.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// The country's English short name, for pages and messages.
    pub fn name(&self) -> &'static str {
        isocountry::CountryCode::for_alpha2(self.as_str()).map(|code| code.name()).unwrap_or("unknown country")
    }

    /// Every ISO 3166-1 country code, for pickers.
    pub fn all() -> impl Iterator<Item = CountryCode> {
        isocountry::CountryCode::as_array().iter().filter_map(|code| {
            let bytes = code.alpha2().as_bytes();
            (bytes.len() == 2).then(|| CountryCode([bytes[0], bytes[1]]))
        })
    }
}

impl FromStr for CountryCode {
    type Err = UnknownCountry;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl TryFrom<String> for CountryCode {
    type Error = UnknownCountry;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<CountryCode> for String {
    fn from(code: CountryCode) -> Self {
        code.as_str().to_owned()
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl fmt::Debug for CountryCode {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "CountryCode({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_in_either_case() {
        assert_eq!(CountryCode::parse("nl").unwrap().as_str(), "NL");
        assert_eq!(CountryCode::parse("PR").unwrap().name(), "Puerto Rico");
    }

    #[test]
    fn unknown_codes_are_errors() {
        assert!(CountryCode::parse("QQ").is_err());
        assert!(CountryCode::parse("USA").is_err());
        assert!(CountryCode::parse("").is_err());
    }

    #[test]
    fn the_list_is_complete() {
        assert!(CountryCode::all().count() >= 249);
    }
}
