/**
 * What the engine-specific rebuilds from the trigger-audit log share (src/dialect/<engine>/
 * <engine>-trigger-rebuild.ts): the plan, the refusal rules, and how refused rows are reported.
 */
import type { Dialect } from '../../dialect/dialect.js';
import type { TableInfo } from '../../dialect/model.js';
import type { Queryable } from '../../dialect/queryable.js';
import { UserError } from '../../errors.js';

/** A column of the rebuilt table that maps each row to its log row while the rebuild checks it. */
export const LOG_ID = '__crm_rescue_log_id';
/** Refused rows described in full (the count covers all). */
export const REFUSED_SAMPLES = 5;

/** A logged row the rebuild left out, because its values cannot be restored exactly. */
export interface RefusedRow {
  /** The row's key as logged (`row_key`), or null when the table has none. */
  key: Record<string, unknown> | null;
  /** The column whose value cannot come back, or null when it is the whole row. */
  column: string | null;
  reason: string;
}

/** Logged rows left out: how many, and the first few. */
export interface RefusedRows {
  count: number;
  rows: RefusedRow[];
}

/** What the engine-specific rebuilds share. */
export interface RebuildPlan {
  live: TableInfo;
  /** Quoted, qualified new table. */
  target: string;
  /** The log rows to rebuild: log_id, row_key, old_row, layout (2: exact image; else older). */
  pick: string;
  params: unknown[];
  /** Quoted, qualified log table. */
  log: string;
  /** The log has old_row_layout (else every row is of the older layout). */
  layouts: boolean;
  /** What the older layout's rebuild needs to know of each column (by name). */
  kinds: Map<string, ColumnKind>;
}

/** How the older layout logged a column: whether its image can tell the value exactly. */
export interface ColumnKind {
  /** PostgreSQL: the base type's category (A array, C composite) and name; MySQL: the column type. */
  category: string;
  type: string;
  notNull: boolean;
  /** MariaDB: a JSON column (longtext with a json_valid check). */
  json: boolean;
}

/** A rule of the older layout: rows where `when` holds are left out, blaming `column`. */
export interface Refusal {
  when: string;
  column: string | null;
  reason: string;
}

/** The refused rows: how many, and the first few, from a query returning row_key, bad_col, bad_reason and n (the count). */
export async function refusedRows(conn: Queryable, sqlText: string, params: unknown[]): Promise<RefusedRows> {
  const rows = await conn.query<{ row_key: unknown; bad_col: string | null; bad_reason: string; n: unknown }>(sqlText, params);
  return {
    count: rows.length ? Number(rows[0].n) : 0,
    rows: rows.map((r) => ({ key: parseKey(r.row_key), column: r.bad_col || null, reason: r.bad_reason })),
  };
}

function parseKey(v: unknown): Record<string, unknown> | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'object') return v as Record<string, unknown>;
  try {
    return JSON.parse(String(v)) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** `CASE WHEN … THEN 'column' … END AS bad_col, CASE … 'reason' … END AS bad_reason` over the rules. */
export function refusalColumns(d: Dialect, rules: Refusal[]): string {
  if (!rules.length) return 'NULL AS bad_col, NULL AS bad_reason';
  const col = rules.map((r) => `WHEN ${r.when} THEN ${r.column === null ? "''" : d.quoteLiteral(r.column)}`).join(' ');
  const reason = rules.map((r) => `WHEN ${r.when} THEN ${d.quoteLiteral(r.reason)}`).join(' ');
  return `CASE ${col} END AS bad_col, CASE ${reason} END AS bad_reason`;
}

export function combine(a: RefusedRows, b: RefusedRows): RefusedRows {
  return { count: a.count + b.count, rows: [...a.rows, ...b.rows].slice(0, REFUSED_SAMPLES) };
}

/** A server error while rebuilding, as one actionable line (a logged value that no longer fits its column, mostly). */
export function cannotRebuild(live: TableInfo, err: unknown): Error {
  if (err instanceof UserError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new UserError(
    `cannot rebuild ${live.schema}.${live.name} from the trigger-audit log: ${message}; nothing was staged`,
    'A column changed type since the rows were logged? Restore these rows from a backup',
    { cause: err },
  );
}
