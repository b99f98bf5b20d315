import type { Dialect } from '../dialect/dialect.js';
import type { Queryable } from '../dialect/queryable.js';
import { colList, keyJoin, type TableCtx } from './context.js';
import { clearedValue, ownMark } from './undelete.js';

/** The columns an update of a given kind writes. */
export function updateColumns(t: TableCtx, kind: 'full' | 'changed' | 'soft' | 'undelete', changedColumns?: string[]): string[] {
  const nonKey = t.writable.map((c) => c.name).filter((c) => !t.key.includes(c));
  if (kind === 'full') return nonKey;
  if (kind === 'changed') return changedColumns?.length ? nonKey.filter((c) => changedColumns.includes(c)) : nonKey;
  const mark = t.table.softDelete;
  if (!mark || mark.via) return [];
  if (kind === 'undelete') return nonKey.filter((c) => c === mark.column);
  return nonKey.filter((c) => c === mark.column || mark.touches.includes(c));
}

/** Counts written per table. */
export interface WriteCounts {
  inserted: number;
  updated: number;
}

/**
 * Writes one table's selected rows, set-based and in batches of crm_rescue_seq ranges: previous
 * live values into the "before" shadow, INSERT … SELECT / UPDATE … JOIN from staging, then the
 * written values into the "after" shadow. The shadows copy every column of the live row (also
 * those the backup lacks, as their defaults filled them); inserts write the columns the backup
 * has, and leave the others to the server's defaults. Every statement runs in the caller's transaction;
 * `log` receives each distinct statement once (the SQL preview).
 */
export async function writeTable(
  conn: Queryable,
  d: Dialect,
  t: TableCtx,
  opts: {
    batchSize: number;
    changedColumns?: string[];
    log: (sql: string) => void;
    onBatch?: (rows: number) => void;
    /**
     * Copy rows into the journal's shadows (an apply). A dry run shows those statements but does
     * not run them: it is rolled back, so its journal would be written only to be undone, and on
     * 100k rows that copy is a fifth of the dry run.
     */
    journal?: boolean;
  },
): Promise<WriteCounts> {
  const [{ lo, hi }] = await conn.query<{ lo: number | null; hi: number | null }>(`SELECT min(crm_rescue_seq) AS lo, max(crm_rescue_seq) AS hi FROM ${t.sel}`);
  const counts: WriteCounts = { inserted: 0, updated: 0 };
  if (lo === null || hi === null) return counts;
  const all = t.writable.map((c) => c.name);
  const journaled = t.journaled.map((c) => c.name);
  const kinds = (['full', 'changed', 'soft'] as const).map((k) => ({ kind: k, cols: updateColumns(t, k, opts.changedColumns) }));
  // Rows per op and kind: a statement with nothing to write is neither run nor shown.
  const groups = await conn.query<{ op: string; kind: string; n: number }>(
    `SELECT crm_rescue_op AS op, crm_rescue_kind AS kind, count(*) AS n FROM ${t.sel} WHERE crm_rescue_reason IS NULL GROUP BY crm_rescue_op, crm_rescue_kind`,
  );
  const rows = (op: string, kind?: string) => groups.filter((g) => g.op === op && (kind === undefined || g.kind === kind)).reduce((s, g) => s + Number(g.n), 0);
  counts.inserted = rows('insert');
  counts.updated = rows('update');
  const seen = new Set<string>();
  const journal = opts.journal ?? true;
  const run = async (template: string, a: number, b: number, journalOnly = false) => {
    if (!seen.has(template)) {
      seen.add(template);
      opts.log(template.replace(/\{\{a\}\}/g, String(a)).replace(/\{\{b\}\}/g, String(b)));
    }
    if (journalOnly && !journal) return;
    await conn.query(template.replace(/\{\{a\}\}/g, String(a)).replace(/\{\{b\}\}/g, String(b)));
  };
  const range = (alias: string) => `${alias}.crm_rescue_reason IS NULL AND ${alias}.crm_rescue_seq > {{a}} AND ${alias}.crm_rescue_seq <= {{b}}`;
  const beforeSql = `INSERT INTO ${t.before} (${colList(d, null, journaled)}) SELECT ${colList(d, 'l', journaled)} FROM ${t.live} l JOIN ${t.sel} x ON ${keyJoin(d, 'l', 'x', t.key)} WHERE x.crm_rescue_op = 'update' AND ${range('x')}`;
  const insertSql = `INSERT INTO ${t.live} (${colList(d, null, all)}) ${d.insertOverriding(t.writable)}SELECT ${colList(d, 's', all)} FROM ${t.staged} s JOIN ${t.sel} x ON ${keyJoin(d, 's', 'x', t.key)} WHERE x.crm_rescue_op = 'insert' AND ${range('x')} ORDER BY x.crm_rescue_seq`;
  const mark = ownMark(t);
  const updateSqls = kinds
    .filter((k) => k.cols.length && rows('update', k.kind))
    .map((k) =>
      d.updateJoin({
        target: t.live,
        alias: 'l',
        sources: [
          { table: t.staged, alias: 's', on: keyJoin(d, 's', 'l', t.key) },
          { table: t.sel, alias: 'x', on: keyJoin(d, 'x', 's', t.key) },
        ],
        set: k.cols.map((c) => [c, `s.${d.quoteIdent(c)}`]),
        where: `x.crm_rescue_op = 'update' AND x.crm_rescue_kind = '${k.kind}' AND ${range('x')}`,
      }),
    );
  // Undelete: the mark's "not deleted" value, from no backup.
  if (mark && rows('update', 'undelete')) {
    updateSqls.push(
      d.updateJoin({
        target: t.live,
        alias: 'l',
        sources: [{ table: t.sel, alias: 'x', on: keyJoin(d, 'x', 'l', t.key) }],
        set: [[mark.column, clearedValue(t, mark)]],
        where: `x.crm_rescue_op = 'update' AND x.crm_rescue_kind = 'undelete' AND ${range('x')}`,
      }),
    );
  }
  const afterSql = `INSERT INTO ${t.after} (${colList(d, null, journaled)}, ${d.quoteIdent('crm_rescue_op')}, ${d.quoteIdent('crm_rescue_kind')}) SELECT ${colList(d, 'l', journaled)}, x.crm_rescue_op, x.crm_rescue_kind FROM ${t.live} l JOIN ${t.sel} x ON ${keyJoin(d, 'l', 'x', t.key)} WHERE ${range('x')}`;
  for (let a = lo - 1; a < hi; a += opts.batchSize) {
    const b = Math.min(hi, a + opts.batchSize);
    if (counts.updated) await run(beforeSql, a, b, true);
    if (counts.inserted) await run(insertSql, a, b);
    for (const u of updateSqls) await run(u, a, b);
    await run(afterSql, a, b, true);
    opts.onBatch?.(b - a);
  }
  if (counts.inserted) await d.fixSequences(conn, { schema: t.table.live.schema, name: t.table.live.name, columns: t.table.live.columns });
  return counts;
}
