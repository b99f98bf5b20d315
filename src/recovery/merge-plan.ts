import { openDb, type Db } from '../connect/open.js';
import { detectCrm } from '../crm/detect.js';
import { relationsOf } from '../crm/relations.js';
import { tableLabel } from '../dialect/table-label.js';
import type { DiffClass } from '../diff/model.js';
import { identifyingKey } from '../keys/identifying-key.js';
import { prepareMergeGroup, type MergePart, type MergeProgress, type MergeSession } from '../merge/engine.js';
import { readErasures } from '../merge/erasures.js';
import { MergeConflictError, NoRowsMatchError } from '../merge/errors.js';
import type { ConflictPolicy, MergeResult, PlannedTable } from '../merge/model.js';
import { keyFilter, splitSelections, type RootMerge } from '../merge/split.js';
import type { MergeFlags } from '../merge/prepare.js';
import type { TableInfo } from '../dialect/model.js';
import { findLiveTable } from '../stage/resolve.js';
import { catalogDir } from '../util/paths.js';
import { NothingToMergeError, PlanAppliedError, PlanBlockedError } from './errors.js';
import { prepareRootPart } from './merge-root.js';
import type { ProgressOptions } from './progress.js';
import { windowChoice, type SourceWindow } from './source-window.js';
import { readLossKeys, type LossKeys, type LossQuery } from './loss-keys.js';

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

/** One root of a plan (its selection and the related rows that come along), tables named as people read them. */
export interface MergeStep {
  /** The plan's merge id: every step of a plan is one transaction, one journal entry. */
  mergeId: string;
  /** The table the selection is about; related tables come along. */
  root: string;
  tables: (Pick<PlannedTable, 'inserts' | 'updates' | 'skipped' | 'conflicts' | 'via'> & { table: string })[];
  totals: MergeTotals;
  /** The statements that write live, in order. */
  sql: string[];
  /** Why this root cannot be applied as planned (conflicts under the abort policy), or null. */
  blocked: string | null;
  /** The first conflicting rows, when blocked. */
  conflictRows: MergeConflictError['conflicts'];
}

/** The result of applying a plan: every step committed together, or none. */
export interface MergeOutcome {
  merges: (MergeStep & { applied: boolean; verify: MergeResult['verify'] | null; durationSeconds: number })[];
  totals: MergeTotals;
  verify: { checked: number; mismatched: number };
  /** The apply failed and was rolled back: no table of the plan was written. */
  failed: { root: string; error: string } | null;
}

/** A dry-run plan, ready to apply until closed. */
export interface MergePlan {
  database: string;
  backupId: string;
  policy: ConflictPolicy;
  /** The one merge (transaction, journal entry, undo) the plan applies. */
  mergeId: string;
  /** One per root, parents first; all applied in one transaction. */
  merges: MergeStep[];
  totals: MergeTotals;
  /**
   * Applies every step in one transaction: all of them commit, or none (the outcome says why).
   * `onProgress` receives the tables written of the plan's and the rows of those selected.
   */
  apply(options?: Pick<ProgressOptions, 'onProgress'>): Promise<MergeOutcome>;
  /** Releases the plan (its selection tables and connection). */
  close(): Promise<void>;
}

/** What to plan: rows of one or several tables of one backup, and the conflict policy. */
export interface MergePlanRequest {
  backupId: string;
  selections: RowSelection[];
  policy: ConflictPolicy;
  /** The loss's window, for the binary log or dead tuples (never for a backup). */
  window?: SourceWindow;
  /** The loss: each root is staged and merged by the keys it deleted only (the copies the wizard's stage step made). */
  loss?: LossQuery;
}

