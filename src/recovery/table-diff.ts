import type { Db } from '../connect/open.js';
import { checkKeyIdentifies } from '../diff/key-check.js';
import type { DiffPlan } from '../diff/model.js';
import type { ProgressListener } from '../progress/event.js';
import type { SourceChoice } from '../stage/sources/index.js';
import type { TableInfo } from '../dialect/model.js';
import { identifyingKey } from '../keys/identifying-key.js';
import { readFlagKeys } from '../merge/prepare.js';
import { keyFilterOf, keysCondition } from '../stage/key-filter.js';
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
  /** Compare only these keys (--keys, --keys-from): only their rows are staged, unless wholeTable. */
  keys?: string[];
  keysFrom?: string;
  wholeTable?: boolean;
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
  const keyed = Boolean(req.keys?.length || req.keysFrom);
  let keyList: Record<string, unknown>[] | undefined;
  let keyCols: string[] | undefined;
  // The keys are read once (a `-` file is stdin), when the live table's key is known.
  const target = async (live: TableInfo) => {
    keyCols = req.key?.length ? req.key : identifyingKey(live)?.columns;
    if (!keyCols) return null;
    keyList = await readFlagKeys(req, keyCols, live);
    return req.wholeTable ? null : keyFilterOf(keyCols, keyList);
  };
  const prepared = await prepareTables(db, {
    backup: req.backup,
    tables: [req.table],
    dir: req.dir,
    onProgress: req.onProgress,
    allowOtherDatabase: req.allowOtherDatabase,
    external: req.external,
    ...(keyed && { target }),
  });
  req.onPrepared?.(prepared);
  // A whole copy asked for by --whole-table is compared on the keys given all the same.
  const cols = keyCols;
  const where =
    keyList?.length && !prepared.targeted && cols
      ? [
          req.where && `(${req.where})`,
          keysCondition(
            db.dialect,
            cols,
            keyList.map((k) => cols.map((c) => k[c])),
          ),
        ]
          .filter(Boolean)
          .join(' AND ')
      : req.where;
  const planned = diffPlanFor(prepared, 0, { key: req.key, columns: req.columns, where }, db.dialect);
  // Reports show the user's --where, not the keys' condition (thousands of literals).
  const plan = where !== req.where ? { ...planned, shownWhere: req.where ?? null } : planned;
  const sides = [
    { label: 'the backup', table: plan.staged },
    { label: 'live', table: plan.live },
  ].map((s) => ({ ...s, ...(plan.where !== undefined && { where: plan.where }) }));
  await checkKeyIdentifies(db, db.dialect, plan.key, sides, `${plan.live.schema}.${plan.live.name}`);
  return { prepared, plan };
}
