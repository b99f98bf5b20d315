-- Primary and unique keys of the current database, one row per key column, in key order.
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
ORDER BY s.TABLE_NAME, s.INDEX_NAME = 'PRIMARY' DESC, s.INDEX_NAME, s.SEQ_IN_INDEX;
