import { resolveTargetBackup, type BackupOrigin } from '../backup/belongs.js';
import { openDb, type Db } from '../connect/open.js';
import { detectCrm } from '../crm/detect.js';
import type { CrmKnowledge } from '../crm/flavour.js';
import { relatedTables, relationsOf } from '../crm/relations.js';
import type { SchemaSnapshot, TableInfo } from '../dialect/model.js';
import type { DiffPlan } from '../diff/model.js';
import { planDiff } from '../diff/plan.js';
import type { ProgressListener } from '../progress/event.js';
import { AUDIT_LOG_SOURCE, stageFromAuditLog } from '../stage/from-log.js';
import { findLiveTables, stagedPairs, type StagedPair } from '../stage/resolve.js';
import { stageTables } from '../stage/stage.js';

/** What diff and merge need before comparing: the backup, the live and staged tables. */
export interface PreparedDiff {
  backupId: string;
  /** Whose backup it is (null for the trigger-audit log, which is the target's own). */
  backupOrigin: BackupOrigin | null;
  snapshot: SchemaSnapshot;
  knowledge: CrmKnowledge;
  pairs: StagedPair[];
  /** Tables that had to be staged first (said on stderr by the caller). */
  stagedNow: string[];
}

/** What to prepare. */
export interface PrepareRequest {
  /** Backup id, unique prefix, `latest`, or `audit-log` (rows rebuilt from the trigger-audit log). */
  backup: string;
  /** Live tables, `name` or `schema.name`. */
  tables: string[];
  /** Catalog root (`--dir`). */
  dir?: string;
  /** Stage the tables related to these too (and restage these: onlyMissing keeps what is there). */
  withRelated?: boolean;
  onProgress?: ProgressListener;
  /** Stops staging between tables; live is never touched either way. */
  signal?: AbortSignal;
  /** Accept a backup of another database than the target's (named by id, never `latest`). */
  allowOtherDatabase?: boolean;
}

/**
 * Resolves the backup and the live tables, and stages from the backup whatever is not staged
 * yet (through a separate read-write connection that only writes the staging namespace). The one
 * way diff and merge, in the CLI and in the console, get their tables staged.
 */
export async function prepareTables(db: Db, opts: PrepareRequest): Promise<PreparedDiff> {
  const snapshot = await db.dialect.introspect(db);
  const knowledge = detectCrm(snapshot);
  const live = await findLiveTables(db, snapshot, opts.tables);
  if (opts.backup === AUDIT_LOG_SOURCE) {
    // No backup: rows rebuilt from crm-rescue's trigger-audit log.
    const related = opts.withRelated ? relatedLive(snapshot, knowledge, live) : [];
    const writer = await openDb(db.target, { readOnly: false, interactive: false });
    let stagedNow: string[];
    try {
      stagedNow = await stageFromAuditLog(writer, [...live, ...related]);
    } finally {
      await writer.close();
    }
    const pairs = await stagedPairs(db, AUDIT_LOG_SOURCE, live);
    return { backupId: AUDIT_LOG_SOURCE, backupOrigin: null, snapshot, knowledge, pairs: pairs as StagedPair[], stagedNow };
  }
  // The target's own backup, or another database's only when asked for (never `latest`).
  const { manifest, origin } = await resolveTargetBackup(db, opts.backup, { dir: opts.dir, allowOtherDatabase: opts.allowOtherDatabase });
  let pairs = await stagedPairs(db, manifest.id, live);
  const stagedNow: string[] = [];
  if (pairs.some((p) => !p) || opts.withRelated) {
    const missing = live.filter((_, i) => !pairs[i]);
    const writer = await openDb(db.target, { readOnly: false, interactive: false });
    try {
      const toStage = opts.withRelated ? live : missing;
      const res = await stageTables(writer, {
        backup: manifest.id,
        tables: toStage.map((t) => backupTableRef(db, t)),
        withRelated: opts.withRelated,
        dir: opts.dir,
        onProgress: opts.onProgress,
        signal: opts.signal,
        onlyMissing: true,
        allowOtherDatabase: opts.allowOtherDatabase,
      });
      stagedNow.push(...res.tables.map((t) => `${t.schema}.${t.name}`));
    } finally {
      await writer.close();
    }
    pairs = await stagedPairs(db, manifest.id, live);
  }
  opts.signal?.throwIfAborted();
  return { backupId: manifest.id, backupOrigin: origin, snapshot, knowledge, pairs: pairs as StagedPair[], stagedNow };
}

/**
 * How a backup names a live table. A schema of a multi-schema database is the same in the
 * backup; where the schema is the database itself, the backup's is the database it was taken
 * from, whatever it was called, so the bare name finds it.
 */
function backupTableRef(db: Db, t: TableInfo): string {
  return db.dialect.capabilities.multiSchema ? `${t.schema}.${t.name}` : t.name;
}

/** Live tables related to these (declared and CRM-implied relations). */
function relatedLive(snapshot: SchemaSnapshot, knowledge: CrmKnowledge, tables: TableInfo[]): TableInfo[] {
  const relations = relationsOf(snapshot, knowledge);
  const out = new Map<string, TableInfo>();
  for (const t of tables) {
    for (const r of relatedTables(relations, { schema: t.schema, name: t.name })) {
      const info = snapshot.tables.find((x) => x.schema === r.schema && x.name === r.name);
      if (info && !tables.includes(info)) out.set(`${r.schema}.${r.name}`, info);
    }
  }
  return [...out.values()];
}

/** The diff plan of one prepared table, with the CRM's soft-delete mark. */
export function diffPlanFor(p: PreparedDiff, i: number, flags: { key?: string[]; columns?: string[]; where?: string }): DiffPlan {
  const pair = p.pairs[i];
  return planDiff({
    staged: pair.staged,
    live: pair.live,
    key: flags.key,
    columns: flags.columns,
    where: flags.where,
    softDelete: p.knowledge.softDelete({ schema: pair.live.schema, name: pair.live.name }),
  });
}
