//! Identity codes: what a person types to reach a connect request or a package. HealthVault
//! documented the shape by example, `JKYZ-QNMN-VHRX-ZGNR-GZNH`: twenty capital letters in
//! five hyphenated groups of four. Twenty letters carry about 94 bits, so codes cannot be
//! guessed; the answer attempts and the Shell's rate limit guard the rest.

use std::fmt;

use crate::session::TokenHash;

/// Letters in a code.
pub const IDENTITY_CODE_LETTERS: usize = 20;

/// Letters per hyphenated group.
const GROUP_LETTERS: usize = 4;

/// 26 to the power of [`IDENTITY_CODE_LETTERS`]: how many codes exist.
const CODE_SPACE: u128 = 26_u128.pow(IDENTITY_CODE_LETTERS as u32);

/// A well-formed identity code, in its canonical form (capitals, hyphenated groups).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdentityCode(String);

/// Why a text is not an identity code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdentityCodeError {
    /// Something other than letters, hyphens and spaces, or the wrong number of letters.
    #[error("an identity code is {IDENTITY_CODE_LETTERS} letters, such as JKYZ-QNMN-VHRX-ZGNR-GZNH")]
    Malformed,
}

impl IdentityCode {
    /// The code for 128 random bits (the caller draws them; the domain does no randomness).
    /// The number is reduced modulo the code space, a bias below one in ten billion.
    pub fn from_random(random: [u8; 16]) -> Self {
        let mut number = u128::from_be_bytes(random) % CODE_SPACE;
        let mut letters = [b'A'; IDENTITY_CODE_LETTERS];
        for letter in letters.iter_mut().rev() {
            // The remainder is below 26, so the cast is exact.
            *letter = b'A' + (number % 26) as u8;
            number /= 26;
        }
        Self::from_letters(&letters)
    }

    /// Reads a code as a person or an application writes it: letters in either case, with
    /// or without hyphens and spaces between them.
    pub fn parse(text: &str) -> Result<Self, IdentityCodeError> {
        let mut letters = Vec::with_capacity(IDENTITY_CODE_LETTERS);
        for character in text.chars() {
            match character {
                'a'..='z' | 'A'..='Z' => letters.push(character.to_ascii_uppercase() as u8),
                '-' | ' ' | '\t' => {}
                _ => return Err(IdentityCodeError::Malformed),
            }
            if letters.len() > IDENTITY_CODE_LETTERS {
                return Err(IdentityCodeError::Malformed);
            }
        }
        if letters.len() != IDENTITY_CODE_LETTERS {
            return Err(IdentityCodeError::Malformed);
        }
        Ok(Self::from_letters(&letters))
    }

    fn from_letters(letters: &[u8]) -> Self {
        let groups: Vec<&str> =
            letters.chunks(GROUP_LETTERS).map(|group| std::str::from_utf8(group).unwrap_or_default()).collect();
        Self(groups.join("-"))
    }

    /// The canonical text, e.g. `JKYZ-QNMN-VHRX-ZGNR-GZNH`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The hash the store keeps instead of the code.
    pub fn hash(&self) -> TokenHash {
        TokenHash::of_token(&self.0)
    }
}

impl fmt::Display for IdentityCode {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl fmt::Debug for IdentityCode {
    // A code is a secret until the answer is given: logs see only its first group.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "IdentityCode({}-…)", &self.0[..GROUP_LETTERS])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_the_documented_shape() {
        let code = IdentityCode::from_random([7; 16]);
        let text = code.as_str();
        assert_eq!(text.len(), 24);
        assert!(text.split('-').all(|group| group.len() == 4 && group.bytes().all(|b| b.is_ascii_uppercase())));
        assert_eq!(IdentityCode::from_random([0; 16]).as_str(), "AAAA-AAAA-AAAA-AAAA-AAAA");
        assert_ne!(IdentityCode::from_random([1; 16]), IdentityCode::from_random([2; 16]));
        assert_eq!(IdentityCode::from_random([255; 16]), IdentityCode::from_random([255; 16]));
    }

    #[test]
    fn people_may_type_codes_loosely() {
        let code = IdentityCode::parse("JKYZ-QNMN-VHRX-ZGNR-GZNH").unwrap();
        assert_eq!(IdentityCode::parse("jkyz qnmn vhrx zgnr gznh").unwrap(), code);
        assert_eq!(IdentityCode::parse("JKYZQNMNVHRXZGNRGZNH").unwrap(), code);
        assert_eq!(code.hash(), IdentityCode::parse(" jkyz-qnmn-vhrx-zgnr-gznh ").unwrap().hash());
    }

    #[test]
    fn malformed_codes_are_refused() {
        for text in ["", "JKYZ-QNMN-VHRX-ZGNR", "JKYZ-QNMN-VHRX-ZGNR-GZNH-A", "JKYZ-QNMN-VHRX-ZGNR-GZN1", "ÉKYZ"] {
            assert_eq!(IdentityCode::parse(text), Err(IdentityCodeError::Malformed), "{text}");
        }
    }

    #[test]
    fn debug_output_hides_most_of_the_code() {
        let code = IdentityCode::parse("JKYZ-QNMN-VHRX-ZGNR-GZNH").unwrap();
        assert_eq!(format!("{code:?}"), "IdentityCode(JKYZ-…)");
    }
}