/**
 * Plans the merge of one or several roots as ONE merge: the selections become parts, parents
 * first (a child whose deleted rows are chosen whole comes along with its parent's part), all
 * dry-run together in one transaction that is rolled back. The session stays open on a
 * read-write connection, so that applying runs exactly what was previewed, in one transaction
 * with one journal entry: a failure in any table's part leaves every table as it was. A root
 * whose rows are no longer different is left out; if none is left, NothingToMergeError.
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
  const erasures = (await readErasures(env)).map((e) => e.hash);
  const loss = request.loss ? await readLossKeys(db, request.loss) : null;
  const roots = splitSelections(selections, relations, db.dialect, keyOf);
  const rw = await openDb(db.target, { readOnly: false, interactive: false, poolSize: 3 });
  let session: MergeSession | undefined;
  const closeAll = async () => {
    await session?.close().catch(() => undefined);
    await rw.close().catch(() => undefined);
  };
  const parts: MergePart[] = [];
  let steps: MergeStep[];
  try {
    for (const [i, root] of roots.entries()) {
      options.signal?.throwIfAborted();
      // Counted in roots (a root's related tables come along): the dry run counts every table.
      options.onProgress?.({ operation: 'merge', phase: 'prepare', table: label(root.table), done: i, total: roots.length });
      try {
        parts.push(
          await prepareRootPart(rw, {
            backup: request.backupId,
            table: `${root.table.schema}.${root.table.name}`,
            flags: {
              ...(loss ? lossFlags(root, findLiveTable(snapshot, `${root.table.schema}.${root.table.name}`), loss, db.dialect) : root.flags),
              policy: request.policy,
            },
            erasures,
            dir: catalogDir(undefined, env),
            external: windowChoice(request.window),
            keepStaged: request.window?.staged,
            // A related table the incident deleted rows of is staged by its own keys, as the stage step did.
            ...(loss && { relatedTarget: loss.target }),
          }),
        );
      } catch (err) {
        // Rows that are no longer different (someone put them back meanwhile): nothing to do.
        if (err instanceof NoRowsMatchError) continue;
        throw err;
      }
    }
    options.signal?.throwIfAborted();
    if (!parts.length) throw new NothingToMergeError();
    options.onProgress?.({ operation: 'merge', phase: 'select rows', done: roots.length, total: roots.length });
    try {
      session = await prepareMergeGroup(rw, parts);
    } catch (err) {
      if (err instanceof NoRowsMatchError) throw new NothingToMergeError();
      throw err;
    }
    steps = toSteps(session, await dryRun(session, options.onProgress), label);
  } catch (err) {
    await closeAll();
    throw err;
  }
  const held = session;
  let applied = false;
  return {
    database: db.target.database,
    backupId: request.backupId,
    policy: request.policy,
    mergeId: held.mergeId,
    merges: steps,
    totals: sum(steps.map((s) => s.totals)),
    async apply(o = {}) {
      if (applied) throw new PlanAppliedError();
      if (steps.some((s) => s.blocked)) throw new PlanBlockedError();
      applied = true;
      try {
        const r = await held.execute(true, undefined, mergeProgress('apply', o.onProgress));
        const done = toSteps(held, r, label);
        return {
          merges: done.map((m) => ({ ...m, applied: true, verify: null, durationSeconds: r.durationSeconds })),
          failed: null,
          totals: r.totals,
          verify: { checked: r.verify?.checked ?? 0, mismatched: r.verify?.mismatched ?? 0 },
        };
      } catch (err) {
        const what = steps.length > 1 ? `the recovery of ${steps.map((s) => s.root).join(', ')}` : steps[0].root;
        return {
          merges: [],
          failed: { root: what, error: err instanceof Error ? err.message : String(err) },
          totals: { inserted: 0, updated: 0, skipped: 0 },
          verify: { checked: 0, mismatched: 0 },
        };
      }
    },
    close: closeAll,
  };
}

/**
 * A root's flags for a loss: its keys as `keyList`, so prepareRootPart stages (and finds staged)
 * the copy of exactly those keys, and a class is looked for among them. Single deleted rows,
 * which splitSelections gives as `keys` (a keyList would replace them), become the deleted class
 * narrowed to them, as single soft-deleted and changed rows are.
 */
