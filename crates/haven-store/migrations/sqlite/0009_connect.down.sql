DROP TABLE connect_packages;
DROP TABLE connect_validations;
DROP TABLE connect_requests;
