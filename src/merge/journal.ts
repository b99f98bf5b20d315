import type { Selectable } from 'kysely';
import { hostname, userInfo } from 'node:os';
import type { Dialect } from '../dialect/dialect.js';
import type { MergesTable } from '../dialect/own-tables.js';
import { ownTables } from '../dialect/own-tables-db.js';
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
  let os = '';
  try {
    os = userInfo().username;
  } catch {
    os = '';
  }
  const own = await ownTables(conn, d);
  await own.db
    .withSchema(internalNs)
    .insertInto('merges')
    .values({
      id: h.id,
      backup_id: h.backupId,
      target_database: h.database,
      db_user: own.currentUser,
      os_user: os,
      client_host: hostname(),
      policy: h.policy,
      state: 'applied',
      tables_json: JSON.stringify(h.tables),
    })
    .execute();
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
  const own = await ownTables(conn, d);
  await own.db
    .withSchema(internalNs)
    .updateTable('merges')
    .set({ finished_at: own.now, tables_json: JSON.stringify(tables), totals_json: JSON.stringify(totals) })
    .where('id', '=', id)
    .execute();
}

/** Marks a merge undone (or partially), inside the undo's transaction. */
export async function markUndone(conn: Queryable, d: Dialect, internalNs: string, id: string, state: MergeRecord['state'], undo: unknown): Promise<void> {
  const own = await ownTables(conn, d);
  await own.db
    .withSchema(internalNs)
    .updateTable('merges')
    .set({ state, undone_at: own.now, undo_json: JSON.stringify(undo) })
    .where('id', '=', id)
    .execute();
}

/** True when the journal exists on this target. */
export async function journalExists(conn: Queryable, d: Dialect, internalNs: string): Promise<boolean> {
  return d.tableExists(conn, internalNs, 'merges');
}

/** Every merge of the target, newest first. */
export async function listMerges(conn: Queryable, d: Dialect, internalNs: string): Promise<MergeRecord[]> {
  if (!(await journalExists(conn, d, internalNs))) return [];
  const own = await ownTables(conn, d);
  const rows = await own.db.withSchema(internalNs).selectFrom('merges').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
  return rows.map(toRecord);
}

/** One merge, or a UserError naming what exists. */
export async function loadMerge(conn: Queryable, d: Dialect, internalNs: string, id: string): Promise<MergeRecord> {
  if (!isMergeId(id)) throw new UserError(`"${id}" is not a merge id`, 'Merge ids look like mrg_20261121164200_ab12; crm-rescue merges lists them');
  if (!(await journalExists(conn, d, internalNs))) throw new UserError(`no merges were ever applied to this database`, 'crm-rescue merges lists merges');
  const own = await ownTables(conn, d);
  const rows = await own.db.withSchema(internalNs).selectFrom('merges').selectAll().where('id', '=', id).execute();
  if (!rows.length) throw new UserError(`merge ${id} is not in this database's journal`, 'crm-rescue merges lists the merges of this target');
  return toRecord(rows[0]);
}

function toRecord(r: Selectable<MergesTable>): MergeRecord {
  const json = (v: unknown): unknown => (v === null || v === undefined ? null : JSON.parse(String(v)));
  return {
    id: String(r.id),
    backupId: String(r.backup_id),
    targetDatabase: String(r.target_database),
    createdAt: String(r.created_at),
    finishedAt: r.finished_at === null ? null : String(r.finished_at),
    dbUser: String(r.db_user),
    osUser: r.os_user ?? null,
    clientHost: r.client_host ?? null,
    policy: String(r.policy),
    state: r.state as MergeRecord['state'],
    tables: (json(r.tables_json) ?? []) as MergeRecord['tables'],
    totals: json(r.totals_json) as MergeRecord['totals'],
    undoneAt: r.undone_at === null || r.undone_at === undefined ? null : String(r.undone_at),
    undo: json(r.undo_json),
  };
}
