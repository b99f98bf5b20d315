import { useCallback, useMemo, useState } from 'react';
import type { MessageKind } from '../../components/message.js';
import { useWindowedList, type WindowedListState } from '../../components/use-windowed-list.js';
import type { DiffClass, DiffRowView, DiffSet, DiffTable } from '../../services.js';
import { classCount, isChosen, rowId, toggleClass, toggleRow, type DiffSelection } from './diff-selection.js';
import { diffRowSource } from './diff-source.js';

/** The classes, in the order the tabs show them. */
export const CLASSES: readonly DiffClass[] = ['deleted', 'soft-deleted', 'changed', 'added'];

/** The Diff view's state: which table and class, the rows (windowed, by key) and the selection. */
export interface DiffView {
  set: DiffSet;
  tables: DiffTable[];
  table: DiffTable;
  cls: DiffClass;
  /** The rows list; its `selected` answers for whole classes too. */
  list: WindowedListState<DiffRowView>;
  selection: DiffSelection;
  message: { kind: MessageKind; text: string } | null;
  moveTable(delta: number): void;
  nextClass(): void;
  toggleRow(): void;
  toggleClass(): void;
}

/** Opens on the first table with differences, on its first class with rows. */
export function useDiffView(set: DiffSet, height: number, initial: DiffSelection = {}): DiffView {
  const tables = set.tables;
  const first = Math.max(
    0,
    tables.findIndex((t) => CLASSES.some((c) => classCount(t.counts, c) > 0)),
  );
  const [tableIndex, setTableIndex] = useState(first);
  const table = tables[Math.min(tableIndex, tables.length - 1)];
  const [classOf, setClassOf] = useState<Record<string, DiffClass>>({});
  const cls = classOf[table.id] ?? CLASSES.find((c) => classCount(table.counts, c) > 0) ?? 'deleted';
  const count = classCount(table.counts, cls);
  const source = useMemo(() => diffRowSource(set, table.id, cls, count), [set, table.id, cls, count]);
  const list = useWindowedList({ source, height, rowKey: rowId, selectable: true });
  const [selection, setSelection] = useState<DiffSelection>(initial);
  const [message, setMessage] = useState<{ kind: MessageKind; text: string } | null>(null);

  const apply = useCallback((change: { selection: DiffSelection; message: string | null }) => {
    setSelection(change.selection);
    setMessage(change.message ? { kind: 'warn', text: change.message } : null);
  }, []);
  const current = list.current;
  const actions = {
    moveTable: (delta: number) => {
      setMessage(null);
      setTableIndex((i) => Math.min(tables.length - 1, Math.max(0, i + delta)));
    },
    nextClass: () => {
      setMessage(null);
      setClassOf((m) => ({ ...m, [table.id]: CLASSES[(CLASSES.indexOf(cls) + 1) % CLASSES.length] }));
    },
    toggleRow: () => {
      if (current) apply(toggleRow(selection, table.id, current));
    },
    toggleClass: () => apply(toggleClass(selection, table.id, cls, count)),
  };
  // The list shows marks from the selection: a whole class marks every row without listing them.
  const view = useMemo(() => ({ ...list, selected: selectionView(selection, table.id, cls, count) }), [list, selection, table.id, cls, count]);
  return { set, tables, table, cls, list: view, selection, message, ...actions };
}

/**
 * The selection seen from one class of one table, as the list asks it: only `has` and `size`
 * (the list never iterates it), so a million chosen rows are never enumerated.
 */
function selectionView(selection: DiffSelection, table: string, cls: DiffClass, total: number): ReadonlySet<string> {
  const view = {
    has(id: string): boolean {
      const sep = id.indexOf(':');
      return isChosen(selection, table, { class: id.slice(0, sep) as DiffClass, keyTuple: JSON.parse(id.slice(sep + 1)) as unknown[] });
    },
    get size(): number {
      const c = selection[table];
      if (!c) return 0;
      if (c.classes.includes(cls)) return total;
      return Object.values(c.rows).filter((r) => r.class === cls).length;
    },
  };
  return view as unknown as ReadonlySet<string>;
}
