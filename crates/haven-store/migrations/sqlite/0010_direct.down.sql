DROP TABLE direct_held_messages;
DROP TABLE direct_attachments;
DROP TABLE direct_messages;
DROP TABLE direct_addresses;
