/**
 * The recovery half of the console's services: audit, backups, stage, diff and merge, as the
 * screens see them. Plain data and functions only; `services-recovery.ts` builds them from the
 * engine, and screen tests pass fakes. Times are ISO 8601 UTC strings.
 */
import type { ProgressEventLike } from './components/progress-text.js';
import type { DiffRowDetail } from '../diff/row-detail.js';

/** How long work reports progress and is cancelled. */
export interface ProgressOptions {
  onProgress?: (event: ProgressEventLike) => void;
  /** Aborting stops the work safely (a backup removes its partial files, staging keeps live untouched). */
  signal?: AbortSignal;
}

/** A time range: `since` inclusive, `until` exclusive. */
export interface TimeRange {
  since: string;
  until: string;
}

/** Bucket sizes of the deletion timeline. */
export type BucketSize = 'minute' | 'hour' | 'day';

/** Deletions in one bucket of the timeline. */
export interface TimelineBucket {
  /** Start of the bucket. */
  start: string;
  hard: number;
  soft: number;
}

/** Which deletion events to read. */
export interface EventQuery {
  range?: TimeRange;
  /** A table name, exactly. */
  table?: string;
  /** An actor id or name, exactly. */
  user?: string;
}

/** One deleted (or soft-deleted) row, as an audit source saw it. */
export interface AuditEvent {
  time: string;
  schema: string;
  table: string;
  /** The row's key: column → value. */
  key: Record<string, unknown>;
  actor: string | null;
  actorName: string | null;
  kind: 'hard' | 'soft';
  /** The audit source id (`demo-history`, `trigger-audit`, …). */
  source: string;
  /** The row as it was, when the source keeps it. */
  image: Record<string, unknown> | null;
  /** What else the source recorded. */
  details: unknown;
  /** Position for keyset paging: the next page starts after it. */
  cursor: string;
}

/** A burst of deletions by one actor: what the recovery wizard starts from. */
export interface IncidentSummary {
  id: string;
  window: { start: string; end: string };
  /** The actor's name, else id, else null when the source does not say. */
  actor: string | null;
  /** Rows per table, most first. */
  tables: { schema: string; table: string; hard: number; soft: number }[];
  rows: { total: number; hard: number; soft: number };
  sources: string[];
  /** The newest usable backup that started before the incident, or null. */
  backupBefore: { id: string; time: string } | null;
}

/** Who deleted what, when. */
export interface AuditServices {
  /** Deletions per bucket over a range, empty buckets included, oldest first. */
  timeline(range: TimeRange, bucket: BucketSize, query?: Omit<EventQuery, 'range'>): Promise<TimelineBucket[]>;
  /** How many events match (counted in the database). */
  countEvents(query: EventQuery & { range: TimeRange }): Promise<number>;
  /** Up to `limit` events, newest first, after the event whose cursor is `after` (null: from the newest). */
  events(query: EventQuery, after: string | null, limit: number): Promise<AuditEvent[]>;
  /** Incidents, newest first, each with the backup to restore from. */
  incidents(options?: { range?: TimeRange; table?: string }): Promise<IncidentSummary[]>;
  /** The newest event's time, or null when nothing was ever deleted. */
  newestEvent(): Promise<string | null>;
}

/** One backup of the catalog. */
export interface BackupItem {
  id: string;
  status: 'ok' | 'failed' | 'incomplete' | 'running' | 'damaged';
  /** Only usable backups can be staged. */
  usable: boolean;
  startedAt: string;
  finishedAt: string | null;
  tables: number | null;
  bytes: number | null;
  rows: number | null;
  label: string | null;
  /** Why it failed or is damaged. */
  error: string | null;
}

/** One table of a backup. */
export interface BackupTable {
  /** `schema.name` as in the backup. */
  id: string;
  schema: string;
  name: string;
  /** Rows in the dump (estimated when `rowsEstimated`), or null. */
  rows: number | null;
  rowsEstimated: boolean;
  bytes: number;
  file: string;
}

/** A backup with its manifest, as the manifest view shows it. */
export interface BackupDetail extends BackupItem {
  path: string;
  target: string | null;
  serverVersion: string | null;
  /** `pg_dump 15.4`. */
  tool: string | null;
  layout: string | null;
  compress: string | null;
  durationSeconds: number | null;
  tableList: BackupTable[];
  restoreTest: { at: string; ok: boolean; durationSeconds: number; mismatches: number; error?: string } | null;
}

/** The outcome of verifying a backup. */
export interface VerifyOutcome {
  id: string;
  ok: boolean;
  filesChecked: number;
  bytesChecked: number;
  problems: { file: string; problem: string }[];
}

/** The backup catalog of the target. */
export interface BackupServices {
  /** This target's backups, newest first (failed and interrupted ones too, never usable). */
  list(): Promise<BackupItem[]>;
  detail(id: string): Promise<BackupDetail>;
  /** Backs the whole target up into the catalog. */
  run(options?: ProgressOptions): Promise<BackupItem>;
  /** Checks every file of a backup against its manifest. */
  verify(id: string, options?: ProgressOptions): Promise<VerifyOutcome>;
}

/** A staging namespace and what it holds. */
export interface StagingSummary {
  namespace: string;
  backupId: string;
  createdAt: string;
  tables: { table: string; rows: number | null }[];
}

/** What staging did. */
export interface StageOutcome {
  backupId: string;
  namespace: string;
  tables: { table: string; rows: number | null; seconds: number; related: boolean }[];
}

