import {
  availableSources,
  catalogBackupProvider,
  deletionEvents,
  listIncidents,
  loadAuditContext,
  noSourceError,
  prepareSources,
  selectSources,
  timeline,
  type AuditContext,
  type AuditSource,
  type EventFilter,
} from '../audit/index.js';
import type { BucketSize, DeletionEvent, Incident, TimelineBucket } from '../audit/model.js';
import type { Db } from '../connect/open.js';
import { nowMs } from '../util/clock.js';
import { recoveryProvider } from './incident-recovery.js';
import { catalogDir } from '../util/paths.js';

const DAY_MS = 86_400_000;

/** A time range (ISO 8601 UTC): `since` inclusive, `until` exclusive. */
export interface TimeRange {
  since: string;
  until: string;
}

/** Which deletion events to read. */
export interface EventQuery {
  range?: TimeRange;
  /** A table name, exactly. */
  table?: string;
  /** An actor id or name, exactly. */
  user?: string;
}

/**
 * An incident as a person picks it: its one actor named (name, else id, else null), and its id
 * (null: unknown), by which its deletion events are read again (the wizard's targeted staging).
 */
export type IncidentSummary = Omit<Incident, 'actors'> & { actor: string | null; actorId?: string | null };

/** Deletions on one day. */
export interface DeletionDay {
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  /** Rows deleted that day, over all tables. */
  deletions: number;
  /** The tables with the most deletions that day, most first. */
  topTables: { table: string; count: number }[];
}

/** Who deleted what, when. */
export interface AuditServices {
  /** Deletions per bucket over a range, empty buckets included, oldest first. */
  timeline(range: TimeRange, bucket: BucketSize, query?: Omit<EventQuery, 'range'>): Promise<TimelineBucket[]>;
  /** How many events match (counted in the database). */
  countEvents(query: EventQuery & { range: TimeRange }): Promise<number>;
  /** Up to `limit` events, newest first, after the event whose cursor is `after` (null: from the newest). */
  events(query: EventQuery, after: string | null, limit: number): Promise<DeletionEvent[]>;
  /** Incidents, newest first, each with the backup to restore from. */
  incidents(options?: { range?: TimeRange; table?: string }): Promise<IncidentSummary[]>;
  /** The newest event's time, or null when nothing was ever deleted. */
  newestEvent(): Promise<string | null>;
}

/**
 * The audit as recovery reads it: the target's audit sources are found once (a database
 * without any makes every call fail with what to install), then every read is one query.
 */
export function auditServices(db: Db, env: NodeJS.ProcessEnv = process.env): AuditServices & { deletionSpikes(days: number): Promise<DeletionDay[]> } {
  let pending: Promise<{ ctx: AuditContext; sources: AuditSource[] }> | undefined;
  const load = () => {
    pending ??= auditSourcesOf(db).catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
  const filterOf = (q: EventQuery): EventFilter => ({ since: q.range?.since, until: q.range?.until, table: q.table || undefined, user: q.user || undefined });

  const service: AuditServices = {
    async timeline(range, bucket, query = {}) {
      const { ctx, sources } = await load();
      return timeline(db, ctx, sources, range, bucket, { table: query.table || undefined, user: query.user || undefined });
    },
    async countEvents(query) {
      const buckets = await service.timeline(query.range, 'day', query);
      return buckets.reduce((n, b) => n + b.hard + b.soft, 0);
    },
    async events(query, after, limit) {
      const { ctx, sources } = await load();
      const page = await deletionEvents(db, ctx, sources, { filter: filterOf(query), cursor: after, limit });
      return page.events.map((e): DeletionEvent => ({ ...e }));
    },
    async incidents(options = {}) {
      const { ctx, sources } = await load();
      const backups = await catalogBackupProvider(db.target, catalogDir(undefined, env));
      const recovered = recoveryProvider(db, ctx, sources);
      const found = await listIncidents(db, ctx, sources, {
        since: options.range?.since,
        until: options.range?.until,
        table: options.table,
        backups,
        recovered,
      });
      return found.map(summarizeIncident);
    },
    async newestEvent() {
      const [newest] = await service.events({}, null, 1);
      return newest?.time ?? null;
    },
  };

  return {
    ...service,
    /** Home's deletions per day; the top tables are read for the busiest day only. */
    async deletionSpikes(days) {
      const today = Math.floor(nowMs() / DAY_MS) * DAY_MS;
      const range = { since: new Date(today - (days - 1) * DAY_MS).toISOString(), until: new Date(today + DAY_MS).toISOString() };
      const buckets = await service.timeline(range, 'day');
      const out: DeletionDay[] = buckets.slice(-days).map((b) => ({ day: b.start.slice(0, 10), deletions: b.hard + b.soft, topTables: [] }));
      const busiest = [...out].sort((a, b) => b.deletions - a.deletions)[0];
      if (busiest && busiest.deletions > 0) {
        const start = Date.parse(`${busiest.day}T00:00:00Z`);
        const { ctx, sources } = await load();
        const incidents = await listIncidents(db, ctx, sources, {
          since: new Date(start).toISOString(),
          until: new Date(start + DAY_MS).toISOString(),
          minRows: 1,
          limit: 50,
        });
        const perTable = new Map<string, number>();
        for (const i of incidents) for (const t of i.tables) perTable.set(t.table, (perTable.get(t.table) ?? 0) + t.hard + t.soft);
        busiest.topTables = [...perTable.entries()]
          .map(([table, count]) => ({ table, count }))
          .sort((a, b) => b.count - a.count)
          .slice(0, 3);
      }
      return out;
    },
  };
}

/**
 * The target's audit context and the sources to read (`ids`, default every available one),
 * prepared (the binary log decoded into crm-rescue's table). A source named in `ids` that is
 * not available says why; a database without any audit source is a NoAuditSourceError that
 * says what to install. `notes`: sources left out because their preparation failed.
 */
export async function auditSourcesOf(
  db: Db,
  ids?: string[],
  options: { binlogFiles?: string[] } = {},
): Promise<{ ctx: AuditContext; sources: AuditSource[]; notes: string[] }> {
  const loaded = await loadAuditContext(db, { binlogFiles: options.binlogFiles });
  if (!ids?.length && availableSources(loaded).length === 0) throw noSourceError(loaded);
  const { ctx, sources } = selectSources(loaded, ids);
  const prepared = await prepareSources(db, ctx, sources, ids);
  return { ctx, ...prepared };
}

/** An incident with its first actor named. */
export function summarizeIncident(i: Incident): IncidentSummary {
  const actor = i.actors[0];
  return {
    id: i.id,
    window: i.window,
    actor: actor ? (actor.name ?? actor.id) : null,
    actorId: actor?.id ?? null,
    tables: i.tables.map((t) => ({ schema: t.schema, table: t.table, hard: t.hard, soft: t.soft })),
    rows: i.rows,
    sources: i.sources,
    backupBefore: i.backupBefore,
    ...(i.merge ? { merge: i.merge } : {}),
    ...(i.recovered ? { recovered: i.recovered } : {}),
  };
}
