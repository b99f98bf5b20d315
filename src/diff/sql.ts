import type { Dialect } from '../dialect/dialect.js';
import type { DiffClass, DiffPlan } from './model.js';

/** The SQL pieces of a diff, built once from a checked plan. Identifiers are always quoted. */
export interface DiffSql {
  /** One or two statements whose rows together give the counts. */
  counts: string[];
  /** A page of rows of one class after a key (null: from the start), skipping `skip` rows first. */
  page(cls: DiffClass, after: unknown[] | null, limit: number, skip?: number): { sql: string; params: unknown[] };
  /** Column order of a page's result: key, then staged values, then live values, then flags. */
  layout: { key: string[]; columns: string[] };
}

/** Builds the diff SQL for a plan. */
export function buildDiffSql(d: Dialect, plan: DiffPlan): DiffSql {
  const q = (n: string) => d.quoteIdent(n);
  const side = (t: { schema: string; name: string }) =>
    plan.where ? `(SELECT * FROM ${d.quoteQualified(t.schema, t.name)} WHERE (${plan.where}))` : d.quoteQualified(t.schema, t.name);
  const S = `${side(plan.staged)} s`;
  const L = `${side(plan.live)} l`;
  const { on, changed, soft, diffOf } = diffConditions(d, plan);
  const k0 = q(plan.key[0]);

  const counts =
    d.capabilities.fullJoin
      ? [
          `SELECT count(*) FILTER (WHERE l.${k0} IS NULL) AS deleted,
                  count(*) FILTER (WHERE s.${k0} IS NULL) AS added,
                  count(*) FILTER (WHERE s.${k0} IS NOT NULL AND l.${k0} IS NOT NULL AND ${changed} AND NOT ${soft}) AS changed,
                  count(*) FILTER (WHERE s.${k0} IS NOT NULL AND l.${k0} IS NOT NULL AND ${soft}) AS soft_deleted,
                  count(*) FILTER (WHERE s.${k0} IS NOT NULL AND l.${k0} IS NOT NULL AND NOT ${changed}) AS unchanged
           FROM ${S} FULL JOIN ${L} ON ${on}`,
        ]
      : [
          `SELECT COALESCE(SUM(l.${k0} IS NULL), 0) AS deleted,
                  COALESCE(SUM(l.${k0} IS NOT NULL AND ${changed} AND NOT ${soft}), 0) AS changed,
                  COALESCE(SUM(l.${k0} IS NOT NULL AND ${soft}), 0) AS soft_deleted,
                  COALESCE(SUM(l.${k0} IS NOT NULL AND NOT ${changed}), 0) AS unchanged
           FROM ${S} LEFT JOIN ${L} ON ${on}`,
          `SELECT COUNT(*) AS added FROM ${L} WHERE NOT EXISTS (SELECT 1 FROM ${S} WHERE ${on})`,
        ];

  const cols = plan.columns.map((c) => c.name);
  const keyList = (alias: string) => plan.key.map((k) => `${alias}.${q(k)}`);
  const page = (cls: DiffClass, after: unknown[] | null, limit: number, skip = 0) => {
    const driving = cls === 'added' ? 'l' : 's';
    const params: unknown[] = after ? [...after] : [];
    const keyset = after
      ? ` AND (${keyList(driving).join(', ')}) > (${plan.key.map((_, i) => d.placeholder(i + 1)).join(', ')})`
      : '';
    // OFFSET only for a jump far from any known key (the console's G): the skipped rows stay in the server.
    const offset = skip > 0 ? ` OFFSET ${Math.floor(skip)}` : '';
    const order = ` ORDER BY ${keyList(driving).join(', ')} LIMIT ${Math.max(1, Math.floor(limit))}${offset}`;
    const keySel = keyList(driving).map((e, i) => `${e} AS k${i}`);
    if (cls === 'deleted' || cls === 'added') {
      const vals = cols.map((c, i) => `${driving}.${q(c)} AS v${i}`);
      const other = cls === 'deleted' ? L : S;
      const from = cls === 'deleted' ? S : L;
      return {
        sql: `SELECT ${[...keySel, ...vals].join(', ')} FROM ${from} WHERE NOT EXISTS (SELECT 1 FROM ${other} WHERE ${on})${keyset}${order}`,
        params,
      };
    }
    const before = cols.map((c, i) => `s.${q(c)} AS b${i}`);
    const afterVals = cols.map((c, i) => `l.${q(c)} AS a${i}`);
    const flags = plan.columns.map((c, i) => `${diffOf(c)} AS f${i}`);
    const cond = cls === 'soft-deleted' ? soft : `${changed} AND NOT ${soft}`;
    return {
      sql: `SELECT ${[...keySel, ...before, ...afterVals, ...flags].join(', ')} FROM ${S} JOIN ${L} ON ${on} WHERE ${cond}${keyset}${order}`,
      params,
    };
  };
  return { counts, page, layout: { key: plan.key, columns: cols } };
}

/**
 * The conditions of a diff over aliases `s` (staged) and `l` (live): the key join, "some compared
 * column differs" and "only the soft-delete mark (and what it touches) changed". Merge selects
 * rows with the same conditions the diff counted them with.
 */
export function diffConditions(d: Dialect, plan: DiffPlan) {
  const q = (n: string) => d.quoteIdent(n);
  const on = plan.key.map((k) => `s.${q(k)} = l.${q(k)}`).join(' AND ');
  const diffOf = (c: DiffPlan['columns'][number]) => d.distinct(`s.${q(c.name)}`, `l.${q(c.name)}`, c.stagedType, c.liveType);
  const changed = plan.columns.length ? `(${plan.columns.map(diffOf).join(' OR ')})` : '(1 = 0)';
  const soft = softCondition(d, plan, diffOf);
  return { on, changed, soft, diffOf };
}

/**
 * A row "only flipped the soft-delete mark": live is marked deleted, the backup is not, and no
 * column other than the mark and the columns the CRM touches with it differs.
 */
function softCondition(d: Dialect, plan: DiffPlan, diffOf: (c: DiffPlan['columns'][number]) => string): string {
  const mark = plan.softDelete;
  if (!mark) return '(1 = 0)';
  const col = plan.columns.find((c) => c.name === mark.column);
  if (!col) return '(1 = 0)';
  const isDeleted = (alias: string, type: string) => {
    const e = `${alias}.${d.quoteIdent(mark.column)}`;
    if (mark.kind === 'timestamp') return `(${e} IS NOT NULL)`;
    if (mark.kind === 'active') return `(${e} IS NOT NULL AND NOT ${d.truthy(e, type)})`;
    return d.truthy(e, type);
  };
  const allowed = new Set([mark.column, ...mark.touches]);
  const others = plan.columns.filter((c) => !allowed.has(c.name));
  const rest = others.length ? ` AND NOT (${others.map(diffOf).join(' OR ')})` : '';
  return `(${isDeleted('l', col.liveType)} AND NOT ${isDeleted('s', col.stagedType)}${rest})`;
}
