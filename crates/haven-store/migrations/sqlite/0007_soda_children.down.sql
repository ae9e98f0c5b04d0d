DROP TABLE soda_creations;
