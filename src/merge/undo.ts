import type { Db } from '../connect/open.js';
import { internalNamespace } from '../dialect/namespaces.js';
import type { Queryable } from '../dialect/queryable.js';
import type { ColumnInfo } from '../dialect/model.js';
import { UserError } from '../errors.js';
import { colList, keyJoin } from './context.js';
import { loadMerge, type MergeRecord } from './journal.js';

/** What an undo did. */
export interface UndoResult {
  mergeId: string;
  /** Rows deleted (were inserted by the merge) and restored (were updated by it), per table. */
  tables: { table: string; deleted: number; restored: number; refused: number }[];
  /** Rows that changed after the merge: never touched; listed (first ones). */
  refused: { table: string; key: Record<string, unknown>; reason: string }[];
  state: MergeRecord['state'];
}

/**
 * Reverses one merge from its journal, in one transaction: rows it inserted are deleted and rows
 * it updated get their previous values back, children before parents. A row that changed after
 * the merge is never touched: the undo refuses (or, with `skipChanged`, leaves those rows and
 * undoes the rest).
 */
export async function undoMerge(db: Db, mergeId: string, opts: { skipChanged?: boolean; lockTimeoutSeconds?: number } = {}): Promise<UndoResult> {
  const d = db.dialect;
  const ns = internalNamespace(d.engine, db.target.database);
  const serverVersion = await d.serverVersion(db);
  return db.withConnection(async (conn) => {
    const rec = await loadMerge(conn, d, ns, mergeId);
    if (rec.state !== 'applied') {
      throw new UserError(`merge ${mergeId} was already undone${rec.undoneAt ? ` at ${rec.undoneAt}` : ''}`, 'crm-rescue merges shows every merge and its state');
    }
    const snap = await d.introspect(db, d.engine === 'postgres' ? { schemas: [...new Set(rec.tables.map((t) => t.schema))] } : {});
    const result: UndoResult = { mergeId, tables: [], refused: [], state: 'undone' };
    await conn.query('START TRANSACTION READ WRITE');
    try {
      for (const s of d.transactionTimeouts(opts.lockTimeoutSeconds ?? 5, 900, serverVersion)) await conn.query(s);
      await conn.query(`SELECT m.id FROM ${d.quoteQualified(ns, 'merges')} m WHERE m.id = ${d.placeholder(1)} ${d.forUpdateOf('m')}`, [mergeId]);
      const again = await loadMerge(conn, d, ns, mergeId);
      if (again.state !== 'applied') throw new UserError(`merge ${mergeId} was undone meanwhile`, 'crm-rescue merges shows its state');
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
        const [{ n: del }] = await conn.query<{ n: number }>(`SELECT count(*) AS n FROM ${after} a JOIN ${live} l ON ${keyJoin(d, 'l', 'a', t.key)} WHERE a.crm_rescue_op = 'insert' AND ${unchanged}`);
        await conn.query(
          d.deleteJoin({ target: live, alias: 'l', sources: [{ table: after, alias: 'a', on: keyJoin(d, 'a', 'l', t.key) }], where: `a.crm_rescue_op = 'insert' AND ${unchanged}` }),
        );
        const nonKey = cols.map((c) => c.name).filter((c) => !t.key.includes(c));
        const [{ n: upd }] = await conn.query<{ n: number }>(`SELECT count(*) AS n FROM ${after} a JOIN ${live} l ON ${keyJoin(d, 'l', 'a', t.key)} WHERE a.crm_rescue_op = 'update' AND ${unchanged}`);
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
        result.tables.push({ table: `${t.schema}.${t.name}`, deleted: Number(del), restored: Number(upd), refused: Number(refusedCount) });
      }
      result.state = result.tables.some((t) => t.refused) ? 'partially-undone' : 'undone';
      await conn.query(
        `UPDATE ${d.quoteQualified(ns, 'merges')} SET state = ${d.placeholder(1)}, undone_at = ${d.engine === 'postgres' ? 'now()' : 'CURRENT_TIMESTAMP(6)'}, undo_json = ${d.placeholder(2)} WHERE id = ${d.placeholder(3)}`,
        [result.state, JSON.stringify(result), mergeId],
      );
      await conn.query('COMMIT');
      return result;
    } catch (err) {
      await conn.query('ROLLBACK').catch(() => undefined);
      if (err instanceof UserError) throw err;
      throw new UserError(`undo failed and was rolled back, live data is unchanged: ${(err as Error).message.split('\n')[0]}`, undefined, { cause: err });
    }
  });
}

export type { Queryable };
