use crate::parameters::{MAX_ITERATION_COUNT, PackageAlgorithm};

/// What went wrong reading, sealing or opening a package.
///
/// Everything a wrong answer can cause (a padding that does not parse, a plaintext too short to
/// hold the integrity HMAC, an HMAC that does not match) is the single variant
/// [`PackageError::WrongAnswer`], so that a caller's messages cannot tell an attacker which step
/// failed. The other variants describe the package's form, which does not depend on the answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackageError {
    /// The data-xml is not well-formed XML.
    #[error("the package's data-xml is not well-formed XML: {0}")]
    MalformedXml(String),
    /// The data-xml's root element is not `password-protected-package` (in no namespace or in
    /// the package's namespace). It carries the root's name, as `{namespace}name` when it has a
    /// namespace.
    #[error("the package's data-xml is a <{0}>, not a <password-protected-package>")]
    NotAPackage(String),
    /// An element the package cannot do without is absent.
    #[error("the package's data-xml has no <{0}> element")]
    MissingElement(&'static str),
    /// The algorithm name is not one HealthVault defined.
    #[error("the package's encryption algorithm {0:?} is not hmac-sha256-aes256 or hmac-sha1-3des")]
    UnknownAlgorithm(String),
    /// The algorithm is `none`. HealthVault's schema allows it, but a package must be protected
    /// by the answer to its secret question.
    #[error("the package is not encrypted (algorithm none); a package must be protected by its answer")]
    Unprotected,
    /// The salt is empty.
    #[error("the package's salt is empty")]
    EmptySalt,
    /// The salt holds a character XML 1.0 cannot carry, so no data-xml could name it.
    #[error("the package's salt holds a character XML cannot carry")]
    SaltNotXmlText,
    /// A number in the parameters is not an integer.
    #[error("the package's <{element}> holds {text:?}, which is not an integer")]
    NotAnInteger {
        /// The element's name.
        element: &'static str,
        /// Its text as written.
        text: String,
    },
    /// The iteration count is below one or above [`MAX_ITERATION_COUNT`].
    #[error("the package's iteration count {0} is outside 1 to {MAX_ITERATION_COUNT}")]
    IterationCountOutOfRange(i64),
    /// The key length does not fit the algorithm: hmac-sha256-aes256 takes 256 bits,
    /// hmac-sha1-3des 192 or 168 (both a 24-byte key).
    #[error("{algorithm} does not take a {bits}-bit key")]
    UnsupportedKeyLength {
        /// The package's algorithm.
        algorithm: PackageAlgorithm,
        /// The key length it named, in bits.
        bits: i64,
    },
    /// The answer is empty; the .NET SDK refused empty answers too.
    #[error("the answer to the secret question is empty")]
    EmptyAnswer,
    /// There is no ciphertext to open.
    #[error("the package's ciphertext is empty")]
    EmptyCiphertext,
    /// The ciphertext is not a whole number of cipher blocks, so it was truncated or is not a
    /// package's.
    #[error("the package's ciphertext is {length} bytes long, not a multiple of the {block_len}-byte block")]
    CiphertextNotBlockAligned {
        /// The ciphertext's length in bytes.
        length: usize,
        /// The cipher's block length in bytes.
        block_len: usize,
    },
    /// The answer does not open the package, or the ciphertext was altered. The two cannot be told
    /// apart, on purpose.
    #[error("the answer does not open the package, or the package was altered")]
    WrongAnswer,
    /// The package opened and its integrity HMAC matched, but its content is not UTF-8 text.
    #[error("the package's content is not UTF-8 text")]
    ThingsNotUtf8,
    /// A blob chunk to encrypt is longer than [`crate::BLOB_CHUNK_LEN`].
    #[error("a blob chunk of {length} bytes is longer than the {max_len}-byte chunk")]
    ChunkTooLong {
        /// The chunk's length in bytes.
        length: usize,
        /// The longest chunk allowed, in bytes.
        max_len: usize,
    },
    /// An encrypted blob chunk is empty, not whole blocks, longer than one encrypted chunk, or
    /// its padding does not parse: it was truncated or altered.
    #[error("an encrypted blob chunk of {length} bytes is damaged or truncated")]
    CorruptChunk {
        /// The encrypted chunk's length in bytes.
        length: usize,
    },
}
