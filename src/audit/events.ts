import type { Db } from '../connect/open.js';
import { UsageError } from '../errors.js';
import type { DeletionEvent, EventFilter, EventPage } from './model.js';
import type { AuditContext, AuditSource } from './source.js';
import { decodeCursor, encodeCursor, pageQuery, streamExcluded, type EventStream } from './stream.js';
import { displayIso, toMicroIso } from './time.js';
import { parseJsonExact } from '../util/json-exact.js';

/** Options of a page of deletion events. */
export interface EventPageOptions {
  filter?: EventFilter;
  /** The `cursor` of the last event of the previous page. */
  cursor?: string | null;
  /** Events per page. Default 50. */
  limit?: number;
  /** Include row images (they can be large). Default true. */
  images?: boolean;
  /** Include the sources' details. Default true. */
  details?: boolean;
}

/** The streams of some sources that a filter leaves in play, in cursor order. */
export function activeStreams(ctx: AuditContext, sources: AuditSource[], filter: EventFilter = {}): EventStream[] {
  return sources
    .flatMap((s) => s.streams(ctx))
    .filter((s) => !streamExcluded(s, filter))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * One page of deletion events of the given sources, newest first, keyset-paginated: every
 * stream is read in its own index order from the cursor on (`time, id` of the last event), and
 * the streams are merged by time. The first page costs one short index range scan per stream.
 */
export async function deletionEvents(db: Db, ctx: AuditContext, sources: AuditSource[], options: EventPageOptions = {}): Promise<EventPage> {
  const filter = options.filter ?? {};
  const limit = Math.max(1, Math.floor(options.limit ?? 50));
  const after = options.cursor ? decodeCursor(options.cursor) : null;
  if (options.cursor && !after) throw new UsageError('--cursor is not a cursor printed by crm-rescue', 'Pass the cursor value of the last event of a page');
  const streams = activeStreams(ctx, sources, filter).map((s) => ({
    ...s,
    ...(options.images === false && { image: null }),
    ...(options.details === false && { details: null }),
  }));
  const pages = await Promise.all(
    streams.map(async (stream) => {
      const rank = !after ? 0 : stream.id < after.stream ? -1 : stream.id > after.stream ? 1 : 0;
      const q = pageQuery(ctx.sql, stream, filter, after ? { position: after.position, rank } : null, limit);
      const rows = await db.query<Record<string, unknown>>(q.sql, q.params);
      return { stream, rows };
    }),
  );
  const merged: { time: string; stream: EventStream; index: number; row: Record<string, unknown> }[] = [];
  let maybeMore = false;
  for (const { stream, rows } of pages) {
    if (rows.length >= limit) maybeMore = true;
    rows.forEach((row, index) => merged.push({ time: toMicroIso(String(row.ev_time)), stream, index, row }));
  }
  merged.sort((a, b) =>
    a.time !== b.time ? (a.time < b.time ? 1 : -1) : a.stream.id !== b.stream.id ? (a.stream.id < b.stream.id ? -1 : 1) : a.index - b.index,
  );
  const taken = merged.slice(0, limit);
  if (merged.length > limit) maybeMore = true;
  const events = taken.map((m) => toEvent(m.stream, m.row, m.time));
  return { events, next: maybeMore && events.length > 0 ? events[events.length - 1].cursor : null };
}

/** Every event of the sources, page after page (memory stays flat). */
export async function* streamDeletionEvents(
  db: Db,
  ctx: AuditContext,
  sources: AuditSource[],
  options: EventPageOptions & { max?: number } = {},
): AsyncGenerator<DeletionEvent> {
  let cursor = options.cursor ?? null;
  let left = options.max ?? Infinity;
  while (left > 0) {
    const page = await deletionEvents(db, ctx, sources, { ...options, cursor, limit: Math.min(options.limit ?? 500, left) });
    for (const e of page.events) yield e;
    left -= page.events.length;
    if (!page.next) return;
    cursor = page.next;
  }
}

/** JSON text from the server, numbers a JS number cannot hold exactly kept as text (keys above 2^53). */
function parseJson(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') return value;
  try {
    return parseJsonExact(value);
  } catch {
    return value;
  }
}

function toEvent(stream: EventStream, row: Record<string, unknown>, microTime: string): DeletionEvent {
  const order = stream.order.map((_, i) => row[`ev_o${i}`]);
  let key: Record<string, unknown>;
  if ('json' in stream.rowKey) {
    const parsed = parseJson(row.ev_key);
    const obj = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : { key: parsed };
    // Key values are text whatever the source, as the columns' text casts give them elsewhere.
    key = Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, v === null ? null : typeof v === 'object' ? JSON.stringify(v) : String(v)]));
  } else {
    key = Object.fromEntries(stream.rowKey.columns.map((c, i) => [c, row[`ev_k${i}`] ?? null]));
  }
  const image = parseJson(row.ev_image);
  const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
  const event = {
    time: displayIso(microTime),
    schema: String(row.ev_schema ?? ''),
    table: String(row.ev_table ?? ''),
    key,
    actor: str(row.ev_actor),
    actorName: str(row.ev_actor_name),
    kind: row.ev_kind === 'soft' ? 'soft' : 'hard',
    source: stream.source,
    image: image && typeof image === 'object' ? (image as Record<string, unknown>) : null,
    details: stream.detailsJson ? parseJson(row.ev_details) : (row.ev_details ?? null),
  } as Omit<DeletionEvent, 'cursor'> as DeletionEvent;
  // Computed when read (JSON output reads it): scanning millions of events needs none of them.
  let cursor: string | undefined;
  Object.defineProperty(event, 'cursor', { enumerable: true, get: () => (cursor ??= encodeCursor(stream.id, { time: microTime, order })) });
  return event;
}
