import { resolveTargetBackup } from '../backup/belongs.js';
import { findBackup } from '../backup/catalog.js';
import { openDb, type Db } from '../connect/open.js';
import { detectCrm } from '../crm/detect.js';
import { relationsOf } from '../crm/relations.js';
import type { SchemaSnapshot } from '../dialect/model.js';
import { isInternalNamespace } from '../dialect/namespaces.js';
import { tableLabel } from '../dialect/table-label.js';
import { UserError } from '../errors.js';
import { listStagings } from '../stage/namespace.js';
import { relatedSourceTables } from '../stage/related.js';
import { stagingOf } from '../stage/resolve.js';
import type { SourceTable } from '../stage/row-source.js';
import { openRowSource } from '../stage/sources/index.js';
import { catalogDir } from '../util/paths.js';
import { toBackupTable, type BackupTable } from './backup-table.js';
import type { ProgressOptions } from './progress.js';
import { windowChoice, type SourceWindow } from './source-window.js';
import { stageSourceTables, stageTables, type StageResult } from './stage-tables.js';
import type { KeyFilter } from '../stage/key-filter.js';
import { readLossKeys, type LossQuery } from './loss-keys.js';

/** A staging namespace and what it holds, tables named as people read them. */
export interface StagingSummary {
  namespace: string;
  backupId: string;
  createdAt: string;
  tables: { table: string; rows: number | null }[];
}

/** What staging did, tables named as people read them. */
export type StageOutcome = Pick<StageResult, 'backupId' | 'namespace'> & {
  tables: { table: string; rows: number | null; seconds: number; related: boolean }[];
  /**
   * Tables asked for whose staged copies hold only the loss's keys (staged now or before):
   * `keys` asked for, `found` of them in the source (null when not counted). Absent when none.
   */
  targeted?: TargetedTable[];
};

/** A table staged only by some keys: how many were asked for, how many the source held. */
export interface TargetedTable {
  table: string;
  keys: number;
  found: number | null;
}

/** Restoring tables of a backup into staging (never into live). */
export interface StageServices {
  /** The tables of a backup, and whether each is staged already. */
  backupTables(backupId: string): Promise<(BackupTable & { staged: boolean })[]>;
  /** Tables the backup holds that are related to these (parents and children), by `BackupTable.id`. */
  related(backupId: string, tables: string[]): Promise<string[]>;
  /**
   * Stages the tables (ids), and their related ones when asked; tables already staged are kept.
   * `window`: the loss's, for the binary log or dead tuples (never for a backup). `loss`: the
   * tables are staged only by the keys the loss deleted, as the audit tells them (see
   * readLossKeys); diff.open and the merge plan then ask for the same copies.
   */
  run(
    request: { backupId: string; tables: string[]; withRelated: boolean; window?: SourceWindow; loss?: LossQuery },
    options?: ProgressOptions,
  ): Promise<StageOutcome>;
  list(): Promise<StagingSummary[]>;
}

/**
 * Staging of the target's backups (the default catalog). Reads go through `db`, which may be
 * read-only; staging opens its own read-write connection, which writes only the staging
 * namespace, and closes it after.
 */
