-- Blob content (files attached to things). A blob is uploaded in chunks (or arrives inline
-- in one), then completed; things refer to complete blobs by id. Upload and download tokens
-- are stored as SHA-256 hashes.

CREATE TABLE blobs (
    id UUID PRIMARY KEY,
    record_id UUID NOT NULL REFERENCES records (id),
    application_id UUID REFERENCES applications (id),
    upload_token_hash BYTEA UNIQUE,
    upload_expires_at BIGINT,
    complete BOOLEAN NOT NULL,
    length BIGINT NOT NULL,
    hash BYTEA,
    created_at BIGINT NOT NULL
);
CREATE INDEX blobs_incomplete ON blobs (complete, created_at);

CREATE TABLE blob_chunks (
    blob_id UUID NOT NULL REFERENCES blobs (id) ON DELETE CASCADE,
    start_offset BIGINT NOT NULL,
    content BYTEA NOT NULL,
    PRIMARY KEY (blob_id, start_offset)
);

CREATE TABLE blob_read_tokens (
    token_hash BYTEA PRIMARY KEY,
    blob_id UUID NOT NULL REFERENCES blobs (id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL
);
CREATE INDEX blob_read_tokens_by_expiry ON blob_read_tokens (expires_at);
