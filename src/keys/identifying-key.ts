import type { TableInfo } from '../dialect/model.js';

/** The columns that identify a row of a table, and where they come from. */
export interface IdentifyingKey {
  columns: string[];
  /** A primary key, or a unique key whose columns are all NOT NULL. */
  kind: 'primary' | 'unique';
}

/**
 * The key diff, merge and the console match rows by: the primary key, else a unique key whose
 * columns are NOT NULL (a NULL would match no row), else null.
 */
export function identifyingKey(t: TableInfo): IdentifyingKey | null {
  if (t.primaryKey) return { columns: t.primaryKey.columns, kind: 'primary' };
  const uk = t.uniqueKeys.find((k) => !k.nullable);
  return uk ? { columns: uk.columns, kind: 'unique' } : null;
}
