import type { ManifestTable } from '../backup/manifest.js';

/** One table of a backup. */
export interface BackupTable {
  /** `schema.name` as in the backup. */
  id: string;
  schema: string;
  name: string;
  /** Rows in the dump (estimated when `rowsEstimated`), or null. */
  rows: number | null;
  rowsEstimated: boolean;
  bytes: number;
  file: string;
}

/** A table of a backup's manifest, as a list shows it. */
export function toBackupTable(t: ManifestTable): BackupTable {
  return { id: `${t.schema}.${t.name}`, schema: t.schema, name: t.name, rows: t.rows, rowsEstimated: t.rowsEstimated, bytes: t.bytes, file: t.file };
}
