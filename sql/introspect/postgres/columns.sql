-- Columns of base tables in the chosen schemas. $1: text[] of schemas.
-- equality: 'identity' when the type's own equality holds only for identical values (integers,
-- text under a deterministic collation, bytea, uuid, dates and times without zone, enums), so
-- IS DISTINCT FROM is an exact comparison; 'text' otherwise (interval '1 day' = '24 hours',
-- numeric 1.5 = 1.50, citext, a nondeterministic collation, json, ranges, arrays, composites,
-- floats -0 = 0): an exact comparison compares the values' text. Domains count as their base type.
WITH RECURSIVE domain_base (oid, base) AS (
  SELECT t.oid, t.typbasetype FROM pg_type t WHERE t.typtype = 'd'
  UNION ALL
  SELECT d.oid, t.typbasetype FROM domain_base d JOIN pg_type t ON t.oid = d.base WHERE t.typtype = 'd'
)
SELECT n.nspname AS schema,
       c.relname AS table_name,
       a.attname AS name,
       format_type(a.atttypid, a.atttypmod) AS data_type,
       NOT a.attnotnull AS nullable,
       pg_get_expr(d.adbin, d.adrelid) AS column_default,
       a.attnum AS ordinal,
       (a.attidentity <> '' OR coalesce(pg_get_expr(d.adbin, d.adrelid), '') LIKE 'nextval(%') AS auto_increment,
       (a.attgenerated <> '') AS generated,
       CASE WHEN (bt.typtype = 'e'
                  OR (bt.typnamespace = 'pg_catalog'::regnamespace
                      AND bt.typname IN ('bool', 'int2', 'int4', 'int8', 'oid', 'char', 'name', 'text', 'varchar', 'bpchar',
                                         'bytea', 'uuid', 'date', 'time', 'timestamp', 'timestamptz')))
                 AND coalesce(co.collisdeterministic, true)
            THEN 'identity' ELSE 'text' END AS equality
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN (SELECT db.oid, db.base FROM domain_base db JOIN pg_type b ON b.oid = db.base WHERE b.typtype <> 'd') dom ON dom.oid = a.atttypid
JOIN pg_type bt ON bt.oid = coalesce(dom.base, a.atttypid)
LEFT JOIN pg_collation co ON co.oid = a.attcollation
WHERE c.relkind IN ('r', 'p')
  AND a.attnum > 0
  AND NOT a.attisdropped
  AND n.nspname = ANY ($1::text[])
ORDER BY n.nspname, c.relname, a.attnum;
