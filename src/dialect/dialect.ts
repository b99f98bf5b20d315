import type { Engine } from '../connect/target.js';
import type { Queryable } from './queryable.js';
import type { ColumnInfo, Privileges, SchemaSnapshot } from './model.js';
import type { LockHolder, TriggerBypass, TriggerInfo } from './live.js';
import type { OwnTablesSql } from './own-tables.js';

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
  /**
   * A database holds several schemas, so a table is named by schema and name and keeps its
   * schema from backup to live (PostgreSQL). Without (MySQL) the schema is the database itself,
   * and a backup's tables are the target database's whatever the database was called then.
   */
  multiSchema: boolean;
  /**
   * `transactionTimeouts` end with the transaction (PostgreSQL SET LOCAL). Without (MySQL) they
   * set the session, so a session that runs several transactions can set them once.
   */
  transactionLocalSettings: boolean;
}

/** What identifies a database server (see `Dialect.serverIdentity`). */
export interface ServerIdentity {
  /** The identity, or null when the server would not tell. */
  value: string | null;
  /** Where it comes from, for messages: `system_identifier`, `@@hostname:@@port:@@server_id`. */
  source: string;
}

/** A compared column's type: its `dataType`, or its ColumnInfo with what the catalog says of its equality. */
export type ComparedType = string | Pick<ColumnInfo, 'dataType' | 'equality'>;

/** The `dataType` and `equality` of a ComparedType. */
export function comparedType(t: ComparedType): Pick<ColumnInfo, 'dataType' | 'equality'> {
  return typeof t === 'string' ? { dataType: t } : t;
}

/**
 * What a column type holds, to decide whether a column retyped since the backup can still be
 * matched by key and written: numbers, strings, dates and timestamps, times of day, booleans,
 * bytes, JSON, or `other` (uuid, enums, arrays, user types…: only the same type is trusted).
 */
export type TypeFamily = 'number' | 'string' | 'datetime' | 'time' | 'boolean' | 'binary' | 'json' | 'other';

/** Key values of these types can be matched with `=` exactly: the same type, or the same family (not `other`). */
export function typesMatchable(d: Pick<Dialect, 'typeFamily'>, a: string, b: string): boolean {
  if (a === b) return true;
  const fa = d.typeFamily(a);
  return fa !== 'other' && fa === d.typeFamily(b);
}

/**
 * A value of type `from` can be written to a column of type `to` by INSERT … SELECT and UPDATE
 * (an assignment the server makes without being told how): the same type or family, or
 * anything to a string. A string to a number (or a date) depends on each value: refused. A type
 * of family `other` on either side (a domain, citext, an enum, a user type) is not judged here:
 * the server's assignment and the check before COMMIT decide, as they do for any value.
 */
export function typeAssignable(d: Pick<Dialect, 'typeFamily'>, from: string, to: string): boolean {
  if (from === to) return true;
  const [f, t] = [d.typeFamily(from), d.typeFamily(to)];
  return t === 'string' || f === 'other' || t === 'other' || f === t;
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
  /** Also list partitions as tables of their own (PostgreSQL). Default false: their parent stands for them. */
  includePartitions?: boolean;
}

/**
 * Everything that differs between PostgreSQL and MySQL/MariaDB. Chosen once, from the target,
 * at the edge; nothing outside `src/dialect/` asks which engine it talks to.
 */
