DROP TABLE app_authorizations;
DROP TABLE applications;
DROP TABLE record_operations;
DROP TABLE thing_versions;
DROP TABLE things;
DROP TABLE record_members;
DROP TABLE records;
DROP TABLE persons;
