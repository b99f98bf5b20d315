import type { SoftDeleteMark } from '../crm/flavour.js';
import type { TableInfo } from '../dialect/model.js';
import { UserError } from '../errors.js';
import type { ComparedColumn, DiffPlan } from './model.js';

/** What the caller asks for. */
export interface DiffRequest {
  staged: TableInfo;
  live: TableInfo;
  /** --key: columns that identify a row, when the table has no usable key. */
  key?: string[];
  /** --columns: compare only these. */
  columns?: string[];
  /** --where: SQL filter over the table's columns, applied to both sides. */
  where?: string;
  softDelete?: SoftDeleteMark | null;
}

/**
 * Checks every identifier of the request against introspection and chooses the key: the primary
 * key, else a unique key whose columns are all NOT NULL, else --key (required, said so).
 */
export function planDiff(req: DiffRequest): DiffPlan {
  const { staged, live } = req;
  const liveCols = new Map(live.columns.map((c) => [c.name, c]));
  const stagedCols = new Map(staged.columns.map((c) => [c.name, c]));
  const both = (name: string) => liveCols.has(name) && stagedCols.has(name);
  const display = `${live.schema}.${live.name}`;

  let key: string[];
  let keySource: DiffPlan['keySource'];
  if (req.key?.length) {
    for (const k of req.key) {
      if (!both(k))
        throw new UserError(
          `--key column "${k}" is not in both the backup's and the live ${display}`,
          `Columns in both: ${[...liveCols.keys()].filter(both).join(', ')}`,
        );
    }
    key = req.key;
    keySource = 'flag';
  } else if (live.primaryKey && live.primaryKey.columns.every(both)) {
    key = live.primaryKey.columns;
    keySource = 'primary';
  } else {
    const uk = live.uniqueKeys.find((k) => !k.nullable && k.columns.every(both));
    if (!uk) {
      throw new UserError(
        `table ${display} has no primary key and no unique key without NULLs, so rows cannot be matched`,
        'Pass --key col1,col2 with columns that identify a row',
      );
    }
    key = uk.columns;
    keySource = 'unique';
  }

  // A column live computes itself (generated; a system-versioned table's row start and end) is
  // not compared: merge never writes it, so a difference there is nothing to bring back.
  let names = live.columns
    .filter((c) => !c.generated)
    .map((c) => c.name)
    .filter((n) => both(n) && !key.includes(n));
  if (req.columns?.length) {
    for (const c of req.columns) {
      if (!both(c))
        throw new UserError(
          `--columns: "${c}" is not a column of both the backup's and the live ${display}`,
          `Columns in both: ${[...liveCols.keys()].filter(both).join(', ')}`,
        );
    }
    names = req.columns.filter((c) => !key.includes(c));
  }
  const columns: ComparedColumn[] = names.map((n) => ({ name: n, stagedType: stagedCols.get(n)!.dataType, liveType: liveCols.get(n)!.dataType }));
  // A mark kept on another table's row (`via`: vtiger's crmentity) is diffed on that table.
  const mark = req.softDelete && !req.softDelete.via && names.includes(req.softDelete.column) ? req.softDelete : null;
  if (req.where !== undefined) checkWhere(req.where);
  return {
    staged,
    live,
    key,
    keySource,
    columns,
    onlyInStaged: staged.columns.map((c) => c.name).filter((n) => !liveCols.has(n)),
    onlyInLive: live.columns.map((c) => c.name).filter((n) => !stagedCols.has(n)),
    softDelete: mark,
    ...(req.where !== undefined && { where: req.where }),
  };
}

/**
 * --where is SQL the operator writes about their own table; it runs on a read-only connection.
 * Refuse what cannot be a single boolean expression, so it cannot end the statement.
 */
function checkWhere(where: string): void {
  if (!where.trim()) throw new UserError('--where is empty', 'Give a condition such as "date_modified > \'2026-11-01\'"');
  let quote: string | null = null;
  for (const ch of where) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    else if (ch === ';') throw new UserError('--where must be one condition, without ";"', 'Write only the condition, e.g. "deleted = 1"');
  }
  if (quote) throw new UserError(`--where has an unclosed ${quote}`, 'Check the quoting of the condition');
  if (/--|\/\*/.test(where.replace(/'[^']*'/g, ''))) throw new UserError('--where must not contain comments', 'Write only the condition');
}
