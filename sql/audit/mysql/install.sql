-- crm-rescue trigger audit, MySQL/MariaDB: the log and the registry of installed triggers in
-- the internal database ({{ns}}). The triggers themselves are built per table from
-- introspection (src/dialect/mysql/mysql-trigger-audit.ts): MySQL triggers cannot read a row generically.
-- old_row and row_key are LONGTEXT holding JSON_OBJECT output: valid by construction, and
-- without MariaDB's json_valid() CHECK on every insert. logged_at is UTC (UTC_TIMESTAMP(6)).
-- txid is CONNECTION_ID(): MySQL has no per-row-cheap transaction id (a lookup in
-- information_schema.innodb_trx per row made bulk deletes 2.7x slower and needs PROCESS).
-- One secondary index only, (logged_at, id) for pages and incident windows: every index is one
-- more insert per logged row. An older install's (table_name, logged_at, id) index is dropped on
-- upgrade (src/dialect/mysql/mysql-trigger-audit.ts); --table filters walk the time index backwards.
-- old_row is the row's exact image (old_row_layout 2): a JSON object of column → the value's
-- text (src/dialect/mysql/mysql-json.ts mysqlExactText), JSON null for SQL NULL. A log of an older
-- crm-rescue holds typed JSON_OBJECT images (old_row_layout NULL, the column added on upgrade).

CREATE DATABASE IF NOT EXISTS {{ns}} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

CREATE TABLE IF NOT EXISTS {{ns}}.audit_log (
  id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  logged_at datetime(6) NOT NULL,
  table_schema varchar(64) NOT NULL,
  table_name varchar(64) NOT NULL,
  operation varchar(8) NOT NULL,
  row_key longtext,
  old_row longtext NOT NULL,
  old_row_layout smallint,
  db_user varchar(400),
  app_user varchar(255),
  txid varchar(64),
  KEY audit_log_time (logged_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS {{ns}}.audit_triggers (
  table_schema varchar(64) NOT NULL,
  table_name varchar(64) NOT NULL,
  trigger_name varchar(64) NOT NULL,
  operation varchar(8) NOT NULL,
  key_columns longtext NOT NULL,
  installed_at datetime(6) NOT NULL,
  installed_by varchar(400) NOT NULL,
  PRIMARY KEY (table_schema, table_name, trigger_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
