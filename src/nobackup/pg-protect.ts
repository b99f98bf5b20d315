import { openDb, type Db } from '../connect/open.js';
import { INTERNAL_PREFIX } from '../dialect/namespaces.js';
import type { QualifiedName } from '../dialect/own-tables.js';
import type { Queryable } from '../dialect/queryable.js';
import { UserError } from '../errors.js';

/**
 * The PostgreSQL half of `protect`: keep a table's deleted row versions on disk by pausing
 * autovacuum on it and on its TOAST table (per-table storage options, never a server setting),
 * and give that back with `release`. What each table had before is recorded in crm-rescue's
 * internal schema (`crm_rescue.pg_protected`), in the same transaction as the ALTER, so release
 * restores an explicit earlier setting (a DBA's `autovacuum_enabled = false`) instead of
 * resetting it to the server's default, and a second protect does not overwrite the record
 * with our own `false`. A table comment or an extra reloption would have touched what the CRM
 * sees; a row in our own schema does not.
 *
 * What it cannot stop: a plain SELECT or index lookup on a nearly full page prunes the page's
 * dead tuples (heap_page_prune_opt), autovacuum or not. Reading the dead tuples soon matters.
 */

/** The table where protect records what it changed. */
export const PROTECT_TABLE = 'pg_protected';

/** Options of protectPgTables. */
export interface ProtectOptions {
  /** Give back what protect changed (the recorded settings), instead of protecting. */
  release?: boolean;
  /** Show the SQL and the report, run nothing, record nothing. */
  dryRun?: boolean;
}

/** The dead tuples still on disk and the table's vacuum history (pg_stat_user_tables). */
export interface PgTableReport {
  nDeadTup: number;
  nLiveTup: number;
  lastVacuum: string | null;
  lastAutovacuum: string | null;
  autovacuumCount: number;
  /** The table has a TOAST table (its out-of-line values' chunks live there). */
  toastTable: boolean;
  /** The autovacuum settings now, as pg_class.reloptions spell them (`autovacuum_enabled=false`). */
  heapOptions: string[];
  toastOptions: string[];
}

/** One table's outcome. */
export interface PgProtectResult {
  table: QualifiedName;
  /** The exact statements, in order (empty when there is nothing to do). */
  sql: string[];
  /** They ran (false with dryRun, or when there was nothing to do). */
  ran: boolean;
  /** Why nothing was done, when nothing was: `already protected`, `not protected by crm-rescue`. */
  note: string | null;
  /** After the statements (before them with dryRun). */
  report: PgTableReport;
}

interface RelState {
  heapOptions: string[];
  toastOptions: string[];
  toastTable: boolean;
}

interface Recorded {
  heap_value: string | null;
  toast_value: string | null;
}

const AV = 'autovacuum_enabled';

/** `autovacuum_enabled=off` → `off`; null when the option is not set. */
function optionValue(options: string[], name: string): string | null {
  const hit = options.find((o) => o.startsWith(`${name}=`));
  return hit === undefined ? null : hit.slice(name.length + 1);
}

async function relState(db: Queryable, qualified: string, label: string): Promise<RelState> {
  const rows = await db.query<{ heap: string[] | null; toast: string[] | null; has_toast: boolean }>(
    `SELECT c.reloptions AS heap, t.reloptions AS toast, c.reltoastrelid <> 0 AS has_toast
       FROM pg_class c LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
      WHERE c.oid = to_regclass($1) AND c.relkind IN ('r', 'm')`,
    [qualified],
  );
  if (!rows.length) throw new UserError(`table ${label} does not exist`, 'Name a table of the target database (crm-rescue inspect lists them)');
  const r = rows[0];
  return { heapOptions: r.heap ?? [], toastOptions: r.toast ?? [], toastTable: r.has_toast };
}

/** pg_stat_user_tables for one table (zeros when the statistics collector has nothing yet). */
export async function pgTableReport(db: Queryable, table: QualifiedName, quoted: string): Promise<PgTableReport> {
  const state = await relState(db, quoted, `${table.schema}.${table.name}`);
  const rows = await db.query<{
    n_dead_tup: string | number;
    n_live_tup: string | number;
    last_vacuum: string | null;
    last_autovacuum: string | null;
    autovacuum_count: string | number;
  }>(
    `SELECT n_dead_tup, n_live_tup, last_vacuum::text AS last_vacuum, last_autovacuum::text AS last_autovacuum, autovacuum_count
       FROM pg_stat_user_tables WHERE relid = to_regclass($1)`,
    [quoted],
  );
  const s = rows[0];
  return {
    nDeadTup: Number(s?.n_dead_tup ?? 0),
    nLiveTup: Number(s?.n_live_tup ?? 0),
    lastVacuum: s?.last_vacuum ?? null,
    lastAutovacuum: s?.last_autovacuum ?? null,
    autovacuumCount: Number(s?.autovacuum_count ?? 0),
    toastTable: state.toastTable,
    heapOptions: state.heapOptions.filter((o) => o.startsWith('autovacuum')),
    toastOptions: state.toastOptions.filter((o) => o.startsWith('autovacuum')),
  };
}

