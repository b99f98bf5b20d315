import { createHash } from 'node:crypto';
import type { Target } from '../connect/target.js';
import { safeName } from './id.js';

/**
 * What makes two targets the same database for the catalog: engine, host (or socket), port and
 * database. Users, passwords and TLS settings do not change which backups belong together.
 */
export function targetKey(target: Pick<Target, 'engine' | 'host' | 'port' | 'socket' | 'database'>): string {
  const where = target.socket ? `unix:${target.socket}` : `${(target.host ?? '').toLowerCase()}:${target.port ?? ''}`;
  return `${target.engine}://${where}/${target.database}`;
}

/** A filesystem-safe name for per-target files (locks): readable prefix plus a short hash. */
export function targetFileName(key: string, database: string): string {
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 12);
  return `${safeName(database, 40)}-${hash}`;
}
