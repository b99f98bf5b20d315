import { useCallback, useMemo, useRef, useState } from 'react';
import { cellWidth, wrapCells } from '../../util/text-width.js';
import type { Command } from '../keymap.js';
import type { FileServices } from '../services.js';
import { scrollTop } from './scroll.js';
import type { StatusKind } from '../status.js';

/** What the pager shows: lines of SQL text, and where each statement starts. */
export interface PagerDocument {
  lines: string[];
  /** Line indexes, one per statement: `]` and `[` jump to them. */
  marks: number[];
}

/** The path field of `w`: what is typed, and what the last Tab found. */
export interface SavePrompt {
  path: string;
  completion: { candidates: string[]; more: number; none: boolean } | null;
  writing: boolean;
}

/** The pager's state: what it shows at its size, and what its keys do. */
export interface SqlPagerState {
  /** The visible rows, each at most `width` cells. */
  rows: string[];
  /** The first visible row, and how many rows there are (wrapped or not). */
  top: number;
  total: number;
  /** Long lines wrapped to the width (default), or cut and scrolled sideways. */
  wrap: boolean;
  /** Cells scrolled to the right (no-wrap only). */
  left: number;
  /** The statement at or above the top row (1-based; 0 before the first), of `statements`. */
  statement: number;
  statements: number;
  /** The path field of `w`, while it is open. */
  save: SavePrompt | null;
  /** A command of the pager context; true when handled (the pager takes every key but quit and help). */
  handle: (command: Command | undefined) => boolean;
  /** Opens the path field, with the default path. */
  openSave: () => void;
  setPath: (path: string) => void;
  /** Tab in the path field. */
  complete: (path: string) => void;
  /** Enter in the path field: writes the text there. */
  submit: (path: string) => void;
  /** Esc in the path field. */
  cancelSave: () => void;
}

/** Where a pager's rows come from: the document's lines, wrapped or not, and the row of each line. */
export function pagerRows(doc: PagerDocument, width: number, wrap: boolean): { rows: string[]; rowOfLine: number[] } {
  if (!wrap) return { rows: doc.lines, rowOfLine: doc.lines.map((_, i) => i) };
  const rows: string[] = [];
  const rowOfLine: number[] = [];
  for (const line of doc.lines) {
    rowOfLine.push(rows.length);
    rows.push(...wrapCells(line, width));
  }
  return { rows, rowOfLine };
}

/** The cells `[from, from + width)` of a line (a wide character cut at an edge is left out). */
export function sliceCells(text: string, from: number, width: number): string {
  let at = 0;
  let out = '';
  for (const { segment } of new Intl.Segmenter().segment(text)) {
    const w = cellWidth(segment);
    if (at >= from && at + w <= from + width) out += segment;
    at += w;
    if (at >= from + width) break;
  }
  return out;
}

/**
 * The SQL pager's state: scrolling (j/k, PgUp/PgDn, g/G), statement jumps (`]`/`[`), wrap or
 * not (`t`; ←/→ scroll sideways when not), and `w`, which asks for a path and writes `text` there.
 */
