-- Non-system schemas of the current database.
SELECT nspname AS schema
FROM pg_namespace
WHERE nspname NOT IN ('pg_catalog', 'information_schema')
  AND nspname NOT LIKE 'pg\_toast%'
  AND nspname NOT LIKE 'pg\_temp\_%'
ORDER BY nspname;
