//! Sealing things into a package with an answer, and opening a package with one.

use zeroize::Zeroizing;

use crate::error::PackageError;
use crate::key::{PackageKey, Prf, integrity_mac, verify_integrity};
use crate::parameters::PackageParameters;

/// A package's ciphertext and the key that sealed it (for the blob chunks of its things).
#[derive(Debug)]
pub struct SealedPackage {
    /// The key and IV derived from the answer.
    pub key: PackageKey,
    /// The encrypted integrity HMAC and things, for the package thing's data-other or blob.
    pub ciphertext: Vec<u8>,
}

/// What opening a package with the right answer gives.
#[derive(Debug)]
pub struct OpenedPackage {
    /// The key and IV derived from the answer, which decrypt the package's blob chunks.
    pub key: PackageKey,
    /// The package's things: a sequence of `<thing>` elements, as the application wrote them.
    /// The integrity HMAC has been checked; the XML itself has not been parsed.
    pub things_xml: String,
}

/// Encrypts `things_xml` (a sequence of `<thing>` elements, not parsed here) with a key derived
/// from `answer`, as an application makes a package to drop off.
///
/// The plaintext is the integrity HMAC of the things, keyed with the salt, followed by the
/// things' UTF-8 bytes. The key is derived with the pseudorandom function the documentation
/// names for the algorithm (HMAC-SHA256 for hmac-sha256-aes256), from the answer lower-cased
/// and otherwise untouched.
pub fn seal(parameters: &PackageParameters, answer: &str, things_xml: &str) -> Result<SealedPackage, PackageError> {
    let [documented_prf, _] = Prf::in_trial_order(parameters.algorithm);
    seal_with_prf(parameters, answer, things_xml, documented_prf)
}

/// The key an application seals with: derived from `answer` with the documented pseudorandom
/// function, as [`seal`] derives it. An application that must encrypt streamed blobs before
/// it knows the things derives the key once with this and seals with [`seal_with_key`].
pub fn sealing_key(parameters: &PackageParameters, answer: &str) -> Result<PackageKey, PackageError> {
    parameters.validate()?;
    let password = password(answer)?;
    let [documented_prf, _] = Prf::in_trial_order(parameters.algorithm);
    Ok(PackageKey::derive(parameters, password.as_bytes(), documented_prf))
}

/// Encrypts `things_xml` with a key from [`sealing_key`] for the same `parameters`, exactly as
/// [`seal`] does with the answer.
pub fn seal_with_key(key: &PackageKey, parameters: &PackageParameters, things_xml: &str) -> Vec<u8> {
    let mut plaintext = integrity_mac(parameters.algorithm, parameters.salt.as_bytes(), things_xml.as_bytes());
    plaintext.extend_from_slice(things_xml.as_bytes());
    key.encrypt(&plaintext)
}

/// [`seal`] with a chosen pseudorandom function, so tests can make packages as the .NET SDK did.
pub(crate) fn seal_with_prf(
    parameters: &PackageParameters,
    answer: &str,
    things_xml: &str,
    prf: Prf,
) -> Result<SealedPackage, PackageError> {
    parameters.validate()?;
    let password = password(answer)?;
    let key = PackageKey::derive(parameters, password.as_bytes(), prf);
    let ciphertext = seal_with_key(&key, parameters, things_xml);
    Ok(SealedPackage { key, ciphertext })
}

