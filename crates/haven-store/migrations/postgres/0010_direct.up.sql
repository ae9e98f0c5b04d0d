-- Direct messaging's message center. Each person may choose one Direct local part, unique in
-- the instance (the domain comes from configuration). A message belongs to its addressee
-- (`person_id`), or to nobody while it is held for an invited e-mail address (the `newuser@`
-- flow): then a row of direct_held_messages carries the invitation, whose code is stored only
-- as a hash, and a release sets `person_id` once. Attachments are stored whole with their
-- message; `added_record_id` and `added_thing_id` say where the person filed one.

CREATE TABLE direct_addresses (
    person_id UUID PRIMARY KEY REFERENCES persons (id),
    local_part TEXT NOT NULL UNIQUE,
    assigned_at BIGINT NOT NULL
);

CREATE TABLE direct_messages (
    id UUID PRIMARY KEY,
    person_id UUID REFERENCES persons (id),
    sender TEXT NOT NULL,
    recipients TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX direct_messages_by_person ON direct_messages (person_id, received_at);

CREATE TABLE direct_attachments (
    id UUID PRIMARY KEY,
    message_id UUID NOT NULL REFERENCES direct_messages (id) ON DELETE CASCADE,
    ordinal BIGINT NOT NULL,
    file_name TEXT,
    content_type TEXT NOT NULL,
    document_kind TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    content BYTEA NOT NULL,
    added_record_id UUID,
    added_thing_id UUID,
    UNIQUE (message_id, ordinal)
);

CREATE TABLE direct_held_messages (
    message_id UUID PRIMARY KEY REFERENCES direct_messages (id) ON DELETE CASCADE,
    invited_email TEXT NOT NULL,
    invitation_hash BYTEA NOT NULL UNIQUE,
    question TEXT,
    answer_hash TEXT,
    held_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    released_person_id UUID REFERENCES persons (id),
    released_at BIGINT
);
CREATE INDEX direct_held_messages_by_expiry ON direct_held_messages (expires_at);
