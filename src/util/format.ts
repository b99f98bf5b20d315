import { nowMs } from './clock.js';
import { padCells, truncateCells } from './text-width.js';

/** Human-readable byte size: 1.2 MB. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '?';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** A count with thousands separators, or `?` when unknown. */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined) return '?';
  return n.toLocaleString('en-US');
}

/** Cuts text to a display width in terminal cells, marking the cut with `…` (see text-width.ts). */
export function truncate(text: string, width: number): string {
  return truncateCells(text, width);
}

/** Pads (or truncates) to an exact width in terminal cells (see text-width.ts). */
export function pad(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  return padCells(text, width, align);
}

/** Human age: "3 min", "2 h", "5 d". */
export function formatAge(fromIso: string, now = nowMs()): string {
  const s = Math.max(0, Math.round((now - Date.parse(fromIso)) / 1000));
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}
