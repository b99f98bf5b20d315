import type { Dialect } from '../dialect/dialect.js';
import type { DiffClass, DiffPlan } from './model.js';

/** The class of a result row, as the `c` column spells it (DIFF_CLASSES order). */
export const CLASS_CODES: Record<DiffClass, number> = { deleted: 1, 'soft-deleted': 2, changed: 3, added: 4 };

/** Where a class's rows start and how many to read. */
export interface RowsRange {
  /** Only rows whose key comes after this one (keyset paging); null or absent: from the first. */
  after?: unknown[] | null;
  /** At most this many rows; absent: all. */
  limit?: number;
  /** Skip this many rows first (the console's jump far from any known key); needs `limit`. */
  skip?: number;
}

/**
 * The SQL pieces of a diff, built once from a checked plan. Identifiers are always quoted. Every
 * row statement returns the same columns: `c` (the class code), `k0…` (the key), `b0…` (staged
 * values), `a0…` (live values) and `f0…` (this column differs), the last three over the compared
 * columns in plan order; a statement leaves out what its class does not need.
 */
export interface DiffSql {
  /** One or two statements whose single rows together give the counts (no rows fetched). */
  counts: string[];
  /** The number of staged rows (with --where): unchanged = staged − deleted − soft-deleted − changed. */
  stagedCount: string;
  /**
   * Where FULL JOIN exists (PostgreSQL): one statement that returns every differing row once, in
   * output order (class, then key), each row also carrying the counts: `n1`…`n4` (rows per class
   * code) and `ns` (staged rows; unchanged = ns − n1 − n2 − n3). The server buffers only the
   * differing rows (to sort and count them), so the first row brings the summary. null elsewhere.
   */
  ordered: string | null;
  /**
   * Where it does not (MySQL): statements that together return every differing row once, each
   * class in key order: a LEFT JOIN from staging (deleted, soft-deleted, changed, interleaved in
   * key order) and an anti-join from live (added). The caller counts and spools them.
   */
  pass: string[];
  /**
   * The rows of one class in key order. Both sides are bounded by the key where that is sound
   * (see DialectCapabilities.strictKeyCollation), so a page after a key costs the rows it reads
   * from there, not the table; elsewhere the other side is reached by key lookups.
   */
  rows(cls: DiffClass, range?: RowsRange): { sql: string; params: unknown[] };
  /** Key and compared columns, in the order of `k…` and `b…`/`a…`/`f…`. */
  layout: { key: string[]; columns: string[] };
}

