import { createHash } from 'node:crypto';
import type { Db } from '../connect/open.js';
import { INCIDENT_DEFAULTS } from './constants.js';
import { activeStreams } from './events.js';
import type { BackupRef, EventFilter, Incident, IncidentRecovery } from './model.js';
import type { AuditContext, AuditSource } from './source.js';
import { pageQuery, type EventStream, type StreamPosition } from './stream.js';
import { displayIso, toMicroIso } from './time.js';

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
  /** Finds the merges that brought an incident's rows back. Default: none (recovered stays absent). */
  recovered?: RecoveryProvider;
}

/** The merges that brought an incident's rows back, or null when none did. */
export type RecoveryProvider = (incident: Incident) => Promise<IncidentRecovery | null>;

export { INCIDENT_DEFAULTS };

/**
 * Groups deletion events into incidents: bursts of one actor (or of unknown actors) whose
 * consecutive deletions are at most `gapMs` apart, with at least `minRows` rows. Events are
 * read newest first by keyset on each stream's time index (lean rows: time, table, actor; pages
 * growing from 1,000 to 20,000 events, streams merged by time) and cut into bursts on the way;
 * the walk stops as soon as `limit` incidents are complete, or at `since`. So the cost is
 * proportional to the events between `until` and the oldest incident returned (plus one gap),
 * whatever the size of the log, and memory holds only the bursts of actors active within the
 * last gap. (Grouping in SQL with window functions over widening windows read up to 8x more
 * events than needed and sorted each window by actor: 91 s for 20 incidents over 38 days of a
 * 5M-row log.)
 */
export async function listIncidents(db: Db, ctx: AuditContext, sources: AuditSource[], options: IncidentOptions = {}): Promise<Incident[]> {
  const found: Incident[] = [];
  for await (const incident of streamIncidents(db, ctx, sources, options)) found.push(incident);
  return found;
}

/**
 * listIncidents as a stream: each incident is yielded as soon as the walk has passed it by more
 * than one gap (nothing older can still join it, nothing found later is newer), with its
 * backup looked up. The newest incident arrives after reading about one gap of events past it,
 * however far back the `limit`-th lies: the CLI prints incidents as they come.
 */
