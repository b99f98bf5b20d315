import { randomBytes } from 'node:crypto';
import { nowDate } from '../util/clock.js';

/** A merge id: `mrg_<UTC yyyymmddhhmmss>_<4 hex>`, sortable and safe inside table names. */
export function newMergeId(now = nowDate()): string {
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `mrg_${stamp}_${randomBytes(2).toString('hex')}`;
}

/** True when text has the shape of a merge id (checked before it is used in a table name). */
export function isMergeId(text: string): boolean {
  return /^mrg_\d{14}_[0-9a-f]{4}$/.test(text);
}
