import {
  availableSources,
  catalogBackupProvider,
  deletionEvents,
  listIncidents,
  loadAuditContext,
  noSourceError,
  selectSources,
  timeline,
  type AuditContext,
  type AuditSource,
  type EventFilter,
  type Incident,
} from '../audit/index.js';
import type { Db } from '../connect/open.js';
import { catalogDir } from '../util/paths.js';
import type { DeletionDay } from './services.js';
import type { AuditEvent, AuditServices, EventQuery, IncidentSummary } from './services-types.js';
import { nowMs } from '../util/clock.js';

const DAY_MS = 86_400_000;

/**
 * The audit as the console reads it: the target's audit sources are found once (a database
 * without any makes every call fail with what to install), then every read is one query.
 */
export function auditServices(db: Db, env: NodeJS.ProcessEnv = process.env): AuditServices & { deletionSpikes(days: number): Promise<DeletionDay[]> } {
  let pending: Promise<{ ctx: AuditContext; sources: AuditSource[] }> | undefined;
  const load = () => {
    pending ??= (async () => {
      const ctx = await loadAuditContext(db);
      if (availableSources(ctx).length === 0) throw noSourceError(ctx);
      return selectSources(ctx);
    })().catch((err: unknown) => {
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
      return page.events.map((e): AuditEvent => ({ ...e }));
    },
    async incidents(options = {}) {
      const { ctx, sources } = await load();
      const backups = await catalogBackupProvider(db.target, catalogDir(undefined, env));
      const found = await listIncidents(db, ctx, sources, { since: options.range?.since, until: options.range?.until, table: options.table, backups });
      return found.map(toSummary);
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

function toSummary(i: Incident): IncidentSummary {
  const actor = i.actors[0];
  return {
    id: i.id,
    window: i.window,
    actor: actor ? (actor.name ?? actor.id) : null,
    tables: i.tables.map((t) => ({ schema: t.schema, table: t.table, hard: t.hard, soft: t.soft })),
    rows: i.rows,
    sources: i.sources,
    backupBefore: i.backupBefore,
  };
}
