import { tableChecksum } from './checksum.js';
import type { TempDb } from './temp-db.js';

/**
 * A catalog snapshot of a live database, to compare before and after a step that must leave it
 * alone: tables (kind, owner, grants, comment, row security, column defaults), triggers, rules,
 * policies, routines (with a hash of their bodies), events, views, sequences with their current
 * values, and a checksum of every table's rows. PostgreSQL reads the `public` schema (the tests'
 * CRM schema); MySQL the database itself. crm-rescue's own namespaces are not part of it.
 */
export async function liveSchemaSnapshot(db: TempDb): Promise<Record<string, unknown>> {
  if (db.engine === 'postgres') {
    const q = (sql: string) => db.query(sql);
    const tables = await q(
      `SELECT c.relname, c.relkind, pg_get_userbyid(c.relowner) AS owner, c.relacl::text AS acl, obj_description(c.oid, 'pg_class') AS comment,
              c.relrowsecurity AS rls, c.relhastriggers AS has_triggers, c.relhasrules AS has_rules
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY c.relname`,
    );
    const defaults = await q(
      `SELECT c.relname, a.attname, pg_get_expr(d.adbin, d.adrelid) AS expr FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid
       JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY 1, 2`,
    );
    const triggers = await q(`SELECT tgrelid::regclass::text AS tbl, tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2`);
    const rules = await q(`SELECT schemaname, tablename, rulename, definition FROM pg_rules ORDER BY 1, 2, 3`);
    const policies = await q(`SELECT schemaname, tablename, policyname, qual FROM pg_policies ORDER BY 1, 2, 3`);
    const routines = await q(
      `SELECT n.nspname, p.proname, md5(p.prosrc) AS body, pg_get_userbyid(p.proowner) AS owner, p.proacl::text AS acl
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' ORDER BY 1, 2`,
    );
    const views = await q(`SELECT viewname, definition FROM pg_views WHERE schemaname = 'public' ORDER BY 1`);
    const seqNames = await db.query<{ name: string }>(`SELECT sequencename AS name FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`);
    const sequences: Record<string, unknown> = {};
    for (const s of seqNames) sequences[s.name] = (await q(`SELECT last_value::text, is_called FROM public."${s.name.replace(/"/g, '""')}"`))[0];
    const rows: Record<string, string> = {};
    for (const t of tables as { relname: string; relkind: string }[]) if (t.relkind === 'r') rows[t.relname] = await tableChecksum(db, t.relname, 'public');
    return { tables, defaults, triggers, rules, policies, routines, views, sequences, rows };
  }
  const q = (sql: string) => db.query(sql, [db.name]);
  const tables = await q(
    `SELECT TABLE_NAME, TABLE_TYPE, ENGINE, CREATE_OPTIONS, TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY 1`,
  );
  const columns = await q(
    `SELECT TABLE_NAME, COLUMN_NAME, COLUMN_DEFAULT, EXTRA FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY 1, ORDINAL_POSITION`,
  );
  const triggers = await db.query(
    `SELECT TRIGGER_SCHEMA, TRIGGER_NAME, EVENT_OBJECT_SCHEMA, EVENT_OBJECT_TABLE, ACTION_STATEMENT FROM information_schema.TRIGGERS
     WHERE TRIGGER_SCHEMA = ? OR EVENT_OBJECT_SCHEMA = ? ORDER BY 1, 2`,
    [db.name, db.name],
  );
  const routines = await q(
    `SELECT ROUTINE_NAME, ROUTINE_TYPE, MD5(ROUTINE_DEFINITION) AS body FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY 1, 2`,
  );
  const events = await q(`SELECT EVENT_NAME, STATUS, MD5(EVENT_DEFINITION) AS body FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? ORDER BY 1`);
  const views = await q(`SELECT TABLE_NAME, MD5(VIEW_DEFINITION) AS body FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? ORDER BY 1`);
  const sequences: Record<string, unknown> = {};
  const rows: Record<string, string> = {};
  for (const t of tables as { TABLE_NAME: string; TABLE_TYPE: string }[]) {
    const qualified = `\`${db.name}\`.\`${t.TABLE_NAME.replace(/`/g, '``')}\``;
    // A sequence's next value without taking one (NEXTVAL would move it).
    if (t.TABLE_TYPE === 'SEQUENCE') sequences[t.TABLE_NAME] = (await db.query(`SELECT next_not_cached_value FROM ${qualified}`))[0];
    else if (t.TABLE_TYPE !== 'VIEW') rows[t.TABLE_NAME] = await tableChecksum(db, t.TABLE_NAME);
  }
  return { tables, columns, triggers, routines, events, views, sequences, rows };
}
