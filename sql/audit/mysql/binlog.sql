-- The binary log as an audit source (src/audit/binlog/): its DELETE row events decoded once
-- into the internal database ({{ns}}), so `audit` reads them through SQL like the other
-- sources. binlog_files says what was read of which file (name, bytes, the file's own start
-- time, and a hash of the live definitions the keys were decoded with): a file with the same
-- name, start, size and hash is not read again; a file that grew is read from where it ended.
-- One row of binlog_deletions per deleted row: where (file, pos, row_no within the event),
-- when (the event's time, UTC, whole seconds), which table, its key as JSON text (NULL with
-- `note` saying why when it cannot be decoded without guessing), MariaDB's annotate statement.
-- The log names no user: there is no user column.

CREATE DATABASE IF NOT EXISTS {{ns}} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

CREATE TABLE IF NOT EXISTS {{ns}}.binlog_files (
  file varchar(255) NOT NULL PRIMARY KEY,
  bytes bigint unsigned NOT NULL,
  started bigint NOT NULL,
  definitions char(64) NOT NULL,
  read_at datetime(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS {{ns}}.binlog_deletions (
  file varchar(255) NOT NULL,
  pos bigint unsigned NOT NULL,
  row_no int unsigned NOT NULL,
  deleted_at datetime(6) NOT NULL,
  table_schema varchar(64) NOT NULL,
  table_name varchar(64) NOT NULL,
  row_key longtext,
  note varchar(1000),
  statement longtext,
  PRIMARY KEY (file, pos, row_no),
  KEY binlog_deletions_time (deleted_at, file, pos, row_no)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
