-- Record sharing. A member's `access` is the JSON of the rules that limit what a
-- non-custodian may do (haven_domain::record::RecordMember::access); NULL means no limit, as
-- for custodians and a person's own records. A custodian invites a person by e-mail: the
-- invitation is found by the hash of the token in the e-mailed link, and the code the
-- invitee types is stored only as a hash too. `access` is the JSON of the ShareAccess
-- offered; an acceptance sets `accepted_person_id` and `accepted_at` once, a revocation
-- `revoked_at`, and the third wrong code locks it
-- (haven_domain::sharing::MAX_INVITATION_ATTEMPTS).
ALTER TABLE record_members ADD COLUMN access TEXT;

CREATE TABLE sharing_invitations (
    id UUID PRIMARY KEY,
    record_id UUID NOT NULL REFERENCES records (id),
    grantor_id UUID NOT NULL REFERENCES persons (id),
    invitee_email TEXT NOT NULL,
    invitee_name TEXT NOT NULL,
    relationship INTEGER NOT NULL,
    access TEXT NOT NULL,
    access_expires_at BIGINT,
    link_hash BYTEA NOT NULL UNIQUE,
    code_hash BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    failed_attempts BIGINT NOT NULL DEFAULT 0,
    accepted_person_id UUID REFERENCES persons (id),
    accepted_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX sharing_invitations_by_record ON sharing_invitations (record_id, created_at);
