//! Identity codes: what a person types to reach a connect request or a package. HealthVault
//! documented the shape by example, `JKYZ-QNMN-VHRX-ZGNR-GZNH`: twenty capital letters in
//! five hyphenated groups of four. Twenty letters carry about 94 bits, so codes cannot be
//! guessed; the answer attempts and the Shell's rate limit guard the rest.

use std::fmt;

use crate::session::TokenHash;

/// Letters in a code.
pub const IDENTITY_CODE_LETTERS: usize = 20;

/// How identity codes are spelled: twenty capital letters in hyphenated groups of four.
const SPELLING: CodeSpelling =
    CodeSpelling { alphabet: b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", length: IDENTITY_CODE_LETTERS, group: 4 };

/// How a short code people type is spelled: the symbols it draws from, how many, and how many
/// per hyphenated group. Identity codes and sharing codes share the drawing from random bits,
/// the grouping, and the lenient reading (any case, hyphens and spaces anywhere).
///
/// Invariants: the alphabet is of upper-case ASCII letters and digits, without repeats, and
/// `alphabet.len() ^ length` fits in a `u128`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CodeSpelling {
    /// The symbols, in the order random numbers pick them.
    pub(crate) alphabet: &'static [u8],
    /// Symbols in a code.
    pub(crate) length: usize,
    /// Symbols per hyphenated group.
    pub(crate) group: usize,
}

impl CodeSpelling {
    /// The canonical code for 128 random bits: the number reduced modulo the number of codes
    /// (a bias below one in ten billion for the spellings used), written in the alphabet.
    pub(crate) fn draw(&self, random: [u8; 16]) -> String {
        let base = self.alphabet.len() as u128;
        let space = (0..self.length).fold(1_u128, |space, _| space * base);
        let mut number = u128::from_be_bytes(random) % space;
        let mut symbols = vec![self.alphabet[0]; self.length];
        for symbol in symbols.iter_mut().rev() {
            // The remainder is below the alphabet's length, so the cast is exact.
            *symbol = self.alphabet[(number % base) as usize];
            number /= base;
        }
        self.grouped(&symbols)
    }

    /// Reads a code as a person or an application writes it: symbols in either case, with or
    /// without hyphens and spaces between them; `None` for anything else or the wrong count.
    /// Returns the canonical form.
    pub(crate) fn parse(&self, text: &str) -> Option<String> {
        let mut symbols = Vec::with_capacity(self.length);
        for character in text.chars() {
            match character {
                '-' | ' ' | '\t' => {}
                _ if character.is_ascii() && self.alphabet.contains(&(character.to_ascii_uppercase() as u8)) => {
                    symbols.push(character.to_ascii_uppercase() as u8);
                }
                _ => return None,
            }
            if symbols.len() > self.length {
                return None;
            }
        }
        (symbols.len() == self.length).then(|| self.grouped(&symbols))
    }

    /// Symbols of the alphabet joined in hyphenated groups.
    fn grouped(&self, symbols: &[u8]) -> String {
        let groups: Vec<&str> =
            symbols.chunks(self.group).map(|group| std::str::from_utf8(group).unwrap_or_default()).collect();
        groups.join("-")
    }
}

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
        Self(SPELLING.draw(random))
    }

    /// Reads a code as a person or an application writes it: letters in either case, with
    /// or without hyphens and spaces between them.
    pub fn parse(text: &str) -> Result<Self, IdentityCodeError> {
        SPELLING.parse(text).map(Self).ok_or(IdentityCodeError::Malformed)
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
        write!(formatter, "IdentityCode({}-…)", &self.0[..SPELLING.group])
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
