-- What the current user may do in the current database.
SELECT current_user AS "user",
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
       has_database_privilege(current_database(), 'CREATE') AS can_create_schema,
       has_database_privilege(current_database(), 'TEMP') AS can_temp,
       count(*) FILTER (WHERE NOT has_table_privilege(c.oid, 'SELECT')) AS tables_without_select,
       count(*) FILTER (WHERE NOT (has_table_privilege(c.oid, 'INSERT') AND has_table_privilege(c.oid, 'UPDATE'))) AS tables_without_write,
       count(*) FILTER (WHERE NOT has_table_privilege(c.oid, 'TRIGGER')) AS tables_without_trigger,
       count(*) AS tables
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_toast%'
  AND n.nspname NOT LIKE 'crm\_rescue%';
