/**
 * The audit model: what a deletion event, a page of them, a timeline bucket and an incident are.
 * Every time is an ISO 8601 UTC string (`2026-05-01T16:42:07.123Z`, microseconds when the
 * source has them).
 */

/** A hard delete removed the row; a soft delete marked it (deleted=1, deletedAt, active=false). */
export type DeletionKind = 'hard' | 'soft';

/** One row that went away, as an audit source saw it. */
export interface DeletionEvent {
  /** When (ISO 8601 UTC). */
  time: string;
  /** PostgreSQL schema or MySQL database of the table (the CRM's, not the audit table's). */
  schema: string;
  /** The table the row belonged to (for CRM logs that name modules, the module's table). */
  table: string;
  /** The row's key: column → value (values as text). */
  key: Record<string, unknown>;
  /** Who: the CRM user id, database user or application user; null when the source does not say. */
  actor: string | null;
  /** The actor's name when the source can resolve it (user_name, login). */
  actorName: string | null;
  kind: DeletionKind;
  /** The audit source id (`demo-history`, `trigger-audit`, `soft-delete`, …). */
  source: string;
  /** The row as it was, when the source keeps it (trigger audit, soft-deleted rows, Twenty). */
  image: Record<string, unknown> | null;
  /** Anything else the source recorded (change sets, labels), as it stored it. */
  details: unknown;
  /** Position for keyset pagination: pass `cursor` of the last event to get the next page. */
  cursor: string;
}

/** What to list. Times are ISO 8601 UTC; since is inclusive, until exclusive. */
export interface EventFilter {
  since?: string;
  until?: string;
  /** A table name (as events report it). */
  table?: string;
  /** An actor id or name. */
  user?: string;
}

/** One page of events, newest first. */
export interface EventPage {
  events: DeletionEvent[];
  /** Cursor of the last event when more may follow, else null. */
  next: string | null;
}

/** Bucket sizes of the timeline. */
export type BucketSize = 'minute' | 'hour' | 'day';

/** Deletions in one bucket. */
export interface TimelineBucket {
  /** Start of the bucket (ISO 8601 UTC). */
  start: string;
  hard: number;
  soft: number;
}

/** Rows of one table in an incident. */
export interface IncidentTable {
  schema: string;
  table: string;
  hard: number;
  soft: number;
}

/** The newest backup older than an incident, from the backup catalog. */
export interface BackupRef {
  id: string;
  /** When the backup was taken (ISO 8601 UTC). */
  time: string;
}

/** A burst of deletions by one actor: what the recovery wizard starts from. */
export interface Incident {
  /** Stable id: a hash of actor and start. */
  id: string;
  window: { start: string; end: string };
  /** The actor (one per incident today; a list so merged incidents fit later). */
  actors: { id: string | null; name: string | null }[];
  /** Rows per table, most rows first. */
  tables: IncidentTable[];
  rows: { total: number; hard: number; soft: number };
  /** Audit sources the events came from. */
  sources: string[];
  /** The newest backup taken before the incident started, or null (none, or no catalog). */
  backupBefore: BackupRef | null;
  /** How to merge the rows back without a backup, when a source of the incident holds them (the binary log). */
  merge?: IncidentMerge;
  /** Merges (applied, not undone) that brought its deleted rows back; absent when none did. */
  recovered?: IncidentRecovery;
}

/**
 * An incident whose deleted rows merges brought back: of its deleted rows that have a key, how
 * many an applied merge (not undone) inserted or updated after the incident began.
 */
export interface IncidentRecovery {
  /** `all`: every deleted row with a key is back; `some`: only part of them. */
  extent: 'all' | 'some';
  /** The merges that brought them back, oldest first. */
  mergeIds: string[];
  /** Rows brought back. */
  rows: number;
  /** Deleted rows of the incident that have a key (each key once). */
  of: number;
  /** What lists show: `recovered by mrg_…`, or `partly recovered by mrg_… (3 of 10 rows)`. */
  mark: string;
}

/** A merge that needs no backup: `--backup <backup> --since <since> --until <until>`, per table. */
export interface IncidentMerge {
  /** What `--backup` names: `binlog`. */
  backup: string;
  /** The window (ISO 8601 UTC), as the source reads it. */
  since: string;
  until: string;
  /** One command line per table of the incident. */
  commands: string[];
}
