import type { InstallResult, UninstallResult } from '../audit/trigger/model.js';
import type { ColumnKind, RebuildPlan, RefusedRows } from '../audit/trigger/rebuild-plan.js';
import type { Db } from '../connect/open.js';
import type { Engine } from '../connect/target.js';
import type { Dialect } from './dialect.js';
import type { TableInfo } from './model.js';
import { mysqlTriggerAudit } from './mysql/mysql-trigger-audit.js';
import { postgresTriggerAudit } from './postgres/postgres-trigger-audit.js';
import type { Queryable } from './queryable.js';

/**
 * What crm-rescue's trigger audit does differently per engine: the triggers and their log, the
 * catalog probes that find them, and the rebuild of logged rows. The engine-neutral part (what
 * to install, the registry, what a rebuild refuses) is in src/audit/trigger.
 */
export interface TriggerAuditDialect {
  /**
   * How an application tells the trigger audit who its user is (the log's app_user), as the
   * triggers read it: PostgreSQL a transaction-scoped setting, MySQL a user variable, which
   * outlives the transaction and must be cleared (`clear`) on a pooled connection.
   */
  readonly appUser: { set: string; clear: string | null };
  /** The connection's current database. */
  currentDatabase(db: Queryable): Promise<string>;
  /**
   * Which of the tables exist in `namespace` and may be read by this user, with the server's row
   * estimate (null or negative when it has none).
   */
  readableTables(db: Queryable, namespace: string, names: [string, string]): Promise<{ name: string; estimate: unknown }[]>;
  /** A table (or anything in the table namespace) of that name exists. */
  tableExists(db: Queryable, schema: string, name: string): Promise<boolean>;
  /** The table has a (live, not dropped) column of that name. */
  hasColumn(db: Queryable, schema: string, table: string, column: string): Promise<boolean>;
  /** Creates the log and registry when missing and (re)places the triggers on `tables`. */
  install(db: Db, tables: TableInfo[], updates: boolean): Promise<InstallResult>;
  /** Removes the triggers (of `only`, or all), the registry when empty, and the log when empty or `dropLog`. */
  uninstall(db: Db, only: { schema: string; name: string }[] | null, dropLog: boolean): Promise<UninstallResult>;
  /**
   * The log rows to rebuild: `SELECT fields FROM log l WHERE where`, keeping only the newest
   * logged row per `row_key` (by logged_at, then id) when `latestPerKey`.
   */
  pickLogRows(q: { fields: string; log: string; where: string; latestPerKey: boolean }): string;
  /** What the older log layout's rebuild needs to know of each column of `live`. */
  columnKinds(db: Db, live: TableInfo): Promise<Map<string, ColumnKind>>;
  /** Creates `plan.target` and fills it with the logged rows that come back exactly; the rest is refused. */
  rebuild(conn: Queryable, d: Dialect, plan: RebuildPlan): Promise<RefusedRows>;
}

/** The trigger audit of an engine: the one place that maps engine → implementation. */
export function triggerAuditFor(engine: Engine): TriggerAuditDialect {
  return engine === 'postgres' ? postgresTriggerAudit : mysqlTriggerAudit;
}
