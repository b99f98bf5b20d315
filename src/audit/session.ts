import type { Db } from '../connect/open.js';
import { availableSources, loadAuditContext, prepareSources, selectSources, type AuditContextOptions } from './context.js';
import { deletionEvents, type EventPageOptions } from './events.js';
import { adviseIndexes, type IndexAdvice } from './explain.js';
import { listIncidents, type BackupProvider, type IncidentOptions } from './incidents.js';
import type { BucketSize, EventFilter, EventPage, Incident, TimelineBucket } from './model.js';
import type { AuditContext, AuditSource } from './source.js';
import { timeline } from './timeline.js';

/** The audit of one database, ready for the console: context and sources loaded once. */
export interface AuditSession {
  ctx: AuditContext;
  sources: AuditSource[];
  /** One page of deletion events, newest first (pass `cursor` of the last one for the next). */
  events(options?: EventPageOptions): Promise<EventPage>;
  /** The newest incidents. */
  incidents(options?: IncidentOptions): Promise<Incident[]>;
  /** Deletions per bucket over a range. */
  timeline(range: { since: string; until: string }, bucket: BucketSize, filter?: Omit<EventFilter, 'since' | 'until'>): Promise<TimelineBucket[]>;
  /** Indexes the first page of events would need (EXPLAIN). */
  indexAdvice(filter?: EventFilter): Promise<IndexAdvice[]>;
}

/**
 * Loads the audit context of `db` and selects its sources (all available, or the named ones).
 * Null when the database has no audit source at all (show noSourceError's message then).
 */
export async function openAuditSession(
  db: Db,
  options: AuditContextOptions & { sources?: string[]; backups?: BackupProvider } = {},
): Promise<AuditSession | null> {
  const loaded = await loadAuditContext(db, options);
  if (availableSources(loaded).length === 0) return null;
  const selected = selectSources(loaded, options.sources);
  const ctx = selected.ctx;
  const { sources } = await prepareSources(db, ctx, selected.sources, options.sources);
  return {
    ctx,
    sources,
    events: (o) => deletionEvents(db, ctx, sources, o),
    incidents: (o) => listIncidents(db, ctx, sources, { backups: options.backups, ...o }),
    timeline: (range, bucket, filter) => timeline(db, ctx, sources, range, bucket, filter),
    indexAdvice: (filter) => adviseIndexes(db, ctx, sources, filter),
  };
}
