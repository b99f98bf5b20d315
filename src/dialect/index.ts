import type { Engine } from '../connect/target.js';
import type { Dialect } from './dialect.js';
import { mysqlDialect } from './mysql.js';
import { postgresDialect } from './postgres.js';

/** The dialect of an engine: the one place that maps engine → implementation. */
export function dialectFor(engine: Engine): Dialect {
  return engine === 'postgres' ? postgresDialect : mysqlDialect;
}

export type { Dialect, DialectCapabilities, IntrospectOptions, ServerIdentity } from './dialect.js';
export type { Queryable, Snapshot } from './queryable.js';
export * from './model.js';
