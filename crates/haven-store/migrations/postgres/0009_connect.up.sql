-- Patient Connect and DOPU. Identity codes and answers are stored only as hashes.
-- A connect request lives until `expires_at`: four weeks after creation while never
-- validated, 90 days after its last validation otherwise; each validation (a person and the
-- record they chose) is a row of connect_validations. A package is allocated (contents
-- NULL), filled once, and picked up at most once (`picked_up_at`).

CREATE TABLE connect_requests (
    id UUID PRIMARY KEY,
    application_id UUID NOT NULL REFERENCES applications (id),
    code_hash BYTEA NOT NULL UNIQUE,
    friendly_name TEXT NOT NULL,
    question TEXT NOT NULL,
    answer_hash TEXT NOT NULL,
    external_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    failed_attempts BIGINT NOT NULL,
    last_validated_at BIGINT,
    expires_at BIGINT NOT NULL,
    UNIQUE (application_id, external_id)
);
CREATE INDEX connect_requests_by_expiry ON connect_requests (expires_at);

CREATE TABLE connect_validations (
    request_id UUID NOT NULL REFERENCES connect_requests (id) ON DELETE CASCADE,
    application_id UUID NOT NULL,
    person_id UUID NOT NULL,
    record_id UUID NOT NULL,
    validated_at BIGINT NOT NULL,
    PRIMARY KEY (request_id, person_id, record_id)
);
CREATE INDEX connect_validations_by_application ON connect_validations (application_id, validated_at);

CREATE TABLE connect_packages (
    id UUID PRIMARY KEY,
    application_id UUID NOT NULL REFERENCES applications (id),
    code_hash BYTEA NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    failed_attempts BIGINT NOT NULL,
    friendly_name TEXT,
    question TEXT,
    external_id TEXT,
    parameters_xml TEXT,
    ciphertext BYTEA,
    filled_at BIGINT,
    picked_up_at BIGINT,
    picked_up_record_id UUID
);
CREATE INDEX connect_packages_by_expiry ON connect_packages (expires_at);
CREATE INDEX connect_packages_by_external_id ON connect_packages (application_id, external_id);

-- Streamed blobs of packages (BeginPutConnectPackageBlob): chunks the application encrypted
-- with the package's key, uploaded before CreateConnectPackage names them (`package_id` is
-- set then), decrypted into the record's blobs at pickup and deleted with their package.
CREATE TABLE connect_package_blobs (
    id UUID PRIMARY KEY,
    application_id UUID NOT NULL REFERENCES applications (id),
    package_id UUID REFERENCES connect_packages (id) ON DELETE CASCADE,
    upload_token_hash BYTEA NOT NULL UNIQUE,
    upload_expires_at BIGINT NOT NULL,
    complete BOOLEAN NOT NULL,
    length BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX connect_package_blobs_by_package ON connect_package_blobs (package_id);

CREATE TABLE connect_package_blob_chunks (
    blob_id UUID NOT NULL REFERENCES connect_package_blobs (id) ON DELETE CASCADE,
    start_offset BIGINT NOT NULL,
    content BYTEA NOT NULL,
    PRIMARY KEY (blob_id, start_offset)
);