export function useSqlPager(options: {
  doc: PagerDocument;
  /** The exact text `w` writes (the document's lines as `merge --sql` prints them). */
  text: string;
  width: number;
  height: number;
  files?: FileServices;
  /** The path the field proposes. */
  defaultPath: string;
  onClose: () => void;
  /** Says how a write ended (the console's status line). */
  report: (kind: StatusKind, text: string) => void;
}): SqlPagerState {
  const { doc, width, height, files } = options;
  const room = Math.max(1, height);
  const [wrap, setWrap] = useState(true);
  const [top, setTop] = useState(0);
  const [left, setLeft] = useState(0);
  const [save, setSave] = useState<SavePrompt | null>(null);
  const latest = useRef(options);
  // eslint-disable-next-line react-hooks/refs -- the latest callbacks, read only by async work after a commit
  latest.current = options;
  const asked = useRef(0);

  const { rows, rowOfLine } = useMemo(() => pagerRows(doc, width, wrap), [doc, width, wrap]);
  const markRows = useMemo(() => doc.marks.map((m) => rowOfLine[m] ?? 0), [doc.marks, rowOfLine]);
  const maxTop = Math.max(0, rows.length - room);
  // A jump puts its statement at the top, also past the last full page (like less).
  const limit = Math.max(maxTop, markRows.at(-1) ?? 0);
  const widest = useMemo(() => (wrap ? 0 : Math.max(0, ...rows.map((r) => cellWidth(r)))), [rows, wrap]);
  const maxLeft = Math.max(0, widest - width);
  const at = Math.min(top, limit);
  const shift = Math.min(left, maxLeft);
  const statement = markRows.filter((r) => r <= at).length;

  const jump = (direction: 1 | -1) => {
    const target = direction === 1 ? markRows.find((r) => r > at) : [...markRows].reverse().find((r) => r < at);
    if (target !== undefined) setTop(target);
    else setTop(direction === 1 ? limit : 0);
  };

  const handle = (command: Command | undefined): boolean => {
    const step = Math.max(1, Math.floor(width / 2));
    switch (command) {
      case 'quit':
      case 'help':
        return false;
      case 'back':
        options.onClose();
        return true;
      case 'last':
        setTop(maxTop);
        return true;
      case 'up':
      case 'down':
      case 'pageUp':
      case 'pageDown':
      case 'first':
        // Down from a jump past the last full page stays there (a page as tall as from `at`).
        setTop(scrollTop(at, command, room, Math.max(rows.length, at + room)) ?? at);
        return true;
      case 'nextStatement':
        jump(1);
        return true;
      case 'previousStatement':
        jump(-1);
        return true;
      case 'left':
        setLeft(Math.max(0, shift - step));
        return true;
      case 'right':
        setLeft(Math.min(maxLeft, shift + step));
        return true;
      case 'wrap': {
        // Keep the same line at the top across the switch.
        const line = Math.max(
          0,
          rowOfLine.findLastIndex((r) => r <= at),
        );
        const next = pagerRows(doc, width, !wrap);
        setWrap(!wrap);
        setLeft(0);
        setTop(next.rowOfLine[line] ?? 0);
        return true;
      }
      case 'write':
        openSave();
        return true;
      default:
        return true;
    }
  };

  const openSave = useCallback(() => {
    if (!latest.current.files) {
      latest.current.report('info', 'writing files is not available in this console');
      return;
    }
    setSave({ path: latest.current.defaultPath, completion: null, writing: false });
  }, []);

  const setPath = useCallback((path: string) => setSave((s) => (s ? { ...s, path, completion: null } : s)), []);

  const complete = useCallback(
    (path: string) => {
      if (!files) return;
      const n = ++asked.current;
      files.completePath(path).then(
        (c) => {
          if (n !== asked.current) return;
          setSave((s) =>
            s && s.path === path
              ? {
                  ...s,
                  path: c.completed,
                  completion: c.candidates.length === 1 ? null : { candidates: c.candidates, more: c.more, none: c.candidates.length === 0 },
                }
              : s,
          );
        },
        () => undefined,
      );
    },
    [files],
  );

  const submit = useCallback(
    (path: string) => {
      const typed = path.trim();
      if (!files || !typed) return;
      setSave((s) => (s ? { ...s, writing: true } : s));
      files.writeText(typed, latest.current.text).then(
        (written) => {
          setSave(null);
          latest.current.report('ok', `SQL written to ${written} (mode 0600)`);
        },
        (err: unknown) => {
          setSave((s) => (s ? { ...s, writing: false } : s));
          latest.current.report('error', `could not write ${typed}: ${err instanceof Error ? err.message : String(err)}`);
        },
      );
    },
    [files],
  );

  const cancelSave = useCallback(() => setSave(null), []);

  const visible = rows.slice(at, at + room).map((r) => (wrap ? r : sliceCells(r, shift, width)));
  return {
    rows: visible,
    top: at,
    total: rows.length,
    wrap,
    left: shift,
    statement,
    statements: markRows.length,
    save,
    handle,
    openSave,
    setPath,
    complete,
    submit,
    cancelSave,
  };
}
