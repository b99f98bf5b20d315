import type { BackupOrigin } from '../../backup/belongs.js';
import type { Db } from '../../connect/open.js';
import type { SchemaSnapshot } from '../../dialect/model.js';
import { UsageError } from '../../errors.js';
import type { RowSource } from '../row-source.js';
import { catalogBackupSource } from './catalog-backup.js';
import type { ExternalChoice } from './external-dump.js';
import { DEAD_TUPLES_SOURCE, deadTupleSource, type DeadTupleOptions } from './dead-tuples.js';
import { AUDIT_LOG_SOURCE, triggerLogSource } from './trigger-log.js';
import { BINLOG_SOURCE, type BinlogSourceOptions } from './binlog.js';

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
  /** `--backup dead-tuples`: the deletions' window, --updates, a forced way of reading. */
  deadTuples?: Omit<DeadTupleOptions, 'snapshot'>;
  /** `--backup binlog`: the window and files (default: the server's whole kept log, deletions only). */
  binlog?: Omit<BinlogSourceOptions, 'snapshot'>;
}

/** What the verbs choose inside a source (a dump's table or database; a no-backup source's window). */
export type SourceChoice = ExternalChoice & Pick<OpenRowSourceOptions, 'deadTuples' | 'binlog'>;

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
  if (ref === DEAD_TUPLES_SOURCE) {
    refuseChoice('Dead tuples are none');
    if (options.binlog?.files?.length || options.binlog?.startPosition)
      throw new UsageError('--binlog-file and --binlog-start are about --backup binlog', 'Dead tuples are read from the live table: drop them');
    return { source: await deadTupleSource(db, { ...options.deadTuples, snapshot: options.snapshot }), origin: null };
  }
  if (ref === BINLOG_SOURCE) {
    refuseChoice('The binary log is none');
    if (options.deadTuples?.method) throw new UsageError('--dead-tuples-via is about --backup dead-tuples', 'Drop it for --backup binlog');
    const { binlogSource } = await import('./binlog.js');
    return { source: await binlogSource(db, { ...options.binlog, snapshot: options.snapshot }), origin: null };
  }
  // The window flags choose rows of a log or of dead tuples; a backup holds one moment.
  const b = options.binlog;
  if ((b && (b.since || b.until || b.updates || b.files?.length || b.startPosition)) || options.deadTuples?.method)
    throw new UsageError(
      '--since, --until, --updates, --binlog-file, --binlog-start and --dead-tuples-via are about --backup binlog or --backup dead-tuples',
      `A backup holds one moment: drop them for --backup ${ref}`,
    );
  const ext = await import('./external-dump.js');
  const external = await ext.externalFor(db, ref, options);
  if (external) return external;
  refuseChoice(`${ref === 'latest' ? 'The newest backup (latest)' : `Backup ${ref}`} is one crm-rescue took`);
  const source = await catalogBackupSource(db, ref, options);
  return { source, origin: source.origin };
}