/** Restoring tables of a backup into staging (never into live). */
export interface StageServices {
  /** The tables of a backup, and whether each is staged already. */
  backupTables(backupId: string): Promise<(BackupTable & { staged: boolean })[]>;
  /** Tables the backup holds that are related to these (parents and children), by `BackupTable.id`. */
  related(backupId: string, tables: string[]): Promise<string[]>;
  /** Stages the tables (ids), and their related ones when asked; tables already staged are kept. */
  run(request: { backupId: string; tables: string[]; withRelated: boolean }, options?: ProgressOptions): Promise<StageOutcome>;
  list(): Promise<StagingSummary[]>;
}

/** How a row differs between the backup (staged) and live. */
export type DiffClass = 'deleted' | 'soft-deleted' | 'changed' | 'added';

/** Rows per class. */
export interface DiffCounts {
  deleted: number;
  softDeleted: number;
  changed: number;
  added: number;
  unchanged: number;
}

/** One compared table. */
export interface DiffTable {
  /** `schema.name` of the live table. */
  id: string;
  /** The name as shown. */
  display: string;
  key: string[];
  columns: string[];
  /** The soft-delete column, when the CRM marks deleted rows. */
  softDelete: string | null;
  counts: DiffCounts;
}

/** One differing row, as the list shows it. */
export interface DiffRowView {
  class: DiffClass;
  /** Key column → value. */
  key: Record<string, unknown>;
  /** The key's values in key order: where the next page starts. */
  keyTuple: unknown[];
  /** The backup's values (deleted: every column; changed, soft-deleted: the changed ones). */
  before?: Record<string, unknown>;
  /** Live values (added: every column; changed, soft-deleted: the changed ones). */
  after?: Record<string, unknown>;
  changedColumns?: string[];
}

/** One row, column by column, in the backup and in live (the diff engine's). */
export type { DiffRowDetail };

/** A prepared comparison of some tables with one backup. */
export interface DiffSet {
  backupId: string;
  tables: DiffTable[];
  /** Tables that had to be staged first. */
  stagedNow: string[];
  /**
   * Rows of one class of one table in key order: those after the key `after` (null: from the
   * first), skipping `skip` more, at most `limit`. Only this page is read.
   */
  rows(table: string, cls: DiffClass, after: unknown[] | null, limit: number, skip?: number): Promise<DiffRowView[]>;
  /** One row in full, both sides. */
  row(table: string, keyTuple: unknown[]): Promise<DiffRowDetail>;
  /** Counts again (after a merge). */
  recount(): Promise<DiffTable[]>;
}

/** Staging against live. */
export interface DiffServices {
  /** Stages what is missing (cancellable), then counts every class of every table. */
  open(request: { backupId: string; tables: string[] }, options?: ProgressOptions): Promise<DiffSet>;
}

/** Rows of one table to bring back: whole classes, and single rows. */
export interface RowSelection {
  /** `DiffTable.id`. */
  table: string;
  /** Every row of these classes. */
  classes: DiffClass[];
  /** Single rows (of classes not selected whole). */
  keys: { class: DiffClass; key: Record<string, unknown> }[];
}

/** What to do with a row that conflicts. */
export type ConflictPolicy = 'abort' | 'skip' | 'overwrite';

/** One merge (one transaction) of a plan. */
export interface MergeStep {
  mergeId: string;
  /** The table the selection is about; related tables come along. */
  root: string;
  tables: { table: string; inserts: number; updates: number; skipped: number; conflicts: Record<string, number>; via: string }[];
  totals: { inserted: number; updated: number; skipped: number };
  /** The statements that write live, in order. */
  sql: string[];
  /** Why this merge cannot be applied as planned (conflicts under the abort policy), or null. */
  blocked: string | null;
  /** The first conflicting rows, when blocked. */
  conflictRows: { table: string; key: Record<string, unknown>; reason: string }[];
}

/** The result of applying a plan. */
export interface MergeOutcome {
  merges: (MergeStep & { applied: boolean; verify: { checked: number; mismatched: number } | null; durationSeconds: number })[];
  totals: { inserted: number; updated: number; skipped: number };
  verify: { checked: number; mismatched: number };
  /** A merge that failed (rolled back); merges before it stay committed. */
  failed: { root: string; error: string } | null;
}

/** A dry-run plan, ready to apply until closed. */
export interface MergePlan {
  database: string;
  backupId: string;
  policy: ConflictPolicy;
  /** One per transaction, parents first. */
  merges: MergeStep[];
  totals: { inserted: number; updated: number; skipped: number };
  /** Applies every merge in order, each in its own transaction; the rest stop at the first failure. */
  apply(onStep?: (index: number, count: number) => void): Promise<MergeOutcome>;
  /** Releases the plan (its selection tables and connections). */
  close(): Promise<void>;
}

/** One merge of the journal. */
export interface MergeRecordView {
  id: string;
  backupId: string;
  createdAt: string;
  state: 'applied' | 'undone' | 'partially-undone';
  tables: string[];
  totals: { inserted: number; updated: number; skipped: number } | null;
  dbUser: string;
}

/** What an undo did. */
export interface UndoView {
  mergeId: string;
  state: MergeRecordView['state'];
  tables: { table: string; deleted: number; restored: number; refused: number }[];
}

/** Plans, applies and undoes merges. */
export interface MergeServices {
  /** The database name a person types to confirm an apply or an undo. */
  database(): string;
  /** Dry-runs the selections (a real run, rolled back): nothing is written. */
  plan(request: { backupId: string; selections: RowSelection[]; policy: ConflictPolicy }, options?: ProgressOptions): Promise<MergePlan>;
  /** Every merge of this target, newest first. */
  list(): Promise<MergeRecordView[]>;
  undo(mergeId: string): Promise<UndoView>;
}
