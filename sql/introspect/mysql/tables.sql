-- Base tables (system-versioned ones too: their current rows) of the current database with estimates and sizes.
SELECT TABLE_SCHEMA AS `schema`,
       TABLE_NAME AS name,
       TABLE_ROWS AS row_estimate,
       COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0) AS bytes
FROM information_schema.TABLES
WHERE TABLE_SCHEMA = COALESCE(?, DATABASE())
  AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')
ORDER BY TABLE_NAME;
