ALTER TABLE thing_versions DROP COLUMN updated_end_date;
ALTER TABLE things DROP COLUMN updated_end_date;
