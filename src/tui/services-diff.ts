import { openDb, type Db } from '../connect/open.js';
import type { DiffPlan } from '../diff/model.js';
import { diffPlanFor, prepareTables, type PreparedDiff } from '../diff/prepare.js';
import { countDiff, diffPage } from '../diff/run.js';
import { diffRowDetail } from '../diff/row-detail.js';
import { UserError } from '../errors.js';
import { findLiveTable, stagingOf } from '../stage/resolve.js';
import { stageTables } from '../stage/stage.js';
import { catalogDir } from '../util/paths.js';
import type { DiffServices, DiffSet, DiffTable } from './services-types.js';
import { tableDisplay } from './table-name.js';

/**
 * Diffs for the console. Opening stages what is missing (cancellable, through a read-write
 * connection that writes only staging), then every read is a keyset page on the read-only one.
 */
export function diffServices(db: Db, env: NodeJS.ProcessEnv = process.env): DiffServices {
  return {
    async open(request, options = {}) {
      if (!request.tables.length) throw new UserError('no table chosen', 'Select at least one table to compare');
      const dir = catalogDir(undefined, env);
      const snapshot = await db.dialect.introspect(db);
      const live = request.tables.map((t) => findLiveTable(snapshot, t));
      const staging = await stagingOf(db, request.backupId);
      const have = new Set(staging?.tables.map((t) => `${t.schema}.${t.name}`) ?? []);
      const missing = live.filter((t) => !have.has(`${t.schema}.${t.name}`));
      const stagedNow: string[] = [];
      if (missing.length) {
        const writer = await openDb(db.target, { readOnly: false, interactive: false, poolSize: 2 });
        try {
          const r = await stageTables(writer, {
            backup: request.backupId,
            tables: missing.map((t) => (db.dialect.engine === 'postgres' ? `${t.schema}.${t.name}` : t.name)),
            dir,
            onProgress: options.onProgress,
            signal: options.signal,
            onlyMissing: true,
          });
          stagedNow.push(...r.tables.map((t) => `${t.schema}.${t.name}`));
        } finally {
          await writer.close().catch(() => undefined);
        }
      }
      options.signal?.throwIfAborted();
      const prepared = await prepareTables(db, { backup: request.backupId, tables: live.map((t) => `${t.schema}.${t.name}`), dir });
      return diffSet(db, prepared, stagedNow, options.onProgress);
    },
  };
}

async function diffSet(
  db: Db,
  prepared: PreparedDiff,
  stagedNow: string[],
  onProgress?: (e: { operation: string; phase: string; table?: string; done: number; total: number }) => void,
): Promise<DiffSet> {
  const plans = new Map<string, DiffPlan>();
  prepared.pairs.forEach((p, i) => plans.set(`${p.live.schema}.${p.live.name}`, diffPlanFor(prepared, i, {})));
  const multiSchema = new Set(prepared.pairs.map((p) => p.live.schema)).size > 1;
  const planOf = (id: string) => {
    const plan = plans.get(id);
    if (!plan) throw new UserError(`table ${id} is not part of this diff`);
    return plan;
  };
  const count = async (): Promise<DiffTable[]> => {
    const out: DiffTable[] = [];
    let done = 0;
    for (const [id, plan] of plans) {
      onProgress?.({ operation: 'diff', phase: 'count', table: id, done, total: plans.size });
      const s = await countDiff(db, plan);
      out.push({
        id,
        display: tableDisplay(db.dialect.engine, plan.live.schema, plan.live.name, multiSchema),
        key: plan.key,
        columns: plan.columns.map((c) => c.name),
        softDelete: plan.softDelete?.column ?? null,
        counts: s.counts,
      });
      done++;
    }
    return out;
  };
  const tables = await count();
  return {
    backupId: prepared.backupId,
    tables,
    stagedNow,
    async rows(table, cls, after, limit, skip = 0) {
      const page = await diffPage(db, planOf(table), cls, after, limit, skip);
      return page.rows.map((r, i) => ({ ...r, keyTuple: page.keys[i] }));
    },
    row: (table, keyTuple) => diffRowDetail(db, planOf(table), keyTuple),
    recount: count,
  };
}
