-- Primary and unique keys of the current database, one row per key column, in key order. The
-- row end column MariaDB adds to every key of a system-versioned table is left out: among the
-- current rows (all that a read, a diff or a merge sees) the key is unique without it.
SELECT s.TABLE_SCHEMA AS `schema`,
       s.TABLE_NAME AS table_name,
       s.INDEX_NAME AS key_name,
       s.INDEX_NAME = 'PRIMARY' AS is_primary,
       s.COLUMN_NAME AS column_name,
       s.SEQ_IN_INDEX AS seq,
       s.NULLABLE = 'YES' AS nullable,
       s.SUB_PART AS sub_part
FROM information_schema.STATISTICS s
WHERE s.TABLE_SCHEMA = COALESCE(?, DATABASE())
  AND s.NON_UNIQUE = 0
  AND NOT EXISTS (
    SELECT 1 FROM information_schema.COLUMNS c
    WHERE c.TABLE_SCHEMA = s.TABLE_SCHEMA AND c.TABLE_NAME = s.TABLE_NAME AND c.COLUMN_NAME = s.COLUMN_NAME
      AND c.GENERATION_EXPRESSION = 'ROW END'
  )
ORDER BY s.TABLE_NAME, s.INDEX_NAME = 'PRIMARY' DESC, s.INDEX_NAME, s.SEQ_IN_INDEX;
