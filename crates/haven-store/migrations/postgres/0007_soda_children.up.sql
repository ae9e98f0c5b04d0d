-- SODA children: what each app-creation token issued by NewApplicationCreationInfo stands
-- for. Only the SHA-256 of the token is stored. The child application itself (with its
-- HMAC secret) is an ordinary row of `applications`; it may sign in once `completed_at` is
-- set (a person completed CREATEAPPLICATION in the Shell).

CREATE TABLE soda_creations (
    token_hash BYTEA PRIMARY KEY,
    application_id UUID NOT NULL REFERENCES applications (id),
    master_id UUID NOT NULL REFERENCES applications (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    completed_at BIGINT
);
CREATE UNIQUE INDEX soda_creations_by_application ON soda_creations (application_id);
