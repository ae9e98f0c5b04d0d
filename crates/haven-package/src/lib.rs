//! HealthVault's password-protected packages, the payload of drop-off/pick-up (DOPU): reading
//! and writing the package thing's data-xml (algorithm, salt, iteration count, key length),
//! sealing a sequence of `<thing>` elements with the answer to a secret question, opening a
//! package with an answer, and encrypting or decrypting the chunks of a package's streamed
//! blobs with the key found on opening. It is pure logic with no IO, clock or randomness: the
//! caller supplies the salt, and carrying the ciphertext (the thing's data-other or blob) and
//! parsing the things are other crates' concerns.
//!
//! The format is the .NET SDK's, which the documentation describes only in part. A package's
//! plaintext is an HMAC of the things keyed with the salt's bytes, followed by the things; it is
//! encrypted in CBC mode with a key and IV that PBKDF2 derives from the lower-cased answer.
//! `hmac-sha256-aes256` means Rijndael with a 256-bit block (written here because no
//! maintained crate has it) and `hmac-sha1-3des` triple DES. See [`seal`] and [`open`] for the
//! choices made where the documentation and the SDK differ.

mod cbc;
mod error;
mod key;
mod package;
mod parameters;
mod rijndael;

pub use error::PackageError;
pub use key::{BLOB_CHUNK_LEN, ENCRYPTED_BLOB_CHUNK_LEN, PackageKey};
pub use package::{OpenedPackage, SealedPackage, open, seal, seal_with_key, sealing_key};
pub use parameters::{
    DEFAULT_ITERATION_COUNT, MAX_ITERATION_COUNT, PACKAGE_NAMESPACE, PackageAlgorithm, PackageParameters,
};
