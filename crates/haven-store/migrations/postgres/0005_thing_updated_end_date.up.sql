-- A thing's updated-end-date: when it stops being relevant, a wall-clock time stored like
-- eff_date (BIGINT microseconds, as if it were UTC); NULL when the thing has no end date.
-- The history keeps full rows, so its versions carry the column too.

ALTER TABLE things ADD COLUMN updated_end_date BIGINT;
ALTER TABLE thing_versions ADD COLUMN updated_end_date BIGINT;
