-- SQLite twin of migrations/postgres/0003_application_data.up.sql.
-- What applications keep about the people who authorized them: their own ids for a
-- person's record (alternate ids) and per-person application settings.

CREATE TABLE alternate_ids (
    application_id BLOB NOT NULL REFERENCES applications (id),
    alternate_id TEXT NOT NULL,
    person_id BLOB NOT NULL REFERENCES persons (id),
    record_id BLOB NOT NULL REFERENCES records (id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (application_id, alternate_id)
) STRICT;
CREATE INDEX alternate_ids_by_record ON alternate_ids (application_id, person_id, record_id);

CREATE TABLE application_settings (
    person_id BLOB NOT NULL REFERENCES persons (id),
    application_id BLOB NOT NULL REFERENCES applications (id),
    settings_xml TEXT,
    selected_record_id BLOB REFERENCES records (id),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (person_id, application_id)
) STRICT;
