-- For the audit install pre-check: may the current user create the internal schema (or
-- objects in it), and which of the given tables ($2 = schemas, $3 = names) lack TRIGGER.
SELECT current_user AS "user",
       EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS ns_exists,
       has_database_privilege(current_database(), 'CREATE') AS can_create_schema,
       CASE WHEN EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) THEN has_schema_privilege($1, 'CREATE') ELSE false END AS can_create_in_ns,
       (SELECT COALESCE(json_agg(json_build_array(t.s, t.n)), '[]'::json)
         FROM unnest($2::text[], $3::text[]) AS t(s, n)
         JOIN pg_namespace ns ON ns.nspname = t.s
         JOIN pg_class c ON c.relnamespace = ns.oid AND c.relname = t.n
         WHERE NOT has_table_privilege(c.oid, 'TRIGGER')) AS without_trigger;
