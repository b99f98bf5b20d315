-- Base tables (and partitioned parents) of the chosen schemas, with estimates and sizes; their
-- partitions too when asked for. $1: text[] of schemas to read; $2: also partitions.
SELECT n.nspname AS schema,
       c.relname AS name,
       CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint END AS row_estimate,
       pg_total_relation_size(c.oid) AS bytes,
       -- Other tables inherit from it (INHERITS): a plain read of it reads their rows too.
       (c.relkind = 'r' AND EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhparent = c.oid)) AS has_children
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND (NOT c.relispartition OR $2::boolean)
  AND n.nspname = ANY ($1::text[])
ORDER BY n.nspname, c.relname;
