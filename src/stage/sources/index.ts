import type { BackupOrigin } from '../../backup/belongs.js';
import type { Db } from '../../connect/open.js';
import type { SchemaSnapshot } from '../../dialect/model.js';
import { UsageError } from '../../errors.js';
import type { RowSource } from '../row-source.js';
import { catalogBackupSource } from './catalog-backup.js';
import type { ExternalChoice } from './external-dump.js';
import { AUDIT_LOG_SOURCE, triggerLogSource } from './trigger-log.js';

export { AUDIT_LOG_SOURCE } from './trigger-log.js';

/** A row source as `--backup` names it, with whose data it is when it is a backup. */
export interface OpenedRowSource {
  source: RowSource;
  /** A catalog backup's origin (the target's, or another database's); null for the target's own log. */
  origin: BackupOrigin | null;
}

/** Options of openRowSource. */
export interface OpenRowSourceOptions extends ExternalChoice {
  dir?: string;
  allowOtherDatabase?: boolean;
  snapshot?: SchemaSnapshot;
  /** Where `--backup FILE` says it imported the file (default: stderr). */
  onNote?: (line: string) => void;
}

/**
 * Opens the row source `--backup REF` names: `audit-log` (the trigger-audit log, whose tables are
 * the live snapshot's), else a catalog backup (id, unique prefix or `latest`) — crm-rescue's own,
 * or a dump made by another tool imported into the catalog (`backups import`) — else a path to a
 * dump file or folder, imported first (said through `onNote`). A new kind of source is
 * recognised here, and nowhere else.
 */
export async function openRowSource(db: Db, ref: string, options: OpenRowSourceOptions = {}): Promise<OpenedRowSource> {
  const refuseChoice = (what: string) => {
    if (options.fromTable !== undefined || options.fromDatabase !== undefined || options.verify)
      throw new UsageError('--from-table, --from-database and --verify are about a dump made by another tool', `${what}: drop them`);
  };
  if (ref === AUDIT_LOG_SOURCE) {
    refuseChoice('The trigger-audit log is none');
    return { source: triggerLogSource(db, options.snapshot ?? (await db.dialect.introspect(db))), origin: null };
  }
  const ext = await import('./external-dump.js');
  const external = await ext.externalFor(db, ref, options);
  if (external) return external;
  refuseChoice(`${ref === 'latest' ? 'The newest backup (latest)' : `Backup ${ref}`} is one crm-rescue took`);
  const source = await catalogBackupSource(db, ref, options);
  return { source, origin: source.origin };
}
