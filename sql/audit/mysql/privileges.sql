-- Grants of the current user at every level (global, database, table), for the audit install
-- pre-check: TRIGGER on each table, CREATE/INSERT on the internal database.
SELECT PRIVILEGE_TYPE AS privilege, 'global' AS level, CAST(NULL AS CHAR) AS db, CAST(NULL AS CHAR) AS tbl
FROM information_schema.USER_PRIVILEGES
WHERE GRANTEE = CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')
UNION ALL
SELECT PRIVILEGE_TYPE, 'schema', TABLE_SCHEMA, NULL
FROM information_schema.SCHEMA_PRIVILEGES
WHERE GRANTEE = CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')
UNION ALL
SELECT PRIVILEGE_TYPE, 'table', TABLE_SCHEMA, TABLE_NAME
FROM information_schema.TABLE_PRIVILEGES
WHERE GRANTEE = CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''');
