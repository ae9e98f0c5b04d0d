ALTER TABLE direct_attachments DROP COLUMN reviewed_at;
