-- The record's access history: one row per read or write of a record's things, by a person
-- in the Shell (`application_id` NULL) or an application (online for a person, or offline,
-- `person_id` then being the person the call named, if known). It names the thing types
-- touched (`type_ids`, a JSON array of at most 32 ids) and how many things, never their
-- content. Custodians page through it newest first, hence the index on (record_id,
-- accessed_at); retention deletes by accessed_at.
--
-- A blob download URL is a bearer token handed out by GetThings, so the token now records
-- whom it was handed to (`reader_*`, all NULL for tokens issued before this migration), and
-- a download is logged as that reader's.

CREATE TABLE record_accesses (
    id UUID PRIMARY KEY,
    record_id UUID NOT NULL REFERENCES records (id),
    accessed_at BIGINT NOT NULL,
    person_id UUID,
    application_id UUID,
    avenue TEXT NOT NULL,
    kind TEXT NOT NULL,
    operation TEXT NOT NULL,
    type_ids TEXT NOT NULL,
    thing_count BIGINT NOT NULL
);
CREATE INDEX record_accesses_by_record ON record_accesses (record_id, accessed_at);
CREATE INDEX record_accesses_by_time ON record_accesses (accessed_at);

ALTER TABLE blob_read_tokens ADD COLUMN reader_person_id UUID;
ALTER TABLE blob_read_tokens ADD COLUMN reader_application_id UUID;
ALTER TABLE blob_read_tokens ADD COLUMN reader_avenue TEXT;
