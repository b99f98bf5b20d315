-- Base tables of the current database with what a backup needs to weigh its progress.
SELECT TABLE_NAME AS name,
       TABLE_ROWS AS row_estimate,
       COALESCE(DATA_LENGTH, 0) AS bytes
FROM information_schema.TABLES
WHERE TABLE_SCHEMA = DATABASE()
  AND TABLE_TYPE = 'BASE TABLE'
ORDER BY TABLE_NAME;
