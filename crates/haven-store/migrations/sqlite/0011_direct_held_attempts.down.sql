ALTER TABLE direct_held_messages DROP COLUMN failed_attempts;