export async function* streamIncidents(db: Db, ctx: AuditContext, sources: AuditSource[], options: IncidentOptions = {}): AsyncGenerator<Incident> {
  const gapMs = options.gapMs ?? INCIDENT_DEFAULTS.gapMs;
  const minRows = options.minRows ?? INCIDENT_DEFAULTS.minRows;
  const limit = options.limit ?? INCIDENT_DEFAULTS.limit;
  const filter: EventFilter = { table: options.table, user: options.user, since: options.since, until: options.until };
  const streams = activeStreams(ctx, sources, filter);
  if (streams.length === 0 || limit <= 0) return;
  let n = 0;
  for await (const batch of scanNewestFirst(db, ctx, streams, filter, gapMs, minRows, limit)) {
    for (const incident of batch) {
      if (options.backups) incident.backupBefore = await options.backups(incident.window.start).catch(() => null);
      // A source that holds the rows themselves (the binary log) says how to merge them back.
      const merge = sources.find((s) => s.mergeFor && incident.sources.includes(s.id))?.mergeFor?.(incident);
      if (merge) incident.merge = merge;
      const recovered = options.recovered ? await options.recovered(incident) : null;
      if (recovered) incident.recovered = recovered;
      yield incident;
      if (++n >= limit) return;
    }
  }
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

/** Rows of `pageQuery(…, lean)` newest first, with the source of each (one for all, or per row). */
interface EventBatch {
  rows: Record<string, unknown>[];
  source: string | string[];
}

const FIRST_PAGE = 1000;
const MAX_PAGE = 20_000;

/** `ev_time` as ISO with six fraction digits. */
const isoOf = (row: Record<string, unknown>): string => {
  const raw = String(row.ev_time);
  return raw.length === 27 ? raw : toMicroIso(raw);
};

/**
 * Every event of the streams newest first (time DESC, stream id ASC, order DESC: the order of
 * `audit deletions`), in batches of raw lean rows. Each stream is read by keyset from its own
 * last position, so no row is read twice; pages grow while the caller keeps asking.
 */
async function* leanEventBatches(db: Db, ctx: AuditContext, streams: EventStream[], filter: EventFilter): AsyncGenerator<EventBatch> {
  const states = streams.map((stream) => ({
    stream,
    buf: [] as Record<string, unknown>[],
    i: 0,
    pos: null as StreamPosition | null,
    done: false,
    size: FIRST_PAGE,
  }));
  const fill = async (st: (typeof states)[number]) => {
    const q = pageQuery(ctx.sql, st.stream, filter, st.pos ? { position: st.pos, rank: 0 } : null, st.size, true);
    st.buf = await db.query<Record<string, unknown>>(q.sql, q.params);
    st.done = st.buf.length < st.size;
    st.size = Math.min(MAX_PAGE, st.size * 2);
    st.i = 0;
    const last = st.buf[st.buf.length - 1];
    if (last) st.pos = { time: isoOf(last), order: st.stream.order.map((_, k) => last[`ev_o${k}`]) };
  };
  for (const st of states) await fill(st);
  for (;;) {
    const live = states.filter((st) => st.i < st.buf.length);
    if (live.length === 0) return;
    if (live.length === 1) {
      // One stream with rows (the usual case): its page as it is.
      const st = live[0];
      yield { rows: st.i === 0 ? st.buf : st.buf.slice(st.i), source: st.stream.source };
      st.i = st.buf.length;
    } else {
      // Merge until one buffer runs dry (ties: stream id order, as `states` is sorted).
      const rows: Record<string, unknown>[] = [];
      const source: string[] = [];
      for (;;) {
        let best: (typeof states)[number] | null = null;
        let bestIso = '';
        for (const st of live) {
          if (st.i >= st.buf.length) continue;
          const iso = isoOf(st.buf[st.i]);
          if (!best || iso > bestIso) [best, bestIso] = [st, iso];
        }
        if (!best) break;
        rows.push(best.buf[best.i++]);
        source.push(best.stream.source);
        if (best.i >= best.buf.length && !best.done) break;
      }
      yield { rows, source };
    }
    for (const st of states) if (st.i >= st.buf.length && !st.done) await fill(st);
  }
}

/** Microseconds since the epoch of an ISO time with six fraction digits (Date.parse once per second). */
function microsCache(): (iso: string) => number {
  let lastSecond = '';
  let lastMs = 0;
  return (iso) => {
    const second = iso.slice(0, 19);
    if (second !== lastSecond) {
      lastSecond = second;
      lastMs = Date.parse(`${second}Z`);
    }
    return lastMs * 1000 + Number(iso.slice(20, 26));
  };
}

/** Rows of one table and source within a burst. */
interface TableCount {
  sch: string;
  tbl: string;
  src: string;
  hard: number;
  soft: number;
}

/**
 * The newest `limit` incidents by reading events newest first and cutting bursts per actor on
 * the way. A burst is complete once the scan is more than `gapMs` older than its oldest event;
 * after each sweep every closed burst started later than any still open one, so the scan stops
 * as soon as `limit` incidents are closed. Memory: the bursts of actors active within the last
 * gap. Most events of a busy log are lone deletions: a burst keeps its first table inline and
 * allocates a list only for a second one (allocation, not SQL, was most of the scan's cost).
 */
async function* scanNewestFirst(
  db: Db,
  ctx: AuditContext,
  streams: EventStream[],
  filter: EventFilter,
  gapMs: number,
  minRows: number,
  limit: number,
): AsyncGenerator<Incident[]> {
  const gapMicros = gapMs * 1000;
  interface Open {
    id: number;
    actor: string | null;
    name: string | null;
    newest: string;
    oldest: string;
    oldestUs: number;
    count: number;
    first: TableCount;
    more: TableCount[] | null;
  }
  // Keyed by actor; null (unknown actor) is a key of its own.
  const open = new Map<string | null, Open>();
  let closed: BurstRow[] = [];
  let incidents = 0;
  let nextId = 0;
  const close = (key: string | null, b: Open) => {
    open.delete(key);
    if (b.count < minRows) return;
    incidents++;
    for (const g of b.more ? [b.first, ...b.more] : [b.first]) {
      closed.push({
        actor: b.actor,
        actor_name: b.name,
        burst: b.id,
        sch: g.sch,
        tbl: g.tbl,
        src: g.src,
        hard: g.hard,
        soft: g.soft,
        total: b.count,
        bs: b.oldest,
        be: b.newest,
      });
    }
  };
  const micros = microsCache();
  let sweptUs = Infinity;
  let exhausted = true;
  scan: for await (const batch of leanEventBatches(db, ctx, streams, filter)) {
    const { rows } = batch;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      const iso = isoOf(row);
      const us = micros(iso);
      if (sweptUs - us > gapMicros) {
        for (const [key, b] of open) if (b.oldestUs - us > gapMicros) close(key, b);
        sweptUs = us;
        // Every burst closed so far started more than a gap after `us`; every open or future
        // burst starts before that: these are final and newer than anything still to come.
        if (closed.length > 0) {
          yield assemble(closed);
          closed = [];
        }
        if (incidents >= limit) {
          exhausted = false;
          break scan;
        }
      }
      const actor = row.ev_actor === null || row.ev_actor === undefined ? null : String(row.ev_actor);
      const sch = String(row.ev_schema ?? '');
      const tbl = String(row.ev_table ?? '');
      const src = typeof batch.source === 'string' ? batch.source : batch.source[i];
      const soft = row.ev_kind === 'soft';
      let b = open.get(actor);
      if (b && b.oldestUs - us > gapMicros) {
        close(actor, b);
        b = undefined;
      }
      if (!b) {
        const name = row.ev_actor_name === null || row.ev_actor_name === undefined ? null : String(row.ev_actor_name);
        b = { id: ++nextId, actor, name, newest: iso, oldest: iso, oldestUs: us, count: 0, first: { sch, tbl, src, hard: 0, soft: 0 }, more: null };
        open.set(actor, b);
      } else if (b.name === null && row.ev_actor_name !== null && row.ev_actor_name !== undefined) b.name = String(row.ev_actor_name);
      b.oldest = iso;
      b.oldestUs = us;
      b.count++;
      let g: TableCount | undefined = b.first;
      if (g.tbl !== tbl || g.sch !== sch || g.src !== src) {
        g = b.more?.find((x) => x.tbl === tbl && x.sch === sch && x.src === src);
        if (!g) {
          g = { sch, tbl, src, hard: 0, soft: 0 };
          (b.more ??= []).push(g);
        }
      }
      if (soft) g.soft++;
      else g.hard++;
    }
  }
  if (exhausted) for (const [key, b] of open) close(key, b);
  if (closed.length > 0) yield assemble(closed);
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
  return `inc_${createHash('sha256')
    .update(`${actor ?? ''}\0${toMicroIso(startIso)}`)
    .digest('hex')
    .slice(0, 12)}`;
}
