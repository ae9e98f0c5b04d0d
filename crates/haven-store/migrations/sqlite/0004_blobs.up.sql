-- SQLite twin of migrations/postgres/0004_blobs.up.sql.
-- Blob content (files attached to things). A blob is uploaded in chunks (or arrives inline
-- in one), then completed; things refer to complete blobs by id. Upload and download tokens
-- are stored as SHA-256 hashes.

CREATE TABLE blobs (
    id BLOB PRIMARY KEY,
    record_id BLOB NOT NULL REFERENCES records (id),
    application_id BLOB REFERENCES applications (id),
    upload_token_hash BLOB UNIQUE,
    upload_expires_at INTEGER,
    complete INTEGER NOT NULL,
    length INTEGER NOT NULL,
    hash BLOB,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX blobs_incomplete ON blobs (complete, created_at);

CREATE TABLE blob_chunks (
    blob_id BLOB NOT NULL REFERENCES blobs (id) ON DELETE CASCADE,
    start_offset INTEGER NOT NULL,
    content BLOB NOT NULL,
    PRIMARY KEY (blob_id, start_offset)
) STRICT;

CREATE TABLE blob_read_tokens (
    token_hash BLOB PRIMARY KEY,
    blob_id BLOB NOT NULL REFERENCES blobs (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX blob_read_tokens_by_expiry ON blob_read_tokens (expires_at);
