//! The Platform's request limits, reported to clients in GetServiceDefinition's
//! `configuration` entries.

/// Most groups in one GetThings request (`maxGetThingsQueryGroups`); more answer
/// TOO_MANY_GROUPS_IN_QUERY.
pub const MAX_GET_THINGS_GROUPS: usize = 30;

/// Most full things per GetThings group (`maxFullThingResultsPerGroup`); further matches
/// come back as keys for the client to page through.
pub const MAX_FULL_THINGS_PER_GROUP: u32 = 240;

/// Most keys-only things per GetThings group (`maxPartialThingResultsPerGroup`).
pub const MAX_PARTIAL_THINGS_PER_GROUP: u32 = 500;

/// Most things one PutThings or RemoveThings request may name; more answer
/// TOO_MANY_THINGS_SPECIFIED.
pub const MAX_THINGS_PER_WRITE: usize = 250;

/// Most people in one GetAuthorizedPeople page (also the default page size).
pub const MAX_AUTHORIZED_PEOPLE_PAGE: usize = 100;

/// Most operations one GetRecordOperations answer holds; the client asks again from the last
/// sequence number it was given.
pub const MAX_RECORD_OPERATIONS_PER_CALL: u32 = 500;

/// Largest streamed package blob accepted (BeginPutConnectPackageBlob's `max-blob-size`), in
/// encrypted bytes: a blob of [`haven_domain::blob::MAX_BLOB_BYTES`] plain bytes, each of its
/// [`haven_package::BLOB_CHUNK_LEN`] chunks grown by the cipher's padding (at most one
/// 32-byte block, the larger cipher's).
pub const MAX_PACKAGE_BLOB_BYTES: u64 = haven_domain::blob::MAX_BLOB_BYTES
    + haven_domain::blob::MAX_BLOB_BYTES.div_ceil(haven_package::BLOB_CHUNK_LEN as u64)
        * (haven_package::ENCRYPTED_BLOB_CHUNK_LEN - haven_package::BLOB_CHUNK_LEN) as u64;
