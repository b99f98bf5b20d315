-- The merge journal, in crm-rescue's own database for this target. {{ns}} is the quoted name.
-- Per merged table, typed shadow tables hold the rows' previous live values (…_before) and the
-- values written (…_after); these tables are the header and the per-row report.
CREATE DATABASE IF NOT EXISTS {{ns}} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE TABLE IF NOT EXISTS {{ns}}.merges (
  id            varchar(64) PRIMARY KEY,
  backup_id     varchar(255) NOT NULL,
  target_database varchar(255) NOT NULL,
  created_at    datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  finished_at   datetime(6) NULL,
  db_user       varchar(255) NOT NULL,
  os_user       varchar(255),
  client_host   varchar(255),
  policy        varchar(16) NOT NULL,
  state         varchar(16) NOT NULL,
  tables_json   longtext NOT NULL,
  totals_json   longtext,
  undone_at     datetime(6) NULL,
  undo_json     longtext
) ENGINE = InnoDB;
CREATE TABLE IF NOT EXISTS {{ns}}.merge_outcomes (
  merge_id      varchar(64) NOT NULL,
  seq           bigint NOT NULL AUTO_INCREMENT,
  table_name    varchar(255) NOT NULL,
  row_key       longtext NOT NULL,
  outcome       varchar(16) NOT NULL,
  reason        text,
  PRIMARY KEY (seq),
  KEY (merge_id, seq)
) ENGINE = InnoDB;
