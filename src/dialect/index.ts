import type { Engine } from '../connect/target.js';
import type { Dialect } from './dialect.js';
import { mysqlDialect } from './mysql/mysql-dialect.js';
import { postgresDialect } from './postgres/postgres-dialect.js';

/**
 * The dialect of an engine: the one place that maps engine → Dialect. The engines' other halves
 * map in files of their own beside it (`auditSqlFor` in audit-sql.ts, `triggerAuditFor` in
 * trigger-audit.ts, `backupDialectFor` in backup.ts, `demoEngineFor` in demo.ts), so that what
 * imports the dialect does not load the audit, backup and demo code with it.
 */
export function dialectFor(engine: Engine): Dialect {
  return engine === 'postgres' ? postgresDialect : mysqlDialect;
}

export type { Dialect, DialectCapabilities, IntrospectOptions, ServerIdentity } from './dialect.js';
export type { Queryable, Snapshot, Transaction } from './queryable.js';
export * from './model.js';