/** Builds the diff SQL for a plan. */
export function buildDiffSql(d: Dialect, plan: DiffPlan): DiffSql {
  const q = (n: string) => d.quoteIdent(n);
  // Each side's own rows: a live table others INHERIT from is read without theirs (ONLY).
  const side = (t: DiffPlan['live']) => (plan.where ? `(SELECT * FROM ${d.tableRows(t)} WHERE (${plan.where}))` : d.tableRows(t));
  const S = `${side(plan.staged)} s`;
  const L = `${side(plan.live)} l`;
  const { on, changed, soft, diffOf } = diffConditions(d, plan);
  const k0 = q(plan.key[0]);
  const keyList = (alias: string) => plan.key.map((k) => `${alias}.${q(k)}`);
  const keys = (alias: string) => keyList(alias).map((e, i) => `${e} AS k${i}`);
  const staged = plan.columns.map((c, i) => `s.${q(c.name)} AS b${i}`);
  const live = plan.columns.map((c, i) => `l.${q(c.name)} AS a${i}`);
  const flags = plan.columns.map((c, i) => `${diffOf(c)} AS f${i}`);
  const code = (cls: DiffClass) => `${CLASS_CODES[cls]} AS c`;
  const list = (parts: string[]) => parts.join(', ');

  const counts = d.capabilities.fullJoin
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
        `SELECT COUNT(*) AS added FROM ${L} LEFT JOIN ${S} ON ${on} WHERE s.${k0} IS NULL`,
      ];

  const stagedCount = `SELECT COUNT(*) AS n FROM ${S}`;
  const codes = Object.values(CLASS_CODES);
  const ordered = d.capabilities.fullJoin
    ? `SELECT d.*, ${list(codes.map((n) => `count(*) FILTER (WHERE d.c = ${n}) OVER () AS n${n}`))}, (${stagedCount}) AS ns
       FROM (SELECT CASE WHEN l.${k0} IS NULL THEN ${CLASS_CODES.deleted} WHEN s.${k0} IS NULL THEN ${CLASS_CODES.added}
                         WHEN ${soft} THEN ${CLASS_CODES['soft-deleted']} ELSE ${CLASS_CODES.changed} END AS c,
                    ${list([...plan.key.map((k, i) => `COALESCE(s.${q(k)}, l.${q(k)}) AS k${i}`), ...staged, ...live, ...flags])}
             FROM ${S} FULL JOIN ${L} ON ${on}
             WHERE l.${k0} IS NULL OR s.${k0} IS NULL OR ${changed}) d
       ORDER BY ${list(['d.c', ...plan.key.map((_, i) => `d.k${i}`)])}`
    : null;
  const pass = [
    `SELECT CASE WHEN l.${k0} IS NULL THEN ${CLASS_CODES.deleted} WHEN ${soft} THEN ${CLASS_CODES['soft-deleted']} ELSE ${CLASS_CODES.changed} END AS c,
            ${list([...keys('s'), ...staged, ...live, ...flags])}
     FROM ${S} LEFT JOIN ${L} ON ${on}
     WHERE l.${k0} IS NULL OR ${changed}
     ORDER BY ${list(keyList('s'))}`,
    `SELECT ${list([code('added'), ...keys('l'), ...live])} FROM ${L} LEFT JOIN ${S} ON ${on} WHERE s.${k0} IS NULL ORDER BY ${list(keyList('l'))}`,
  ];

  const rows = (cls: DiffClass, range: RowsRange = {}) => {
    const params: unknown[] = [];
    const after = range.after ?? null;
    // keyAfter asks for each value where its placeholder goes: parameters follow the text's order.
    const bound = (alias: string) => (after ? d.keyAfter(keyList(alias), (i) => (params.push(after[i]), d.placeholder(params.length))) : '');
    const limit = range.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(range.limit))}`;
    const offset = range.limit !== undefined && range.skip ? ` OFFSET ${Math.max(0, Math.floor(range.skip))}` : '';
    if (cls === 'deleted' || cls === 'added') {
      // An anti-join read from the driving side in key order; the other side is probed by key.
      const [drive, other, from, to] = cls === 'deleted' ? ['s', 'l', S, L] : ['l', 's', L, S];
      const otherBound = after && d.capabilities.strictKeyCollation ? ` AND ${bound(other)}` : '';
      const join = `${from} LEFT JOIN ${to} ON ${on}${otherBound}`;
      const driveBound = after ? ` AND ${bound(drive)}` : '';
      const values = cls === 'deleted' ? staged : live;
      return {
        sql: `SELECT ${list([code(cls), ...keys(drive), ...values])} FROM ${join} WHERE ${other}.${k0} IS NULL${driveBound} ORDER BY ${list(keyList(drive))}${limit}${offset}`,
        params,
      };
    }
    const cond = cls === 'soft-deleted' ? soft : `${changed} AND NOT ${soft}`;
    const bounds = after ? ` AND ${bound('s')}${d.capabilities.strictKeyCollation ? ` AND ${bound('l')}` : ''}` : '';
    return {
      sql: `SELECT ${list([code(cls), ...keys('s'), ...staged, ...live, ...flags])} FROM ${S} JOIN ${L} ON ${on} WHERE ${cond}${bounds} ORDER BY ${list(keyList('s'))}${limit}${offset}`,
      params,
    };
  };

  return {
    counts,
    stagedCount,
    ordered,
    pass,
    rows,
    layout: { key: plan.key, columns: plan.columns.map((c) => c.name) },
  };
}

/**
 * The conditions of a diff over aliases `s` (staged) and `l` (live): the key join, "some compared
 * column differs" and "only the soft-delete mark (and what it touches) changed". Merge selects
 * rows with the same conditions the diff counted them with.
 */
export function diffConditions(d: Dialect, plan: DiffPlan) {
  const q = (n: string) => d.quoteIdent(n);
  const on = plan.key.map((k) => `s.${q(k)} = l.${q(k)}`).join(' AND ');
  // The introspected columns carry what the catalog says of each type's equality.
  const stagedCols = new Map(plan.staged.columns.map((c) => [c.name, c]));
  const liveCols = new Map(plan.live.columns.map((c) => [c.name, c]));
  const diffOf = (c: DiffPlan['columns'][number]) =>
    d.distinct(`s.${q(c.name)}`, `l.${q(c.name)}`, stagedCols.get(c.name) ?? c.stagedType, liveCols.get(c.name) ?? c.liveType);
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
