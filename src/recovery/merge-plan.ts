import { openDb, type Db } from '../connect/open.js';
import { detectCrm } from '../crm/detect.js';
import { relationsOf } from '../crm/relations.js';
import { tableLabel } from '../dialect/table-label.js';
import type { DiffClass } from '../diff/model.js';
import { identifyingKey } from '../keys/identifying-key.js';
import type { MergeSession } from '../merge/engine.js';
import { readErasures } from '../merge/erasures.js';
import { MergeConflictError, NoRowsMatchError } from '../merge/errors.js';
import type { ConflictPolicy, MergeResult, PlannedTable } from '../merge/model.js';
import { splitSelections } from '../merge/split.js';
import { findLiveTable } from '../stage/resolve.js';
import { catalogDir } from '../util/paths.js';
import { NothingToMergeError, PlanAppliedError, PlanBlockedError } from './errors.js';
import { prepareRootMerge } from './merge-root.js';
import type { ProgressOptions } from './progress.js';
import { windowChoice, type SourceWindow } from './source-window.js';

/** Rows of one table to bring back: whole classes, and single rows. */
export interface RowSelection {
  /** The live table, `schema.name` (`DiffTable.id`). */
  table: string;
  /** Every row of these classes. */
  classes: DiffClass[];
  /** Single rows (of classes not selected whole). */
  keys: { class: DiffClass; key: Record<string, unknown> }[];
}

/** Rows written per outcome. */
export type MergeTotals = MergeResult['totals'];

/** One merge (one transaction) of a plan, tables named as people read them. */
export interface MergeStep {
  mergeId: string;
  /** The table the selection is about; related tables come along. */
  root: string;
  tables: (Pick<PlannedTable, 'inserts' | 'updates' | 'skipped' | 'conflicts' | 'via'> & { table: string })[];
  totals: MergeTotals;
  /** The statements that write live, in order. */
  sql: string[];
  /** Why this merge cannot be applied as planned (conflicts under the abort policy), or null. */
  blocked: string | null;
  /** The first conflicting rows, when blocked. */
  conflictRows: MergeConflictError['conflicts'];
}

/** The result of applying a plan. */
export interface MergeOutcome {
  merges: (MergeStep & { applied: boolean; verify: MergeResult['verify'] | null; durationSeconds: number })[];
  totals: MergeTotals;
  verify: { checked: number; mismatched: number };
  /** A merge that failed (rolled back); merges before it stay committed. */
  failed: { root: string; error: string } | null;
}

/** A dry-run plan, ready to apply until closed. */
export interface MergePlan {
  database: string;
  backupId: string;
  policy: ConflictPolicy;
  /** One per transaction, parents first. */
  merges: MergeStep[];
  totals: MergeTotals;
  /** Applies every merge in order, each in its own transaction; the rest stop at the first failure. */
  apply(onStep?: (index: number, count: number) => void): Promise<MergeOutcome>;
  /** Releases the plan (its selection tables and connections). */
  close(): Promise<void>;
}

/** What to plan: rows of one or several tables of one backup, and the conflict policy. */
export interface MergePlanRequest {
  backupId: string;
  selections: RowSelection[];
  policy: ConflictPolicy;
  /** The loss's window, for the binary log or dead tuples (never for a backup). */
  window?: SourceWindow;
}

/**
 * Plans the merge of one or several roots. The selections become merges, parents first (a
 * child whose deleted rows are chosen whole comes along with its parent's merge); each is a
 * real dry run (rolled back). Their sessions stay open on a read-write connection, so that
 * applying runs exactly what was previewed, each merge in its own transaction. A root whose
 * rows are no longer different is left out; if none is left, NothingToMergeError.
 */
