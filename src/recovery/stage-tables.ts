import type { BackupOrigin } from '../backup/belongs.js';
import type { Db } from '../connect/open.js';
import type { Relation } from '../crm/relations.js';
import { preloadOwnTables } from '../dialect/own-tables-db.js';
import type { ProgressListener } from '../progress/event.js';
import type { StagedTable } from '../stage/namespace.js';
import { relatedSourceTables } from '../stage/related.js';
import type { RowSource, SourceTable } from '../stage/row-source.js';
import type { SourceChoice } from '../stage/sources/index.js';
import { openRowSource } from '../stage/sources/index.js';
import { stageFromSource, type StagedFromSource } from '../stage/stage-rows.js';

/** What to stage. */
export interface StageRequest {
  /** What `--backup` names: a backup id, unique prefix or `latest`, or another row source (`audit-log`). */
  backup: string;
  /** Table names (`name` or `schema.name`) as in the source. */
  tables: string[];
  /** Also stage tables related to these (declared and CRM-implied relations). */
  withRelated?: boolean;
  /** Catalog root (`--dir`). */
  dir?: string;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /** Skip tables that are already staged from this source (diff and merge stage on demand). */
  onlyMissing?: boolean;
  /** Accept a backup of another database than the target's (`--backup-of-other-database`). */
  allowOtherDatabase?: boolean;
  /** For a dump made by another tool: `--from-table`, `--from-database`, `--verify`. */
  external?: SourceChoice;
}

/** What staging did. */
export interface StageResult {
  /** The source's id: the backup's, or `audit-log`. */
  backupId: string;
  /**
   * Whose backup it is: the target's, the target's without a recorded identity, or another
   * database's; null for a source that is the target's own (the trigger-audit log).
   */
  backupOrigin: BackupOrigin | null;
  namespace: string;
  /** `note`: what the copy leaves out and why (a log's rows that cannot be restored exactly), starting with a space. */
  tables: (StagedTable & { seconds: number; related: boolean; note?: string })[];
}

/** How to stage tables already found in a source. */
export interface StageSourceOptions {
  /** Also stage the source's tables related to these; `relations` gives the live database's relations. */
  withRelated?: boolean;
  relations?: () => Promise<Relation[]>;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  onlyMissing?: boolean;
}

/**
 * Stages tables of a row source into its staging namespace on the live server (DESIGN.md safety
 * rule 2), with their related tables when asked (see relatedSourceTables). Each table is built
 * under a temporary name and swapped in at the end, so a failure leaves an earlier staged copy
 * intact. Live tables are never written; `db` must be read-write only for the staging namespace.
 * The one way every caller stages (see stageTables, prepareTables).
 */
export async function stageSourceTables(
  db: Db,
  source: RowSource,
  wanted: SourceTable[],
  opts: StageSourceOptions = {},
): Promise<{ namespace: string; tables: (StagedFromSource & { related: boolean })[] }> {
  preloadOwnTables();
  const related = opts.withRelated ? await relatedSourceTables(source, wanted, await (opts.relations ?? (() => liveRelations(db)))()) : [];
  const staged = await stageFromSource(db, source, [...wanted, ...related], {
    onProgress: opts.onProgress,
    signal: opts.signal,
    onlyMissing: opts.onlyMissing,
  });
  return { namespace: staged.namespace, tables: staged.tables.map((t) => ({ ...t, related: related.includes(t.from) })) };
}

/**
 * Stages tables of the source `--backup` names (see openRowSource): the target's own backup (or
 * another database's, on purpose), never another engine's; or the trigger-audit log. The `stage`
 * verb and the console's staging call it, on a connection that may write staging.
 */
export async function stageTables(db: Db, req: StageRequest): Promise<StageResult> {
  preloadOwnTables();
  const { source, origin } = await openRowSource(db, req.backup, { ...req.external, dir: req.dir, allowOtherDatabase: req.allowOtherDatabase });
  const wanted = await source.find(req.tables);
  const staged = await stageSourceTables(db, source, wanted, {
    withRelated: req.withRelated,
    onProgress: req.onProgress,
    signal: req.signal,
    onlyMissing: req.onlyMissing,
  });
  return {
    backupId: source.id,
    backupOrigin: origin,
    namespace: staged.namespace,
    tables: staged.tables.map(({ schema, name, stagedAs, rows, bytes, stagedAt, seconds, related, note }) => ({
      schema,
      name,
      stagedAs,
      rows,
      bytes,
      stagedAt,
      seconds,
      related,
      ...(note && { note }),
    })),
  };
}

/** The live database's declared and CRM-implied relations. */
async function liveRelations(db: Db): Promise<Relation[]> {
  // Loaded only here: CRM knowledge is not needed to stage the tables asked for.
  const [{ detectCrm }, { relationsOf }] = await Promise.all([import('../crm/detect.js'), import('../crm/relations.js')]);
  const snapshot = await db.dialect.introspect(db);
  return relationsOf(snapshot, detectCrm(snapshot));
}
