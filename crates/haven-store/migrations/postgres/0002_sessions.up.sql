-- Application sessions and user tokens. Only the SHA-256 of a token is stored. The shared
-- secret of an application session must stay usable to verify request HMACs.

CREATE TABLE app_sessions (
    token_hash BYTEA PRIMARY KEY,
    application_id UUID NOT NULL REFERENCES applications (id),
    shared_secret BYTEA NOT NULL,
    algorithm TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX app_sessions_by_expiry ON app_sessions (expires_at);

CREATE TABLE user_tokens (
    token_hash BYTEA PRIMARY KEY,
    person_id UUID NOT NULL REFERENCES persons (id),
    application_id UUID NOT NULL REFERENCES applications (id),
    selected_record_id UUID REFERENCES records (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX user_tokens_by_person ON user_tokens (person_id, application_id);
