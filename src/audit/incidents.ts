import { createHash } from 'node:crypto';
import type { Db } from '../connect/open.js';
import { INCIDENT_DEFAULTS } from './constants.js';
import { activeStreams, deletionEvents } from './events.js';
import type { BackupRef, EventFilter, Incident } from './model.js';
import type { AuditContext, AuditSource } from './source.js';
import { edgeQuery, Params, unionPart, type EventStream } from './stream.js';
import { displayIso, isoToMs, toMicroIso } from './time.js';

/** Finds the newest backup taken before an instant; null when there is none or no catalog. */
export type BackupProvider = (beforeIso: string) => Promise<BackupRef | null>;

/** Options of the incident search. */
export interface IncidentOptions {
  /** A burst ends where the actor's next deletion is more than this far away. Default 5 min. */
  gapMs?: number;
  /** Bursts with fewer rows are not incidents. Default 20. */
  minRows?: number;
  /** Only events at or after this instant (ISO). Without it the search widens from `until` back. */
  since?: string;
  /** Only events before this instant (ISO, exclusive). Default: after the newest event. */
  until?: string;
  table?: string;
  user?: string;
  /** Newest incidents wanted. Default 20. */
  limit?: number;
  /** Looks up the backup to restore from. Default: none (backupBefore stays null). */
  backups?: BackupProvider;
}

export { INCIDENT_DEFAULTS };

/** The first window searched when no --since is given; each retry widens it eightfold. */
const FIRST_SPAN_MS = 3_600_000;

/**
 * Groups deletion events into incidents: bursts of one actor (or of unknown actors) whose
 * consecutive deletions are less than `gapMs` apart, with at least `minRows` rows. On
 * PostgreSQL the grouping runs in the database (LAG over the actor's events by time, a running
 * sum of the gaps that break bursts, then counts per burst and table), so only one row per burst
 * and table comes back; without `since`, it looks back from `until` in widening windows and stops
 * as soon as it has `limit` incidents whose start lies well inside the window (a burst that may
 * have begun before the window is looked at again with the next, wider one). On MySQL (see
 * AuditSql.burstsInSql) events are read newest first in keyset pages and cut into bursts on the
 * way, stopping once `limit` incidents are complete. Either way memory stays flat.
 */
export async function listIncidents(db: Db, ctx: AuditContext, sources: AuditSource[], options: IncidentOptions = {}): Promise<Incident[]> {
  const gapMs = options.gapMs ?? INCIDENT_DEFAULTS.gapMs;
  const minRows = options.minRows ?? INCIDENT_DEFAULTS.minRows;
  const limit = options.limit ?? INCIDENT_DEFAULTS.limit;
  const base: EventFilter = { table: options.table, user: options.user };
  const streams = activeStreams(ctx, sources, base);
  if (streams.length === 0) return [];
  let found: Incident[];
  if (!ctx.sql.burstsInSql) {
    found = await scanNewestFirst(db, ctx, sources, { ...base, since: options.since, until: options.until }, gapMs, minRows, limit);
  } else if (options.since) {
    found = await groupBursts(db, ctx, streams, { ...base, since: options.since, until: options.until }, gapMs, minRows);
  } else {
    const bounds = await eventBounds(db, ctx, streams, base, options.until);
    if (!bounds) return [];
    const untilMs = options.until ? isoToMs(options.until) : isoToMs(bounds.newest) + 1;
    const until = options.until ?? new Date(untilMs).toISOString();
    const oldestMs = isoToMs(bounds.oldest);
    for (let span = FIRST_SPAN_MS; ; span *= 8) {
      const windowStart = untilMs - span;
      const all = windowStart <= oldestMs;
      const since = all ? undefined : new Date(windowStart).toISOString();
      const batch = await groupBursts(db, ctx, streams, { ...base, since, until }, gapMs, minRows);
      found = all ? batch : batch.filter((i) => isoToMs(i.window.start) >= windowStart + gapMs);
      if (all || found.length >= limit) break;
    }
  }
  found = found.slice(0, limit);
  if (options.backups) {
    for (const incident of found) incident.backupBefore = await options.backups(incident.window.start).catch(() => null);
  }
  return found;
}

