//! The key and IV a package is encrypted with, derived from the answer, and the blob chunks
//! encrypted with them.

use hmac::Hmac;
use sha1::Sha1;
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

use crate::cbc::BlockCipher;
use crate::error::PackageError;
use crate::parameters::{PackageAlgorithm, PackageParameters};
use crate::rijndael::RijndaelBlock;

/// The length of a blob chunk before encryption: 2 MiB. Applications encrypt each chunk of a
/// streamed blob on its own, so the Platform announces this size when a package blob upload
/// begins. It is a multiple of both ciphers' blocks.
pub const BLOB_CHUNK_LEN: usize = 2_097_152;

/// The length of a full blob chunk after encryption with hmac-sha256-aes256, the algorithm the
/// SDK and Haven use: PKCS#7 padding adds one whole 32-byte block to an aligned chunk. The last
/// chunk of a blob may be shorter. [`PackageAlgorithm::encrypted_chunk_len`] gives it for either
/// algorithm.
pub const ENCRYPTED_BLOB_CHUNK_LEN: usize = PackageAlgorithm::HmacSha256Aes256.encrypted_chunk_len();

/// PBKDF2's pseudorandom function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prf {
    HmacSha256,
    HmacSha1,
}

impl Prf {
    /// The order to try the functions in when opening: first the one the documentation names for
    /// the algorithm (and that Haven seals with), then the other. The .NET SDK derived every key
    /// with `Rfc2898DeriveBytes`' default, HMAC-SHA1, even for hmac-sha256-aes256.
    pub(crate) const fn in_trial_order(algorithm: PackageAlgorithm) -> [Self; 2] {
        match algorithm {
            PackageAlgorithm::HmacSha256Aes256 => [Self::HmacSha256, Self::HmacSha1],
            PackageAlgorithm::HmacSha1TripleDes => [Self::HmacSha1, Self::HmacSha256],
        }
    }
}

/// The secret material of one package.
#[derive(Clone)]
enum KeyMaterial {
    Rijndael { key: [u8; 32], iv: [u8; 32] },
    TripleDes { key: [u8; 24], iv: [u8; 8] },
}

/// The key and IV that encrypt one package and the streamed blobs of its things.
///
/// It is derived from the answer when a package is sealed or opened, and is the only way to
/// encrypt or decrypt the package's blob chunks. Its bytes are erased when it is dropped and
/// never appear in its `Debug` output.
#[derive(Clone)]
pub struct PackageKey {
    material: KeyMaterial,
}

