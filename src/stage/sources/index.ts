import type { BackupOrigin } from '../../backup/belongs.js';
import type { Db } from '../../connect/open.js';
import type { SchemaSnapshot } from '../../dialect/model.js';
import type { RowSource } from '../row-source.js';
import { catalogBackupSource } from './catalog-backup.js';
import { AUDIT_LOG_SOURCE, triggerLogSource } from './trigger-log.js';

export { AUDIT_LOG_SOURCE } from './trigger-log.js';

/** A row source as `--backup` names it, with whose data it is when it is a backup. */
export interface OpenedRowSource {
  source: RowSource;
  /** A catalog backup's origin (the target's, or another database's); null for the target's own log. */
  origin: BackupOrigin | null;
}

/**
 * Opens the row source `--backup REF` names: `audit-log` (the trigger-audit log, whose tables are
 * the live snapshot's), else a catalog backup (id, unique prefix or `latest`). A new kind of
 * source is recognised here, and nowhere else.
 */
export async function openRowSource(
  db: Db,
  ref: string,
  options: { dir?: string; allowOtherDatabase?: boolean; snapshot?: SchemaSnapshot } = {},
): Promise<OpenedRowSource> {
  if (ref === AUDIT_LOG_SOURCE) return { source: triggerLogSource(db, options.snapshot ?? (await db.dialect.introspect(db))), origin: null };
  const source = await catalogBackupSource(db, ref, options);
  return { source, origin: source.origin };
}
