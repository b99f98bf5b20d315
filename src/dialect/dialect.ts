import type { Engine } from '../connect/target.js';
import type { Queryable } from './queryable.js';
import type { Privileges, SchemaSnapshot } from './model.js';

/** What an engine can do, so callers test a capability instead of the engine's name. */
export interface DialectCapabilities {
  /** DDL (CREATE TABLE, CREATE TRIGGER) can be rolled back inside a transaction. */
  transactionalDdl: boolean;
  /** INSERT/UPDATE … RETURNING. */
  returning: boolean;
  /** Staging lives in a schema of the same database (true) or a database of the server (false). */
  stagingIsSchema: boolean;
}

/** Options of an introspection. */
export interface IntrospectOptions {
  /** Only these schemas (PostgreSQL). Default: every non-system schema. */
  schemas?: string[];
  /** Also read crm-rescue's own namespaces (journal, audit, staging). Default false. */
  includeInternal?: boolean;
}

/**
 * Everything that differs between PostgreSQL and MySQL/MariaDB. Chosen once, from the target,
 * at the edge; nothing outside `src/dialect/` asks which engine it talks to.
 */
export interface Dialect {
  readonly engine: Engine;
  readonly capabilities: DialectCapabilities;
  /** Quotes one identifier; safe for any name, including quotes, spaces and unicode. */
  quoteIdent(name: string): string;
  /** Quotes `schema.name`. */
  quoteQualified(schema: string, name: string): string;
  /** Quotes a string literal. */
  quoteLiteral(value: string): string;
  /** Parameter placeholder number `i` (1-based): `$1` or `?`. */
  placeholder(i: number): string;
  /** The server's version string, e.g. `15.19` or `10.11.19-MariaDB`. */
  serverVersion(db: Queryable): Promise<string>;
  /** Tables, columns, keys, foreign keys, estimates and sizes. */
  introspect(db: Queryable, options?: IntrospectOptions): Promise<SchemaSnapshot>;
  /** Which crm-rescue actions the connected user may perform. */
  privileges(db: Queryable): Promise<Privileges>;
}
