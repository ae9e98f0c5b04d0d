-- SQLite twin of migrations/postgres/0002_sessions.up.sql.
-- Application sessions and user tokens. Only the SHA-256 of a token is stored. The shared
-- secret of an application session must stay usable to verify request HMACs.

CREATE TABLE app_sessions (
    token_hash BLOB PRIMARY KEY,
    application_id BLOB NOT NULL REFERENCES applications (id),
    shared_secret BLOB NOT NULL,
    algorithm TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX app_sessions_by_expiry ON app_sessions (expires_at);

CREATE TABLE user_tokens (
    token_hash BLOB PRIMARY KEY,
    person_id BLOB NOT NULL REFERENCES persons (id),
    application_id BLOB NOT NULL REFERENCES applications (id),
    selected_record_id BLOB REFERENCES records (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;
CREATE INDEX user_tokens_by_person ON user_tokens (person_id, application_id);
