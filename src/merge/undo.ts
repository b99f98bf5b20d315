import type { Db } from '../connect/open.js';
import { DEFAULT_LOCK_TIMEOUT_SECONDS, LockWaitError } from '../connect/lock-wait.js';
import type { TriggerBypass } from '../dialect/live.js';
import { internalNamespace } from '../dialect/namespaces.js';
import type { Queryable } from '../dialect/queryable.js';
import type { ColumnInfo, TableInfo } from '../dialect/model.js';
import { UserError } from '../errors.js';
import { colList, keyJoin } from './context.js';
import { loadMerge, markUndone, type MergeRecord } from './journal.js';
import { tableLocks } from './locks.js';
import { refreshStatistics } from './statistics.js';
import type { TriggerUse } from './model.js';
import { describeUse, mismatchError, orphans, triggerUses, type Mismatch } from './verify.js';

/** What an undo did. */
export interface UndoResult {
  mergeId: string;
  /** Rows deleted (were inserted by the merge) and restored (were updated by it), per table. */
  tables: { table: string; deleted: number; restored: number; refused: number }[];
  /** Rows that changed after the merge: never touched; listed (first ones). */
  refused: { table: string; key: Record<string, unknown>; reason: string }[];
  state: MergeRecord['state'];
  /** The live tables' triggers skipped (as the merge did), and what triggers did that undo cannot take back. */
  notes?: string[];
  /** The live tables' triggers were skipped: the merge skipped them, or --without-triggers. */
  withoutTriggers?: boolean;
}

/**
 * Reverses one merge from its journal, in one transaction: rows it inserted are deleted and rows
 * it updated get their previous values back, children before parents. A row that changed after
 * the merge is never touched: the undo refuses (or, with `skipChanged`, leaves those rows and
 * undoes the rest). Like the merge, it holds the per-table lock that serialises merges and undos,
 * skips the triggers when the merge did, and checks before COMMIT that every row it wrote holds
 * the journal's values (a mismatch rolls back).
 */
