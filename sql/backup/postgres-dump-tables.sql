-- Tables whose rows pg_dump writes (plain tables and partitions, not partitioned parents nor
-- extension members), with what a backup needs to name, weigh and count them. Leaves out
-- crm-rescue's staging schemas: they are copies of backups, not data. Sizes come from the
-- statistics (relpages), not pg_table_size(), which would wait behind a lock held by DDL.
SELECT c.oid::bigint AS oid,
       n.nspname AS schema,
       c.relname AS name,
       pn.nspname AS parent_schema,
       p.relname AS parent_name,
       CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint END AS row_estimate,
       c.relpages::bigint * current_setting('block_size')::bigint AS bytes
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_inherits i ON i.inhrelid = c.oid AND c.relispartition
LEFT JOIN pg_class p ON p.oid = i.inhparent
LEFT JOIN pg_namespace pn ON pn.oid = p.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_toast%'
  AND n.nspname NOT LIKE 'pg\_temp\_%'
  AND n.nspname NOT LIKE 'crm\_rescue\_stage\_%'
  AND NOT EXISTS (
    SELECT 1 FROM pg_depend d
    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
  )
ORDER BY n.nspname, c.relname;
