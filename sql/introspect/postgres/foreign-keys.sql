-- Declared foreign keys, columns paired in order. $1: text[] of schemas.
SELECT n.nspname AS schema,
       c.relname AS table_name,
       con.conname AS name,
       rn.nspname AS ref_schema,
       rc.relname AS ref_table,
       array_agg(a.attname ORDER BY k.ord) AS columns,
       array_agg(ra.attname ORDER BY k.ord) AS ref_columns,
       CASE con.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT'
                            WHEN 'r' THEN 'RESTRICT' ELSE 'NO ACTION' END AS on_delete
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class rc ON rc.oid = con.confrelid
JOIN pg_namespace rn ON rn.oid = rc.relnamespace
CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(attnum, refattnum, ord)
JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = k.refattnum
WHERE con.contype = 'f'
  AND n.nspname = ANY ($1::text[])
GROUP BY n.nspname, c.relname, con.conname, rn.nspname, rc.relname, con.confdeltype
ORDER BY n.nspname, c.relname, con.conname;
