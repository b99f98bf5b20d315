/**
 * One progress-event model for every long operation (backup, verify, restore test, stage, diff).
 * The engine emits events; the edge decides how to show them (NDJSON, a bar, nothing, a TUI pane).
 */
export interface ProgressEvent {
  /** The operation: `backup`, `verify`, `restore-test`, … */
  operation: string;
  /** The step within it: `prepare`, `dump`, `hash`, `restore`, `count`, `finish`. */
  phase: string;
  /** The item being worked on (a table as `schema.name` or a file), when there is one. */
  table?: string;
  /** Items finished so far (tables, files). */
  done: number;
  /** Items in all. */
  total: number;
  /** Bytes processed so far (written for a backup, read for a verify). */
  bytes: number;
  /** Bytes per second since the operation started. */
  rate: number;
  /** Seconds left, estimated from the items' sizes; null while unknown. */
  etaSeconds: number | null;
}

/** Receives progress events. */
export type ProgressListener = (event: ProgressEvent) => void;

/**
 * What a progress display needs of an event: a phase and done/total; the byte counts, rate and
 * ETA when the operation knows them (staging does, planning a merge does not).
 */
export type ProgressUpdate = Pick<ProgressEvent, 'phase' | 'done' | 'total'> &
  Partial<Pick<ProgressEvent, 'operation' | 'table' | 'bytes' | 'rate'>> & {
    /** Seconds left; null or absent while unknown. */
    etaSeconds?: number | null;
    /** Rows gone through of those in all, when the work counts rows (a merge's writes): the bar follows them. */
    rows?: { done: number; total: number };
  };
