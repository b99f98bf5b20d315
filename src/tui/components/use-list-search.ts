import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { formatCount } from '../../util/format.js';
import { useStatus } from '../status.js';
import { findMatch } from './list-search.js';
import type { ListSource } from './list-source.js';

/** Rows a search reads per key press in a remote source (each block of 256 is one query). */
export const SEARCH_SPAN = 4096;
const REMOTE_BLOCK = 256;

/** A list's search: `/` text, then n/N to the next/previous row that shows it. */
export interface ListSearch {
  /** The text in the search field. */
  text: string;
  /** The cursor is in the search field. */
  editing: boolean;
  /** The search n/N repeat ('' when none). */
  applied: string;
  /** What the last search said when it found nothing (`no match for "x"`), or `searching…`; else null. */
  note: string | null;
  start(): void;
  setText: (text: string) => void;
  /** Leaves the field; `keep` runs the search from the cursor, else clears it. */
  end(keep: boolean): void;
  /** The next (1) or previous (-1) match from the cursor, wrapping around. */
  step(direction: 1 | -1): void;
  clear(): void;
}

/** What the search needs from its list. */
export interface ListSearchOptions<Row> {
  source: ListSource<Row>;
  /** Rows in the list, null until counted. */
  count: number | null;
  cursor: number;
  /** What a row shows (read when a search runs: the list's columns, as drawn). */
  shown: () => (row: Row) => string;
  /** Puts the cursor on row `index` (the window follows). */
  jump: (index: number) => void;
}

/**
 * The one search of every list: it matches what the rows show (every column: key, actor,
 * values), case-insensitively, and moves the cursor to the match; the rows around it stay in
 * view (nothing is hidden). It reads rows through the list's own source: an in-memory list is
 * searched whole; a remote one (Audit events, Diff rows read by key) `SEARCH_SPAN` rows per key
 * press, and `n` reads on from where the last search stopped.
 */
export function useListSearch<Row>(options: ListSearchOptions<Row>): ListSearch {
  const { source, count, cursor, shown, jump } = options;
  const status = useStatus();
  const [text, setText] = useState('');
  const [editing, setEditing] = useState(false);
  const [applied, setApplied] = useState('');
  const [note, setNote] = useState<string | null>(null);
  const run = useRef(0);
  const resume = useRef<{ index: number; cursor: number; direction: 1 | -1 } | null>(null);
  const said = useRef<string | null>(null);

  // Another source (a table, a class, a new range): the old scan and its place are void.
  useEffect(() => {
    run.current++;
    resume.current = null;
    setNote(null);
  }, [source]);

  const search = useCallback(
    (query: string, from: number, direction: 1 | -1) => {
      if (count === null || query.trim() === '') return;
      const id = ++run.current;
      const remote = Boolean(source.remote);
      const start = resume.current && resume.current.cursor === cursor && resume.current.direction === direction ? resume.current.index : from;
      resume.current = null;
      setNote('searching…');
      const say = (text: string | null) => {
        setNote(text);
        if (text) status.show('warn', text);
        else if (said.current && status.message?.text === said.current) status.clear();
        said.current = text;
      };
      findMatch({
        source,
        count,
        text: shown(),
        query,
        from: start,
        direction,
        limit: remote ? SEARCH_SPAN : Infinity,
        block: remote ? REMOTE_BLOCK : Math.max(1, count),
      }).then(
        (result) => {
          if (run.current !== id) return;
          if (result.found !== null) {
            jump(result.found);
            say(null);
            return;
          }
          if (result.resumeAt !== null) {
            resume.current = { index: result.resumeAt, cursor, direction };
            say(`no match for "${query.trim()}" in the next ${formatCount(result.scanned)} rows · ${direction === 1 ? 'n' : 'N'} reads on`);
          } else say(`no match for "${query.trim()}"`);
        },
        (err: unknown) => run.current === id && say(`search failed: ${err instanceof Error ? err.message : String(err)}`),
      );
    },
    [source, count, cursor, shown, jump, status],
  );

  // A new `/` starts from an empty field; the last search stays for n/N until Enter replaces it.
  const start = useCallback(() => {
    setText('');
    setEditing(true);
  }, []);
  const setTextCb = useCallback((t: string) => setText(t), []);
  const clear = useCallback(() => {
    run.current++;
    resume.current = null;
    setEditing(false);
    setText('');
    setApplied('');
    setNote(null);
    if (said.current && status.message?.text === said.current) status.clear();
    said.current = null;
  }, [status]);
  const end = useCallback(
    (keep: boolean) => {
      if (!keep || text.trim() === '') {
        clear();
        return;
      }
      setEditing(false);
      setApplied(text);
      resume.current = null;
      search(text, cursor, 1);
    },
    [text, cursor, search, clear],
  );
  const step = useCallback(
    (direction: 1 | -1) => {
      if (!applied) {
        setNote('no search yet: / searches the list');
        return;
      }
      search(applied, cursor + direction, direction);
    },
    [applied, cursor, search],
  );
  return useMemo(
    () => ({ text, editing, applied, note, start, setText: setTextCb, end, step, clear }),
    [text, editing, applied, note, start, setTextCb, end, step, clear],
  );
}
