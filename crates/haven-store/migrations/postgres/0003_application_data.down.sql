DROP TABLE application_settings;
DROP TABLE alternate_ids;