function lossFlags(root: RootMerge, live: TableInfo, loss: LossKeys, d: Parameters<typeof keyFilter>[0]): Omit<MergeFlags, 'policy'> {
  const keyList = loss.keyList(live);
  if (!keyList) return root.flags;
  const { keys, ...flags } = root.flags;
  if (!keys?.length) return { ...flags, keyList };
  const chosen = keys.map((k) => JSON.parse(k) as Record<string, unknown>);
  const only = keyFilter(d, identifyingKey(live)!.columns, chosen);
  return { ...flags, deleted: true, where: flags.where ? `(${flags.where}) AND ${only}` : only, keyList };
}

/** The dry run; a single root's conflicts under the abort policy come back as a blocked step. */
async function dryRun(session: MergeSession, onProgress?: ProgressOptions['onProgress']): Promise<MergeResult | MergeConflictError> {
  try {
    return await session.execute(false, undefined, mergeProgress('dry run', onProgress));
  } catch (err) {
    if (err instanceof MergeConflictError) return err;
    throw err;
  }
}

/**
 * The engine's progress as events: done/total count the tables, `rows` the rows gone through of
 * those selected; the ETA follows the rows written so far (null until some are, or while the
 * first half second gives no rate to trust).
 */
export function mergeProgress(
  phase: string,
  onProgress: ProgressOptions['onProgress'],
  now: () => number = () => performance.now(),
): ((p: MergeProgress) => void) | undefined {
  if (!onProgress) return undefined;
  const started = now();
  return (p) => {
    const elapsed = (now() - started) / 1000;
    const left = p.rowsTotal - p.rowsDone;
    const etaSeconds = left <= 0 ? 0 : p.rowsDone > 0 && elapsed >= 0.5 ? Math.round((elapsed * left) / p.rowsDone) : null;
    onProgress({
      operation: 'merge',
      phase: p.phase === 'verify' ? `${phase}: verify` : phase,
      ...(p.table !== undefined && { table: p.table }),
      done: p.tablesDone,
      total: p.tablesTotal,
      rows: { done: p.rowsDone, total: p.rowsTotal },
      etaSeconds,
    });
  };
}

/** One step per root of the session, from a dry run or an apply. */
function toSteps(session: MergeSession, r: MergeResult | MergeConflictError, label: (t: { schema: string; name: string }) => string): MergeStep[] {
  if (r instanceof MergeConflictError) {
    return [{ ...emptyStep(session.mergeId, label(session.roots[0])), blocked: r.message, conflictRows: r.conflicts.slice(0, 20) }];
  }
  const parts = r.parts ?? [{ root: session.roots[0], tables: r.tables.map((_, i) => i), totals: r.totals, sql: r.sql }];
  return parts.map((p) => {
    const tables = p.tables.map((i) => r.tables[i]);
    return {
      mergeId: r.mergeId,
      root: label(p.root),
      tables: tables
        .filter((t) => t.inserts + t.updates + t.skipped > 0)
        .map((t) => ({ table: label(t), inserts: t.inserts, updates: t.updates, skipped: t.skipped, conflicts: t.conflicts, via: t.via })),
      totals: p.totals,
      sql: p.sql,
      blocked: p.blocked?.message ?? null,
      conflictRows: (p.blocked?.conflicts ?? []).slice(0, 20),
    };
  });
}

function emptyStep(mergeId: string, root: string): MergeStep {
  return { mergeId, root, tables: [], totals: { inserted: 0, updated: 0, skipped: 0 }, sql: [], blocked: null, conflictRows: [] };
}

function sum(totals: MergeTotals[]): MergeTotals {
  return totals.reduce((a, t) => ({ inserted: a.inserted + t.inserted, updated: a.updated + t.updated, skipped: a.skipped + t.skipped }), {
    inserted: 0,
    updated: 0,
    skipped: 0,
  });
}
