import { hostname, userInfo } from 'node:os';
import type { Dialect } from '../dialect/dialect.js';
import type { Queryable } from '../dialect/queryable.js';
import { UserError } from '../errors.js';
import { loadSql } from '../util/sql-file.js';
import { isMergeId } from './ids.js';
import type { MergeResult, PlannedTable } from './model.js';

/** Creates the journal tables when missing (DDL: outside the write transaction on MySQL). */
export async function ensureJournal(conn: Queryable, d: Dialect, internalNs: string): Promise<void> {
  const text = loadSql(`merge/${d.engine}/journal`).replaceAll('{{ns}}', d.quoteIdent(internalNs));
  for (const statement of splitStatements(text)) await conn.query(statement);
}

/** Splits a file of plain DDL statements (no procedures) on `;` at line ends. */
export function splitStatements(text: string): string[] {
  return text
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
}

/** The journal header of a merge, as stored. */
export interface MergeRecord {
  id: string;
  backupId: string;
  targetDatabase: string;
  createdAt: string;
  finishedAt: string | null;
  dbUser: string;
  osUser: string | null;
  clientHost: string | null;
  policy: string;
  state: 'applied' | 'undone' | 'partially-undone';
  /** Per table; `withoutTriggers` when the merge skipped the live tables' triggers (undo does too). */
  tables: (PlannedTable & { beforeTable: string; afterTable: string; key: string[]; writable: string[]; withoutTriggers?: boolean })[];
  totals: MergeResult['totals'] | null;
  undoneAt: string | null;
  undo: unknown;
}

/** Writes the header row inside the apply transaction. */
export async function insertHeader(
  conn: Queryable,
  d: Dialect,
  internalNs: string,
  h: { id: string; backupId: string; database: string; policy: string; tables: MergeRecord['tables'] },
): Promise<void> {
  const p = (i: number) => d.placeholder(i);
  let os = '';
  try {
    os = userInfo().username;
  } catch {
    os = '';
  }
  await conn.query(
    `INSERT INTO ${d.quoteQualified(internalNs, 'merges')} (id, backup_id, target_database, db_user, os_user, client_host, policy, state, tables_json)
     VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${d.engine === 'postgres' ? 'current_user' : 'CURRENT_USER()'}, ${p(4)}, ${p(5)}, ${p(6)}, 'applied', ${p(7)})`,
    [h.id, h.backupId, h.database, os, hostname(), h.policy, JSON.stringify(h.tables)],
  );
}

/** Completes the header inside the same transaction. */
export async function finishHeader(
  conn: Queryable,
  d: Dialect,
  internalNs: string,
  id: string,
  tables: MergeRecord['tables'],
  totals: MergeResult['totals'],
): Promise<void> {
  const p = (i: number) => d.placeholder(i);
  await conn.query(
    `UPDATE ${d.quoteQualified(internalNs, 'merges')} SET finished_at = ${d.engine === 'postgres' ? 'now()' : 'CURRENT_TIMESTAMP(6)'}, tables_json = ${p(1)}, totals_json = ${p(2)} WHERE id = ${p(3)}`,
    [JSON.stringify(tables), JSON.stringify(totals), id],
  );
}

/** True when the journal exists on this target. */
export async function journalExists(conn: Queryable, d: Dialect, internalNs: string): Promise<boolean> {
  const rows =
    d.engine === 'postgres'
      ? await conn.query(`SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'merges'`, [internalNs])
      : await conn.query(`SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'merges'`, [internalNs]);
  return rows.length > 0;
}

/** Every merge of the target, newest first. */
export async function listMerges(conn: Queryable, d: Dialect, internalNs: string): Promise<MergeRecord[]> {
  if (!(await journalExists(conn, d, internalNs))) return [];
  const rows = await conn.query<Record<string, unknown>>(`SELECT * FROM ${d.quoteQualified(internalNs, 'merges')} ORDER BY created_at DESC, id DESC`);
  return rows.map(toRecord);
}

/** One merge, or a UserError naming what exists. */
export async function loadMerge(conn: Queryable, d: Dialect, internalNs: string, id: string): Promise<MergeRecord> {
  if (!isMergeId(id)) throw new UserError(`"${id}" is not a merge id`, 'Merge ids look like mrg_20261121164200_ab12; crm-rescue merges lists them');
  if (!(await journalExists(conn, d, internalNs))) throw new UserError(`no merges were ever applied to this database`, 'crm-rescue merges lists merges');
  const rows = await conn.query<Record<string, unknown>>(`SELECT * FROM ${d.quoteQualified(internalNs, 'merges')} WHERE id = ${d.placeholder(1)}`, [id]);
  if (!rows.length) throw new UserError(`merge ${id} is not in this database's journal`, 'crm-rescue merges lists the merges of this target');
  return toRecord(rows[0]);
}

function toRecord(r: Record<string, unknown>): MergeRecord {
  const json = (v: unknown): unknown => (v === null || v === undefined ? null : JSON.parse(String(v)));
  return {
    id: String(r.id),
    backupId: String(r.backup_id),
    targetDatabase: String(r.target_database),
    createdAt: String(r.created_at),
    finishedAt: r.finished_at === null ? null : String(r.finished_at),
    dbUser: String(r.db_user),
    osUser: (r.os_user as string | null) ?? null,
    clientHost: (r.client_host as string | null) ?? null,
    policy: String(r.policy),
    state: r.state as MergeRecord['state'],
    tables: (json(r.tables_json) ?? []) as MergeRecord['tables'],
    totals: json(r.totals_json) as MergeRecord['totals'],
    undoneAt: r.undone_at === null || r.undone_at === undefined ? null : String(r.undone_at),
    undo: json(r.undo_json),
  };
}
