-- The merge journal, in crm-rescue's own schema. {{ns}} is replaced by the quoted schema name.
-- Per merged table, typed shadow tables hold the rows' previous live values (…_before) and the
-- values written (…_after); these tables are the header and the per-row report.
CREATE SCHEMA IF NOT EXISTS {{ns}};
CREATE TABLE IF NOT EXISTS {{ns}}.merges (
  id            varchar(64) PRIMARY KEY,
  backup_id     text NOT NULL,
  target_database text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz,
  db_user       text NOT NULL DEFAULT current_user,
  os_user       text,
  client_host   text,
  policy        varchar(16) NOT NULL,
  state         varchar(16) NOT NULL,
  tables_json   text NOT NULL,
  totals_json   text,
  undone_at     timestamptz,
  undo_json     text
);
CREATE TABLE IF NOT EXISTS {{ns}}.merge_outcomes (
  merge_id      varchar(64) NOT NULL,
  seq           bigserial,
  table_name    text NOT NULL,
  row_key       text NOT NULL,
  outcome       varchar(16) NOT NULL,
  reason        text,
  PRIMARY KEY (merge_id, seq)
);
