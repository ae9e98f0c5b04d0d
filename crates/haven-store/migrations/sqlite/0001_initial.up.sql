-- SQLite twin of migrations/postgres/0001_initial.up.sql (UUIDs are BLOBs, booleans
-- INTEGERs, dates TEXT).
-- Persons, records, things with their history, the record operation log, applications
-- and authorizations. Timestamps are INTEGER microseconds since the Unix epoch (UTC);
-- effective dates are wall-clock times stored the same way, as if they were UTC.

CREATE TABLE persons (
    id BLOB PRIMARY KEY,
    sign_in_email TEXT NOT NULL UNIQUE,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    country TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE records (
    id BLOB PRIMARY KEY,
    display_name TEXT NOT NULL,
    state TEXT NOT NULL,
    max_size_bytes INTEGER NOT NULL,
    size_bytes INTEGER NOT NULL,
    location_country TEXT,
    created_at INTEGER NOT NULL,
    latest_operation_sequence INTEGER NOT NULL
) STRICT;

CREATE TABLE record_members (
    record_id BLOB NOT NULL REFERENCES records (id),
    person_id BLOB NOT NULL REFERENCES persons (id),
    is_custodian INTEGER NOT NULL,
    relationship INTEGER NOT NULL,
    granted_at INTEGER NOT NULL,
    expires_at INTEGER,
    PRIMARY KEY (record_id, person_id)
) STRICT;
CREATE INDEX record_members_by_person ON record_members (person_id);

-- The current version of every thing (what queries read).
CREATE TABLE things (
    id BLOB PRIMARY KEY,
    record_id BLOB NOT NULL REFERENCES records (id),
    version_stamp BLOB NOT NULL,
    version_number INTEGER NOT NULL,
    type_id BLOB NOT NULL,
    state TEXT NOT NULL,
    flags INTEGER NOT NULL,
    eff_date INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    created_app BLOB,
    created_person BLOB,
    created_avenue TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_app BLOB,
    updated_person BLOB,
    updated_avenue TEXT NOT NULL,
    updated_action TEXT NOT NULL,
    client_thing_id TEXT,
    data_xml TEXT NOT NULL,
    common TEXT NOT NULL,
    blobs TEXT NOT NULL,
    size_bytes INTEGER NOT NULL
) STRICT;
CREATE INDEX things_by_type ON things (record_id, type_id, eff_date DESC);
CREATE INDEX things_by_date ON things (record_id, eff_date DESC);
CREATE INDEX things_by_update ON things (record_id, updated_at);
CREATE INDEX things_by_client_id ON things (record_id, client_thing_id);

-- Every version of every thing, including the current one.
CREATE TABLE thing_versions (
    version_stamp BLOB PRIMARY KEY,
    thing_id BLOB NOT NULL REFERENCES things (id),
    record_id BLOB NOT NULL REFERENCES records (id),
    version_number INTEGER NOT NULL,
    type_id BLOB NOT NULL,
    state TEXT NOT NULL,
    flags INTEGER NOT NULL,
    eff_date INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    created_app BLOB,
    created_person BLOB,
    created_avenue TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_app BLOB,
    updated_person BLOB,
    updated_avenue TEXT NOT NULL,
    updated_action TEXT NOT NULL,
    client_thing_id TEXT,
    data_xml TEXT NOT NULL,
    common TEXT NOT NULL,
    blobs TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    UNIQUE (thing_id, version_number)
) STRICT;

CREATE TABLE record_operations (
    record_id BLOB NOT NULL REFERENCES records (id),
    sequence INTEGER NOT NULL,
    thing_id BLOB NOT NULL,
    version_stamp BLOB NOT NULL,
    type_id BLOB NOT NULL,
    eff_date INTEGER NOT NULL,
    action TEXT NOT NULL,
    occurred_at INTEGER NOT NULL,
    PRIMARY KEY (record_id, sequence)
) STRICT;

-- Applications and authorizations are documents (JSON text) with their keys as columns.
CREATE TABLE applications (
    id BLOB PRIMARY KEY,
    master_id BLOB,
    document TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX applications_by_master ON applications (master_id);

CREATE TABLE app_authorizations (
    person_id BLOB NOT NULL REFERENCES persons (id),
    record_id BLOB NOT NULL REFERENCES records (id),
    application_id BLOB NOT NULL REFERENCES applications (id),
    document TEXT NOT NULL,
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (person_id, record_id, application_id)
) STRICT;
CREATE INDEX app_authorizations_by_application ON app_authorizations (application_id, granted_at);