/// Decrypts a package's `ciphertext` with a key derived from `answer`, as a person picks it up.
///
/// The form of the ciphertext is checked first, with its own errors: it must be non-empty and a
/// whole number of blocks. Then the key is derived with the documented pseudorandom function and,
/// if that does not open the package, with the other one (the .NET SDK used HMAC-SHA1 for every
/// algorithm); the integrity HMAC decides which key is right. Every way the answer can be wrong
/// gives [`PackageError::WrongAnswer`]. A UTF-8 byte-order mark before the things is dropped.
pub fn open(parameters: &PackageParameters, answer: &str, ciphertext: &[u8]) -> Result<OpenedPackage, PackageError> {
    parameters.validate()?;
    let block_len = parameters.algorithm.block_len();
    if ciphertext.is_empty() {
        return Err(PackageError::EmptyCiphertext);
    }
    if !ciphertext.len().is_multiple_of(block_len) {
        return Err(PackageError::CiphertextNotBlockAligned { length: ciphertext.len(), block_len });
    }
    let password = password(answer)?;
    for prf in Prf::in_trial_order(parameters.algorithm) {
        let key = PackageKey::derive(parameters, password.as_bytes(), prf);
        // A padding that does not parse and an HMAC that does not match are the same failure,
        // and both lead on to the next function.
        let Some(plaintext) = key.decrypt(ciphertext) else {
            continue;
        };
        let plaintext = Zeroizing::new(plaintext);
        let Some(things) = verify_integrity(parameters.algorithm, parameters.salt.as_bytes(), &plaintext) else {
            continue;
        };
        let things = things.strip_prefix("\u{feff}".as_bytes()).unwrap_or(things);
        let things_xml = String::from_utf8(things.to_vec()).map_err(|_| PackageError::ThingsNotUtf8)?;
        return Ok(OpenedPackage { key, things_xml });
    }
    Err(PackageError::WrongAnswer)
}

