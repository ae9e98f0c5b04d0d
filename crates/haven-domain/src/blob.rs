//! Blobs: file content attached to things, uploaded in chunks (or inline) and read back
//! through expiring URLs. The limits are named here and reported to clients.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::ids::{ApplicationId, BlobId, RecordId};

/// Chunk size clients are told to send, and the block size of the `SHA256Block` hash
/// (HealthVault used 2 MiB for both).
pub const BLOB_CHUNK_BYTES: u32 = 2 * 1024 * 1024;

/// Largest blob accepted.
pub const MAX_BLOB_BYTES: u64 = 256 * 1024 * 1024;

/// How long an upload URL from BeginPutBlob stays usable (`blobStreamWriteTokenTtlMs`).
pub const BLOB_UPLOAD_TOKEN_LIFETIME: Duration = Duration::hours(2);

/// How long a download URL from GetThings stays usable (`BlobStreamTokenTtlMs`).
pub const BLOB_READ_TOKEN_LIFETIME: Duration = Duration::hours(1);

/// The name of the blob hash algorithm: SHA-256 over the concatenated SHA-256 hashes of
/// [`BLOB_CHUNK_BYTES`] blocks (an empty blob hashes the empty string).
pub const BLOB_HASH_ALGORITHM: &str = "SHA256Block";

/// A stored blob, whole or still being uploaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredBlob {
    /// Its id.
    pub id: BlobId,
    /// The record it belongs to.
    pub record_id: RecordId,
    /// The application that uploaded it, if one did.
    pub application_id: Option<ApplicationId>,
    /// Whether the upload finished; only complete blobs can be attached to things.
    pub complete: bool,
    /// Bytes received so far (all of them when complete).
    pub length: u64,
    /// The `SHA256Block` hash, once complete.
    pub hash: Option<Vec<u8>>,
    /// When the upload started.
    pub created_at: OffsetDateTime,
    /// Until when the upload URL may be used (uploads in progress only).
    pub upload_expires_at: Option<OffsetDateTime>,
}

/// The `SHA256Block` hash: SHA-256 over the concatenated SHA-256 hashes of each
/// [`BLOB_CHUNK_BYTES`] block of `content` (an empty blob has no block: the hash of nothing).
pub fn sha256_block(content: &[u8]) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut outer = Sha256::new();
    for block in content.chunks(BLOB_CHUNK_BYTES as usize) {
        outer.update(Sha256::digest(block));
    }
    outer.finalize().to_vec()
}

#[cfg(test)]
mod sha256_block_tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn sha256_block_hashes_the_block_hashes() {
        let small = b"hello";
        assert_eq!(sha256_block(small), Sha256::digest(Sha256::digest(small)).to_vec());
        let large = vec![7_u8; BLOB_CHUNK_BYTES as usize + 10];
        let mut outer = Sha256::new();
        outer.update(Sha256::digest(&large[..BLOB_CHUNK_BYTES as usize]));
        outer.update(Sha256::digest(&large[BLOB_CHUNK_BYTES as usize..]));
        assert_eq!(sha256_block(&large), outer.finalize().to_vec());
        assert_eq!(sha256_block(b""), Sha256::digest(b"").to_vec());
    }
}
