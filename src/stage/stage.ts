import type { BackupOrigin } from '../backup/belongs.js';
import type { Db } from '../connect/open.js';
import { preloadOwnTables } from '../dialect/own-tables-db.js';
import type { ProgressListener } from '../progress/event.js';
import type { StagedTable } from './namespace.js';
import type { SourceTable } from './row-source.js';
import { catalogBackupSource } from './sources/catalog-backup.js';
import { stageFromSource } from './stage-rows.js';

/** What to stage. */
export interface StageRequest {
  /** Backup id or unique prefix. */
  backup: string;
  /** Table names (`name` or `schema.name`) as in the backup. */
  tables: string[];
  /** Also stage tables related to these (declared and CRM-implied relations). */
  withRelated?: boolean;
  /** Catalog root (`--dir`). */
  dir?: string;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /** Skip tables that are already staged from this backup (diff and merge stage on demand). */
  onlyMissing?: boolean;
  /** Accept a backup of another database than the target's (`--backup-of-other-database`). */
  allowOtherDatabase?: boolean;
}

/** What staging did. */
export interface StageResult {
  backupId: string;
  /** Whose backup it is: the target's, the target's without a recorded identity, or another database's. */
  backupOrigin: BackupOrigin;
  namespace: string;
  tables: (StagedTable & { seconds: number; related: boolean })[];
}

/**
 * Restores tables of a catalog backup into the backup's staging namespace on the live server
 * (DESIGN.md safety rule 2), through the catalog-backup row source (see stageFromSource). Each
 * table is built under a temporary name and swapped in at the end, so a failure leaves an
 * earlier staged copy intact. Live tables are never written; the connection must be read-write
 * only for the staging namespace.
 */
export async function stageTables(db: Db, req: StageRequest): Promise<StageResult> {
  preloadOwnTables();
  // The target's own backup (or another database's, on purpose); never another engine's.
  const source = await catalogBackupSource(db, req.backup, { dir: req.dir, allowOtherDatabase: req.allowOtherDatabase });
  const wanted = await source.find(req.tables);
  const related = new Set<SourceTable>();
  if (req.withRelated) {
    // Loaded only here: CRM knowledge is not needed to stage the tables asked for.
    const [{ detectCrm }, { relatedTables, relationsOf }] = await Promise.all([import('../crm/detect.js'), import('../crm/relations.js')]);
    const snapshot = await db.dialect.introspect(db);
    const relations = relationsOf(snapshot, detectCrm(snapshot));
    for (const t of wanted) {
      for (const r of relatedTables(relations, t.live)) {
        const m = source.forLive(r);
        if (m && !wanted.includes(m)) related.add(m);
      }
    }
  }
  const staged = await stageFromSource(db, source, [...wanted, ...related], {
    onProgress: req.onProgress,
    signal: req.signal,
    onlyMissing: req.onlyMissing,
  });
  return {
    backupId: source.id,
    backupOrigin: source.origin,
    namespace: staged.namespace,
    tables: staged.tables.map(({ schema, name, stagedAs, rows, bytes, stagedAt, seconds, from }) => ({
      schema,
      name,
      stagedAs,
      rows,
      bytes,
      stagedAt,
      seconds,
      related: related.has(from),
    })),
  };
}
