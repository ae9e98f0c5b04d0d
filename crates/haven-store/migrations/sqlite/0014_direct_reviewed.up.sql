-- When the person added the entries of a clinical document attachment to a record, after
-- reviewing them; set once, so the same entries are not added twice.
ALTER TABLE direct_attachments ADD COLUMN reviewed_at INTEGER;