impl PackageKey {
    /// Derives the key with PBKDF2: 64 bytes for Rijndael (a 32-byte key, then a 32-byte IV), 32
    /// for triple DES (a 24-byte key, then an 8-byte IV). The derivation is one stream, as .NET's
    /// successive `GetBytes` calls produced.
    pub(crate) fn derive(parameters: &PackageParameters, password: &[u8], prf: Prf) -> Self {
        let salt = parameters.salt.as_bytes();
        let rounds = parameters.iteration_count;
        let mut derived = Zeroizing::new([0u8; 64]);
        let length = match parameters.algorithm {
            PackageAlgorithm::HmacSha256Aes256 => 64,
            PackageAlgorithm::HmacSha1TripleDes => 32,
        };
        match prf {
            Prf::HmacSha256 => pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, rounds, &mut derived[..length]),
            Prf::HmacSha1 => pbkdf2::pbkdf2_hmac::<Sha1>(password, salt, rounds, &mut derived[..length]),
        }
        let material = match parameters.algorithm {
            PackageAlgorithm::HmacSha256Aes256 => KeyMaterial::Rijndael {
                key: std::array::from_fn(|index| derived[index]),
                iv: std::array::from_fn(|index| derived[32 + index]),
            },
            PackageAlgorithm::HmacSha1TripleDes => KeyMaterial::TripleDes {
                key: std::array::from_fn(|index| derived[index]),
                iv: std::array::from_fn(|index| derived[24 + index]),
            },
        };
        Self { material }
    }

    /// The algorithm this key belongs to.
    pub fn algorithm(&self) -> PackageAlgorithm {
        match self.material {
            KeyMaterial::Rijndael { .. } => PackageAlgorithm::HmacSha256Aes256,
            KeyMaterial::TripleDes { .. } => PackageAlgorithm::HmacSha1TripleDes,
        }
    }

    /// Pads and encrypts `plaintext` in CBC mode from the package's IV.
    pub(crate) fn encrypt(&self, plaintext: &[u8]) -> Vec<u8> {
        let (cipher, iv) = self.cipher();
        cipher.encrypt_cbc(iv, plaintext)
    }

    /// Decrypts `ciphertext` and removes its padding; `None` when the padding does not parse.
    pub(crate) fn decrypt(&self, ciphertext: &[u8]) -> Option<Vec<u8>> {
        let (cipher, iv) = self.cipher();
        cipher.decrypt_cbc(iv, ciphertext)
    }

    fn cipher(&self) -> (BlockCipher, &[u8]) {
        match &self.material {
            KeyMaterial::Rijndael { key, iv } => (BlockCipher::rijndael(key, RijndaelBlock::Bits256), iv),
            KeyMaterial::TripleDes { key, iv } => (BlockCipher::triple_des(key), iv),
        }
    }

    /// Encrypts one chunk of a streamed blob, as an application does before uploading it: on its
    /// own, with CBC restarted from the package's IV. `chunk` is at most [`BLOB_CHUNK_LEN`] bytes;
    /// every chunk but a blob's last should be exactly that long.
    pub fn encrypt_chunk(&self, chunk: &[u8]) -> Result<Vec<u8>, PackageError> {
        if chunk.len() > BLOB_CHUNK_LEN {
            return Err(PackageError::ChunkTooLong { length: chunk.len(), max_len: BLOB_CHUNK_LEN });
        }
        Ok(self.encrypt(chunk))
    }

    /// Decrypts one encrypted chunk of a streamed blob, at most
    /// [`PackageAlgorithm::encrypted_chunk_len`] bytes. A chunk has no integrity check of its own;
    /// one that is empty, not whole blocks, too long or badly padded is reported as corrupt.
    pub fn decrypt_chunk(&self, encrypted_chunk: &[u8]) -> Result<Vec<u8>, PackageError> {
        let corrupt = PackageError::CorruptChunk { length: encrypted_chunk.len() };
        if encrypted_chunk.len() > self.algorithm().encrypted_chunk_len() {
            return Err(corrupt);
        }
        self.decrypt(encrypted_chunk).ok_or(corrupt)
    }

    /// Encrypts a whole blob as an application streams it: in [`BLOB_CHUNK_LEN`] chunks, each
    /// encrypted on its own, concatenated. An empty blob has no chunks.
    pub fn encrypt_blob(&self, blob: &[u8]) -> Vec<u8> {
        let (cipher, iv) = self.cipher();
        blob.chunks(BLOB_CHUNK_LEN).flat_map(|chunk| cipher.encrypt_cbc(iv, chunk)).collect()
    }

    /// Decrypts a whole blob that [`PackageKey::encrypt_blob`] or an application produced, by
    /// splitting it at [`PackageAlgorithm::encrypted_chunk_len`].
    pub fn decrypt_blob(&self, encrypted_blob: &[u8]) -> Result<Vec<u8>, PackageError> {
        let mut blob = Vec::with_capacity(encrypted_blob.len());
        for encrypted_chunk in encrypted_blob.chunks(self.algorithm().encrypted_chunk_len()) {
            blob.extend_from_slice(&self.decrypt_chunk(encrypted_chunk)?);
        }
        Ok(blob)
    }
}

impl Drop for PackageKey {
    fn drop(&mut self) {
        match &mut self.material {
            KeyMaterial::Rijndael { key, iv } => {
                key.zeroize();
                iv.zeroize();
            }
            KeyMaterial::TripleDes { key, iv } => {
                key.zeroize();
                iv.zeroize();
            }
        }
    }
}

impl std::fmt::Debug for PackageKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("PackageKey").field("algorithm", &self.algorithm()).finish_non_exhaustive()
    }
}

/// The integrity HMAC that precedes the things inside a package: keyed with the salt's bytes,
/// over the things' bytes; HMAC-SHA256 for hmac-sha256-aes256 and HMAC-SHA1 for hmac-sha1-3des.
pub(crate) fn integrity_mac(algorithm: PackageAlgorithm, salt: &[u8], things: &[u8]) -> Vec<u8> {
    use hmac::{KeyInit, Mac};
    // HMAC accepts keys of any length; the constructors cannot fail.
    match algorithm {
        PackageAlgorithm::HmacSha256Aes256 => {
            let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(salt).unwrap_or_else(|_| unreachable!());
            mac.update(things);
            mac.finalize().into_bytes().to_vec()
        }
        PackageAlgorithm::HmacSha1TripleDes => {
            let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(salt).unwrap_or_else(|_| unreachable!());
            mac.update(things);
            mac.finalize().into_bytes().to_vec()
        }
    }
}

