import type { Db } from '../connect/open.js';
import type { TableInfo } from '../dialect/model.js';
import type { QualifiedName } from '../dialect/own-tables.js';
import type { KeyFilter } from './key-filter.js';

/**
 * Where staged rows come from. Staging does not care: a row source names its tables, gives each
 * one's definition and a stream of its rows (or builds the staged copy itself, faster, the way
 * its engine loads best), and says what it knows of time and origin. The stager
 * (stage-rows.ts) builds every copy under a temporary name, swaps it into the source's staging
 * namespace and records it in the namespace's marker; diff, merge, undo and the console then read
 * staging and never know which source filled it.
 *
 * Sources today: crm-rescue's catalog backups (sources/catalog-backup.ts) and its trigger-audit
 * log (sources/trigger-log.ts). To add one (a pg_dump or mysqldump file made by another tool,
 * rows read from a binary log or from dead tuples):
 * 1. write `sources/<name>.ts` exporting a function that opens it and returns a RowSource; its
 *    `id` names the staging namespace (a backup id, or a fixed word such as `audit-log`), so two
 *    sources never share one;
 * 2. give each SourceTable either `definition` + `rows` (the stager creates the table from the
 *    definition, INSERTs the rows in batches and adds the keys: any source that can decode rows
 *    works at once) or `load` (an engine-native path: COPY through psql, the mysql client, a
 *    server-side INSERT … SELECT), or both;
 * 3. let `openRowSource` (sources/index.ts) recognise how the user names it (`--backup REF`).
 * Every staging path (the `stage`, `diff` and `merge` verbs, the console) opens its source there
 * and stages through stageFromSource: nothing in recovery, diff, merge or the console changes.
 */
export interface RowSource {
  /** What the staging namespace is named after and its marker records: a backup id, `audit-log`. */
  readonly id: string;
  /**
   * The database its tables come from, as the source names it: tables in its default schema
   * (`public`, or the database itself on MySQL) are staged under their bare name.
   */
  readonly database: string;
  /** Time and origin, for messages, JSON output and manifests. */
  readonly about: RowSourceInfo;
  /**
   * The source gains rows as time passes (a log): a copy staged earlier misses what came since,
   * so its tables are staged again every time, even when the caller stages only what is missing.
   * A backup does not change: absent or false.
   */
  readonly grows?: boolean;
  /**
   * Reading the live tables may destroy what the source still holds (PostgreSQL's dead tuples:
   * a page read prunes them), so the first read is the most complete: once staged, diff and merge
   * keep the staged copy (a merge after its dry run must not swap it for what the dry run's reads
   * left), and only an explicit stage reads the source again. Said with why when a copy is kept.
   */
  readonly keepOnceStaged?: string;
  /**
   * The source's tables for names as the user writes them (`name`, `schema.name`, quoted), or a
   * UserError naming what the source holds.
   */
  find(names: string[]): Promise<SourceTable[]>;
  /** The source's copy of a live table (found by relations, not by name), or null when it has none. */
  forLive(table: QualifiedName): SourceTable | null;
}

/** What a source knows of time and origin. */
export interface RowSourceInfo {
  /** One line for messages: `backup 20261121T1500 (pg_dump 15.4)`, `trigger-audit log`. */
  description: string;
  /** The rows are as they were at this moment (ISO 8601), or null when they span time (a log). */
  takenAt: string | null;
  /** The newest change the source can know of (ISO 8601): a log's last entry, a backup's end; null when unknown. */
  coversUntil: string | null;
}

/** One table a source can stage. */
export interface SourceTable {
  /** The table as the source names it. */
  readonly schema: string;
  readonly name: string;
  /** The live table it is a copy of (on MySQL the target database, whatever the source called it). */
  readonly live: QualifiedName;
  /** Bytes the source reads for it, when known in advance (progress); null otherwise. */
  readonly bytes: number | null;
  /** The table's columns and keys (needed with `rows`). */
  definition?(): Promise<TableDefinition>;
  /** The table's rows, values in the order of `definition().columns`, streamed: never all in memory. */
  rows?(signal?: AbortSignal): AsyncIterable<unknown[]>;
  /** An engine-native way to build the staged copy; preferred over `rows` when present. */
  load?(into: LoadTarget): Promise<LoadedCopy>;
}

/** A table's definition as staging creates it: columns and keys, nothing that runs code. */
export interface TableDefinition {
  /** In the order rows give their values. `type` is spelled for the target's engine. */
  columns: { name: string; type: string; nullable: boolean }[];
  primaryKey: string[] | null;
  uniqueKeys: string[][];
}

/** Where and how a native load builds its copy. */
export interface LoadTarget {
  db: Db;
  /** The staging namespace (exists, and is ours). */
  namespace: string;
  /** A free name for the new copy inside the namespace; a load may build it elsewhere and say where. */
  temporaryName: string;
  /** Bytes of the source read so far, for progress. */
  onBytes: (bytes: number) => void;
  signal?: AbortSignal;
  /**
   * Targeted staging: only rows matching this filter are wanted. A load may leave other rows out
   * as it reads (see KeyFilter: never a row the filter's matcher accepts); it may also ignore it.
   * The stager narrows the copy exactly afterwards either way.
   */
  filter?: KeyFilter;
}

/** A copy a native load built, ready to be swapped in. */
export interface LoadedCopy {
  /** Where the new copy is. */
  table: QualifiedName;
  /** A place the previous copy may be moved to on the way out (same namespace as `table` or the staging one). */
  aside: QualifiedName;
  /** Its rows, or null to count them. */
  rows: number | null;
  /** Bytes of the source read, or null when the source is no file. */
  bytes: number | null;
  /** Removes whatever the load left behind (after the swap, or after a failure). */
  cleanup(): Promise<void>;
  /** What the copy leaves out and why, appended to the table's name in reports (starts with a space). */
  note?: string;
}

/**
 * A live table's definition as staging creates its copy (sources that read rows of the live
 * table's shape: the trigger log, dead tuples): its stored columns, its key, its unique keys.
 */
export function liveTableDefinition(t: TableInfo, primaryKey: string[] | null): TableDefinition {
  return {
    columns: t.columns.filter((c) => !c.generated).map((c) => ({ name: c.name, type: c.dataType, nullable: c.nullable })),
    primaryKey,
    uniqueKeys: t.uniqueKeys.map((k) => k.columns),
  };
}
