import type { ProgressUpdate } from '../../progress/event.js';
import { formatBytes, formatCount } from '../../util/format.js';

/**
 * What a progress bar needs of a progress event (the engine's `ProgressUpdate`): a `ProgressEvent` fits, and so does
 * anything with a phase and done/total (bytes, rate and ETA are shown when present).
 */
export type ProgressEventLike = ProgressUpdate;

/** The parts of a progress display, each already text. */
export interface ProgressParts {
  /** `backup dump public.accounts` */
  label: string;
  /** `width` cells of blocks; empty when the total is unknown. */
  bar: string;
  /** `45%`, or '' when the total is unknown. */
  percent: string;
  /** `12/40 tables` */
  amount: string;
  /** `1.2 GB`, or ''. */
  bytes: string;
  /** `3.1 MB/s`, or ''. */
  rate: string;
  /** `ETA 12 s`, `ETA ?` while unknown, '' when done. */
  eta: string;
}

const PARTIAL = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar of `width` cells filled to `fraction` with eighth blocks; the rest is light shade. */
export function progressBar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, fraction));
  const eighths = Math.round(f * width * 8);
  const full = Math.floor(eighths / 8);
  const part = PARTIAL[eighths % 8];
  return '█'.repeat(full) + part + '░'.repeat(Math.max(0, width - full - (part ? 1 : 0)));
}

/** Seconds as `12 s`, `4 min 05 s`, `2 h 10 min`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** The text parts for an event; `noun` names what done/total count. */
export function progressParts(event: ProgressEventLike, barWidth: number, noun = 'tables'): ProgressParts {
  const known = event.total > 0;
  // Rows, when counted, make the finer bar: a table of many rows is not one step of a few.
  const rows = event.rows && event.rows.total > 0 ? event.rows : null;
  const fraction = rows ? rows.done / rows.total : known ? event.done / event.total : 0;
  const finished = known && event.done >= event.total;
  const items = known ? `${formatCount(event.done)}/${formatCount(event.total)} ${noun}` : `${formatCount(event.done)} ${noun}`;
  return {
    label: [event.operation, event.phase, event.table].filter(Boolean).join(' '),
    bar: known ? progressBar(fraction, barWidth) : '',
    percent: known ? `${Math.floor(Math.min(1, fraction) * 100)}%` : '',
    amount: rows ? `${items} · ${formatCount(rows.done)}/${formatCount(rows.total)} rows` : items,
    bytes: event.bytes !== undefined && event.bytes > 0 ? formatBytes(event.bytes) : '',
    rate: event.rate !== undefined && event.rate > 0 ? `${formatBytes(event.rate)}/s` : '',
    eta: finished ? '' : typeof event.etaSeconds === 'number' && Number.isFinite(event.etaSeconds) ? `ETA ${formatDuration(event.etaSeconds)}` : 'ETA ?',
  };
}
