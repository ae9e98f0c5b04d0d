//! Base64 as clients write it: standard alphabet with padding, but possibly broken into lines
//! (Python's `base64.encodestring` adds a newline every 76 characters and one at the end).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::error::WireError;

/// Decodes standard base64 after removing every whitespace character, so text that a client
/// wrapped or indented decodes to the same bytes.
pub fn decode_base64(text: &str) -> Result<Vec<u8>, WireError> {
    let compact: String = text.chars().filter(|character| !character.is_whitespace()).collect();
    STANDARD.decode(compact.as_bytes()).map_err(|error| WireError::InvalidBase64 { detail: error.to_string() })
}

/// Encodes bytes as standard base64 on one line, the form .NET clients send and expect.
pub fn encode_base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_anywhere_is_ignored() {
        let wrapped = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4\nOTo7PD0+P0A=\n";
        let decoded = decode_base64(wrapped).unwrap();
        assert_eq!(decoded, (0u8..=64).collect::<Vec<_>>());
        assert_eq!(decode_base64(" aGVs\r\n bG8=\t").unwrap(), b"hello");
        assert_eq!(encode_base64(b"hello"), "aGVsbG8=");
    }

    #[test]
    fn garbage_is_an_error() {
        let error = decode_base64("not base64!").unwrap_err();
        assert!(matches!(error, WireError::InvalidBase64 { .. }), "{error}");
    }
}
