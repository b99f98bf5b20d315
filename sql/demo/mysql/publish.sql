-- Moves the loaded rows from the staging twins into the empty, fully indexed tables, parents
-- first. With unique_checks and foreign_key_checks off, InnoDB loads an empty table in bulk
-- (records sorted per index), far faster than maintaining the indexes row by row.
INSERT INTO users SELECT * FROM demo_load_users;
DROP TABLE demo_load_users;
INSERT INTO accounts SELECT * FROM demo_load_accounts;
DROP TABLE demo_load_accounts;
INSERT INTO contacts SELECT * FROM demo_load_contacts;
DROP TABLE demo_load_contacts;
INSERT INTO accounts_contacts SELECT * FROM demo_load_accounts_contacts;
DROP TABLE demo_load_accounts_contacts;
INSERT INTO opportunities SELECT * FROM demo_load_opportunities;
DROP TABLE demo_load_opportunities;
INSERT INTO calls SELECT * FROM demo_load_calls;
DROP TABLE demo_load_calls;
INSERT INTO notes SELECT * FROM demo_load_notes;
DROP TABLE demo_load_notes;
