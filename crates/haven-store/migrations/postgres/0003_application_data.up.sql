-- What applications keep about the people who authorized them: their own ids for a
-- person's record (alternate ids) and per-person application settings.

CREATE TABLE alternate_ids (
    application_id UUID NOT NULL REFERENCES applications (id),
    alternate_id TEXT NOT NULL,
    person_id UUID NOT NULL REFERENCES persons (id),
    record_id UUID NOT NULL REFERENCES records (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (application_id, alternate_id)
);
CREATE INDEX alternate_ids_by_record ON alternate_ids (application_id, person_id, record_id);

CREATE TABLE application_settings (
    person_id UUID NOT NULL REFERENCES persons (id),
    application_id UUID NOT NULL REFERENCES applications (id),
    settings_xml TEXT,
    selected_record_id UUID REFERENCES records (id),
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (person_id, application_id)
);
