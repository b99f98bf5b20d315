import type { Db } from '../connect/open.js';
import { tableLabel } from '../dialect/table-label.js';
import { checkKeyTypes } from '../diff/key-check.js';
import type { DiffClass, DiffCounts, DiffPlan, DiffRow } from '../diff/model.js';
import { diffRowDetail, type DiffRowDetail } from '../diff/row-detail.js';
import { countDiff, diffPage } from '../diff/run.js';
import { catalogDir } from '../util/paths.js';
import { NoTableChosenError, NotInDiffError } from './errors.js';
import { diffPlanFor, prepareTables, type PreparedDiff } from './prepare.js';
import type { ProgressOptions } from './progress.js';
import { windowChoice, type SourceWindow } from './source-window.js';
import { lossKeyFilters, type LossQuery } from './loss-keys.js';
import type { TargetedTable } from './stage.js';

/** One compared table. */
export interface DiffTable {
  /** `schema.name` of the live table. */
  id: string;
  /** The name as shown. */
  display: string;
  key: string[];
  columns: string[];
  /** The soft-delete column, when the CRM marks deleted rows. */
  softDelete: string | null;
  /** Columns only the backup has and only live has (added or dropped since): not compared. */
  onlyInStaged?: string[];
  onlyInLive?: string[];
  counts: DiffCounts;
}

/** One differing row of a page, with where the next page starts. */
export type DiffRowView = DiffRow & {
  /** The key's values in key order: where the next page starts. */
  keyTuple: unknown[];
};

/** A prepared comparison of some tables with one backup. */
export interface DiffSet {
  backupId: string;
  tables: DiffTable[];
  /** Tables that had to be staged first. */
  stagedNow: string[];
  /**
   * Tables compared on the loss's keys only (their staged copies are targeted): the other rows
   * were not looked at. Absent when every table was compared whole.
   */
  targeted?: TargetedTable[];
  /**
   * Rows of one class of one table in key order: those after the key `after` (null: from the
   * first), skipping `skip` more, at most `limit`. Only this page is read.
   */
  rows(table: string, cls: DiffClass, after: unknown[] | null, limit: number, skip?: number): Promise<DiffRowView[]>;
  /** One row in full, both sides. */
  row(table: string, keyTuple: unknown[]): Promise<DiffRowDetail>;
  /** Counts again (after a merge). */
  recount(): Promise<DiffTable[]>;
}

/** Staging against live. */
export interface DiffServices {
  /** Stages what is missing (cancellable), then counts every class of every table. */
  /** `window`: the loss's, for the binary log or dead tuples (never for a backup). */
  /** `loss`: compare only the keys the loss deleted (StageServices.run stages the same copies). */
  open(request: { backupId: string; tables: string[]; window?: SourceWindow; loss?: LossQuery }, options?: ProgressOptions): Promise<DiffSet>;
}

/** Diffs of the target against its backups (the default catalog). */
export function diffServices(db: Db, env: NodeJS.ProcessEnv = process.env): DiffServices {
  return { open: (request, options) => openDiff(db, { ...request, dir: catalogDir(undefined, env) }, options) };
}

/**
 * Opens a diff of some live tables with one backup. Opening stages what is missing
 * (cancellable, through a read-write connection that writes only staging), then every read is
 * a keyset page on `db`, which may be read-only.
 */
export async function openDiff(
  db: Db,
  request: { backupId: string; tables: string[]; dir?: string; window?: SourceWindow; loss?: LossQuery },
  options: ProgressOptions = {},
): Promise<DiffSet> {
  if (!request.tables.length) throw new NoTableChosenError();
  const target = request.loss ? await lossKeyFilters(db, request.loss) : undefined;
  const prepared = await prepareTables(db, {
    backup: request.backupId,
    tables: request.tables,
    dir: request.dir,
    onProgress: options.onProgress,
    signal: options.signal,
    external: windowChoice(request.window),
    keepStaged: request.window?.staged,
    ...(target && { target }),
  });
  return diffSet(db, prepared, options.onProgress);
}

async function diffSet(db: Db, prepared: PreparedDiff, onProgress?: ProgressOptions['onProgress']): Promise<DiffSet> {
  const plans = new Map<string, DiffPlan>();
  prepared.pairs.forEach((p, i) => {
    const plan = diffPlanFor(prepared, i, {}, db.dialect);
    const sides = [
      { label: 'the backup', table: plan.staged },
      { label: 'live', table: plan.live },
    ];
    checkKeyTypes(db.dialect, plan.key, sides, `${p.live.schema}.${p.live.name}`);
    plans.set(`${p.live.schema}.${p.live.name}`, plan);
  });
  const multiSchema = new Set(prepared.pairs.map((p) => p.live.schema)).size > 1;
  const planOf = (id: string) => {
    const plan = plans.get(id);
    if (!plan) throw new NotInDiffError(id);
    return plan;
  };
  const count = async (): Promise<DiffTable[]> => {
    const out: DiffTable[] = [];
    let done = 0;
    for (const [id, plan] of plans) {
      onProgress?.({ operation: 'diff', phase: 'count', table: id, done, total: plans.size });
      const s = await countDiff(db, plan);
      out.push({
        id,
        display: tableLabel(db.dialect.engine, plan.live.schema, plan.live.name, multiSchema),
        key: plan.key,
        columns: plan.columns.map((c) => c.name),
        softDelete: plan.softDelete?.column ?? null,
        onlyInStaged: plan.onlyInStaged,
        onlyInLive: plan.onlyInLive,
        counts: s.counts,
      });
      done++;
    }
    return out;
  };
  const tables = await count();
  const targeted = prepared.pairs.flatMap((p) =>
    p.targeted && prepared.filters.has(`${p.live.schema}\0${p.live.name}`)
      ? [{ table: tableLabel(db.dialect.engine, p.live.schema, p.live.name, multiSchema), keys: p.targeted.keys, found: p.targeted.found }]
      : [],
  );
  return {
    backupId: prepared.backupId,
    tables,
    stagedNow: prepared.stagedNow,
    ...(targeted.length && { targeted }),
    async rows(table, cls, after, limit, skip = 0) {
      const page = await diffPage(db, planOf(table), cls, after, limit, skip);
      return page.rows.map((r, i) => ({ ...r, keyTuple: page.keys[i] }));
    },
    row: (table, keyTuple) => diffRowDetail(db, planOf(table), keyTuple),
    recount: count,
  };
}
