import type { TableInfo } from '../../dialect/model.js';
import { UsageError, UserError } from '../../errors.js';
import { matchQuoted } from '../../util/table-ref.js';

/** What `audit install` is asked to do. */
export interface InstallOptions {
  /** Table names (`name` or `schema.name`), checked against introspection. */
  tables?: string[];
  /** Every table of the target (crm-rescue's own namespaces excluded). */
  all?: boolean;
  /** Also log the old row of UPDATEs. */
  updates?: boolean;
}

/** One table with its triggers after install. */
export interface InstalledTable {
  schema: string;
  name: string;
  triggers: { name: string; operation: 'DELETE' | 'UPDATE' }[];
  keyColumns: string[];
  /** PostgreSQL: statement-level (transition table) or row-level fallback. MySQL: row. */
  level: 'statement' | 'row';
}

/** What install did. */
export interface InstallResult {
  namespace: string;
  tables: InstalledTable[];
  /** The namespace did not exist before. */
  createdNamespace: boolean;
}

/** What `audit uninstall` is asked to do. */
export interface UninstallOptions {
  /** Only these tables (default: everything install created). */
  tables?: string[];
  /** Drop the log even when it holds rows (it may be the only copy of deleted rows). */
  dropLog?: boolean;
}

/** A trigger named by the registry or found by its name prefix. */
export interface TriggerRef {
  schema: string;
  table: string;
  trigger: string;
}

/** What uninstall did. */
export interface UninstallResult {
  namespace: string;
  /** Triggers dropped. */
  removed: TriggerRef[];
  /** Registry entries whose trigger was already gone (removed by hand, or the table dropped). */
  alreadyGone: TriggerRef[];
  /** The log: dropped, kept (it holds rows; --drop-log drops it) or absent. */
  log: 'dropped' | 'kept' | 'absent' | 'in use';
  logRows: number;
  /** The namespace was dropped because nothing else was left in it. */
  namespaceDropped: boolean;
}

/**
 * Resolves `--tables` names against the snapshot: `name` (unique across schemas) or
 * `schema.name`. Every name must match exactly one table.
 */
export function resolveTables(tables: TableInfo[], names: string[]): TableInfo[] {
  const out: TableInfo[] = [];
  for (const raw of names) {
    const name = raw.trim();
    if (!name) continue;
    let hits = tables.filter((t) => t.name === name || `${t.schema}.${t.name}` === name);
    // As SQL writes it ("schema"."name", `db`.`name`), before the case-insensitive guess.
    if (hits.length === 0) hits = matchQuoted(tables, name);
    if (hits.length === 0) hits = tables.filter((t) => t.name.toLowerCase() === name.toLowerCase());
    if (hits.length === 0) throw new UserError(`table ${name} not found`, 'Check the name with crm-rescue inspect; use schema.table when names repeat');
    if (hits.length > 1) {
      throw new UsageError(`table name ${name} is ambiguous: ${hits.map((t) => `${t.schema}.${t.name}`).join(', ')}`, 'Use schema.table');
    }
    if (!out.includes(hits[0])) out.push(hits[0]);
  }
  return out;
}
