import type { Dialect } from '../dialect/dialect.js';
import { ownTables } from '../dialect/own-tables-db.js';
import type { Queryable } from '../dialect/queryable.js';
import { parseJsonExact } from '../util/json-exact.js';
import { listMerges } from './journal.js';

/** A merge that is applied (not undone, not partly undone) and the live tables it wrote rows to. */
export interface AppliedMerge {
  id: string;
  /** `yyyymmddhhmmss` (UTC) from the merge id: when it was applied, to the second. */
  stamp: string;
  /** `schema.name` of each live table it inserted or updated rows of. */
  tables: string[];
}

/** The merges of the journal still applied, oldest first; empty without a journal. */
export async function appliedMerges(conn: Queryable, d: Dialect, internalNs: string): Promise<AppliedMerge[]> {
  const merges = await listMerges(conn, d, internalNs);
  return merges
    .filter((m) => m.state === 'applied')
    .map((m) => ({
      id: m.id,
      stamp: m.id.slice(4, 18),
      tables: m.tables.filter((t) => t.inserts + t.updates > 0).map((t) => `${t.schema}.${t.name}`),
    }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The rows one merge wrote back (its journal's outcomes `inserted` and `updated`), per live
 * table `schema.name`, each as its `keyText`.
 */
export async function writtenKeys(conn: Queryable, d: Dialect, internalNs: string, mergeId: string): Promise<Map<string, Set<string>>> {
  const own = await ownTables(conn, d);
  const rows = await own.db
    .withSchema(internalNs)
    .selectFrom('merge_outcomes')
    .select(['table_name', 'row_key'])
    .where('merge_id', '=', mergeId)
    .where('outcome', 'in', ['inserted', 'updated'])
    .execute();
  const out = new Map<string, Set<string>>();
  for (const r of rows) {
    const key = parseJsonExact(String(r.row_key));
    if (!key || typeof key !== 'object') continue;
    const table = String(r.table_name);
    let keys = out.get(table);
    if (!keys) out.set(table, (keys = new Set()));
    keys.add(keyText(key as Record<string, unknown>));
  }
  return out;
}

/**
 * A row key as one comparable text: columns in name order, every value as text (an audit log
 * gives key values as text, the journal as JSON numbers or strings).
 */
export function keyText(key: Record<string, unknown>): string {
  return JSON.stringify(
    Object.keys(key)
      .sort()
      .map((k) => [k, key[k] === null || key[k] === undefined ? null : typeof key[k] === 'object' ? JSON.stringify(key[k]) : String(key[k])]),
  );
}
