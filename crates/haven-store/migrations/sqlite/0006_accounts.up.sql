-- SQLite twin of migrations/postgres/0006_accounts.up.sql.
-- Shell accounts: a person's password credential (an Argon2id PHC string, never the
-- password) with the lockout counters, and browser sessions (only the SHA-256 of the
-- cookie's token is stored).

CREATE TABLE credentials (
    person_id BLOB PRIMARY KEY REFERENCES persons (id),
    password_hash TEXT NOT NULL,
    failed_attempts INTEGER NOT NULL,
    locked_until INTEGER,
    changed_at INTEGER NOT NULL
) STRICT;

CREATE TABLE web_sessions (
    token_hash BLOB PRIMARY KEY,
    person_id BLOB REFERENCES persons (id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX web_sessions_by_person ON web_sessions (person_id);
CREATE INDEX web_sessions_by_expiry ON web_sessions (expires_at);