export async function planMerge(db: Db, request: MergePlanRequest, options: ProgressOptions = {}, env: NodeJS.ProcessEnv = process.env): Promise<MergePlan> {
  const label = (t: { schema: string; name: string }) => tableLabel(db.dialect.engine, t.schema, t.name);
  const snapshot = await db.dialect.introspect(db);
  const relations = relationsOf(snapshot, detectCrm(snapshot));
  const selections = request.selections.map((s) => {
    const t = findLiveTable(snapshot, s.table);
    return { table: { schema: t.schema, name: t.name }, classes: s.classes, keys: s.keys };
  });
  const keyOf = (ref: { schema: string; name: string }) => identifyingKey(findLiveTable(snapshot, `${ref.schema}.${ref.name}`))?.columns ?? [];
  const roots = splitSelections(selections, relations, db.dialect, keyOf);
  const erasures = (await readErasures(env)).map((e) => e.hash);
  const rw = await openDb(db.target, { readOnly: false, interactive: false, poolSize: roots.length + 3 });
  const sessions: { session: MergeSession; step: MergeStep }[] = [];
  const closeAll = async () => {
    for (const s of sessions) await s.session.close().catch(() => undefined);
    await rw.close().catch(() => undefined);
  };
  try {
    for (const [i, root] of roots.entries()) {
      options.signal?.throwIfAborted();
      const shown = label(root.table);
      options.onProgress?.({ operation: 'merge', phase: 'plan', table: shown, done: i, total: roots.length });
      let session: MergeSession;
      try {
        ({ session } = await prepareRootMerge(rw, {
          backup: request.backupId,
          table: `${root.table.schema}.${root.table.name}`,
          flags: { ...root.flags, policy: request.policy },
          erasures,
          dir: catalogDir(undefined, env),
          external: windowChoice(request.window),
          keepStaged: request.window?.staged,
        }));
      } catch (err) {
        // Rows that are no longer different (someone put them back meanwhile): nothing to do.
        if (err instanceof NoRowsMatchError) continue;
        throw err;
      }
      const entry = { session, step: emptyStep(session.mergeId, shown) };
      sessions.push(entry);
      try {
        entry.step = toStep(await session.execute(false), shown, label);
      } catch (err) {
        if (!(err instanceof MergeConflictError)) throw err;
        entry.step = { ...entry.step, blocked: err.message, conflictRows: err.conflicts.slice(0, 20) };
      }
    }
    options.onProgress?.({ operation: 'merge', phase: 'plan', done: roots.length, total: roots.length });
  } catch (err) {
    await closeAll();
    throw err;
  }
  if (!sessions.length) {
    await closeAll();
    throw new NothingToMergeError();
  }
  let applied = false;
  return {
    database: db.target.database,
    backupId: request.backupId,
    policy: request.policy,
    merges: sessions.map((s) => s.step),
    totals: sum(sessions.map((s) => s.step.totals)),
    async apply(onStep) {
      if (applied) throw new PlanAppliedError();
      if (sessions.some((s) => s.step.blocked)) throw new PlanBlockedError();
      applied = true;
      const merges: MergeOutcome['merges'] = [];
      let failed: MergeOutcome['failed'] = null;
      for (const [i, s] of sessions.entries()) {
        onStep?.(i, sessions.length);
        try {
          const r = await s.session.execute(true);
          merges.push({ ...toStep(r, s.step.root, label), applied: true, verify: r.verify ?? null, durationSeconds: r.durationSeconds });
        } catch (err) {
          failed = { root: s.step.root, error: err instanceof Error ? err.message : String(err) };
          break;
        }
      }
      return {
        merges,
        failed,
        totals: sum(merges.map((m) => m.totals)),
        verify: merges.reduce((v, m) => ({ checked: v.checked + (m.verify?.checked ?? 0), mismatched: v.mismatched + (m.verify?.mismatched ?? 0) }), {
          checked: 0,
          mismatched: 0,
        }),
      };
    },
    close: closeAll,
  };
}

function emptyStep(mergeId: string, root: string): MergeStep {
  return { mergeId, root, tables: [], totals: { inserted: 0, updated: 0, skipped: 0 }, sql: [], blocked: null, conflictRows: [] };
}

function toStep(r: MergeResult, root: string, label: (t: { schema: string; name: string }) => string): MergeStep {
  return {
    mergeId: r.mergeId,
    root,
    tables: r.tables
      .filter((t) => t.inserts + t.updates + t.skipped > 0)
      .map((t) => ({ table: label(t), inserts: t.inserts, updates: t.updates, skipped: t.skipped, conflicts: t.conflicts, via: t.via })),
    totals: r.totals,
    sql: r.sql,
    blocked: null,
    conflictRows: [],
  };
}

function sum(totals: MergeTotals[]): MergeTotals {
  return totals.reduce((a, t) => ({ inserted: a.inserted + t.inserted, updated: a.updated + t.updated, skipped: a.skipped + t.skipped }), {
    inserted: 0,
    updated: 0,
    skipped: 0,
  });
}
