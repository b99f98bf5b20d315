import type { Engine } from '../connect/target.js';
import type { Compression, DumpFormat, DumpWrapper, TakenAtSource } from '../external/model.js';
import type {
  AuditServices,
  BackupDetail as CatalogBackupDetail,
  BackupItem as CatalogBackupItem,
  BackupServices as CatalogBackupServices,
  DeletionDay,
  DiffServices,
  MergeServices,
  ProgressOptions,
  StageServices,
} from '../recovery/index.js';

/**
 * What the console asks of the engine. Screens and components see only this interface (never a
 * `Db`, never SQL): `tui/index.ts` builds it from the target's `Db`, and screen tests pass
 * fakes. Later modules plug in by adding optional members (`lastBackup`, `deletionSpikes`, …).
 */
export interface ConsoleServices {
  /** Target, server, CRM flavour, size and table count, for Home. */
  loadOverview(): Promise<Overview>;
  /** Every table of the target, sorted by name. */
  listTables(): Promise<TableSummary[]>;
  /** One table's columns, keys and relations; `id` is `TableSummary.id`. */
  tableDetail(id: string): Promise<TableDetail>;
  /** The newest complete backup of this target, or null when there is none. Absent until the backup module plugs in. */
  lastBackup?(): Promise<BackupSummary | null>;
  /** Deletions per day over the last `days` days, oldest first. Absent until the audit module plugs in. */
  deletionSpikes?(days: number): Promise<DeletionDay[]>;
  /** Who deleted what, when. Absent: the Audit screen says it is not available. */
  audit?: AuditServices;
  /** The backup catalog of this target. */
  backups?: BackupServices;
  /** Restoring tables of a backup into staging. */
  stage?: StageServices;
  /** Staging against live, row by row. */
  diff?: DiffServices;
  /** Plans, applies and undoes merges. */
  merge?: MergeServices;
  /**
   * The sources that need no backup (the binary log, dead tuples) and what each can give for a
   * loss: read from the server's settings and statistics, never by decoding the log.
   */
  noBackupSources?(loss: NoBackupQuery): Promise<NoBackupSource[]>;
  /** Files the console writes for the user (the plan's SQL). Absent: `w` says it is not available. */
  files?: FileServices;
}

/** Writing a text file the user names (a path field with Tab completion). */
export interface FileServices {
  /** The folder proposed for such files (`$CRM_RESCUE_HOME/sql`). */
  folder(): string;
  /** Completes a path like a shell's Tab (`~` is the home folder). */
  completePath(prefix: string): Promise<PathCompletion>;
  /** Writes `text` to `path` (`~` is the home folder; folders made as needed), mode 0600; returns the absolute path written. */
  writeText(path: string, text: string): Promise<string>;
}

/** The `--backup` names of the sources that need no backup. */
export type NoBackupRef = 'binlog' | 'dead-tuples';

/** A loss as the no-backup sources are asked about it. */
export interface NoBackupQuery {
  /** Affected tables, as the audit names them (`contacts`, `schema.name`). */
  tables: string[];
  /** The deletions' window (ISO 8601). */
  since: string;
  until: string;
}

/** A source that needs no backup, and what it can give for one loss. */
export interface NoBackupSource {
  ref: NoBackupRef;
  /** `binary log`, `dead tuples`. */
  name: string;
  /** It can give deleted rows of this loss back (as far as its settings and statistics tell). */
  available: boolean;
  /** One line: what it can give (`2,331 dead tuples of contacts still on disk, autovacuum paused`). */
  summary: string;
  /** Why it cannot, when not available. */
  reason: string | null;
}

export type {
  AuditServices,
  BackupTable,
  DeletionDay,
  DiffRowView,
  DiffServices,
  DiffSet,
  DiffTable,
  EventQuery,
  IncidentSummary,
  LossQuery,
  MergeOutcome,
  MergePlan,
  MergeRecordView,
  MergeServices,
  MergeStep,
  ProgressOptions,
  RowSelection,
  SourceWindow,
  StageOutcome,
  StageServices,
  StagingSummary,
  TargetedTable,
  TimeRange,
  UndoView,
  VerifyOutcome,
} from '../recovery/index.js';
export type { BucketSize, DeletionEvent as AuditEvent, TimelineBucket } from '../audit/model.js';
export type { DiffClass, DiffCounts } from '../diff/model.js';
export type { DiffRowDetail } from '../diff/row-detail.js';
export type { ConflictPolicy } from '../merge/model.js';

/** The Home screen's picture of the target. */
export interface Overview {
  /** The target as a URL without the password. */
  target: string;
  engine: 'postgres' | 'mysql';
  database: string;
  serverVersion: string;
  crm: {
    /** Flavour id: `suitecrm`, `generic`, … */
    flavour: string;
    /** Human name: "SuiteCRM / SugarCRM CE". */
    name: string;
    /** 0..1: how sure detection is. */
    confidence: number;
    /** Why this flavour was chosen. */
    evidence: string[];
  };
  totals: {
    tables: number;
    /** Tables plus indexes, in bytes. */
    bytes: number;
    /** Sum of the planner's row estimates. */
    rowEstimate: number;
  };
}

