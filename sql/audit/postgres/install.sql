-- crm-rescue trigger audit, PostgreSQL: the log, the registry of installed triggers and the
-- trigger functions, in the internal schema ({{ns}}). Run inside the install transaction;
-- every statement is idempotent so a second install only adds triggers.
--
-- audit_rows() is a statement-level trigger function that reads the transition table old_rows:
-- one INSERT … SELECT per DELETE/UPDATE statement, about 2.5x cheaper than a row trigger on
-- bulk deletes and cheaper on single-row ones too (bench/audit.bench.mjs). audit_row() is the
-- row-level fallback for tables that cannot have transition tables (partitions, inheritance
-- children). Trigger arguments are the key columns; row_key holds their values.
-- Both functions are SECURITY DEFINER so the CRM's own user needs no right on the log.

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
-- --table filters and rebuildFromLog.
CREATE INDEX IF NOT EXISTS audit_log_table_time ON {{ns}}.audit_log (table_name, logged_at, id);
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
DECLARE
  app text := COALESCE(NULLIF(current_setting('crm_rescue.app_user', true), ''), NULLIF(current_setting('application_name', true), ''));
BEGIN
  IF TG_NARGS <= 1 THEN
    INSERT INTO {{ns}}.audit_log (table_schema, table_name, operation, row_key, old_row, app_user)
    SELECT TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP,
           CASE WHEN TG_NARGS = 1 THEN json_build_object(TG_ARGV[0], r.j -> TG_ARGV[0]) END, r.j, app
      FROM (SELECT to_json(o) AS j FROM old_rows o) r;
  ELSE
    EXECUTE format(
      'INSERT INTO {{ns}}.audit_log (table_schema, table_name, operation, row_key, old_row, app_user)'
      ' SELECT $1, $2, $3, json_build_object(%s), to_json(o), $4 FROM old_rows o',
      (SELECT string_agg(format('%L, o.%I', a, a), ', ') FROM unnest(TG_ARGV) a))
    USING TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP, app;
  END IF;
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