/// The password PBKDF2 takes: the answer lower-cased with Unicode's full case mapping, so that
/// answers are case-insensitive, and otherwise exactly as typed (whitespace included, since
/// HealthVault never trimmed it).
fn password(answer: &str) -> Result<Zeroizing<String>, PackageError> {
    if answer.is_empty() {
        return Err(PackageError::EmptyAnswer);
    }
    Ok(Zeroizing::new(answer.to_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parameters::PackageAlgorithm;

    const THINGS: &str = "<thing><type-id>3d34d87e-7fc1-4153-800f-f56592cb0d17</type-id><data-xml><weight>\
        <when><date><y>2006</y><m>12</m><d>22</d></date></when><value><kg>125</kg>\
        <display units=\"lb\">275.5625</display></value></weight></data-xml></thing>";

    /// Few iterations keep the unoptimised tests fast; the count changes nothing else.
    fn parameters(algorithm: PackageAlgorithm) -> PackageParameters {
        PackageParameters {
            algorithm,
            salt: "4c1e7a52-0b8f-4d2e-9a6c-3f5b7d9e1a2c".to_owned(),
            iteration_count: 100,
            key_length_bits: algorithm.default_key_length_bits(),
        }
    }

    #[test]
    fn a_key_derived_first_seals_as_the_answer_does() {
        let parameters = parameters(PackageAlgorithm::HmacSha256Aes256);
        let key = sealing_key(&parameters, "Blue Sky").unwrap();
        let ciphertext = seal_with_key(&key, &parameters, THINGS);
        assert_eq!(ciphertext, seal(&parameters, "blue sky", THINGS).unwrap().ciphertext);
        assert_eq!(open(&parameters, "BLUE SKY", &ciphertext).unwrap().things_xml, THINGS);
        assert!(matches!(sealing_key(&parameters, ""), Err(PackageError::EmptyAnswer)));
    }

    #[test]
    fn a_sealed_package_opens_with_its_answer() {
        let parameters = parameters(PackageAlgorithm::HmacSha256Aes256);
        let sealed = seal(&parameters, "blue sky", THINGS).unwrap();
        assert_eq!(sealed.ciphertext.len() % 32, 0);
        assert!(sealed.ciphertext.len() > THINGS.len() + 32);
        let opened = open(&parameters, "blue sky", &sealed.ciphertext).unwrap();
        assert_eq!(opened.things_xml, THINGS);
        // The key that opened the package is the one that sealed it: it decrypts its blob chunks.
        let chunk = sealed.key.encrypt_chunk(b"attachment").unwrap();
        assert_eq!(opened.key.decrypt_chunk(&chunk).unwrap(), b"attachment");
    }

    #[test]
    fn the_recommended_parameters_seal_and_open() {
        let parameters = PackageParameters::recommended("c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdHNhbHQ=".to_owned());
        let sealed = seal(&parameters, "answer", THINGS).unwrap();
        assert_eq!(open(&parameters, "answer", &sealed.ciphertext).unwrap().things_xml, THINGS);
    }

    /// The .NET SDK derived hmac-sha256-aes256 keys with PBKDF2-HMAC-SHA1, `Rfc2898DeriveBytes`'
    /// default; such packages must open too.
    #[test]
    fn a_package_sealed_with_the_sdks_prf_opens() {
        let parameters = parameters(PackageAlgorithm::HmacSha256Aes256);
        let sealed = seal_with_prf(&parameters, "blue sky", THINGS, Prf::HmacSha1).unwrap();
        assert_ne!(sealed.ciphertext, seal(&parameters, "blue sky", THINGS).unwrap().ciphertext);
        let opened = open(&parameters, "blue sky", &sealed.ciphertext).unwrap();
        assert_eq!(opened.things_xml, THINGS);
        let chunk = sealed.key.encrypt_chunk(b"attachment").unwrap();
        assert_eq!(opened.key.decrypt_chunk(&chunk).unwrap(), b"attachment");
    }

    #[test]
    fn triple_des_packages_round_trip_with_either_prf() {
        let parameters = parameters(PackageAlgorithm::HmacSha1TripleDes);
        for prf in [Prf::HmacSha1, Prf::HmacSha256] {
            let sealed = seal_with_prf(&parameters, "blue sky", THINGS, prf).unwrap();
            assert_eq!(sealed.ciphertext.len() % 8, 0);
            assert_eq!(open(&parameters, "blue sky", &sealed.ciphertext).unwrap().things_xml, THINGS);
            assert_eq!(open(&parameters, "red sky", &sealed.ciphertext).unwrap_err(), PackageError::WrongAnswer);
        }
        let key_length_192 = PackageParameters { key_length_bits: 192, ..parameters.clone() };
        let sealed = seal(&key_length_192, "blue sky", THINGS).unwrap();
        assert_eq!(open(&parameters, "blue sky", &sealed.ciphertext).unwrap().things_xml, THINGS);
    }

    #[test]
    fn answers_are_case_insensitive_but_whitespace_sensitive() {
        let parameters = parameters(PackageAlgorithm::HmacSha256Aes256);
        let sealed = seal(&parameters, "blue sky", THINGS).unwrap();
        for answer in ["Blue Sky", "BLUE SKY", "blue sky"] {
            assert_eq!(open(&parameters, answer, &sealed.ciphertext).unwrap().things_xml, THINGS, "{answer}");
        }
        for answer in ["blue  sky", " blue sky", "blue sky ", "bluesky"] {
            assert_eq!(
                open(&parameters, answer, &sealed.ciphertext).unwrap_err(),
                PackageError::WrongAnswer,
                "{answer}"
            );
        }
        // Lower-casing is Unicode's, not ASCII's.
        let sealed = seal(&parameters, "ÉTÉ À ΑΘΉΝΑ", THINGS).unwrap();
        assert_eq!(open(&parameters, "été à αθήνα", &sealed.ciphertext).unwrap().things_xml, THINGS);
    }

    #[test]
    fn a_wrong_answer_is_refused() {
        let parameters = parameters(PackageAlgorithm::HmacSha256Aes256);
        let sealed = seal(&parameters, "blue sky", THINGS).unwrap();
        assert_eq!(open(&parameters, "grey sky", &sealed.ciphertext).unwrap_err(), PackageError::WrongAnswer);
        let other_salt = PackageParameters { salt: "another salt".to_owned(), ..parameters.clone() };
        assert_eq!(open(&other_salt, "blue sky", &sealed.ciphertext).unwrap_err(), PackageError::WrongAnswer);
        let other_count = PackageParameters { iteration_count: 101, ..parameters };
        assert_eq!(open(&other_count, "blue sky", &sealed.ciphertext).unwrap_err(), PackageError::WrongAnswer);
    }

    /// Flipping any bit breaks either the padding or the HMAC; both must look like a wrong answer.
    #[test]
    fn a_tampered_package_looks_like_a_wrong_answer() {
        let parameters = parameters(PackageAlgorithm::HmacSha256Aes256);
        let sealed = seal(&parameters, "blue sky", THINGS).unwrap();
        let length = sealed.ciphertext.len();
        for position in [0, 31, 32, 100, length - 33, length - 1] {
            let mut tampered = sealed.ciphertext.clone();
            tampered[position] ^= 0x01;
            assert_eq!(
                open(&parameters, "blue sky", &tampered).unwrap_err(),
                PackageError::WrongAnswer,
                "byte {position}"
            );
        }
    }

    #[test]
    fn a_truncated_package_is_refused() {
        let parameters = parameters(PackageAlgorithm::HmacSha256Aes256);
        let sealed = seal(&parameters, "blue sky", THINGS).unwrap();
        let length = sealed.ciphertext.len();
        // Whole blocks missing from the end: the padding or the HMAC no longer holds.
        for kept in [32, 64, length - 32] {
            assert_eq!(
                open(&parameters, "blue sky", &sealed.ciphertext[..kept]).unwrap_err(),
                PackageError::WrongAnswer
            );
        }
        assert_eq!(
            open(&parameters, "blue sky", &sealed.ciphertext[..length - 5]).unwrap_err(),
            PackageError::CiphertextNotBlockAligned { length: length - 5, block_len: 32 }
        );
        assert_eq!(open(&parameters, "blue sky", &[]).unwrap_err(), PackageError::EmptyCiphertext);
    }

    /// The HMAC covers the things only, so a correct key with content that is not UTF-8 is
    /// reported as such, after the HMAC matched.
    #[test]
    fn content_that_is_not_utf8_is_reported_after_the_hmac_matches() {
        let parameters = parameters(PackageAlgorithm::HmacSha256Aes256);
        let key = PackageKey::derive(&parameters, b"blue sky", Prf::HmacSha256);
        let things = [0xff, 0xfe, b'<'];
        let mut plaintext = integrity_mac(parameters.algorithm, parameters.salt.as_bytes(), &things);
        plaintext.extend_from_slice(&things);
        let ciphertext = key.encrypt(&plaintext);
        assert_eq!(open(&parameters, "blue sky", &ciphertext).unwrap_err(), PackageError::ThingsNotUtf8);
    }

    #[test]
    fn a_byte_order_mark_is_dropped() {
        let parameters = parameters(PackageAlgorithm::HmacSha256Aes256);
        let sealed = seal(&parameters, "blue sky", &format!("\u{feff}{THINGS}")).unwrap();
        assert_eq!(open(&parameters, "blue sky", &sealed.ciphertext).unwrap().things_xml, THINGS);
    }

    #[test]
    fn an_empty_answer_is_refused() {
        let parameters = parameters(PackageAlgorithm::HmacSha256Aes256);
        assert_eq!(seal(&parameters, "", THINGS).unwrap_err(), PackageError::EmptyAnswer);
        assert_eq!(open(&parameters, "", &[0; 64]).unwrap_err(), PackageError::EmptyAnswer);
    }

    #[test]
    fn invalid_parameters_are_refused_before_any_work() {
        let parameters = PackageParameters { iteration_count: 0, ..parameters(PackageAlgorithm::HmacSha256Aes256) };
        assert_eq!(seal(&parameters, "a", THINGS).unwrap_err(), PackageError::IterationCountOutOfRange(0));
        assert_eq!(open(&parameters, "a", &[0; 64]).unwrap_err(), PackageError::IterationCountOutOfRange(0));
    }

    /// Arbitrary ciphertexts of every small length never panic.
    #[test]
    fn arbitrary_ciphertexts_never_panic() {
        let parameters = PackageParameters { iteration_count: 1, ..parameters(PackageAlgorithm::HmacSha1TripleDes) };
        for length in 0..80 {
            let ciphertext: Vec<u8> = (0..length).map(|index| (index * 37 % 256) as u8).collect();
            assert!(open(&parameters, "x", &ciphertext).is_err());
        }
    }
}
