DROP TABLE sharing_invitations;
ALTER TABLE record_members DROP COLUMN access;
