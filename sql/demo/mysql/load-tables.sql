-- Key-less staging twins the generated rows are appended to (publish.sql moves them into the
-- indexed tables and drops them). Same columns and types as the tables in schema.sql.
CREATE TABLE demo_load_users AS SELECT * FROM users LIMIT 0;
CREATE TABLE demo_load_accounts AS SELECT * FROM accounts LIMIT 0;
CREATE TABLE demo_load_contacts AS SELECT * FROM contacts LIMIT 0;
CREATE TABLE demo_load_accounts_contacts AS SELECT * FROM accounts_contacts LIMIT 0;
CREATE TABLE demo_load_opportunities AS SELECT * FROM opportunities LIMIT 0;
CREATE TABLE demo_load_calls AS SELECT * FROM calls LIMIT 0;
CREATE TABLE demo_load_notes AS SELECT * FROM notes LIMIT 0;
