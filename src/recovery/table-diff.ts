import type { Db } from '../connect/open.js';
import { checkKeyIdentifies } from '../diff/key-check.js';
import type { DiffPlan } from '../diff/model.js';
import type { ProgressListener } from '../progress/event.js';
import type { SourceChoice } from '../stage/sources/index.js';
import { diffPlanFor, prepareTables, type PreparedDiff } from './prepare.js';

/** One table to compare with a backup, as `crm-rescue diff` asks for it. */
export interface TableDiffRequest {
  backup: string;
  /** The live table, `name` or `schema.name`. */
  table: string;
  dir?: string;
  allowOtherDatabase?: boolean;
  /** For a dump made by another tool: `--from-table`, `--from-database`, `--verify`. */
  external?: SourceChoice;
  /** Columns that identify a row, when the table has no usable key. */
  key?: string[];
  /** Compare only these columns. */
  columns?: string[];
  /** A condition over the table's columns, applied to both sides. */
  where?: string;
  onProgress?: ProgressListener;
  /** Called once the backup is resolved and the table staged, before the plan is checked. */
  onPrepared?: (prepared: PreparedDiff) => void;
}

/**
 * Prepares the diff of one table: stages it when needed, plans the comparison (key, columns,
 * soft-delete mark, filter) and checks that the key identifies one row in both copies (no NULL
 * in it, no repeating values), so that every row the diff streams is matched once.
 */
export async function prepareTableDiff(db: Db, req: TableDiffRequest): Promise<{ prepared: PreparedDiff; plan: DiffPlan }> {
  const prepared = await prepareTables(db, {
    backup: req.backup,
    tables: [req.table],
    dir: req.dir,
    onProgress: req.onProgress,
    allowOtherDatabase: req.allowOtherDatabase,
    external: req.external,
  });
  req.onPrepared?.(prepared);
  const plan = diffPlanFor(prepared, 0, { key: req.key, columns: req.columns, where: req.where });
  const sides = [
    { label: 'the backup', table: plan.staged },
    { label: 'live', table: plan.live },
  ].map((s) => ({ ...s, ...(plan.where !== undefined && { where: plan.where }) }));
  await checkKeyIdentifies(db, db.dialect, plan.key, sides, `${plan.live.schema}.${plan.live.name}`);
  return { prepared, plan };
}
