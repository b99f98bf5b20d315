-- Primary keys and unique keys (constraints and plain unique indexes without predicate or
-- expression), columns in key order. $1: text[] of schemas.
SELECT n.nspname AS schema,
       c.relname AS table_name,
       ic.relname AS key_name,
       i.indisprimary AS is_primary,
       array_agg(a.attname ORDER BY k.ord) AS columns,
       bool_or(NOT a.attnotnull) AS nullable
FROM pg_index i
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
WHERE i.indisunique
  AND i.indpred IS NULL
  AND i.indexprs IS NULL
  AND c.relkind IN ('r', 'p')
  AND n.nspname = ANY ($1::text[])
GROUP BY n.nspname, c.relname, ic.relname, i.indisprimary
ORDER BY n.nspname, c.relname, i.indisprimary DESC, ic.relname;
