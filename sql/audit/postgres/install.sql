-- crm-rescue trigger audit, PostgreSQL: the log, the registry of installed triggers and the
-- trigger functions, in the internal schema ({{ns}}). Run inside the install transaction;
-- every statement is idempotent so a second install only adds triggers (and upgrades an older
-- install: the functions are replaced, the log and its rows are kept).
--
-- audit_rows() is a statement-level trigger function that reads the transition table old_rows:
-- one INSERT … SELECT per DELETE/UPDATE statement. Everything that is the same for every row
-- (time, user, application user, transaction) is computed once per statement and passed as a
-- parameter; row_key is built from the transition table's own columns (not by re-parsing the
-- JSON). What is left per row is the row's JSON (to_json, most of the cost) and one btree entry.
-- audit_row() is the row-level fallback for tables that cannot have transition tables
-- (partitions, inheritance children). Trigger arguments are the key columns; row_key holds
-- their values. Both functions are SECURITY DEFINER so the CRM's own user needs no right on
-- the log.

CREATE SCHEMA IF NOT EXISTS {{ns}};

CREATE TABLE IF NOT EXISTS {{ns}}.audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY,
  logged_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  table_schema text NOT NULL,
  table_name text NOT NULL,
  operation text NOT NULL,
  row_key json,
  old_row json NOT NULL,
  db_user text NOT NULL DEFAULT session_user,
  app_user text,
  txid bigint NOT NULL DEFAULT txid_current(),
  -- The key is also the index of the first page of `audit deletions` and of the time windows of
  -- incidents and timeline: one index less to maintain per logged row.
  CONSTRAINT audit_log_pkey PRIMARY KEY (logged_at, id)
);
-- No secondary index: each one costs a btree insert per logged row (a (table_name, logged_at,
-- id) index made bulk deletes ~20% slower). --table filters walk the key backwards; an older
-- install's index is dropped on upgrade.
DROP INDEX IF EXISTS {{ns}}.audit_log_table_time;
REVOKE ALL ON {{ns}}.audit_log FROM PUBLIC;

CREATE TABLE IF NOT EXISTS {{ns}}.audit_triggers (
  table_schema text NOT NULL,
  table_name text NOT NULL,
  trigger_name text NOT NULL,
  operation text NOT NULL,
  key_columns json NOT NULL,
  installed_at timestamptz NOT NULL DEFAULT now(),
  installed_by text NOT NULL DEFAULT session_user,
  PRIMARY KEY (table_schema, table_name, trigger_name)
);
REVOKE ALL ON {{ns}}.audit_triggers FROM PUBLIC;

CREATE OR REPLACE FUNCTION {{ns}}.audit_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  -- Planned per statement (the key columns are the trigger's arguments): ~0.1 ms, nothing next
  -- to a bulk delete, and single-row deletes measured no slower than the static form.
  EXECUTE format(
    'INSERT INTO {{ns}}.audit_log (logged_at, table_schema, table_name, operation, row_key, old_row, db_user, app_user, txid)'
    ' SELECT $1, $2, $3, $4, %s, to_json(o), $5, $6, $7 FROM old_rows o',
    CASE WHEN TG_NARGS = 0 THEN 'NULL'
         ELSE format('json_build_object(%s)', (SELECT string_agg(format('%L, o.%I', a, a), ', ') FROM unnest(TG_ARGV) a)) END)
  USING clock_timestamp(), TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP, session_user::text,
        COALESCE(NULLIF(current_setting('crm_rescue.app_user', true), ''), NULLIF(current_setting('application_name', true), '')),
        txid_current();
  RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION {{ns}}.audit_rows() FROM PUBLIC;

CREATE OR REPLACE FUNCTION {{ns}}.audit_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  r json := to_json(OLD);
  k json;
BEGIN
  IF TG_NARGS = 1 THEN
    k := json_build_object(TG_ARGV[0], r -> TG_ARGV[0]);
  ELSIF TG_NARGS > 1 THEN
    SELECT json_object_agg(a, r -> a) INTO k FROM unnest(TG_ARGV) a;
  END IF;
  INSERT INTO {{ns}}.audit_log (table_schema, table_name, operation, row_key, old_row, app_user)
  VALUES (TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP, k, r,
          COALESCE(NULLIF(current_setting('crm_rescue.app_user', true), ''), NULLIF(current_setting('application_name', true), '')));
  RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION {{ns}}.audit_row() FROM PUBLIC;
