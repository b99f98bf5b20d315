import { openDb, type Db } from '../connect/open.js';
import { internalNamespace } from '../dialect/namespaces.js';
import { listMerges, loadMerge, type MergeRecord } from '../merge/journal.js';
import { undoMerge as undoFromJournal, type UndoResult } from '../merge/undo.js';
import { planMerge, type MergePlan, type MergePlanRequest } from './merge-plan.js';
import type { ProgressOptions } from './progress.js';

/** One merge of the journal, as a list shows it. */
export type MergeRecordView = Pick<MergeRecord, 'id' | 'backupId' | 'createdAt' | 'state' | 'totals' | 'dbUser'> & {
  /** The tables it wrote rows to. */
  tables: string[];
};

/** How to undo: leave rows changed since as they are, lock wait, skip the live tables' triggers. */
export type UndoOptions = NonNullable<Parameters<typeof undoFromJournal>[2]>;

/** What an undo did. */
export type UndoView = Pick<UndoResult, 'mergeId' | 'state' | 'tables'>;

/** Plans, applies and undoes merges. */
export interface MergeServices {
  /** The database name a person types to confirm an apply or an undo. */
  database(): string;
  /** Dry-runs the selections (a real run, rolled back): nothing is written. */
  plan(request: MergePlanRequest, options?: ProgressOptions): Promise<MergePlan>;
  /** Every merge of this target, newest first. */
  list(): Promise<MergeRecordView[]>;
  undo(mergeId: string): Promise<UndoView>;
}

/** Merges of the target: planned and applied over their own read-write connections. */
export function mergeServices(db: Db, env: NodeJS.ProcessEnv = process.env): MergeServices {
  return {
    database: () => db.target.database,
    plan: (request, options) => planMerge(db, request, options, env),
    async list() {
      return (await mergeRecords(db)).map((r) => ({
        id: r.id,
        backupId: r.backupId,
        createdAt: r.createdAt,
        state: r.state,
        tables: r.tables.filter((t) => t.inserts + t.updates > 0).map((t) => t.name),
        totals: r.totals,
        dbUser: r.dbUser,
      }));
    },
    async undo(mergeId) {
      const rw = await openDb(db.target, { readOnly: false, interactive: false, poolSize: 2 });
      try {
        const r = await undoMerge(rw, mergeId);
        return { mergeId: r.mergeId, state: r.state, tables: r.tables };
      } finally {
        await rw.close().catch(() => undefined);
      }
    },
  };
}

/** Every merge of the target's journal, newest first. */
export function mergeRecords(db: Db): Promise<MergeRecord[]> {
  return listMerges(db, db.dialect, internalNamespace(db.dialect.engine, db.target.database));
}

/** One merge of the target's journal (an unknown id is a UserError). */
export function mergeRecord(db: Db, mergeId: string): Promise<MergeRecord> {
  return loadMerge(db, db.dialect, internalNamespace(db.dialect.engine, db.target.database), mergeId);
}

/**
 * Reverses one merge from its journal, in one transaction, on a connection that may write live
 * (see merge/undo.ts: rows changed since the merge are refused, or left as they are). The `undo`
 * verb and the console's undo both call it.
 */
export function undoMerge(db: Db, mergeId: string, options?: UndoOptions): Promise<UndoResult> {
  return undoFromJournal(db, mergeId, options);
}
