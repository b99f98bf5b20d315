import type { Db } from '../connect/open.js';
import type { CrmKnowledge, TableRef } from '../crm/flavour.js';
import type { SchemaSnapshot, TableInfo } from '../dialect/model.js';
import type { BucketSize, EventFilter, EventPage, TimelineBucket } from './model.js';
import type { AuditSql } from '../dialect/audit-sql.js';
import type { EventStream } from './stream.js';
import type { TriggerAuditState } from './trigger/state.js';
import type { BinlogAuditState } from './binlog/state.js';
import type { Incident, IncidentMerge } from './model.js';

/** Everything a source needs to decide whether it applies and to build its SQL. */
export interface AuditContext {
  sql: AuditSql;
  snapshot: SchemaSnapshot;
  knowledge: CrmKnowledge;
  /** crm-rescue's trigger audit on this database (log present, tables with triggers). */
  triggerAudit: TriggerAuditState;
  /** The target's binary log (MySQL/MariaDB; null on PostgreSQL, absent where not loaded). */
  binlog?: BinlogAuditState | null;
  /** Set by source selection: tables another selected source already records. */
  covered?: (table: TableRef) => boolean;
}

/**
 * One place where a CRM (or crm-rescue) records deletions. Each source is a small module that
 * says whether it applies to a database — by the CRM flavour and by the tables and columns that
 * are really there — and describes its relations as event streams; listing, timeline and
 * incidents are computed from those streams in the database.
 */
export interface AuditSource {
  /** `demo-history`, `soft-delete`, `trigger-audit`, … (the `--source` value). */
  readonly id: string;
  /** One line: what it reads. */
  describe(): string;
  /** Whether the database has this source. */
  available(snapshot: SchemaSnapshot, knowledge: CrmKnowledge, ctx: AuditContext): boolean;
  /** The source's relations as event streams (only when available). */
  streams(ctx: AuditContext): EventStream[];
  /** Tables whose deletions this source records, so the soft-delete source need not repeat them. */
  covers?(ctx: AuditContext, table: TableRef): boolean;
  /** What the source cannot see on this database, said plainly (or null). */
  caveat?(ctx: AuditContext): string | null;
  /** Why the source is not available on this database, in one line (asked for by name). */
  unavailable?(ctx: AuditContext): string | null;
  /**
   * Work before the streams can be read (the binary log is decoded into crm-rescue's own
   * table): run once per audit, after selection, on the read-only Db (it opens its own writer).
   */
  prepare?(db: Db, ctx: AuditContext, signal?: AbortSignal): Promise<void>;
  /** The merge that takes an incident with events of this source back, when the source holds the rows. */
  mergeFor?(incident: Incident): IncidentMerge | null;
  /** A page of this source's events, newest first. */
  events(db: Db, ctx: AuditContext, filter: EventFilter, cursor: string | null, limit: number): Promise<EventPage>;
  /** This source's deletions per bucket. */
  timeline(db: Db, ctx: AuditContext, range: { since: string; until: string }, bucket: BucketSize): Promise<TimelineBucket[]>;
}

/** The part of a source each module writes; `defineSource` adds events and timeline. */
export type SourceDefinition = Omit<AuditSource, 'events' | 'timeline'>;

/** The table the flavour names for an audit source kind (e.g. `demo-history`), if present. */
export function auditTableOf(ctx: { snapshot: SchemaSnapshot; knowledge: CrmKnowledge }, kind: string): TableInfo[] {
  return ctx.knowledge.auditSources
    .filter((s) => s.kind === kind)
    .map((s) => ctx.snapshot.tables.find((t) => t.schema === s.table.schema && t.name === s.table.name))
    .filter((t): t is TableInfo => t !== undefined);
}
