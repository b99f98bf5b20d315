-- Privileges of the current user that apply to the current database: global and schema level.
SELECT PRIVILEGE_TYPE AS privilege, 'global' AS level
FROM information_schema.USER_PRIVILEGES
WHERE GRANTEE = CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')
UNION ALL
SELECT PRIVILEGE_TYPE, 'schema'
FROM information_schema.SCHEMA_PRIVILEGES
WHERE GRANTEE = CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')
  AND (TABLE_SCHEMA = DATABASE() OR DATABASE() LIKE REPLACE(TABLE_SCHEMA, '\\_', '_'));