/// Splits a decrypted package into its HMAC and things, and returns the things when the HMAC
/// matches, compared in constant time.
pub(crate) fn verify_integrity<'plaintext>(
    algorithm: PackageAlgorithm,
    salt: &[u8],
    plaintext: &'plaintext [u8],
) -> Option<&'plaintext [u8]> {
    use hmac::{KeyInit, Mac};
    let mac_len = match algorithm {
        PackageAlgorithm::HmacSha256Aes256 => 32,
        PackageAlgorithm::HmacSha1TripleDes => 20,
    };
    let (tag, things) = plaintext.split_at_checked(mac_len)?;
    let verified = match algorithm {
        PackageAlgorithm::HmacSha256Aes256 => <Hmac<Sha256> as KeyInit>::new_from_slice(salt).is_ok_and(|mut mac| {
            mac.update(things);
            mac.verify_slice(tag).is_ok()
        }),
        PackageAlgorithm::HmacSha1TripleDes => <Hmac<Sha1> as KeyInit>::new_from_slice(salt).is_ok_and(|mut mac| {
            mac.update(things);
            mac.verify_slice(tag).is_ok()
        }),
    };
    verified.then_some(things)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(algorithm: PackageAlgorithm) -> PackageKey {
        let parameters = PackageParameters {
            algorithm,
            salt: "chunk salt".to_owned(),
            iteration_count: 2,
            key_length_bits: algorithm.default_key_length_bits(),
        };
        PackageKey::derive(&parameters, b"answer", Prf::HmacSha256)
    }

    #[test]
    fn the_chunk_sizes_are_what_applications_use() {
        assert_eq!(BLOB_CHUNK_LEN, 2_097_152);
        assert_eq!(ENCRYPTED_BLOB_CHUNK_LEN, 2_097_184);
        assert_eq!(PackageAlgorithm::HmacSha1TripleDes.encrypted_chunk_len(), 2_097_160);
        assert_eq!(BLOB_CHUNK_LEN % 32, 0);
    }

    #[test]
    fn a_full_chunk_gains_one_block() {
        for algorithm in [PackageAlgorithm::HmacSha256Aes256, PackageAlgorithm::HmacSha1TripleDes] {
            let key = key(algorithm);
            let chunk: Vec<u8> = (0..BLOB_CHUNK_LEN).map(|index| (index % 251) as u8).collect();
            let encrypted = key.encrypt_chunk(&chunk).unwrap();
            assert_eq!(encrypted.len(), algorithm.encrypted_chunk_len());
            assert_eq!(key.decrypt_chunk(&encrypted).unwrap(), chunk);
        }
    }

    #[test]
    fn chunks_restart_the_chain() {
        let key = key(PackageAlgorithm::HmacSha256Aes256);
        assert_eq!(key.encrypt_chunk(b"same").unwrap(), key.encrypt_chunk(b"same").unwrap());
        assert_eq!(key.encrypt_chunk(b"same").unwrap(), key.encrypt(b"same"));
    }

    #[test]
    fn a_blob_is_its_chunks_encrypted_one_by_one() {
        let key = key(PackageAlgorithm::HmacSha256Aes256);
        let blob: Vec<u8> = (0..BLOB_CHUNK_LEN + 100).map(|index| (index % 13) as u8).collect();
        let encrypted = key.encrypt_blob(&blob);
        assert_eq!(encrypted.len(), ENCRYPTED_BLOB_CHUNK_LEN + 128);
        assert_eq!(&encrypted[..ENCRYPTED_BLOB_CHUNK_LEN], key.encrypt_chunk(&blob[..BLOB_CHUNK_LEN]).unwrap());
        assert_eq!(key.decrypt_blob(&encrypted).unwrap(), blob);
        assert_eq!(key.encrypt_blob(&[]), Vec::<u8>::new());
        assert_eq!(key.decrypt_blob(&[]).unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn damaged_chunks_are_reported() {
        let key = key(PackageAlgorithm::HmacSha256Aes256);
        assert_eq!(
            key.encrypt_chunk(&vec![0; BLOB_CHUNK_LEN + 1]),
            Err(PackageError::ChunkTooLong { length: BLOB_CHUNK_LEN + 1, max_len: BLOB_CHUNK_LEN })
        );
        assert_eq!(key.decrypt_chunk(&[]), Err(PackageError::CorruptChunk { length: 0 }));
        assert_eq!(key.decrypt_chunk(&[0; 33]), Err(PackageError::CorruptChunk { length: 33 }));
        let too_long = vec![0; ENCRYPTED_BLOB_CHUNK_LEN + 32];
        assert_eq!(key.decrypt_chunk(&too_long), Err(PackageError::CorruptChunk { length: too_long.len() }));
    }

    #[test]
    fn debug_output_leaves_the_key_out() {
        assert_eq!(
            format!("{:?}", key(PackageAlgorithm::HmacSha1TripleDes)),
            "PackageKey { algorithm: HmacSha1TripleDes, .. }"
        );
    }

    /// RFC 6070's first PBKDF2-HMAC-SHA1 vector, through the same call the derivation makes.
    #[test]
    fn pbkdf2_hmac_sha1_matches_rfc_6070() {
        let mut derived = [0u8; 20];
        pbkdf2::pbkdf2_hmac::<Sha1>(b"password", b"salt", 1, &mut derived);
        assert_eq!(
            derived,
            [
                0x0c, 0x60, 0xc8, 0x0f, 0x96, 0x1f, 0x0e, 0x71, 0xf3, 0xa9, 0xb5, 0x24, 0xaf, 0x60, 0x12, 0x06, 0x2f,
                0xe0, 0x37, 0xa6
            ]
        );
    }
}
