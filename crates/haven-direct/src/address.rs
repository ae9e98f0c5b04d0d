//! Direct addresses: `local-part@domain`, parsed and normalised at the edge.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// The longest local part RFC 5321 allows.
const MAX_LOCAL_PART_LEN: usize = 64;
/// The longest domain RFC 1035 allows, without its trailing dot.
const MAX_DOMAIN_LEN: usize = 253;
/// The longest label RFC 1035 allows.
const MAX_LABEL_LEN: usize = 63;

/// A Direct address such as `jane.doe@direct.example.org`.
///
/// Invariants: the local part is a dot-atom (RFC 5322 `atext` separated by single dots, at most
/// 64 bytes) and the domain is a host name (letters, digits and hyphens in dot-separated labels
/// of at most 63 bytes, not starting or ending with a hyphen, at most 253 bytes). Both are
/// lower-cased: Haven treats Direct addresses case-insensitively, so two spellings of one address
/// compare equal. Quoted local parts, comments, display names and address literals are refused.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DirectAddress {
    /// `local@domain`, lower-cased.
    address: String,
    /// The byte offset of the `@` in `address`.
    at: usize,
}

/// Why a string is not a Direct address. Errors name the rule broken, never echo the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum AddressError {
    #[error("the address is empty")]
    Empty,
    #[error("the address has no '@' between a local part and a domain")]
    MissingAt,
    #[error("the local part (before the '@') is empty")]
    EmptyLocalPart,
    #[error("the local part is longer than {MAX_LOCAL_PART_LEN} bytes")]
    LocalPartTooLong,
    #[error("the local part may hold only letters, digits, dots and !#$%&'*+-/=?^_`{{|}}~")]
    InvalidLocalPartCharacter,
    #[error("the local part may not start or end with a dot, or hold two dots in a row")]
    MisplacedDot,
    #[error("the domain (after the '@') is empty")]
    EmptyDomain,
    #[error("the domain is longer than {MAX_DOMAIN_LEN} bytes")]
    DomainTooLong,
    #[error("the domain may hold only letters, digits, hyphens and dots")]
    InvalidDomainCharacter,
    #[error("each label of the domain must be 1 to {MAX_LABEL_LEN} bytes and not start or end with a hyphen")]
    InvalidDomainLabel,
}

impl DirectAddress {
    /// Parses `local-part@domain` exactly (no surrounding spaces or angle brackets).
    pub fn parse(text: &str) -> Result<Self, AddressError> {
        if text.is_empty() {
            return Err(AddressError::Empty);
        }
        // The domain cannot hold an '@', so the last one separates the parts; an '@' in the
        // local part is then caught as an invalid character.
        let at = text.rfind('@').ok_or(AddressError::MissingAt)?;
        let (local_part, domain) = (&text[..at], &text[at + 1..]);
        check_local_part(local_part)?;
        let domain = domain.strip_suffix('.').unwrap_or(domain);
        check_domain(domain)?;
        let address = format!("{}@{}", local_part.to_ascii_lowercase(), domain.to_ascii_lowercase());
        Ok(Self { address, at: local_part.len() })
    }

    /// The part before the `@`, lower-cased.
    pub fn local_part(&self) -> &str {
        &self.address[..self.at]
    }

    /// The domain, lower-cased and without a trailing dot.
    pub fn domain(&self) -> &str {
        &self.address[self.at + 1..]
    }

    /// The whole address, `local@domain`.
    pub fn as_str(&self) -> &str {
        &self.address
    }

    /// Whether the address is in `domain` (compared case-insensitively, ignoring a trailing dot).
    pub fn is_in_domain(&self, domain: &str) -> bool {
        let domain = domain.strip_suffix('.').unwrap_or(domain);
        self.domain().eq_ignore_ascii_case(domain)
    }
}

fn check_local_part(local_part: &str) -> Result<(), AddressError> {
    if local_part.is_empty() {
        return Err(AddressError::EmptyLocalPart);
    }
    if local_part.len() > MAX_LOCAL_PART_LEN {
        return Err(AddressError::LocalPartTooLong);
    }
    if !local_part.bytes().all(|byte| byte == b'.' || is_atext(byte)) {
        return Err(AddressError::InvalidLocalPartCharacter);
    }
    if local_part.starts_with('.') || local_part.ends_with('.') || local_part.contains("..") {
        return Err(AddressError::MisplacedDot);
    }
    Ok(())
}

