-- SQLite twin of migrations/postgres/0007_soda_children.up.sql.
-- SODA children: what each app-creation token issued by NewApplicationCreationInfo stands
-- for. Only the SHA-256 of the token is stored. The child application itself (with its
-- HMAC secret) is an ordinary row of `applications`; it may sign in once `completed_at` is
-- set (a person completed CREATEAPPLICATION in the Shell).

CREATE TABLE soda_creations (
    token_hash BLOB PRIMARY KEY,
    application_id BLOB NOT NULL REFERENCES applications (id),
    master_id BLOB NOT NULL REFERENCES applications (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    completed_at INTEGER
) STRICT;
CREATE UNIQUE INDEX soda_creations_by_application ON soda_creations (application_id);
