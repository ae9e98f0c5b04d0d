-- SQLite twin of migrations/postgres/0010_direct.up.sql.
-- Direct messaging's message center. Each person may choose one Direct local part, unique in
-- the instance (the domain comes from configuration). A message belongs to its addressee
-- (`person_id`), or to nobody while it is held for an invited e-mail address (the `newuser@`
-- flow): then a row of direct_held_messages carries the invitation, whose code is stored only
-- as a hash, and a release sets `person_id` once. Attachments are stored whole with their
-- message; `added_record_id` and `added_thing_id` say where the person filed one.

CREATE TABLE direct_addresses (
    person_id BLOB PRIMARY KEY REFERENCES persons (id),
    local_part TEXT NOT NULL UNIQUE,
    assigned_at INTEGER NOT NULL
) STRICT;

CREATE TABLE direct_messages (
    id BLOB PRIMARY KEY,
    person_id BLOB REFERENCES persons (id),
    sender TEXT NOT NULL,
    recipients TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    read_at INTEGER
) STRICT;
CREATE INDEX direct_messages_by_person ON direct_messages (person_id, received_at);

CREATE TABLE direct_attachments (
    id BLOB PRIMARY KEY,
    message_id BLOB NOT NULL REFERENCES direct_messages (id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    file_name TEXT,
    content_type TEXT NOT NULL,
    document_kind TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    content BLOB NOT NULL,
    added_record_id BLOB,
    added_thing_id BLOB,
    UNIQUE (message_id, ordinal)
) STRICT;

CREATE TABLE direct_held_messages (
    message_id BLOB PRIMARY KEY REFERENCES direct_messages (id) ON DELETE CASCADE,
    invited_email TEXT NOT NULL,
    invitation_hash BLOB NOT NULL UNIQUE,
    question TEXT,
    answer_hash TEXT,
    held_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    released_person_id BLOB REFERENCES persons (id),
    released_at INTEGER
) STRICT;
CREATE INDEX direct_held_messages_by_expiry ON direct_held_messages (expires_at);