/** Oldest and newest event time of the streams (index order, one row each), or null when there are none. */
async function eventBounds(db: Db, ctx: AuditContext, streams: EventStream[], filter: EventFilter, until?: string): Promise<{ oldest: string; newest: string } | null> {
  let oldest: string | null = null;
  let newest: string | null = null;
  for (const s of streams) {
    for (const edge of ['oldest', 'newest'] as const) {
      const q = edgeQuery(ctx.sql, s, { ...filter, until }, edge);
      const [row] = await db.query<{ ev_time: string }>(q.sql, q.params);
      if (!row) continue;
      const t = toMicroIso(String(row.ev_time));
      if (edge === 'oldest' && (!oldest || t < oldest)) oldest = t;
      if (edge === 'newest' && (!newest || t > newest)) newest = t;
    }
  }
  return oldest && newest ? { oldest, newest } : null;
}

interface BurstRow {
  actor: string | null;
  actor_name: string | null;
  burst: unknown;
  sch: string | null;
  tbl: string | null;
  src: string;
  hard: unknown;
  soft: unknown;
  total: unknown;
  bs: string;
  be: string;
}

/** One grouping query over a time range; incidents newest first. */
async function groupBursts(db: Db, ctx: AuditContext, streams: EventStream[], filter: EventFilter, gapMs: number, minRows: number): Promise<Incident[]> {
  const sql = ctx.sql;
  const p = new Params((i) => sql.dialect.placeholder(i));
  const parts = streams.map((s) => unionPart(sql, s, filter, p));
  const gapMicros = Math.max(0, Math.round(gapMs * 1000));
  const tz = 'timestamp with time zone';
  // RANGE (not ROWS): events at the same instant are peers and get the same burst number, whatever
  // order the sort gave them; LAG marks exactly one of them as a break when the gap is large.
  const text = `WITH ev AS (${parts.join(' UNION ALL ')}),
  g AS (SELECT ev.*, LAG(ev.t) OVER (PARTITION BY ev.actor ORDER BY ev.t) AS prev FROM ev),
  b AS (SELECT g.*, SUM(CASE WHEN g.prev IS NULL OR ${sql.microsBetween('g.prev', 'g.t')} > ${gapMicros} THEN 1 ELSE 0 END)
          OVER (PARTITION BY g.actor ORDER BY g.t RANGE UNBOUNDED PRECEDING) AS burst FROM g),
  c AS (SELECT b.actor, b.burst, b.sch, b.tbl, b.src, MIN(b.actor_name) AS actor_name,
          SUM(CASE WHEN b.kind = 'hard' THEN 1 ELSE 0 END) AS hard, SUM(CASE WHEN b.kind = 'soft' THEN 1 ELSE 0 END) AS soft,
          MIN(b.t) AS s, MAX(b.t) AS e
        FROM b GROUP BY b.actor, b.burst, b.sch, b.tbl, b.src),
  d AS (SELECT c.*, SUM(c.hard + c.soft) OVER (PARTITION BY c.actor, c.burst) AS total,
          MIN(c.s) OVER (PARTITION BY c.actor, c.burst) AS bs0, MAX(c.e) OVER (PARTITION BY c.actor, c.burst) AS be0 FROM c)
  SELECT d.actor, d.actor_name, d.burst, d.sch, d.tbl, d.src, d.hard, d.soft, d.total,
         ${sql.timeText('d.bs0', tz)} AS bs, ${sql.timeText('d.be0', tz)} AS be
  FROM d WHERE d.total >= ${Math.max(1, Math.floor(minRows))}
  ORDER BY d.bs0 DESC, d.actor, d.burst`;
  const rows = await db.query<BurstRow>(text, p.values);
  return assemble(rows);
}

/** Events per page of the newest-first scan. */
const SCAN_PAGE = 5000;

/**
 * The newest `limit` incidents by reading events newest first, page by page (keyset pages in
 * index order, merged across sources), and cutting bursts per actor on the way. A burst is
 * complete once the scan is more than `gapMs` older than its oldest event; after each sweep every
 * closed burst started later than any still open one, so the scan stops as soon as `limit`
 * incidents are closed. Memory: the bursts of actors active within the last gap.
 */
