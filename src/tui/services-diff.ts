import { openDb, type Db } from '../connect/open.js';
import type { DiffPlan } from '../diff/model.js';
import { diffPlanFor, prepareTables, type PreparedDiff } from '../diff/prepare.js';
import { countDiff, diffPage } from '../diff/run.js';
import { diffConditions } from '../diff/sql.js';
import { displayValue } from '../diff/values.js';
import { UserError } from '../errors.js';
import { findLiveTable, stagingOf } from '../stage/resolve.js';
import { stageTables } from '../stage/stage.js';
import { catalogDir } from '../util/paths.js';
import type { DiffRowDetail, DiffServices, DiffSet, DiffTable } from './services-types.js';

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

async function diffSet(db: Db, prepared: PreparedDiff, stagedNow: string[], onProgress?: (e: { operation: string; phase: string; table?: string; done: number; total: number }) => void): Promise<DiffSet> {
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
        display: multiSchema || (db.dialect.engine === 'postgres' && plan.live.schema !== 'public') ? id : plan.live.name,
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
    row: (table, keyTuple) => rowDetail(db, planOf(table), keyTuple),
    recount: count,
  };
}

/** One row by key on both sides, and which compared columns differ (the diff's own comparison). */
async function rowDetail(db: Db, plan: DiffPlan, keyTuple: unknown[]): Promise<DiffRowDetail> {
  const d = db.dialect;
  const q = (n: string) => d.quoteIdent(n);
  const where = (alias: string) => plan.key.map((k, i) => `${alias}.${q(k)} = ${d.placeholder(i + 1)}`).join(' AND ');
  const [staged] = await db.query<Record<string, unknown>>(`SELECT * FROM ${d.quoteQualified(plan.staged.schema, plan.staged.name)} s WHERE ${where('s')}`, keyTuple);
  const [live] = await db.query<Record<string, unknown>>(`SELECT * FROM ${d.quoteQualified(plan.live.schema, plan.live.name)} l WHERE ${where('l')}`, keyTuple);
  let flags: Record<string, unknown> = {};
  if (staged && live && plan.columns.length) {
    const { on, diffOf } = diffConditions(d, plan);
    const [row] = await db.query<Record<string, unknown>>(
      `SELECT ${plan.columns.map((c, i) => `${diffOf(c)} AS f${i}`).join(', ')}
       FROM ${d.quoteQualified(plan.staged.schema, plan.staged.name)} s JOIN ${d.quoteQualified(plan.live.schema, plan.live.name)} l ON ${on} WHERE ${where('s')}`,
      keyTuple,
    );
    flags = row ?? {};
  }
  const changed = new Set(plan.columns.filter((_, i) => [true, 1, '1', 't'].includes(flags[`f${i}`] as never)).map((c) => c.name));
  const names = [...plan.key, ...plan.columns.map((c) => c.name), ...plan.onlyInStaged, ...plan.onlyInLive];
  return {
    table: `${plan.live.schema}.${plan.live.name}`,
    key: Object.fromEntries(plan.key.map((k, i) => [k, displayValue(keyTuple[i])])),
    inBackup: Boolean(staged),
    inLive: Boolean(live),
    columns: names.map((name) => ({
      name,
      before: staged && name in staged ? displayValue(staged[name]) : undefined,
      after: live && name in live ? displayValue(live[name]) : undefined,
      // A row on one side only has nothing to compare: its state line says so.
      changed: Boolean(staged && live) && changed.has(name),
    })),
  };
}
