import type { Dialect } from '../dialect/dialect.js';
import type { ColumnInfo } from '../dialect/model.js';
import { UserError } from '../errors.js';
import type { MergeTable } from './model.js';

/**
 * The columns crm-rescue keeps next to a table's own: the selection table's (next to the key
 * columns) and, for crm_rescue_op and crm_rescue_kind, the journal's "after" shadow (next to
 * every column). Prefixed, so that a CRM's own `seq`, `op`, `kind`, `reason` or `live_hash`
 * never collides with them; a table with a column of one of these very names is refused.
 */
export const INTERNAL_COLUMNS = ['crm_rescue_seq', 'crm_rescue_op', 'crm_rescue_kind', 'crm_rescue_reason', 'crm_rescue_live_hash'] as const;

/** One table of a running merge, with every name it needs already quoted. */
export interface TableCtx {
  idx: number;
  table: MergeTable;
  /** `schema.name` of the live table, for reports. */
  display: string;
  live: string;
  /**
   * The backup's rows as merge reads them, always used with an alias: the staged table, or
   * with `table.columnMap` a SELECT of it that gives its columns live's names.
   */
  staged: string;
  /**
   * Selection table (in the staging namespace): the key columns, then crm_rescue_op
   * (insert|update), _kind (full|changed|soft|undelete), _reason (why skipped), _live_hash (the
   * live row when selected: the "changed since diff" check) and _seq (the order rows are written).
   */
  sel: string;
  /** Journal shadow tables (internal namespace): previous live values and written values. */
  before: string;
  after: string;
  beforeName: string;
  afterName: string;
  selName: string;
  /** The namespace the selection table is in (the backup's staging namespace). */
  selNs: string;
  key: string[];
  /** Live columns that also exist in staging and are not generated: what inserts write. */
  writable: ColumnInfo[];
  /**
   * Every live column that is not generated: what the journal's shadow tables copy of a row, so
   * a column the backup lacks (filled by its default) is journaled with the value it got.
   */
  journaled: ColumnInfo[];
  /** Why the table is in the plan. */
  via: string;
}

/** Builds the context of each merge table, in the given order. */
export function tableContexts(
  d: Dialect,
  tables: { table: MergeTable; via: string }[],
  names: { mergeId: string; stagingNs: string; internalNs: string; firstIdx?: number },
): TableCtx[] {
  return tables.map(({ table, via }, i) => {
    // Unique across the parts of a merge of several roots: the shadow tables are named by it.
    const idx = (names.firstIdx ?? 0) + i;
    const display = `${table.live.schema}.${table.live.name}`;
    const reserved = table.live.columns.find((c) => (INTERNAL_COLUMNS as readonly string[]).includes(c.name));
    if (reserved) {
      throw new UserError(
        `column ${reserved.name} of ${display} has the name of a column crm-rescue's own merge tables use, so its rows cannot be merged`,
        `Rename the column (crm-rescue reserves ${INTERNAL_COLUMNS.join(', ')})`,
      );
    }
    const stagedCols = new Set(table.staged.columns.map((c) => c.name));
    const selName = `_sel_${names.mergeId}_${idx}`;
    const beforeName = `${names.mergeId}_${idx}_before`;
    const afterName = `${names.mergeId}_${idx}_after`;
    return {
      idx,
      table,
      display,
      live: d.quoteQualified(table.live.schema, table.live.name),
      staged: stagedSource(d, table),
      sel: d.quoteQualified(names.stagingNs, selName),
      before: d.quoteQualified(names.internalNs, beforeName),
      after: d.quoteQualified(names.internalNs, afterName),
      beforeName,
      afterName,
      selName,
      selNs: names.stagingNs,
      key: table.key,
      writable: table.live.columns.filter((c) => stagedCols.has(c.name) && !c.generated),
      journaled: table.live.columns.filter((c) => !c.generated),
      via,
    };
  });
}

/**
 * The staged table as merge reads it: its quoted name, or, when columns of the backup are
 * mapped to live columns of another name (--map name=full_name), a SELECT that renames them.
 * `table.staged` already lists the columns under their live names.
 */
export function stagedSource(d: Dialect, table: Pick<MergeTable, 'staged' | 'columnMap'>): string {
  const qualified = d.quoteQualified(table.staged.schema, table.staged.name);
  const map = table.columnMap;
  if (!map || !Object.keys(map).length) return qualified;
  const cols = table.staged.columns.map((c) => (map[c.name] !== undefined ? `${d.quoteIdent(map[c.name])} AS ${d.quoteIdent(c.name)}` : d.quoteIdent(c.name)));
  return `(SELECT ${cols.join(', ')} FROM ${qualified})`;
}

/** `a.k1 = b.k1 AND a.k2 = b.k2`. */
export function keyJoin(d: Dialect, a: string, b: string, key: string[]): string {
  return key.map((k) => `${a}.${d.quoteIdent(k)} = ${b}.${d.quoteIdent(k)}`).join(' AND ');
}

/** `a.c1, a.c2`. */
export function colList(d: Dialect, alias: string | null, cols: string[]): string {
  return cols.map((c) => (alias ? `${alias}.${d.quoteIdent(c)}` : d.quoteIdent(c))).join(', ');
}
