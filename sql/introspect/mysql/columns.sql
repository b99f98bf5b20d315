-- Columns of base tables (system-versioned ones too) in the current database.
SELECT c.TABLE_SCHEMA AS `schema`,
       c.TABLE_NAME AS table_name,
       c.COLUMN_NAME AS name,
       c.COLUMN_TYPE AS data_type,
       c.IS_NULLABLE = 'YES' AS nullable,
       c.COLUMN_DEFAULT AS column_default,
       c.ORDINAL_POSITION AS ordinal,
       c.EXTRA LIKE '%auto_increment%' AS auto_increment,
       (c.EXTRA LIKE '%GENERATED%' OR c.EXTRA LIKE '%VIRTUAL%' OR c.EXTRA LIKE '%PERSISTENT%' OR c.EXTRA LIKE '%STORED%') AS `generated`
FROM information_schema.COLUMNS c
JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
WHERE c.TABLE_SCHEMA = COALESCE(?, DATABASE())
  AND t.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')
ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION;