export function stageServices(db: Db, snapshot: () => Promise<SchemaSnapshot>, env: NodeJS.ProcessEnv = process.env): StageServices {
  const catalog = () => catalogDir(undefined, env);
  const label = (t: { schema: string; name: string }) => tableLabel(db.dialect.engine, t.schema, t.name);
  // Where the schema is the database itself, a backup names the database it was taken from:
  // its tables are the target database's.
  const liveSchema = (schema: string) => (db.dialect.capabilities.multiSchema ? schema : db.target.database);
  /**
   * Stages a loss's tables by the keys it deleted: what stageTables does, with a filter per
   * table asked for, computed as prepareTables computes it (the same live table, the same key),
   * so that the diff and the plan find copies of the same digest and stage nothing again.
   */
  const runTargeted = async (
    writer: Db,
    request: Parameters<StageServices['run']>[0] & { loss: LossQuery },
    options: ProgressOptions,
  ): Promise<StageOutcome> => {
    const snap = await writer.dialect.introspect(writer);
    const { source } = await openRowSource(writer, request.backupId, { ...windowChoice(request.window), dir: catalog(), snapshot: snap });
    const wanted = await source.find(request.tables);
    const loss = await readLossKeys(db, request.loss);
    const filters = new Map<SourceTable, KeyFilter>();
    for (const w of wanted) {
      // A table live no longer has is staged whole: there is nothing to compare its keys with.
      const live = snap.tables.find((t) => t.schema === w.live.schema && t.name === w.live.name);
      const f = live ? await loss.target(live) : null;
      if (f) filters.set(w, f);
    }
    const staged = await stageSourceTables(writer, source, wanted, {
      withRelated: request.withRelated,
      relations: () => Promise.resolve(relationsOf(snap, detectCrm(snap))),
      onProgress: options.onProgress,
      signal: options.signal,
      onlyMissing: true,
      filters,
      // A related table the loss deleted rows of is staged by its own keys (the plan asks the same).
      relatedFilter: async (t) => {
        const live = snap.tables.find((x) => x.schema === t.live.schema && x.name === t.live.name);
        return live ? loss.target(live) : null;
      },
    });
    // Read from the marker: a table staged before for the same keys was skipped, and is targeted too.
    const marker = await stagingOf(writer, source.id);
    const targeted = wanted.flatMap((w) => {
      const t = filters.has(w) ? marker?.tables.find((x) => x.schema === w.live.schema && x.name === w.live.name)?.targeted : undefined;
      return t ? [{ table: label(w.live), keys: t.keys, found: t.found }] : [];
    });
    return {
      backupId: source.id,
      namespace: staged.namespace,
      tables: staged.tables.map((t) => ({ table: label(t), rows: t.rows, seconds: t.seconds, related: t.related })),
      ...(targeted.length && { targeted }),
    };
  };
  return {
    async backupTables(backupId) {
      const entry = await findBackup(catalog(), backupId).catch(() => null);
      if (entry?.external) {
        // A dump made by another tool: the tables its import indexed.
        const r = entry.external;
        const staging = await stagingOf(db, r.id);
        const staged = new Set(staging?.tables.map((t) => `${t.schema}.${t.name}`) ?? []);
        return r.index.tables
          .filter((t) => !isInternalNamespace(t.schema) && !isInternalNamespace(t.database))
          .map((t) => ({
            id: `${t.schema}.${t.name}`,
            schema: t.schema,
            name: t.name,
            rows: t.rows,
            rowsEstimated: false,
            bytes: t.bytes ?? 0,
            file: r.index.location.path,
            staged: staged.has(`${liveSchema(t.schema)}.${t.name}`),
          }));
      }
      const { manifest } = await resolveTargetBackup(db, backupId, { dir: catalog() });
      const staging = await stagingOf(db, manifest.id);
      const staged = new Set(staging?.tables.map((t) => `${t.schema}.${t.name}`) ?? []);
      // A backup of the whole database also holds crm-rescue's own schemas (journal, staging): not CRM tables.
      return manifest.tables
        .filter((t) => !t.partitionOf && !isInternalNamespace(t.schema))
        .map((t) => ({ ...toBackupTable(t), staged: staged.has(`${liveSchema(t.schema)}.${t.name}`) }));
    },
    async related(backupId, tables) {
      const snap = await snapshot();
      const { source } = await openRowSource(db, backupId, { dir: catalog(), snapshot: snap });
      const wanted: SourceTable[] = [];
      for (const id of tables) {
        try {
          wanted.push(...(await source.find([id])));
        } catch (err) {
          // A table the source does not hold has no related tables in it.
          if (!(err instanceof UserError)) throw err;
        }
      }
      const related = await relatedSourceTables(source, wanted, relationsOf(snap, detectCrm(snap)));
      return [...new Set(related.map((t) => `${t.schema}.${t.name}`))].sort();
    },
    async run(request, options = {}) {
      const writer = await openDb(db.target, { readOnly: false, interactive: false, poolSize: 2 });
      try {
        if (request.loss) return await runTargeted(writer, request as typeof request & { loss: LossQuery }, options);
        const r = await stageTables(writer, {
          backup: request.backupId,
          tables: request.tables,
          withRelated: request.withRelated,
          dir: catalog(),
          onProgress: options.onProgress,
          signal: options.signal,
          onlyMissing: true,
          external: windowChoice(request.window),
        });
        return {
          backupId: r.backupId,
          namespace: r.namespace,
          tables: r.tables.map((t) => ({ table: label(t), rows: t.rows, seconds: t.seconds, related: t.related })),
        };
      } finally {
        await writer.close().catch(() => undefined);
      }
    },
    async list() {
      return (await listStagings(db)).map((s) => ({
        namespace: s.namespace,
        backupId: s.backupId,
        createdAt: s.createdAt,
        tables: s.tables.map((t) => ({ table: label(t), rows: t.rows })),
      }));
    },
  };
}
