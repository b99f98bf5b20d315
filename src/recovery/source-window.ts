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
 * The choice that reads only the loss's window from the binary log or the dead tuples. A
 * backup holds one moment and refuses a window: callers pass one only for those sources.
 */
export function windowChoice(window: SourceWindow | undefined): SourceChoice | undefined {
  if (!window) return undefined;
  const { since, until } = window;
  return { binlog: { since, until }, deadTuples: { since, until, ...(window.label ? { windowSource: window.label } : {}) } };
}
