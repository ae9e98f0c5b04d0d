-- SQLite twin of migrations/postgres/0005_thing_updated_end_date.up.sql.
-- A thing's updated-end-date: when it stops being relevant, a wall-clock time stored like
-- eff_date (INTEGER microseconds, as if it were UTC); NULL when the thing has no end date.
-- The history keeps full rows, so its versions carry the column too.

ALTER TABLE things ADD COLUMN updated_end_date INTEGER;
ALTER TABLE thing_versions ADD COLUMN updated_end_date INTEGER;
