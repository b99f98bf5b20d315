import type { ColumnType, DialectAdapter, QueryCompiler, RawBuilder } from 'kysely';
import type { Queryable } from './queryable.js';

/**
 * crm-rescue's own tables, declared once for Kysely: the merge journal (in the internal
 * namespace), the marker of every staging namespace, and the trigger-audit log. Their columns
 * are the same on both engines (sql/merge/<engine>/journal.sql, sql/audit/<engine>/install.sql,
 * stage/namespace.ts); only types and defaults are spelled differently. Tables are named without
 * a schema here: queries name theirs with `withSchema(namespace)`.
 *
 * Timestamps come back as text: both drivers are set to keep the server's spelling.
 */
export interface OwnTables {
  merges: MergesTable;
  merge_outcomes: MergeOutcomesTable;
  _crm_rescue_staging: StagingMarkerTable;
  audit_log: AuditLogTable;
  audit_triggers: AuditTriggersTable;
}

/** A timestamp column written with the server's own clock (`OwnTablesSql.now`), never a client value. */
type ServerTime = ColumnType<string, RawBuilder<string>, RawBuilder<string>>;
type NullableServerTime = ColumnType<string | null, RawBuilder<string> | undefined, RawBuilder<string>>;

/** The journal's header row of one merge. */
export interface MergesTable {
  id: string;
  backup_id: string;
  target_database: string;
  created_at: ColumnType<string, never, never>;
  finished_at: NullableServerTime;
  db_user: ColumnType<string, RawBuilder<string>, never>;
  os_user: string | null;
  client_host: string | null;
  policy: string;
  state: string;
  tables_json: string;
  totals_json: string | null;
  undone_at: NullableServerTime;
  undo_json: string | null;
}

/** One row's outcome of a merge (see merge/engine.ts recordOutcomes). */
export interface MergeOutcomesTable {
  merge_id: string;
  seq: ColumnType<number, never, never>;
  table_name: string;
  row_key: string;
  outcome: string;
  reason: string | null;
}

/**
 * The marker table of a staging namespace: one `namespace` row (the backup or source it holds)
 * and one `table` row per staged table, with a `keys` row beside a targeted copy's (what it holds).
 */
export interface StagingMarkerTable {
  kind: 'namespace' | 'table' | 'keys';
  backup_id: string;
  database_name: string;
  table_schema: ColumnType<string, string | undefined, string>;
  table_name: ColumnType<string, string | undefined, string>;
  staged_as: ColumnType<string, string | undefined, string>;
  rows_loaded: ColumnType<number | string | null, number | null | undefined, number | null>;
  bytes: ColumnType<number | string | null, number | null | undefined, number | null>;
  staged_at: ServerTime;
}

/**
 * One row of the trigger-audit log, written by the triggers only (read by src/audit). JSON
 * columns (json on PostgreSQL, longtext on MySQL) come back as their text.
 */
export interface AuditLogTable {
  id: ColumnType<number | string, never, never>;
  logged_at: ColumnType<string, never, never>;
  table_schema: string;
  table_name: string;
  operation: string;
  row_key: string | null;
  old_row: string;
  old_row_layout: number | null;
  db_user: string | null;
  app_user: string | null;
  txid: ColumnType<number | string | null, never, never>;
}

/** One trigger the trigger audit installed (see src/audit/trigger). */
export interface AuditTriggersTable {
  table_schema: string;
  table_name: string;
  trigger_name: string;
  operation: string;
  /** JSON array of the key columns, as text. */
  key_columns: string;
  installed_at: string;
  installed_by: string;
}

/** What differs between the engines for crm-rescue's own tables and namespaces (part of Dialect). */
export interface OwnTablesSql {
  /** The current time as the journal's timestamp columns take it (PostgreSQL now(), MySQL CURRENT_TIMESTAMP(6)). */
  readonly now: string;
  /** The current time in UTC, for the staging markers (PostgreSQL now(), MySQL UTC_TIMESTAMP(6)). */
  readonly nowUtc: string;
  /** The connected user as the server names it (PostgreSQL current_user, MySQL CURRENT_USER()). */
  readonly currentUser: string;
  /** A timestamp column type with microseconds (PostgreSQL timestamptz, MySQL datetime(6)). */
  readonly timestampType: string;
  /** What a namespace is, in messages: a `schema` (PostgreSQL) or a `database` (MySQL). */
  readonly namespaceKind: 'schema' | 'database';
  /** Kysely's adapter and query compiler for this engine (given the lazily loaded module). */
  kysely(k: typeof import('kysely')): { adapter: DialectAdapter; compiler: QueryCompiler };
  /**
   * The schema a table of `database` is in when its name is not qualified: PostgreSQL `public`,
   * MySQL the database itself.
   */
  defaultSchema(database: string): string;
  /** Does a schema (PostgreSQL) / database (MySQL) of this name exist? */
  namespaceExists(db: Queryable, namespace: string): Promise<boolean>;
  /** Does a table of this name exist in the namespace? */
  tableExists(db: Queryable, namespace: string, table: string): Promise<boolean>;
  /** Namespaces whose name matches a LIKE pattern, sorted. */
  namespacesLike(db: Queryable, pattern: string): Promise<string[]>;
  /** The tables of these namespaces. */
  tablesIn(db: Queryable, namespaces: string[]): Promise<{ namespace: string; table: string }[]>;
  /**
   * Moves a newly built table `from` over `to`, whose previous copy (if any) goes: PostgreSQL
   * drops it and renames `from` (DDL is transactional: the caller's transaction makes it one
   * step); MySQL moves both in one atomic RENAME TABLE, the old copy to `aside`, which the caller
   * drops afterwards. `from` and `to` are in the same namespace on PostgreSQL.
   */
  replaceTable(db: Queryable, from: QualifiedName, to: QualifiedName, aside: QualifiedName): Promise<void>;
}

/** A table by namespace and name. */
export interface QualifiedName {
  schema: string;
  name: string;
}
