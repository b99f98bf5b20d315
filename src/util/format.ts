import { nowMs } from './clock.js';

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

/** Cuts text to a display width, marking the cut with `…`. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

/** Pads (or truncates) to an exact width. */
export function pad(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const t = truncate(text, width);
  const fill = ' '.repeat(Math.max(0, width - [...t].length));
  return align === 'left' ? t + fill : fill + t;
}

/** Human age: "3 min", "2 h", "5 d". */
export function formatAge(fromIso: string, now = nowMs()): string {
  const s = Math.max(0, Math.round((now - Date.parse(fromIso)) / 1000));
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}
