import type { Dialect } from '../dialect/dialect.js';
import type { ColumnInfo } from '../dialect/model.js';
import type { MergeTable } from './model.js';

/** One table of a running merge, with every name it needs already quoted. */
export interface TableCtx {
  idx: number;
  table: MergeTable;
  /** `schema.name` of the live table, for reports. */
  display: string;
  live: string;
  staged: string;
  /** Selection table (in the staging namespace): key, op, kind, reason, live_hash, seq. */
  sel: string;
  /** Journal shadow tables (internal namespace): previous live values and written values. */
  before: string;
  after: string;
  beforeName: string;
  afterName: string;
  selName: string;
  key: string[];
  /** Live columns that also exist in staging and are not generated: what inserts write. */
  writable: ColumnInfo[];
  /** Why the table is in the plan. */
  via: string;
}

/** Builds the context of each merge table, in the given order. */
export function tableContexts(
  d: Dialect,
  tables: { table: MergeTable; via: string }[],
  names: { mergeId: string; stagingNs: string; internalNs: string },
): TableCtx[] {
  return tables.map(({ table, via }, idx) => {
    const stagedCols = new Set(table.staged.columns.map((c) => c.name));
    const selName = `_sel_${names.mergeId}_${idx}`;
    const beforeName = `${names.mergeId}_${idx}_before`;
    const afterName = `${names.mergeId}_${idx}_after`;
    return {
      idx,
      table,
      display: `${table.live.schema}.${table.live.name}`,
      live: d.quoteQualified(table.live.schema, table.live.name),
      staged: d.quoteQualified(table.staged.schema, table.staged.name),
      sel: d.quoteQualified(names.stagingNs, selName),
      before: d.quoteQualified(names.internalNs, beforeName),
      after: d.quoteQualified(names.internalNs, afterName),
      beforeName,
      afterName,
      selName,
      key: table.key,
      writable: table.live.columns.filter((c) => stagedCols.has(c.name) && !c.generated),
      via,
    };
  });
}

/** `a.k1 = b.k1 AND a.k2 = b.k2`. */
export function keyJoin(d: Dialect, a: string, b: string, key: string[]): string {
  return key.map((k) => `${a}.${d.quoteIdent(k)} = ${b}.${d.quoteIdent(k)}`).join(' AND ');
}

/** `a.c1, a.c2`. */
export function colList(d: Dialect, alias: string | null, cols: string[]): string {
  return cols.map((c) => (alias ? `${alias}.${d.quoteIdent(c)}` : d.quoteIdent(c))).join(', ');
}
