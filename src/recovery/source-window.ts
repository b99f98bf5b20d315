import type { SourceChoice } from '../stage/sources/index.js';

/** The window of a loss, for a source that needs no backup (the binary log, dead tuples). */
export interface SourceWindow {
  /** ISO 8601. */
  since: string;
  until: string;
  /** Where the window comes from, for the source's description (`the wizard's loss`). */
  label?: string;
  /**
   * The tables were staged from the source for this window already (the wizard's stage step):
   * diff and merge use those copies and read the source only for a table not staged yet. Read
   * again, PostgreSQL's dead tuples would miss the rows the diff's reads of live pruned.
   */
  staged?: boolean;
}

/**
 * How far either side of a loss's window its source is read. An audit stamps a deletion when its
 * application saw it (after the statement, on the application's clock); the binary log stamps an
 * event with its statement's start in whole seconds, and a commit timestamp comes after both. On
 * a loaded server a statement takes seconds, so the source's own stamps fall outside the audit's
 * window by that much: a few seconds either side keeps them in. The wizard stages by the loss's
 * keys, so the margin brings in no other rows of a table it knows the keys of.
 */
export const SOURCE_WINDOW_MARGIN_MS = 5_000;

/**
 * The choice that reads only the loss's window (and SOURCE_WINDOW_MARGIN_MS either side) from
 * the binary log or the dead tuples. A backup holds one moment and refuses a window: callers
 * pass one only for those sources.
 */
export function windowChoice(window: SourceWindow | undefined): SourceChoice | undefined {
  if (!window) return undefined;
  const { since, until } = widenedWindow(window);
  return { binlog: { since, until }, deadTuples: { since, until, ...(window.label ? { windowSource: window.label } : {}) } };
}

/** A loss's window as its source is read: SOURCE_WINDOW_MARGIN_MS wider on either side. */
export function widenedWindow<W extends { since: string; until: string }>(window: W): W {
  const widen = (iso: string, ms: number) => {
    const t = Date.parse(iso);
    return Number.isFinite(t) ? new Date(t + ms).toISOString() : iso;
  };
  return { ...window, since: widen(window.since, -SOURCE_WINDOW_MARGIN_MS), until: widen(window.until, SOURCE_WINDOW_MARGIN_MS) };
}
