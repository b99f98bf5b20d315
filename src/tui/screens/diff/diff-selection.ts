import { formatCount } from '../../../util/format.js';
import type { DiffClass, DiffCounts, DiffRowView, DiffTable, RowSelection } from '../../services.js';

/** The rows chosen in one table: whole classes (never listed row by row) and single rows. */
export interface TableChoice {
  classes: DiffClass[];
  /** Single rows by `rowId`. */
  rows: Record<string, { class: DiffClass; key: Record<string, unknown> }>;
}

/** The rows chosen in every table of a diff, by table id. Memory: one entry per single row. */
export type DiffSelection = Record<string, TableChoice>;

/** Rows of these classes cannot be merged back. */
const NOT_MERGEABLE: readonly DiffClass[] = ['added'];

/** A row's stable id in the selection. */
export function rowId(row: Pick<DiffRowView, 'class' | 'keyTuple'>): string {
  return `${row.class}:${JSON.stringify(row.keyTuple)}`;
}

/** The count of a class in a table's counts. */
export function classCount(counts: DiffCounts, cls: DiffClass): number {
  return cls === 'deleted' ? counts.deleted : cls === 'soft-deleted' ? counts.softDeleted : cls === 'changed' ? counts.changed : counts.added;
}

const choiceOf = (sel: DiffSelection, table: string): TableChoice => sel[table] ?? { classes: [], rows: {} };

/** Whether a row is chosen (alone or with its whole class). */
export function isChosen(sel: DiffSelection, table: string, row: Pick<DiffRowView, 'class' | 'keyTuple'>): boolean {
  const c = choiceOf(sel, table);
  return c.classes.includes(row.class) || rowId(row) in c.rows;
}

/** The outcome of a selection key: the new selection, or why nothing changed. */
export type SelectionChange = { selection: DiffSelection; message: string | null };

/** Space: chooses or unchooses one row. */
export function toggleRow(sel: DiffSelection, table: string, row: DiffRowView): SelectionChange {
  if (NOT_MERGEABLE.includes(row.class)) return { selection: sel, message: 'rows added since the backup cannot be merged: a merge never deletes live rows' };
  const c = choiceOf(sel, table);
  if (c.classes.includes(row.class)) return { selection: sel, message: `every ${row.class} row is chosen: a unchooses the class` };
  const id = rowId(row);
  const rows = { ...c.rows };
  if (id in rows) delete rows[id];
  else rows[id] = { class: row.class, key: row.key };
  return { selection: { ...sel, [table]: { ...c, rows } }, message: null };
}

/** `a`: chooses or unchooses every row of a class (single rows of it are folded in). */
export function toggleClass(sel: DiffSelection, table: string, cls: DiffClass, count: number): SelectionChange {
  if (NOT_MERGEABLE.includes(cls)) return { selection: sel, message: 'rows added since the backup cannot be merged: a merge never deletes live rows' };
  const c = choiceOf(sel, table);
  if (c.classes.includes(cls)) return { selection: { ...sel, [table]: { ...c, classes: c.classes.filter((x) => x !== cls) } }, message: null };
  if (count === 0) return { selection: sel, message: `no ${cls} rows in this table` };
  const rows = Object.fromEntries(Object.entries(c.rows).filter(([, r]) => r.class !== cls));
  return { selection: { ...sel, [table]: { classes: [...c.classes, cls], rows } }, message: null };
}

/** How many rows are chosen in a table (whole classes counted from the counts). */
export function chosenCount(sel: DiffSelection, t: DiffTable): number {
  const c = choiceOf(sel, t.id);
  return c.classes.reduce((n, cls) => n + classCount(t.counts, cls), 0) + Object.keys(c.rows).length;
}

/** The selection as the merge service takes it. */
export function toSelections(sel: DiffSelection): RowSelection[] {
  return Object.entries(sel)
    .map(([table, c]) => ({ table, classes: c.classes, keys: Object.values(c.rows) }))
    .filter((s) => s.classes.length || s.keys.length);
}

/** One line: what is chosen, table by table. */
export function describeSelection(sel: DiffSelection, tables: readonly DiffTable[]): string {
  const parts = tables
    .map((t) => ({ t, n: chosenCount(sel, t) }))
    .filter((x) => x.n > 0)
    .map(({ t, n }) => `${t.display} ${formatCount(n)}`);
  return parts.length ? `Chosen: ${parts.join(' · ')} (m: merge)` : 'Nothing chosen: space chooses a row, a a whole class';
}

/** A selection with these whole classes of these tables (the wizard's preselection). */
export function selectionOf(tables: readonly DiffTable[], classes: readonly DiffClass[]): DiffSelection {
  const out: DiffSelection = {};
  for (const t of tables) {
    const chosen = classes.filter((cls) => classCount(t.counts, cls) > 0 && !NOT_MERGEABLE.includes(cls));
    if (chosen.length) out[t.id] = { classes: chosen, rows: {} };
  }
  return out;
}