/// RFC 5322 `atext`, ASCII only.
fn is_atext(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&byte)
}

fn check_domain(domain: &str) -> Result<(), AddressError> {
    if domain.is_empty() {
        return Err(AddressError::EmptyDomain);
    }
    if domain.len() > MAX_DOMAIN_LEN {
        return Err(AddressError::DomainTooLong);
    }
    if !domain.bytes().all(|byte| byte == b'.' || byte == b'-' || byte.is_ascii_alphanumeric()) {
        return Err(AddressError::InvalidDomainCharacter);
    }
    for label in domain.split('.') {
        if label.is_empty() || label.len() > MAX_LABEL_LEN || label.starts_with('-') || label.ends_with('-') {
            return Err(AddressError::InvalidDomainLabel);
        }
    }
    Ok(())
}

impl FromStr for DirectAddress {
    type Err = AddressError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for DirectAddress {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.address)
    }
}

impl AsRef<str> for DirectAddress {
    fn as_ref(&self) -> &str {
        &self.address
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_lower_cases() {
        let address = DirectAddress::parse("Jane.Doe+ccd@Direct.Example.ORG.").unwrap();
        assert_eq!(address.as_str(), "jane.doe+ccd@direct.example.org");
        assert_eq!(address.local_part(), "jane.doe+ccd");
        assert_eq!(address.domain(), "direct.example.org");
        assert!(address.is_in_domain("DIRECT.example.org."));
        assert!(!address.is_in_domain("example.org"));
        assert_eq!(address, "jane.doe+CCD@direct.example.org".parse().unwrap());
        assert_eq!(address.to_string(), "jane.doe+ccd@direct.example.org");
    }

    #[test]
    fn accepts_single_label_domains() {
        assert_eq!(DirectAddress::parse("newuser@localhost").unwrap().domain(), "localhost");
    }

    #[test]
    fn names_each_error() {
        let cases = [
            ("", AddressError::Empty),
            ("jane", AddressError::MissingAt),
            ("@example.org", AddressError::EmptyLocalPart),
            ("jane@", AddressError::EmptyDomain),
            ("jane@.", AddressError::EmptyDomain),
            ("ja ne@example.org", AddressError::InvalidLocalPartCharacter),
            ("ja@ne@example.org", AddressError::InvalidLocalPartCharacter),
            ("\"jane\"@example.org", AddressError::InvalidLocalPartCharacter),
            ("jané@example.org", AddressError::InvalidLocalPartCharacter),
            (".jane@example.org", AddressError::MisplacedDot),
            ("jane.@example.org", AddressError::MisplacedDot),
            ("ja..ne@example.org", AddressError::MisplacedDot),
            ("jane@exa_mple.org", AddressError::InvalidDomainCharacter),
            ("jane@[127.0.0.1]", AddressError::InvalidDomainCharacter),
            ("jane@example..org", AddressError::InvalidDomainLabel),
            ("jane@-example.org", AddressError::InvalidDomainLabel),
            ("jane@example-.org", AddressError::InvalidDomainLabel),
            (" jane@example.org", AddressError::InvalidLocalPartCharacter),
            ("<jane@example.org>", AddressError::InvalidLocalPartCharacter),
        ];
        for (text, error) in cases {
            assert_eq!(DirectAddress::parse(text), Err(error), "{text:?}");
        }
        let long_local = format!("{}@example.org", "a".repeat(65));
        assert_eq!(DirectAddress::parse(&long_local), Err(AddressError::LocalPartTooLong));
        let long_label = format!("jane@{}.org", "a".repeat(64));
        assert_eq!(DirectAddress::parse(&long_label), Err(AddressError::InvalidDomainLabel));
        let long_domain = format!("jane@{}org", "abcdefghi.".repeat(26));
        assert_eq!(DirectAddress::parse(&long_domain), Err(AddressError::DomainTooLong));
    }
}
