-- Shell accounts: a person's password credential (an Argon2id PHC string, never the
-- password) with the lockout counters, and browser sessions (only the SHA-256 of the
-- cookie's token is stored).

CREATE TABLE credentials (
    person_id UUID PRIMARY KEY REFERENCES persons (id),
    password_hash TEXT NOT NULL,
    failed_attempts INTEGER NOT NULL,
    locked_until BIGINT,
    changed_at BIGINT NOT NULL
);

CREATE TABLE web_sessions (
    token_hash BYTEA PRIMARY KEY,
    person_id UUID REFERENCES persons (id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX web_sessions_by_person ON web_sessions (person_id);
CREATE INDEX web_sessions_by_expiry ON web_sessions (expires_at);
