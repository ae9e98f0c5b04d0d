DROP TABLE connect_package_blob_chunks;
DROP TABLE connect_package_blobs;
DROP TABLE connect_packages;
DROP TABLE connect_validations;
DROP TABLE connect_requests;