export async function undoMerge(
  db: Db,
  mergeId: string,
  opts: { skipChanged?: boolean; lockTimeoutSeconds?: number; withoutTriggers?: boolean } = {},
): Promise<UndoResult> {
  const d = db.dialect;
  const ns = internalNamespace(d.engine, db.target.database);
  const serverVersion = await d.serverVersion(db);
  const lockSeconds = opts.lockTimeoutSeconds ?? DEFAULT_LOCK_TIMEOUT_SECONDS;
  return db.withConnection(async (conn) => {
    const rec = await loadMerge(conn, d, ns, mergeId);
    if (rec.state !== 'applied') {
      throw new UserError(
        `merge ${mergeId} was already undone${rec.undoneAt ? ` at ${rec.undoneAt}` : ''}`,
        'crm-rescue merges shows every merge and its state',
      );
    }
    const mergeSkipped = rec.tables.some((t) => t.withoutTriggers);
    const skipping = mergeSkipped || Boolean(opts.withoutTriggers);
    const bypass: TriggerBypass = await d.triggerBypass(conn);
    if (skipping && 'refused' in bypass) {
      throw new UserError(
        mergeSkipped
          ? `merge ${mergeId} was applied with the live tables' triggers skipped (--without-triggers), so its undo skips them too, but ${bypass.refused}; nothing was undone`
          : `--without-triggers cannot be honoured: ${bypass.refused}; nothing was undone`,
        mergeSkipped ? 'Run the undo as a user who may set session_replication_role' : 'Undo without it, or disable the triggers while undoing',
      );
    }
    // Partitions too: a merge may have written one by name. (One database is the only schema on MySQL.)
    const snap = await d.introspect(db, d.capabilities.multiSchema ? { schemas: [...new Set(rec.tables.map((t) => t.schema))], includePartitions: true } : {});
    const result: UndoResult = { mergeId, tables: [], refused: [], state: 'undone', ...(skipping && { withoutTriggers: true }) };
    const notes: string[] = [];
    for (const t of rec.tables) {
      const fired = (t.triggers ?? []).filter((u) => u.fired);
      if (fired.length)
        notes.push(`trigger(s) ${fired.map(describeUse).join(', ')} on ${t.schema}.${t.name} fired during the merge: what they wrote elsewhere is not undone`);
    }
    const locks = tableLocks(conn, d, db.target.database);
    const uses = new Map<string, TriggerUse[]>();
    await conn.query('START TRANSACTION READ WRITE');
    try {
      for (const s of d.transactionTimeouts(lockSeconds, 900, serverVersion)) await conn.query(s);
      // The same lock as merges of these tables: no merge writes them while this undo runs.
      await locks.take(rec.tables, lockSeconds);
      if (skipping && 'statement' in bypass) await conn.query(bypass.statement);
      await conn.query(`SELECT m.id FROM ${d.quoteQualified(ns, 'merges')} m WHERE m.id = ${d.placeholder(1)} ${d.forUpdateOf('m')}`, [mergeId]);
      const again = await loadMerge(conn, d, ns, mergeId);
      if (again.state !== 'applied') throw new UserError(`merge ${mergeId} was undone meanwhile`, 'crm-rescue merges shows its state');
      const checks: {
        t: MergeRecord['tables'][number];
        info: TableInfo;
        cols: ColumnInfo[];
        restored: number;
        equalBefore: number;
        restoredAlreadyEqual: number;
      }[] = [];
      // Children first: deleting a parent before its restored children would break their keys.
      for (const t of [...rec.tables].sort((a, b) => b.order - a.order)) {
        const info = snap.tables.find((x) => x.schema === t.schema && x.name === t.name);
        if (!info) throw new UserError(`table ${t.schema}.${t.name} no longer exists in live`, 'Undo cannot put rows back into a dropped table');
        const cols = t.writable.map((n) => info.columns.find((c) => c.name === n)).filter((c): c is ColumnInfo => Boolean(c));
        const live = d.quoteQualified(t.schema, t.name);
        const after = d.quoteQualified(ns, t.afterTable);
        const before = d.quoteQualified(ns, t.beforeTable);
        const hashL = d.rowHash('l', cols);
        const hashA = d.rowHash('a', cols);
        const hashB = d.rowHash('b', cols);
        // The merge's rows stay as they are now until COMMIT: the counts below are exact.
        await conn.query(`SELECT 1 FROM ${live} l JOIN ${after} a ON ${keyJoin(d, 'l', 'a', t.key)} ${d.forUpdateOf('l')}`);
        const changedCond = `NOT EXISTS (SELECT 1 FROM ${live} l WHERE ${keyJoin(d, 'l', 'a', t.key)} AND ${hashL} = ${hashA})`;
        const refused = await conn.query<Record<string, unknown>>(`SELECT ${colList(d, 'a', t.key)} FROM ${after} a WHERE ${changedCond} LIMIT 20`);
        const [{ n: refusedCount }] = await conn.query<{ n: number }>(`SELECT count(*) AS n FROM ${after} a WHERE ${changedCond}`);
        for (const r of refused) {
          if (result.refused.length < 20) {
            result.refused.push({ table: `${t.schema}.${t.name}`, key: Object.fromEntries(t.key.map((k) => [k, r[k]])), reason: 'changed after the merge' });
          }
        }
        if (Number(refusedCount) && !opts.skipChanged) {
          throw new UserError(
            `${refusedCount} row(s) of ${t.schema}.${t.name} changed after merge ${mergeId}; nothing was undone. First: ${JSON.stringify(result.refused[0]?.key)}`,
            'Re-run with --skip-changed to undo the other rows and leave those as they are',
          );
        }
        const unchanged = `${hashL} = ${hashA}`;
        const updated = `FROM ${after} a JOIN ${before} b ON ${keyJoin(d, 'b', 'a', t.key)} JOIN ${live} l ON ${keyJoin(d, 'l', 'a', t.key)} WHERE a.crm_rescue_op = 'update'`;
        // Before writing: rows already equal to their previous values, and those of the rows
        // about to be restored (the merge wrote what was there): the check after the writes
        // expects exactly the restored ones to join them.
        const [{ n: equalBefore }] = await conn.query<{ n: number }>(`SELECT count(*) AS n ${updated} AND ${hashL} = ${hashB}`);
        const [{ n: restoredAlreadyEqual }] = await conn.query<{ n: number }>(`SELECT count(*) AS n ${updated} AND ${unchanged} AND ${hashA} = ${hashB}`);
        const [{ n: del }] = await conn.query<{ n: number }>(
          `SELECT count(*) AS n FROM ${after} a JOIN ${live} l ON ${keyJoin(d, 'l', 'a', t.key)} WHERE a.crm_rescue_op = 'insert' AND ${unchanged}`,
        );
        await conn.query(
          d.deleteJoin({
            target: live,
            alias: 'l',
            sources: [{ table: after, alias: 'a', on: keyJoin(d, 'a', 'l', t.key) }],
            where: `a.crm_rescue_op = 'insert' AND ${unchanged}`,
          }),
        );
        const nonKey = cols.map((c) => c.name).filter((c) => !t.key.includes(c));
        const [{ n: upd }] = await conn.query<{ n: number }>(
          `SELECT count(*) AS n FROM ${after} a JOIN ${live} l ON ${keyJoin(d, 'l', 'a', t.key)} WHERE a.crm_rescue_op = 'update' AND ${unchanged}`,
        );
        if (nonKey.length && Number(upd)) {
          await conn.query(
            d.updateJoin({
              target: live,
              alias: 'l',
              sources: [
                { table: after, alias: 'a', on: keyJoin(d, 'a', 'l', t.key) },
                { table: before, alias: 'b', on: keyJoin(d, 'b', 'a', t.key) },
              ],
              set: nonKey.map((c) => [c, `b.${d.quoteIdent(c)}`]),
              where: `a.crm_rescue_op = 'update' AND ${unchanged}`,
            }),
          );
        }
        const events = [...(Number(del) ? (['DELETE'] as const) : []), ...(Number(upd) ? (['UPDATE'] as const) : [])];
        uses.set(`${t.schema}.${t.name}`, triggerUses(await d.tableTriggers(conn, t), events, skipping));
        checks.push({
          t,
          info,
          cols,
          restored: nonKey.length ? Number(upd) : 0,
          equalBefore: Number(equalBefore),
          restoredAlreadyEqual: Number(restoredAlreadyEqual),
        });
        result.tables.push({ table: `${t.schema}.${t.name}`, deleted: Number(del), restored: Number(upd), refused: Number(refusedCount) });
      }
      // Before COMMIT: deferred checks and triggers run, then every row written must hold the
      // journal's values (deleted rows gone, restored rows equal to their previous values).
      if (d.checkDeferredNow) await conn.query(d.checkDeferredNow);
      const details: Mismatch[] = [];
      for (const c of checks) {
        const { t, cols } = c;
        const live = d.quoteQualified(t.schema, t.name);
        const after = d.quoteQualified(ns, t.afterTable);
        const before = d.quoteQualified(ns, t.beforeTable);
        const [{ n: left }] = await conn.query<{ n: number }>(
          `SELECT count(*) AS n FROM ${after} a JOIN ${live} l ON ${keyJoin(d, 'l', 'a', t.key)} WHERE a.crm_rescue_op = 'insert' AND ${d.rowHash('l', cols)} = ${d.rowHash('a', cols)}`,
        );
        if (Number(left)) details.push({ table: `${t.schema}.${t.name}`, rows: Number(left), columns: ['(row not deleted)'], first: null });
        const updated = `FROM ${after} a JOIN ${before} b ON ${keyJoin(d, 'b', 'a', t.key)} JOIN ${live} l ON ${keyJoin(d, 'l', 'a', t.key)} WHERE a.crm_rescue_op = 'update'`;
        const [{ n: equalNow }] = await conn.query<{ n: number }>(`SELECT count(*) AS n ${updated} AND ${d.rowHash('l', cols)} = ${d.rowHash('b', cols)}`);
        const missing = c.equalBefore + c.restored - c.restoredAlreadyEqual - Number(equalNow);
        if (missing > 0) {
          const differs = cols.map((col) => d.distinct(`l.${d.quoteIdent(col.name)}`, `b.${d.quoteIdent(col.name)}`, col.dataType, col.dataType));
          const [per] = await conn.query<Record<string, unknown>>(
            `SELECT ${differs.map((e, i) => `SUM(CASE WHEN ${e} THEN 1 ELSE 0 END) AS m_${i}`).join(', ')} ${updated}`,
          );
          const columns = cols
            .map((col, i) => ({ name: col.name, n: Number(per[`m_${i}`] ?? 0) }))
            .filter((x) => x.n > 0)
            .sort((x, y) => y.n - x.n)
            .map((x) => x.name);
          details.push({ table: `${t.schema}.${t.name}`, rows: missing, columns: columns.length ? columns : ['?'], first: null });
        }
      }
      if (details.length) {
        const mismatched = details.reduce((s, m) => s + m.rows, 0);
        throw mismatchError('undo', { checked: 0, mismatched, details }, uses, bypass, skipping, 'journal');
      }
      // With triggers skipped the server checks no foreign key: no row may be left pointing at a deleted one.
      if (skipping)
        await checkInboundForeignKeys(
          conn,
          db,
          snap.tables,
          checks.map((c) => c.t),
          ns,
        );
      for (const [table, u] of uses) {
        const fired = u.filter((x) => x.fired);
        if (fired.length) notes.push(`trigger(s) ${fired.map(describeUse).join(', ')} on ${table} fired on this undo`);
        const skipped = u.filter((x) => !x.fired);
        if (skipped.length)
          notes.push(
            `trigger(s) ${skipped.map(describeUse).join(', ')} on ${table} skipped${mergeSkipped ? ', as the merge skipped its triggers' : ' (--without-triggers)'}`,
          );
      }
      if (notes.length) result.notes = notes;
      result.state = result.tables.some((t) => t.refused) ? 'partially-undone' : 'undone';
      await markUndone(conn, d, ns, mergeId, result.state, result);
      await conn.query('COMMIT');
      // After COMMIT, outside the transaction: a failure here is a note, the undo stands.
      const written = checks.filter((c) => result.tables.some((r) => r.table === `${c.t.schema}.${c.t.name}` && r.deleted + r.restored > 0));
      const stats = await refreshStatistics(
        conn,
        d,
        written.map((c) => ({ schema: c.t.schema, name: c.t.name })),
      );
      if (stats.length) result.notes = [...(result.notes ?? []), ...stats];
      return result;
    } catch (err) {
      await conn.query('ROLLBACK').catch(() => undefined);
      if (err instanceof UserError && !(err instanceof LockWaitError)) throw err;
      throw new UserError(
        `undo failed and was rolled back, live data is unchanged: ${(err as Error).message.split('\n')[0]}`,
        err instanceof LockWaitError ? err.hint : undefined,
        { cause: err },
      );
    } finally {
      await locks.release();
    }
  });
}