/** One row of the "Inspect tables" list. */
export interface TableSummary {
  /** Stable id: `schema.name`. */
  id: string;
  schema: string;
  name: string;
  /** The name as shown: `name`, or `schema.name` when several schemas are read. */
  display: string;
  /** The identifying key as text: `id`, `a,b (unique)`, or null when the table has none. */
  key: string | null;
  /** The planner's estimate; null when unknown. */
  rowEstimate: number | null;
  bytes: number;
  /** The soft-delete column, when the CRM marks deleted rows instead of removing them. */
  softDelete: string | null;
  /** A business entity of the CRM (accounts, contacts, …). */
  entity: boolean;
}

/** One column of a table, as the detail view shows it. */
export interface ColumnSummary {
  name: string;
  dataType: string;
  nullable: boolean;
  default: string | null;
  /** `PK` when part of the primary key, `UK` when part of a unique key, else empty. */
  keyRole: 'PK' | 'UK' | '';
}

/** A relation seen from one table. */
export interface RelationSummary {
  /** `parent`: this table points at `table`; `child`: `table` points at this one. */
  direction: 'parent' | 'child';
  /** The other table, as displayed. */
  table: string;
  /** This table's columns in the relation. */
  columns: string[];
  /** The other table's columns. */
  otherColumns: string[];
  /** Declared foreign key, or implied by the CRM flavour. */
  source: 'declared' | 'implied';
  /** ON DELETE rule or why the relation is believed. */
  note: string;
}

/** Everything the table detail view shows. */
export interface TableDetail {
  table: TableSummary;
  columns: ColumnSummary[];
  primaryKey: string[] | null;
  uniqueKeys: { name: string; columns: string[]; nullable: boolean }[];
  relations: RelationSummary[];
}

/** The newest backup, as Home shows it. */
export interface BackupSummary {
  id: string;
  /** When the dump finished (ISO 8601). */
  finishedAt: string;
  bytes?: number;
  tables?: number;
}

/** A backup of the catalog as the console lists it: crm-rescue's own, or a dump another tool made (`external`). */
export interface BackupItem extends CatalogBackupItem {
  /** Set for a dump imported from where it lies (pg_dump, mysqldump, mydumper, a CRM's backup page). */
  external?: ExternalBackupView;
}

/** A backup with its manifest (or, for an external one, what its import recorded). */
export interface BackupDetail extends CatalogBackupDetail {
  external?: ExternalBackupView;
}

/**
 * The backup catalog as the console uses it: the recovery API's, plus importing the dumps people
 * already have (absent members: the import key says it is not available).
 */
export interface BackupServices extends Omit<CatalogBackupServices, 'list' | 'detail' | 'run'> {
  list(): Promise<BackupItem[]>;
  detail(id: string): Promise<BackupDetail>;
  run(options?: ProgressOptions): Promise<BackupItem>;
  /** Imports dump files or folders by reference, all or none: cancelled or refused, nothing stays imported. */
  importPaths?(paths: string[], options?: ProgressOptions): Promise<ImportedBackup[]>;
  /** The path (`~` is the home folder) is a folder: Enter scans it rather than importing it. */
  isFolder?(path: string): Promise<boolean>;
  /** Every dump under a folder, newest first (nothing imported). */
  scanFolder?(dir: string, options?: ProgressOptions): Promise<FoundDump[]>;
  /** Completes a path like a shell's Tab (`~` is the home folder). */
  completePath?(prefix: string): Promise<PathCompletion>;
}

/** An external backup: where the dump is, what it is, and what was recorded when it was imported. */
export interface ExternalBackupView {
  /** The file or folder. */
  path: string;
  /** Members of containers opened to reach the dump (an Odoo zip's `dump.sql`), outermost first. */
  members: string[];
  engine: Engine;
  format: DumpFormat;
  wrapper: DumpWrapper;
  compression: Compression;
  databases: string[];
  /** When the dump was taken (ISO 8601), and what says so. */
  takenAt: string;
  takenAtSource: TakenAtSource;
  /** `pg_dump 15.19`, when the dump says. */
  tool: string | null;
  importedAt: string;
  /** The files were copied into the catalog (`--copy`). */
  copied: boolean;
  files: { path: string; bytes: number; sha256: string }[];
  /** The re-check before every use (size and modification time as at import): null when unchanged, else what changed. */
  changed: string | null;
}

/** One path imported. */
export interface ImportedBackup {
  /** The path as given. */
  path: string;
  item: BackupItem & { external: ExternalBackupView };
  /** The same bytes had been imported before: the earlier record. */
  existing: boolean;
}

/** A dump found under a folder, before import. */
export interface FoundDump {
  path: string;
  engine: Engine;
  format: DumpFormat;
  wrapper: DumpWrapper;
  compression: Compression;
  /** The database its first bytes name; null when they do not. */
  database: string | null;
  /** The newest modification time of its files (ISO 8601): the order of the list. */
  modifiedAt: string;
  bytes: number;
}

/** A path completed like a shell's Tab. */
export interface PathCompletion {
  /** The path extended as far as every candidate agrees (a folder ends with `/`). */
  completed: string;
  /** Names that match, folders ending with `/`, sorted; at most `limit`. */
  candidates: string[];
  /** Matches beyond `candidates`. */
  more: number;
}
