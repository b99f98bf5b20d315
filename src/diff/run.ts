import type { Queryable } from '../dialect/queryable.js';
import type { Dialect } from '../dialect/dialect.js';
import type { DiffClass, DiffCounts, DiffPlan, DiffRow, DiffSummary } from './model.js';
import { buildDiffSql } from './sql.js';
import { displayValue } from './values.js';

/** Counts every class in the database: one FULL JOIN (PostgreSQL) or two anti-joins (MySQL). */
export async function countDiff(db: Queryable & { dialect: Dialect }, plan: DiffPlan): Promise<DiffSummary> {
  const sql = buildDiffSql(db.dialect, plan);
  const counts: DiffCounts = { deleted: 0, softDeleted: 0, changed: 0, added: 0, unchanged: 0 };
  for (const statement of sql.counts) {
    const [row] = await db.query<Record<string, unknown>>(statement);
    if ('deleted' in row) counts.deleted = Number(row.deleted);
    if ('changed' in row) counts.changed = Number(row.changed);
    if ('soft_deleted' in row) counts.softDeleted = Number(row.soft_deleted);
    if ('unchanged' in row) counts.unchanged = Number(row.unchanged);
    if ('added' in row) counts.added = Number(row.added);
  }
  return {
    table: { schema: plan.live.schema, name: plan.live.name },
    staged: { schema: plan.staged.schema, name: plan.staged.name },
    key: plan.key,
    keySource: plan.keySource,
    columns: plan.columns.map((c) => c.name),
    onlyInStaged: plan.onlyInStaged,
    onlyInLive: plan.onlyInLive,
    softDelete: plan.softDelete ? { column: plan.softDelete.column, kind: plan.softDelete.kind } : null,
    where: plan.where ?? null,
    counts,
  };
}

/**
 * Streams the differing rows of the given classes, page by page in key order: memory holds one
 * page whatever the number of differences.
 */
export async function* diffRows(
  db: Queryable & { dialect: Dialect },
  plan: DiffPlan,
  classes: readonly DiffClass[],
  pageSize = 1000,
): AsyncGenerator<DiffRow> {
  for (const cls of classes) {
    let after: unknown[] | null = null;
    for (;;) {
      const page = await diffPage(db, plan, cls, after, pageSize);
      yield* page.rows;
      if (page.rows.length < pageSize) break;
      after = page.keys[page.keys.length - 1];
    }
  }
}

/**
 * One page of differing rows of a class in key order: the rows after the key `after` (null:
 * from the first), skipping `skip` more. `keys` are the rows' key values as the server gave
 * them, in key order: pass the last one as `after` for the next page.
 */
export async function diffPage(
  db: Queryable & { dialect: Dialect },
  plan: DiffPlan,
  cls: DiffClass,
  after: unknown[] | null,
  limit: number,
  skip = 0,
): Promise<{ rows: DiffRow[]; keys: unknown[][] }> {
  const sql = buildDiffSql(db.dialect, plan);
  const cols = sql.layout.columns;
  const { sql: text, params } = sql.page(cls, after, limit, skip);
  const raw = await db.query<Record<string, unknown>>(text, params);
  const rows = raw.map((r): DiffRow => {
    const key = Object.fromEntries(plan.key.map((k, i) => [k, displayValue(r[`k${i}`])]));
    if (cls === 'deleted') return { class: cls, key, before: Object.fromEntries(cols.map((c, i) => [c, displayValue(r[`v${i}`])])) };
    if (cls === 'added') return { class: cls, key, after: Object.fromEntries(cols.map((c, i) => [c, displayValue(r[`v${i}`])])) };
    const changedColumns = cols.filter((_, i) => isTrue(r[`f${i}`]));
    return {
      class: cls,
      key,
      changedColumns,
      before: Object.fromEntries(changedColumns.map((c) => [c, displayValue(r[`b${cols.indexOf(c)}`])])),
      after: Object.fromEntries(changedColumns.map((c) => [c, displayValue(r[`a${cols.indexOf(c)}`])])),
    };
  });
  return { rows, keys: raw.map((r) => plan.key.map((_, i) => r[`k${i}`])) };
}

function isTrue(v: unknown): boolean {
  return v === true || v === 1 || v === '1' || v === 't';
}