async function scanNewestFirst(
  db: Db,
  ctx: AuditContext,
  sources: AuditSource[],
  filter: EventFilter,
  gapMs: number,
  minRows: number,
  limit: number,
): Promise<Incident[]> {
  const gapMicros = gapMs * 1000;
  interface Open {
    id: number;
    actor: string | null;
    name: string | null;
    newest: string;
    oldest: string;
    oldestUs: number;
    count: number;
    groups: Map<string, BurstRow>;
  }
  const open = new Map<string, Open>();
  const closed: BurstRow[] = [];
  let incidents = 0;
  let nextId = 0;
  const close = (key: string, b: Open) => {
    open.delete(key);
    if (b.count < minRows) return;
    incidents++;
    for (const g of b.groups.values()) closed.push({ ...g, actor_name: b.name, total: b.count, bs: b.oldest, be: b.newest });
  };
  let sweptUs = Infinity;
  let cursor: string | null = null;
  scan: for (;;) {
    const page = await deletionEvents(db, ctx, sources, { filter, cursor, limit: SCAN_PAGE, images: false, details: false });
    for (const e of page.events) {
      const iso = e.time;
      const us = microsOf(iso);
      if (sweptUs - us > gapMicros) {
        for (const [key, b] of open) if (b.oldestUs - us > gapMicros) close(key, b);
        sweptUs = us;
        if (incidents >= limit) break scan;
      }
      const actorKey = e.actor === null ? '\u0000' : `=${e.actor}`;
      let b = open.get(actorKey);
      if (b && b.oldestUs - us > gapMicros) {
        close(actorKey, b);
        b = undefined;
      }
      if (!b) {
        b = { id: ++nextId, actor: e.actor, name: null, newest: iso, oldest: iso, oldestUs: us, count: 0, groups: new Map() };
        open.set(actorKey, b);
      }
      b.oldest = iso;
      b.oldestUs = us;
      b.count++;
      b.name ??= e.actorName;
      const key = `${e.schema}\u0000${e.table}\u0000${e.source}`;
      let g = b.groups.get(key);
      if (!g) {
        g = { actor: e.actor, actor_name: null, burst: b.id, sch: e.schema, tbl: e.table, src: e.source, hard: 0, soft: 0, total: 0, bs: '', be: '' };
        b.groups.set(key, g);
      }
      if (e.kind === 'soft') g.soft = Number(g.soft) + 1;
      else g.hard = Number(g.hard) + 1;
    }
    if (!page.next) {
      for (const [key, b] of open) close(key, b);
      break;
    }
    cursor = page.next;
  }
  return assemble(closed).slice(0, limit);
}

/** Microseconds since the epoch of an ISO time with up to six fraction digits. */
function microsOf(iso: string): number {
  const micro = toMicroIso(iso);
  return Date.parse(`${micro.slice(0, 19)}Z`) * 1000 + Number(micro.slice(20, 26));
}

/** Per-burst, per-table rows → incidents, newest first. */
function assemble(rows: BurstRow[]): Incident[] {
  const byBurst = new Map<string, Incident>();
  for (const r of rows) {
    const id = `${r.actor ?? '\0'}\u0001${String(r.burst)}`;
    let incident = byBurst.get(id);
    if (!incident) {
      const start = displayIso(r.bs);
      incident = {
        id: incidentId(r.actor, start),
        window: { start, end: displayIso(r.be) },
        actors: [{ id: r.actor, name: r.actor_name }],
        tables: [],
        rows: { total: 0, hard: 0, soft: 0 },
        sources: [],
        backupBefore: null,
      };
      byBurst.set(id, incident);
    }
    const hard = Number(r.hard);
    const soft = Number(r.soft);
    const existing = incident.tables.find((t) => t.schema === (r.sch ?? '') && t.table === (r.tbl ?? ''));
    if (existing) {
      existing.hard += hard;
      existing.soft += soft;
    } else incident.tables.push({ schema: r.sch ?? '', table: r.tbl ?? '', hard, soft });
    incident.rows.hard += hard;
    incident.rows.soft += soft;
    incident.rows.total += hard + soft;
    if (!incident.sources.includes(r.src)) incident.sources.push(r.src);
    if (!incident.actors[0].name && r.actor_name) incident.actors[0].name = r.actor_name;
  }
  const out = [...byBurst.values()];
  for (const i of out) {
    i.tables.sort((a, b) => b.hard + b.soft - (a.hard + a.soft) || a.table.localeCompare(b.table));
    i.sources.sort();
  }
  return out.sort((a, b) => (toMicroIso(b.window.start) < toMicroIso(a.window.start) ? -1 : toMicroIso(b.window.start) > toMicroIso(a.window.start) ? 1 : 0));
}

/** `inc_` + 12 hex of sha256(actor, start): the same burst gets the same id on every run. */
export function incidentId(actor: string | null, startIso: string): string {
  return `inc_${createHash('sha256').update(`${actor ?? ''}\0${toMicroIso(startIso)}`).digest('hex').slice(0, 12)}`;
}