/** No live row may point (by a declared foreign key) at a row the undo deleted. */
async function checkInboundForeignKeys(conn: Queryable, db: Db, tables: TableInfo[], undone: MergeRecord['tables'], ns: string): Promise<void> {
  const d = db.dialect;
  for (const t of undone) {
    const after = d.quoteQualified(ns, t.afterTable);
    for (const child of tables) {
      for (const fk of child.foreignKeys.filter((f) => f.refSchema === t.schema && f.refTable === t.name)) {
        const deleted = fk.columns.map((c, i) => `a.${d.quoteIdent(fk.refColumns[i])} = c.${d.quoteIdent(c)}`).join(' AND ');
        const n = await orphans(
          conn,
          d,
          fk,
          `${d.quoteQualified(child.schema, child.name)} c`,
          `EXISTS (SELECT 1 FROM ${after} a WHERE a.crm_rescue_op = 'insert' AND ${deleted})`,
        );
        if (n) {
          throw new UserError(
            `undo rolled back, live data is unchanged: with triggers skipped the server checks no foreign key, and ${n} row(s) of ${child.schema}.${child.name} point (${fk.name}) at rows the undo would delete from ${t.schema}.${t.name}`,
            'Delete or re-point those rows first, or leave this merge in place',
          );
        }
      }
    }
  }
}
