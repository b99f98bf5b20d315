import { UsageError } from '../errors.js';
import { nowMs } from '../util/clock.js';

/**
 * Times crossing the audit layer: user input (ISO 8601 or relative like `2h`), database text
 * (`YYYY-MM-DDTHH:MM:SS.ffffffZ`, produced by the dialects' audit SQL, the <engine>-audit.ts files of src/dialect) and output.
 */

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses a duration: `90s`, `5m`, `5min`, `2h`, `7d`, `1w`. Returns milliseconds. */
export function parseDuration(text: string, flag = 'duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)\s*$/i.exec(text);
  if (!m) throw new UsageError(`${flag} "${text}" is not a duration`, 'Use a number and a unit: 90s, 5m, 2h, 7d, 1w');
  return Math.round(Number(m[1]) * UNITS[m[2].toLowerCase()]);
}

/**
 * Parses a time flag: ISO 8601 (`2026-05-01`, `2026-05-01T16:42`, `…Z`, `…+02:00`; no zone means
 * UTC) or relative to `now` (`2h`, `7d` = that long ago). Returns ISO 8601 UTC.
 */
export function parseTimeArg(text: string, flag = 'time', now = nowMs()): string {
  const t = text.trim();
  if (/^\d+(?:\.\d+)?\s*(s|m|min|h|d|w)$/i.test(t)) return new Date(now - parseDuration(t, flag)).toISOString();
  const iso = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?))?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(t);
  if (iso) {
    const [, date, clock, zone] = iso;
    const frac = /\.(\d+)/.exec(clock ?? '')?.[1] ?? '';
    const hms = (clock ?? '00:00').replace(/\.\d+$/, '');
    const base = `${date}T${hms}${hms.length === 5 ? ':00' : ''}.${frac.slice(0, 3).padEnd(3, '0')}`;
    const z = !zone || zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
    const ms = Date.parse(`${base}${z}`);
    if (Number.isNaN(ms)) throw new UsageError(`${flag} "${text}" is not a valid date`, 'Use ISO 8601 (2026-05-01T16:42:00Z) or a relative time (2h, 7d)');
    // Keep microseconds the user typed: the cursor of an event has them.
    const out = new Date(ms).toISOString();
    return frac.length > 3 ? `${out.slice(0, 20)}${frac.padEnd(6, '0')}Z` : out;
  }
  throw new UsageError(`${flag} "${text}" is not a time`, 'Use ISO 8601 (2026-05-01T16:42:00Z) or a relative time (2h, 7d)');
}

/** An ISO time with exactly six fraction digits: such strings sort like the instants they name. */
export function toMicroIso(iso: string): string {
  // Fast path: the database's own spelling (every event passes here).
  if (iso.length === 27 && iso.charCodeAt(19) === 46 && iso.charCodeAt(26) === 90) return iso;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?Z$/.exec(iso);
  if (!m) return new Date(Date.parse(iso)).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  return `${m[1]}.${(m[2] ?? '').padEnd(6, '0')}Z`;
}

/** The shortest faithful ISO form: milliseconds unless the microseconds say more. */
export function displayIso(iso: string): string {
  const micro = toMicroIso(iso);
  return micro.endsWith('000Z') ? `${micro.slice(0, -4)}Z` : micro;
}

/** `YYYY-MM-DD HH:MM:SS.ffffff` (UTC) from ISO: the literal MySQL compares with DATETIME/TIMESTAMP. */
export function toMysqlDatetime(iso: string): string {
  return toMicroIso(iso).replace('T', ' ').replace(/Z$/, '');
}

/** Milliseconds since the epoch of an ISO time (microseconds dropped). */
export function isoToMs(iso: string): number {
  return Date.parse(toMicroIso(iso).replace(/(\.\d{3})\d{3}Z$/, '$1Z'));
}
