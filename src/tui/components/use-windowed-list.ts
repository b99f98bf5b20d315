import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Command } from '../keymap.js';
import { fitWindow, moveCursor, type ListMove, type ListWindow } from './list-state.js';
import type { ListSource } from './list-source.js';
import { useListSearch, type ListSearch } from './use-list-search.js';

/** How a windowed list is fed. */
export interface WindowedListOptions<Row> {
  source: ListSource<Row>;
  /** Visible rows. */
  height: number;
  /** A stable key per row, for selections. */
  rowKey: (row: Row) => string;
  /** Space selects rows. */
  selectable?: boolean;
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
  /** `/` searches what the rows show; n/N go to the next/previous match. */
  search: ListSearch;
  /** Tells the search what a row shows (the view calls it with its columns). */
  showRowsAs(shown: (row: Row) => string): void;
  move: (move: ListMove) => void;
  /** Puts the cursor on row `index`; the window follows. */
  jump(index: number): void;
  /** Selects or unselects the row under the cursor. */
  toggle(): void;
  setSelected: (keys: Iterable<string>) => void;
  /** Handles a list command (moves, `/` and n/N, Esc clearing the search, space); false when it is not one. */
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
  const [pos, setPos] = useState({ cursor: 0, offset: 0 });
  const [counted, setCounted] = useState<{ n: number; source: ListSource<Row> } | null>(null);
  const count = counted?.n ?? null;
  const [page, setPage] = useState<{ offset: number; rows: Row[]; source: ListSource<Row> } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelectedState] = useState<ReadonlySet<string>>(() => new Set());

  const window = fitWindow({ count: count ?? 0, cursor: pos.cursor, offset: pos.offset, height });

  useEffect(() => {
    let cancelled = false;
    settle(
      () => source.count(''),
      (n) => {
        if (cancelled) return;
        setError(null);
        setCounted({ n, source });
      },
      (err) => !cancelled && setError(errorText(err)),
    );
    return () => {
      cancelled = true;
    };
  }, [source]);

  const limit = Math.max(0, Math.min(window.height, window.count - window.offset));
  // The count this page belongs to: the same source.
  const countReady = counted !== null && counted.source === source;
  useEffect(() => {
    if (!countReady) return;
    let cancelled = false;
    const offset = window.offset;
    if (limit === 0) {
      setPage({ offset, rows: [], source });
      return;
    }
    settle(
      () => source.page(offset, limit, ''),
      (rows) => !cancelled && setPage({ offset, rows, source }),
      (err) => !cancelled && setError(errorText(err)),
    );
    return () => {
      cancelled = true;
    };
  }, [source, countReady, window.offset, limit]);

  const rowAt = useCallback(
    (i: number): Row | undefined =>
      page && page.source === source && i >= page.offset && i < page.offset + page.rows.length ? page.rows[i - page.offset] : undefined,
    [page, source],
  );
  const current = rowAt(window.cursor);
  const loading = !countReady || page === null || page.source !== source || page.offset !== window.offset;

  const move = useCallback(
    (m: ListMove) =>
      setPos((p) => {
        const next = moveCursor({ count: count ?? 0, cursor: p.cursor, offset: p.offset, height }, m);
        return { cursor: next.cursor, offset: next.offset };
      }),
    [count, height],
  );
  const jump = useCallback((index: number) => setPos((p) => ({ cursor: index, offset: p.offset })), []);
  const shownRef = useRef<(row: Row) => string>((row) => rowKey(row));
  const showRowsAs = useCallback((shown: (row: Row) => string) => {
    shownRef.current = shown;
  }, []);
  const shown = useCallback(() => shownRef.current, []);
  const search = useListSearch({ source, count, cursor: window.cursor, shown, jump });
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

  const handle = useCallback(
    (command: Command | undefined): boolean => {
      if (command === undefined) return false;
      if (MOVES.includes(command)) {
        move(command as ListMove);
        return true;
      }
      if (command === 'search') {
        search.start();
        return true;
      }
      if (command === 'searchNext' || command === 'searchPrevious') {
        search.step(command === 'searchNext' ? 1 : -1);
        return true;
      }
      if (command === 'back' && (search.applied !== '' || search.note !== null)) {
        search.clear();
        return true;
      }
      if (command === 'toggle' && selectable) {
        toggle();
        return true;
      }
      return false;
    },
    [move, search, toggle, selectable],
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
      search,
      showRowsAs,
      move,
      jump,
      toggle,
      setSelected,
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
      search,
      showRowsAs,
      move,
      jump,
      toggle,
      setSelected,
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