/** The statements that pause autovacuum on a table and its TOAST table. */
function protectSql(quoted: string, toast: boolean): string {
  return `ALTER TABLE ${quoted} SET (${AV} = false${toast ? `, toast.${AV} = false` : ''})`;
}

/** The statements that give back what was recorded: RESET, then any explicit earlier value. */
function releaseSql(quoted: string, rec: Recorded, toast: boolean): string[] {
  const out = [`ALTER TABLE ${quoted} RESET (${AV}${toast ? `, toast.${AV}` : ''})`];
  const set = [
    ...(rec.heap_value !== null ? [`${AV} = ${rec.heap_value}`] : []),
    ...(rec.toast_value !== null && toast ? [`toast.${AV} = ${rec.toast_value}`] : []),
  ];
  if (set.length) out.push(`ALTER TABLE ${quoted} SET (${set.join(', ')})`);
  return out;
}

const RECORD_DDL = [
  `CREATE SCHEMA IF NOT EXISTS ${INTERNAL_PREFIX}`,
  `CREATE TABLE IF NOT EXISTS ${INTERNAL_PREFIX}.${PROTECT_TABLE} (
     schema_name text NOT NULL,
     table_name text NOT NULL,
     heap_value text,
     toast_value text,
     protected_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (schema_name, table_name))`,
];

async function readRecord(db: Queryable, table: QualifiedName): Promise<Recorded | null> {
  const exists = await db.query<{ ok: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS ok`, [`${INTERNAL_PREFIX}.${PROTECT_TABLE}`]);
  if (!exists[0]?.ok) return null;
  const rows = await db.query<Recorded>(`SELECT heap_value, toast_value FROM ${INTERNAL_PREFIX}.${PROTECT_TABLE} WHERE schema_name = $1 AND table_name = $2`, [
    table.schema,
    table.name,
  ]);
  return rows[0] ?? null;
}

/**
 * Protects (or releases) each table: its exact SQL, whether it ran, and the dead tuples still on
 * disk with the table's vacuum history. The ALTERs run on a read-write connection of their own,
 * one transaction per table together with the record; `db` itself is only read.
 */
export async function protectPgTables(db: Db, tables: QualifiedName[], options: ProtectOptions = {}): Promise<PgProtectResult[]> {
  const d = db.dialect;
  const plans: { table: QualifiedName; quoted: string; sql: string[]; note: string | null; record: Recorded | null; state: RelState }[] = [];
  for (const table of tables) {
    const quoted = d.quoteQualified(table.schema, table.name);
    const state = await relState(db, quoted, `${table.schema}.${table.name}`);
    const record = await readRecord(db, table);
    if (options.release) {
      if (!record) plans.push({ table, quoted, sql: [], note: 'not protected by crm-rescue: nothing to release', record, state });
      else plans.push({ table, quoted, sql: releaseSql(quoted, record, state.toastTable), note: null, record, state });
    } else {
      const already = optionValue(state.heapOptions, AV) === 'false' && (!state.toastTable || optionValue(state.toastOptions, AV) === 'false');
      if (already && record) plans.push({ table, quoted, sql: [], note: 'already protected', record, state });
      else plans.push({ table, quoted, sql: [protectSql(quoted, state.toastTable)], note: null, record, state });
    }
  }
  const results: PgProtectResult[] = [];
  const writer = options.dryRun || plans.every((p) => !p.sql.length) ? null : await openDb(db.target, { readOnly: false, interactive: false });
  try {
    for (const p of plans) {
      if (writer && p.sql.length) {
        await writer.transaction(async (tx) => {
          if (options.release) {
            for (const s of p.sql) await tx.query(s);
            await tx.query(`DELETE FROM ${INTERNAL_PREFIX}.${PROTECT_TABLE} WHERE schema_name = $1 AND table_name = $2`, [p.table.schema, p.table.name]);
          } else {
            for (const s of RECORD_DDL) await tx.query(s);
            // The first protect's record is the one that says what the table had before us.
            await tx.query(
              `INSERT INTO ${INTERNAL_PREFIX}.${PROTECT_TABLE} (schema_name, table_name, heap_value, toast_value)
               VALUES ($1, $2, $3, $4) ON CONFLICT (schema_name, table_name) DO NOTHING`,
              [p.table.schema, p.table.name, optionValue(p.state.heapOptions, AV), optionValue(p.state.toastOptions, AV)],
            );
            for (const s of p.sql) await tx.query(s);
          }
        });
      }
      results.push({
        table: p.table,
        sql: p.sql,
        ran: Boolean(writer && p.sql.length),
        note: p.note,
        report: await pgTableReport(writer ?? db, p.table, p.quoted),
      });
    }
  } finally {
    await writer?.close();
  }
  return results;
}
