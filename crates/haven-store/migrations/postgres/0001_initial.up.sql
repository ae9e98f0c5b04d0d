-- Persons, records, things with their history, the record operation log, applications
-- and authorizations. Timestamps are BIGINT microseconds since the Unix epoch (UTC);
-- effective dates are wall-clock times stored the same way, as if they were UTC.

CREATE TABLE persons (
    id UUID PRIMARY KEY,
    sign_in_email TEXT NOT NULL UNIQUE,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    birth_date DATE NOT NULL,
    country TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE records (
    id UUID PRIMARY KEY,
    display_name TEXT NOT NULL,
    state TEXT NOT NULL,
    max_size_bytes BIGINT NOT NULL,
    size_bytes BIGINT NOT NULL,
    location_country TEXT,
    created_at BIGINT NOT NULL,
    latest_operation_sequence BIGINT NOT NULL
);

CREATE TABLE record_members (
    record_id UUID NOT NULL REFERENCES records (id),
    person_id UUID NOT NULL REFERENCES persons (id),
    is_custodian BOOLEAN NOT NULL,
    relationship INTEGER NOT NULL,
    granted_at BIGINT NOT NULL,
    expires_at BIGINT,
    PRIMARY KEY (record_id, person_id)
);
CREATE INDEX record_members_by_person ON record_members (person_id);

-- The current version of every thing (what queries read).
CREATE TABLE things (
    id UUID PRIMARY KEY,
    record_id UUID NOT NULL REFERENCES records (id),
    version_stamp UUID NOT NULL,
    version_number BIGINT NOT NULL,
    type_id UUID NOT NULL,
    state TEXT NOT NULL,
    flags BIGINT NOT NULL,
    eff_date BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    created_app UUID,
    created_person UUID,
    created_avenue TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_app UUID,
    updated_person UUID,
    updated_avenue TEXT NOT NULL,
    updated_action TEXT NOT NULL,
    client_thing_id TEXT,
    data_xml TEXT NOT NULL,
    common TEXT NOT NULL,
    blobs TEXT NOT NULL,
    size_bytes BIGINT NOT NULL
);
CREATE INDEX things_by_type ON things (record_id, type_id, eff_date DESC);
CREATE INDEX things_by_date ON things (record_id, eff_date DESC);
CREATE INDEX things_by_update ON things (record_id, updated_at);
CREATE INDEX things_by_client_id ON things (record_id, client_thing_id);

-- Every version of every thing, including the current one.
CREATE TABLE thing_versions (
    version_stamp UUID PRIMARY KEY,
    thing_id UUID NOT NULL REFERENCES things (id),
    record_id UUID NOT NULL REFERENCES records (id),
    version_number BIGINT NOT NULL,
    type_id UUID NOT NULL,
    state TEXT NOT NULL,
    flags BIGINT NOT NULL,
    eff_date BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    created_app UUID,
    created_person UUID,
    created_avenue TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_app UUID,
    updated_person UUID,
    updated_avenue TEXT NOT NULL,
    updated_action TEXT NOT NULL,
    client_thing_id TEXT,
    data_xml TEXT NOT NULL,
    common TEXT NOT NULL,
    blobs TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    UNIQUE (thing_id, version_number)
);

CREATE TABLE record_operations (
    record_id UUID NOT NULL REFERENCES records (id),
    sequence BIGINT NOT NULL,
    thing_id UUID NOT NULL,
    version_stamp UUID NOT NULL,
    type_id UUID NOT NULL,
    eff_date BIGINT NOT NULL,
    action TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    PRIMARY KEY (record_id, sequence)
);

-- Applications and authorizations are documents (JSON text) with their keys as columns.
CREATE TABLE applications (
    id UUID PRIMARY KEY,
    master_id UUID,
    document TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX applications_by_master ON applications (master_id);

CREATE TABLE app_authorizations (
    person_id UUID NOT NULL REFERENCES persons (id),
    record_id UUID NOT NULL REFERENCES records (id),
    application_id UUID NOT NULL REFERENCES applications (id),
    document TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (person_id, record_id, application_id)
);
CREATE INDEX app_authorizations_by_application ON app_authorizations (application_id, granted_at);