export interface Dialect extends OwnTablesSql {
  readonly engine: Engine;
  readonly capabilities: DialectCapabilities;
  /** Quotes one identifier; safe for any name, including quotes, spaces and unicode. */
  quoteIdent(name: string): string;
  /** Quotes `schema.name`. */
  quoteQualified(schema: string, name: string): string;
  /**
   * The table as a FROM item that reads its own rows only: PostgreSQL reads the rows of the
   * tables that INHERIT from it too, unless `ONLY` (a partitioned parent's rows are its
   * partitions', and are read).
   */
  tableRows(t: { schema: string; name: string; hasInheritanceChildren?: boolean }): string;
  /** Quotes a string literal. */
  quoteLiteral(value: string): string;
  /** Parameter placeholder number `i` (1-based): `$1` or `?`. */
  placeholder(i: number): string;
  /**
   * A boolean SQL expression that is TRUE when two column values differ, NULL-safe and exact:
   * two values are the same only when they are identical, not merely equal for their type.
   * NULL vs '' differ, trailing spaces and letter case differ whatever the collation, numeric
   * scale differs (1.5 vs 1.50), intervals differ by how they are written ('1 day' vs '24
   * hours'), JSON compares by text. Types are the columns' introspected ColumnInfo (whose
   * `equality` says where the type's own equality is exact) or their `dataType`s alone (then
   * only well-known built-in types compare natively; every other type by its text).
   */
  distinct(left: string, right: string, leftType: ComparedType, rightType: ComparedType): string;
  /**
   * Like `distinct`, but two numeric columns of different types (a column retyped int →
   * numeric(10,2) since the backup) compare as numbers: 20 equals 20.00, 20.5 differs from 21.
   * What merge's verify uses to check a written value against the backup's.
   */
  distinctValue(left: string, right: string, leftType: string, rightType: string): string;
  /** What a column type (its `dataType`) holds: see TypeFamily. */
  typeFamily(dataType: string): TypeFamily;
  /**
   * A boolean SQL expression: the key columns, in order, come after the given values (keyset
   * paging). `value(i)` returns the placeholder of the i-th value; it may be called more than once
   * per value, in the order the placeholders appear. `before`: come before them instead (paging
   * newest first). Either way an index on the columns serves it as one range.
   */
  keyAfter(columns: string[], value: (i: number) => string, before?: boolean): string;
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
  /**
   * Statements that bound every lock wait of a new session, whatever it runs (PostgreSQL
   * lock_timeout; MySQL lock_wait_timeout for metadata locks and innodb_lock_wait_timeout).
   */
  sessionLockTimeouts(seconds: number): string[];
  /**
   * When `err` (or its cause) is a lock wait that ran out of time: the tables the error names
   * (PostgreSQL: "while locking tuple … in relation"), possibly none. Otherwise null.
   */
  lockTimeout(err: unknown): { tables: string[] } | null;
  /**
   * Other sessions than `exclude` that hold locks on `tables` (`schema.name` or bare names), or
   * table-level locks strong enough to block readers and writers anywhere in this database;
   * the likeliest blocker first.
   */
  lockHolders(db: Queryable, options: { tables: string[]; exclude: number[] }): Promise<LockHolder[]>;
  /**
   * crm-rescue's own lock on `name`, for the rest of the current transaction (PostgreSQL
   * pg_advisory_xact_lock, bounded by the transaction's lock_timeout) or until released (MySQL
   * GET_LOCK, waiting at most `seconds`). False when the wait timed out; the transaction stays usable.
   */
  takeNamedLock(db: Queryable, name: string, seconds: number): Promise<boolean>;
  /** Releases a lock of takeNamedLock that outlives the transaction (MySQL); nothing on PostgreSQL. */
  releaseNamedLock(db: Queryable, name: string): Promise<void>;
  /** The session holding a lock of takeNamedLock, or null. */
  namedLockHolder(db: Queryable, name: string): Promise<LockHolder | null>;
  /** The user triggers of a table (not the engine's own foreign-key triggers). */
  tableTriggers(db: Queryable, table: { schema: string; name: string }): Promise<TriggerInfo[]>;
  /**
   * How the current transaction may skip the live tables' triggers (PostgreSQL
   * session_replication_role = replica, for a superuser or a role granted SET on it), or why not.
   */
  triggerBypass(db: Queryable): Promise<TriggerBypass>;
  /**
   * A statement that runs deferred constraint checks and deferred triggers now, inside the
   * transaction (PostgreSQL SET CONSTRAINTS ALL IMMEDIATE), or null when nothing is deferred.
   */
  readonly checkDeferredNow: string | null;
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
  /**
   * Refreshes the planner's statistics of one table (PostgreSQL `ANALYZE`, MySQL/MariaDB
   * `ANALYZE TABLE`); outside any transaction. Throws with the server's reason when it fails
   * (MySQL reports a failure as a result row, not an error: it is turned into one).
   */
  analyzeTable(db: Queryable, table: { schema: string; name: string }): Promise<void>;
  /** After explicit-key inserts: move sequences past the largest key (PostgreSQL); MySQL needs nothing. */
  fixSequences(db: Queryable, table: { schema: string; name: string; columns: { name: string; autoIncrement: boolean }[] }): Promise<void>;
  /**
   * What goes between `INSERT INTO t (cols)` and the SELECT that gives explicit values for
   * server-filled columns: PostgreSQL `OVERRIDING SYSTEM VALUE` (GENERATED ALWAYS AS IDENTITY
   * refuses them otherwise) when a written column is one; MySQL nothing.
   */
  insertOverriding(columns: { autoIncrement: boolean }[]): string;
  /** The server's version string, e.g. `15.19` or `10.11.19-MariaDB`. */
  serverVersion(db: Queryable): Promise<string>;
  /**
   * What identifies the server itself, whatever address reached it (a backup's manifest records
   * it, so a backup is never taken for another server's): PostgreSQL the cluster's
   * `system_identifier`, MySQL/MariaDB `@@hostname:@@port:@@server_id`. `value` is null when the
   * server will not say (a revoked function).
   */
  serverIdentity(db: Queryable): Promise<ServerIdentity>;
  /** Tables, columns, keys, foreign keys, estimates and sizes. */
  introspect(db: Queryable, options?: IntrospectOptions): Promise<SchemaSnapshot>;
  /** Which crm-rescue actions the connected user may perform. */
  privileges(db: Queryable): Promise<Privileges>;
}
