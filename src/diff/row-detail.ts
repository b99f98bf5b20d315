import type { Dialect } from '../dialect/dialect.js';
import type { Queryable } from '../dialect/queryable.js';
import type { DiffPlan } from './model.js';
import { diffConditions } from './sql.js';
import { displayValue } from './values.js';

/** One row in full on both sides, and which compared columns differ. */
export interface DiffRowDetail {
  /** `schema.name` of the live table. */
  table: string;
  key: Record<string, unknown>;
  inBackup: boolean;
  inLive: boolean;
  columns: { name: string; before: unknown; after: unknown; changed: boolean }[];
}

/** One row by key on both sides, and which compared columns differ (the diff's own comparison). */
export async function diffRowDetail(db: Queryable & { dialect: Dialect }, plan: DiffPlan, keyTuple: unknown[]): Promise<DiffRowDetail> {
  const d = db.dialect;
  const q = (n: string) => d.quoteIdent(n);
  const where = (alias: string) => plan.key.map((k, i) => `${alias}.${q(k)} = ${d.placeholder(i + 1)}`).join(' AND ');
  const [staged] = await db.query<Record<string, unknown>>(`SELECT * FROM ${d.tableRows(plan.staged)} s WHERE ${where('s')}`, keyTuple);
  const [live] = await db.query<Record<string, unknown>>(`SELECT * FROM ${d.tableRows(plan.live)} l WHERE ${where('l')}`, keyTuple);
  let flags: Record<string, unknown> = {};
  if (staged && live && plan.columns.length) {
    const { on, diffOf } = diffConditions(d, plan);
    const [row] = await db.query<Record<string, unknown>>(
      `SELECT ${plan.columns.map((c, i) => `${diffOf(c)} AS f${i}`).join(', ')}
       FROM ${d.tableRows(plan.staged)} s JOIN ${d.tableRows(plan.live)} l ON ${on} WHERE ${where('s')}`,
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
