ALTER TABLE blob_read_tokens DROP COLUMN reader_avenue;
ALTER TABLE blob_read_tokens DROP COLUMN reader_application_id;
ALTER TABLE blob_read_tokens DROP COLUMN reader_person_id;
DROP TABLE record_accesses;
