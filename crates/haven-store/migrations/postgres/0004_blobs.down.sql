DROP TABLE blob_read_tokens;
DROP TABLE blob_chunks;
DROP TABLE blobs;
