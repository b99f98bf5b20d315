import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Command } from '../keymap.js';
import { fitWindow, moveCursor, type ListMove, type ListWindow } from './list-state.js';
import type { ListSource } from './list-source.js';

/** How a windowed list is fed. */
export interface WindowedListOptions<Row> {
  source: ListSource<Row>;
  /** Visible rows. */
  height: number;
  /** A stable key per row, for selections. */
  rowKey: (row: Row) => string;
  /** Space selects rows. */
  selectable?: boolean;
  /** Wait this long after typing before filtering a remote source. Default 150 ms. */
  remoteFilterDelayMs?: number;
}

/** A windowed list's state and the actions on it. The view is `WindowedList`. */
export interface WindowedListState<Row> {
  window: ListWindow;
  /** The row at absolute index `i`, when it is loaded. */
  rowAt(i: number): Row | undefined;
  /** The row under the cursor, when loaded. */
  current: Row | undefined;
  /** True until the first count arrives, and while a page is on its way. */
  loading: boolean;
  error: string | null;
  selectable: boolean;
  selected: ReadonlySet<string>;
  rowKey(row: Row): string;
  /** The filter text as typed. */
  filter: string;
  /** The cursor is in the filter field. */
  editingFilter: boolean;
  move: (move: ListMove) => void;
  /** Selects or unselects the row under the cursor. */
  toggle(): void;
  setSelected: (keys: Iterable<string>) => void;
  startFilter(): void;
  setFilter: (text: string) => void;
  /** Leaves the filter field; `keep` false clears the filter. */
  endFilter(keep: boolean): void;
  /** Handles a list command (moves, `/`, Esc clearing the filter, space); false when it is not one. */
  handle(command: Command | undefined): boolean;
}

const MOVES: readonly Command[] = ['up', 'down', 'pageUp', 'pageDown', 'first', 'last'];

/**
 * The state of a list that shows `height` rows of a source of any size. It asks the source only
 * for the visible page, keeps only that page, and counts through the source: memory is the same
 * for ten rows and a million.
 */
export function useWindowedList<Row>(options: WindowedListOptions<Row>): WindowedListState<Row> {
  const { source, height, rowKey, selectable = false } = options;
  const delay = source.remote ? (options.remoteFilterDelayMs ?? 150) : 0;
  const [pos, setPos] = useState({ cursor: 0, offset: 0 });
  const [counted, setCounted] = useState<{ n: number; filter: string; source: ListSource<Row> } | null>(null);
  const count = counted?.n ?? null;
  const [page, setPage] = useState<{ offset: number; rows: Row[]; filter: string; source: ListSource<Row> } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [filter, setFilterText] = useState('');
  const [applied, setApplied] = useState('');
  const [editingFilter, setEditing] = useState(false);
  const [selected, setSelectedState] = useState<ReadonlySet<string>>(() => new Set());

  const window = fitWindow({ count: count ?? 0, cursor: pos.cursor, offset: pos.offset, height });

  // Filtering: at once for in-memory sources, after a pause in typing for remote ones.
  useEffect(() => {
    if (filter === applied) return;
    if (delay === 0) {
      setApplied(filter);
      return;
    }
    const timer = setTimeout(() => setApplied(filter), delay);
    return () => clearTimeout(timer);
  }, [filter, applied, delay]);

  const appliedBefore = useRef(applied);
  useEffect(() => {
    let cancelled = false;
    const filterChanged = appliedBefore.current !== applied;
    appliedBefore.current = applied;
    settle(
      () => source.count(applied),
      (n) => {
        if (cancelled) return;
        setError(null);
        setCounted({ n, filter: applied, source });
        if (filterChanged) setPos({ cursor: 0, offset: 0 });
      },
      (err) => !cancelled && setError(errorText(err)),
    );
    return () => {
      cancelled = true;
    };
  }, [source, applied]);

  const limit = Math.max(0, Math.min(window.height, window.count - window.offset));
  // The count this page belongs to: the same filter and the same source.
  const countReady = counted !== null && counted.filter === applied && counted.source === source;
  useEffect(() => {
    if (!countReady) return;
    let cancelled = false;
    const offset = window.offset;
    if (limit === 0) {
      setPage({ offset, rows: [], filter: applied, source });
      return;
    }
    settle(
      () => source.page(offset, limit, applied),
      (rows) => !cancelled && setPage({ offset, rows, filter: applied, source }),
      (err) => !cancelled && setError(errorText(err)),
    );
    return () => {
      cancelled = true;
    };
  }, [source, applied, countReady, window.offset, limit]);

  const rowAt = useCallback(
    (i: number): Row | undefined =>
      page && page.source === source && page.filter === applied && i >= page.offset && i < page.offset + page.rows.length
        ? page.rows[i - page.offset]
        : undefined,
    [page, applied, source],
  );
  const current = rowAt(window.cursor);
  const loading = !countReady || page === null || page.source !== source || page.filter !== applied || page.offset !== window.offset;

  const move = useCallback(
    (m: ListMove) =>
      setPos((p) => {
        const next = moveCursor({ count: count ?? 0, cursor: p.cursor, offset: p.offset, height }, m);
        return { cursor: next.cursor, offset: next.offset };
      }),
    [count, height],
  );
  const toggle = useCallback(() => {
    if (!selectable || current === undefined) return;
    const k = rowKey(current);
    setSelectedState((s) => {
      const next = new Set(s);
      if (next.has(k)) next.delete(k);
      else next.add(k);
      return next;
    });
  }, [selectable, current, rowKey]);
  const setSelected = useCallback((keys: Iterable<string>) => setSelectedState(new Set(keys)), []);
  const startFilter = useCallback(() => setEditing(true), []);
  const setFilter = useCallback((text: string) => setFilterText(text), []);
  const endFilter = useCallback((keep: boolean) => {
    setEditing(false);
    if (!keep) setFilterText('');
  }, []);

  const handle = useCallback(
    (command: Command | undefined): boolean => {
      if (command === undefined) return false;
      if (MOVES.includes(command)) {
        move(command as ListMove);
        return true;
      }
      if (command === 'filter') {
        startFilter();
        return true;
      }
      if (command === 'back' && filter !== '') {
        endFilter(false);
        return true;
      }
      if (command === 'toggle' && selectable) {
        toggle();
        return true;
      }
      return false;
    },
    [move, startFilter, endFilter, toggle, filter, selectable],
  );

  return useMemo(
    () => ({
      window,
      rowAt,
      current,
      loading,
      error,
      selectable,
      selected,
      rowKey,
      filter,
      editingFilter,
      move,
      toggle,
      setSelected,
      startFilter,
      setFilter,
      endFilter,
      handle,
    }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [
      window.count,
      window.cursor,
      window.offset,
      window.height,
      rowAt,
      current,
      loading,
      error,
      selectable,
      selected,
      rowKey,
      filter,
      editingFilter,
      move,
      toggle,
      setSelected,
      startFilter,
      setFilter,
      endFilter,
      handle,
    ],
  );
}

/** Calls `fn`; hands its value on at once when it is not a promise (in-memory sources), else when it settles. */
function settle<T>(fn: () => T | Promise<T>, onValue: (value: T) => void, onError: (err: unknown) => void): void {
  let result: T | Promise<T>;
  try {
    result = fn();
  } catch (err) {
    onError(err);
    return;
  }
  if (result instanceof Promise) result.then(onValue, onError);
  else onValue(result);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
