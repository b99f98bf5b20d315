import { randomBytes } from 'node:crypto';
import type { Engine } from '../connect/target.js';
import { nowDate } from '../util/clock.js';

/** `20261121T164200Z-postgres-crm-a1b2`: UTC time first so names sort by age; filesystem-safe. */
const ID_RE = /^(\d{8}T\d{6}Z)-(postgres|mysql)-([A-Za-z0-9_.-]+)-([0-9a-f]{4})$/;

/** The parts of a backup id. */
export interface BackupIdParts {
  /** When the backup started. */
  startedAt: Date;
  engine: Engine;
  /** The database name as it appears in the id (made filesystem-safe). */
  database: string;
  random: string;
}

/** A new backup id for a backup starting at `at`. */
export function newBackupId(engine: Engine, database: string, at: Date = nowDate(), random = randomBytes(2).toString('hex')): string {
  const stamp = at
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  return `${stamp}-${engine}-${safeName(database, 40)}-${random}`;
}

/** Parses an id; null when the text is not one. */
export function parseBackupId(id: string): BackupIdParts | null {
  const m = ID_RE.exec(id);
  if (!m) return null;
  const s = m[1];
  const startedAt = new Date(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}Z`);
  if (Number.isNaN(startedAt.getTime())) return null;
  return { startedAt, engine: m[2] as Engine, database: m[3], random: m[4] };
}

/** True when the text is a well-formed backup id. */
export function isBackupId(id: string): boolean {
  return parseBackupId(id) !== null;
}

/**
 * A name reduced to `[A-Za-z0-9_.-]`, never starting with a dot or dash, cut to `max` characters;
 * other characters become `_`. Used in ids and per-table file names.
 */
export function safeName(name: string, max: number): string {
  const cleaned = [...name]
    .map((c) => (/[A-Za-z0-9_.-]/.test(c) ? c : '_'))
    .join('')
    .replace(/^[.-]+/, '_');
  return (cleaned || '_').slice(0, max);
}
