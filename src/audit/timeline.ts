import type { Db } from '../connect/open.js';
import { UsageError } from '../errors.js';
import { activeStreams } from './events.js';
import type { BucketSize, EventFilter, TimelineBucket } from './model.js';
import type { AuditContext, AuditSource } from './source.js';
import { Params, unionPart } from './stream.js';
import { displayIso, isoToMs, toMicroIso } from './time.js';
import { nowMs } from '../util/clock.js';

const BUCKET_MS: Record<BucketSize, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** At most this many buckets are filled with zeros; longer ranges return only non-empty ones. */
const MAX_FILLED = 20_000;

/** The default range of a timeline ending now: 6 h by minute, 7 d by hour, 90 d by day. */
export function defaultTimelineRange(bucket: BucketSize, now = nowMs()): { since: string; until: string } {
  const span = bucket === 'minute' ? 6 * 3_600_000 : bucket === 'hour' ? 7 * 86_400_000 : 90 * 86_400_000;
  return { since: new Date(now - span).toISOString(), until: new Date(now).toISOString() };
}

/**
 * Deletions per bucket (minute, hour or day, UTC) over a range, counted in the database: one
 * UNION ALL of the sources' streams grouped by date_trunc / DATE_FORMAT. Empty buckets are
 * included (as zeros) so the console can draw the range as it is.
 */
export async function timeline(
  db: Db,
  ctx: AuditContext,
  sources: AuditSource[],
  range: { since: string; until: string },
  bucket: BucketSize,
  filter: Omit<EventFilter, 'since' | 'until'> = {},
): Promise<TimelineBucket[]> {
  if (!(bucket in BUCKET_MS)) throw new UsageError(`bucket "${bucket}" is not known`, 'Use minute, hour or day');
  const f: EventFilter = { ...filter, since: range.since, until: range.until };
  const streams = activeStreams(ctx, sources, f);
  const counted = new Map<string, TimelineBucket>();
  if (streams.length > 0) {
    const sql = ctx.sql;
    const p = new Params((i) => sql.dialect.placeholder(i));
    const parts = streams.map((s) => unionPart(sql, s, f, p, ['kind']));
    const text = `SELECT b, SUM(CASE WHEN kind = 'hard' THEN 1 ELSE 0 END) AS hard, SUM(CASE WHEN kind = 'soft' THEN 1 ELSE 0 END) AS soft
      FROM (SELECT ${sql.bucketText('u.t', bucket)} AS b, u.kind AS kind FROM (${parts.join(' UNION ALL ')}) u) x
      GROUP BY b ORDER BY b`;
    const rows = await db.query<{ b: string; hard: unknown; soft: unknown }>(text, p.values);
    for (const r of rows) counted.set(toMicroIso(r.b), { start: displayIso(r.b), hard: Number(r.hard), soft: Number(r.soft) });
  }
  const from = Math.floor(isoToMs(range.since) / BUCKET_MS[bucket]) * BUCKET_MS[bucket];
  const to = isoToMs(range.until);
  if ((to - from) / BUCKET_MS[bucket] > MAX_FILLED) return [...counted.values()];
  const out: TimelineBucket[] = [];
  for (let t = from; t < to; t += BUCKET_MS[bucket]) {
    const iso = new Date(t).toISOString();
    out.push(counted.get(toMicroIso(iso)) ?? { start: displayIso(iso), hard: 0, soft: 0 });
  }
  return out;
}
