-- crm-rescue trigger audit, PostgreSQL: the log, the registry of installed triggers and the
-- trigger functions, in the internal schema ({{ns}}). Run inside the install transaction;
-- every statement is idempotent so a second install only adds triggers (and upgrades an older
-- install: the functions are replaced, the log and its rows are kept).
--
-- audit_rows() is a statement-level trigger function that reads the transition table old_rows:
-- one INSERT … SELECT per DELETE/UPDATE statement. Everything that is the same for every row
-- (time, user, application user, transaction) is computed once per statement and passed as a
-- parameter; row_key is built from the transition table's own columns (not by re-parsing the
-- JSON). What is left per row is the row's image (most of the cost) and one btree entry.
--
-- old_row is the row's exact image (old_row_layout 2): a JSON object of column → the value's
-- text, JSON null for SQL NULL, so a rebuild casts each text back to the column's type and gets
-- the very value: array bounds ('[0:1]={7,8}'), json spacing and JSON null, '24 hours', -0 and
-- \u0000 inside json all survive (to_json of the row loses the first ones and turns json null
-- into SQL NULL). The functions pin the settings that change a value's text (time zone, date
-- and interval styles, float digits, money locale) so the text does not depend on the deleting
-- session. A log of an older crm-rescue holds to_json images (old_row_layout NULL); its rows
-- keep their layout and are read as such.
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
  old_row_layout smallint,
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
-- A log made before old_row_layout existed: its rows are to_json images (NULL: the older layout).
ALTER TABLE {{ns}}.audit_log ADD COLUMN IF NOT EXISTS old_row_layout smallint;
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
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC' SET DateStyle = 'ISO, YMD' SET IntervalStyle = 'postgres' SET extra_float_digits = 1
SET bytea_output = 'hex' SET lc_monetary = 'C' AS $fn$
DECLARE
  names text[];
  texts text;
BEGIN
  -- The table's columns, in order: json_object(names, ARRAY[each value as text]) is the image
  -- (an array has no argument limit, json_build_object has 100).
  SELECT array_agg(a.attname::text ORDER BY a.attnum), string_agg(format('(o.%I)::text', a.attname), ', ' ORDER BY a.attnum)
    INTO names, texts
    FROM pg_attribute a WHERE a.attrelid = TG_RELID AND a.attnum > 0 AND NOT a.attisdropped;
  -- Planned per statement (the key columns are the trigger's arguments): ~0.1 ms, nothing next
  -- to a bulk delete, and single-row deletes measured no slower than the static form.
  EXECUTE format(
    'INSERT INTO {{ns}}.audit_log (logged_at, table_schema, table_name, operation, row_key, old_row, old_row_layout, db_user, app_user, txid)'
    ' SELECT $1, $2, $3, $4, %s, json_object($8::text[], ARRAY[%s]::text[]), 2, $5, $6, $7 FROM old_rows o',
    CASE WHEN TG_NARGS = 0 THEN 'NULL'
         ELSE format('json_build_object(%s)', (SELECT string_agg(format('%L, o.%I', a, a), ', ') FROM unnest(TG_ARGV) a)) END,
    COALESCE(texts, ''))
  USING clock_timestamp(), TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP, session_user::text,
        COALESCE(NULLIF(current_setting('crm_rescue.app_user', true), ''), NULLIF(current_setting('application_name', true), '')),
        txid_current(), COALESCE(names, '{}');
  RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION {{ns}}.audit_rows() FROM PUBLIC;

CREATE OR REPLACE FUNCTION {{ns}}.audit_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC' SET DateStyle = 'ISO, YMD' SET IntervalStyle = 'postgres' SET extra_float_digits = 1
SET bytea_output = 'hex' SET lc_monetary = 'C' AS $fn$
DECLARE
  names text[];
  texts text;
  keys text;
  k json;
  img json;
BEGIN
  -- Key and image as audit_rows() writes them, read from OLD itself: to_json(OLD) would fail
  -- the CRM's DELETE on a json value holding \u0000.
  SELECT array_agg(a.attname::text ORDER BY a.attnum), string_agg(format('(($2).%I)::text', a.attname), ', ' ORDER BY a.attnum)
    INTO names, texts
    FROM pg_attribute a WHERE a.attrelid = TG_RELID AND a.attnum > 0 AND NOT a.attisdropped;
  SELECT string_agg(format('%L, ($2).%I', a, a), ', ') INTO keys FROM unnest(TG_ARGV) a;
  EXECUTE format('SELECT %s, json_object($1::text[], ARRAY[%s]::text[])',
                 CASE WHEN keys IS NULL THEN 'NULL::json' ELSE format('json_build_object(%s)', keys) END, COALESCE(texts, ''))
    INTO k, img USING COALESCE(names, '{}'), OLD;
  INSERT INTO {{ns}}.audit_log (table_schema, table_name, operation, row_key, old_row, old_row_layout, app_user)
  VALUES (TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP, k, img, 2,
          COALESCE(NULLIF(current_setting('crm_rescue.app_user', true), ''), NULLIF(current_setting('application_name', true), '')));
  RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION {{ns}}.audit_row() FROM PUBLIC;
