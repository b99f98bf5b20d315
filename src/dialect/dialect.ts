import type { Engine } from '../connect/target.js';
import type { Queryable } from './queryable.js';
import type { Privileges, SchemaSnapshot } from './model.js';

/** What an engine can do, so callers test a capability instead of the engine's name. */
export interface DialectCapabilities {
  /** DDL (CREATE TABLE, CREATE TRIGGER) can be rolled back inside a transaction. */
  transactionalDdl: boolean;
  /** INSERT/UPDATE … RETURNING. */
  returning: boolean;
  /** FULL OUTER JOIN exists (one scan of each side counts every diff class at once). */
  fullJoin: boolean;
  /** Staging lives in a schema of the same database (true) or a database of the server (false). */
  stagingIsSchema: boolean;
  /**
   * A key join between columns of different collations is refused, so when `s.k = l.k` runs,
   * both sides order keys alike and a key bound on one side holds on the other (PostgreSQL).
   * MySQL joins a _bin column with a _ci one under _bin: the other side may order differently.
   */
  strictKeyCollation: boolean;
}

/** The parts of an UPDATE/DELETE that joins other tables. */
export interface JoinedWrite {
  /** Quoted, qualified target table. */
  target: string;
  alias: string;
  /** Joined tables, in order; `on` relates each to the target or to earlier sources. */
  sources: { table: string; alias: string; on: string }[];
  where?: string;
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
  /**
   * A boolean SQL expression that is TRUE when two column values differ, NULL-safe and exact:
   * NULL vs '' differ, trailing spaces and letter case differ whatever the collation, numeric
   * scale differs (1.5 vs 1.50), JSON compares by text. Types are the columns' `dataType`s.
   */
  distinct(left: string, right: string, leftType: string, rightType: string): string;
  /**
   * A boolean SQL expression: the key columns, in order, come after the given values (keyset
   * paging). `value(i)` returns the placeholder of the i-th value; it may be called more than once
   * per value, in the order the placeholders appear.
   */
  keyAfter(columns: string[], value: (i: number) => string): string;
  /** A boolean SQL expression: the flag column holds a true/non-zero value. */
  truthy(expr: string, dataType: string): string;
  /** The absolute number of seconds between two date/time expressions (NULL when either is NULL). */
  secondsApart(a: string, b: string): string;
  /** An expression casting a value to text (for display and type-changed comparisons). */
  textCast(expr: string): string;
  /** A text expression that changes whenever any of the columns' values changes (NULL-safe). */
  rowHash(alias: string, columns: { name: string; dataType: string }[]): string;
  /** `UPDATE target alias … SET … ` joined to other tables (PostgreSQL: FROM, MySQL: JOIN). */
  updateJoin(u: JoinedWrite & { set: [column: string, expr: string][] }): string;
  /** `DELETE` of the target rows that join the sources. */
  deleteJoin(u: JoinedWrite): string;
  /** A JSON object (as text) from label/expression pairs. */
  jsonObject(pairs: [label: string, expr: string][]): string;
  /** Hex sha256 of a text expression. */
  sha256Hex(expr: string): string;
  /** A typed NULL text of width n, for CREATE TABLE … AS SELECT. */
  nullText(width: number): string;
  /** Statements that bound lock waits and statement time in the current transaction. */
  transactionTimeouts(lockSeconds: number, statementSeconds: number, serverVersion: string): string[];
  /** Creates an empty table with the columns of `like` (and its key), plus extra columns. */
  createShadowTable(qualified: string, likeQualified: string, key: string[], extra: [name: string, type: string][]): string[];
  /** Adds an auto-numbered column (1, 2, 3 … in insertion order) to a table. */
  addSequenceColumn(qualified: string, column: string): string;
  /** The locking clause that locks only the rows of `alias` (PostgreSQL `FOR UPDATE OF`). */
  forUpdateOf(alias: string): string;
  /** Makes the session's transactions READ COMMITTED (MySQL: INSERT … SELECT then takes no locks on what it reads). */
  readCommitted(): string;
  /** Creates a namespace (schema / database) when missing. */
  createNamespace(name: string): string;
  /** Drops a namespace (schema / database) and everything in it. */
  dropNamespace(name: string): string;
  /** After explicit-key inserts: move sequences past the largest key (PostgreSQL); MySQL needs nothing. */
  fixSequences(db: Queryable, table: { schema: string; name: string; columns: { name: string; autoIncrement: boolean }[] }): Promise<void>;
  /** The server's version string, e.g. `15.19` or `10.11.19-MariaDB`. */
  serverVersion(db: Queryable): Promise<string>;
  /** Tables, columns, keys, foreign keys, estimates and sizes. */
  introspect(db: Queryable, options?: IntrospectOptions): Promise<SchemaSnapshot>;
  /** Which crm-rescue actions the connected user may perform. */
  privileges(db: Queryable): Promise<Privileges>;
}
