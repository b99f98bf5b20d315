import type { BucketSize, TimeRange } from '../../services.js';

/** Milliseconds per bucket. */
export const BUCKET_MS: Record<BucketSize, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Zooming in: day → hour → minute, then back to day. */
export const FINER: Record<BucketSize, BucketSize> = { day: 'hour', hour: 'minute', minute: 'day' };

/** What the chart shows: `count` buckets of `bucket` ending (exclusive) at `end` (epoch ms). */
export interface ChartWindow {
  bucket: BucketSize;
  end: number;
  count: number;
}

/** The start of the bucket after the one holding `ms`: where a range ending "now" ends. */
export function alignUp(ms: number, bucket: BucketSize): number {
  const b = BUCKET_MS[bucket];
  return Math.floor(ms / b) * b + b;
}

/** The window's time range. */
export function windowRange(w: ChartWindow): TimeRange {
  return { since: new Date(w.end - w.count * BUCKET_MS[w.bucket]).toISOString(), until: new Date(w.end).toISOString() };
}

/** The start (epoch ms) of bucket `i` of the window. */
export function bucketStart(w: ChartWindow, i: number): number {
  return w.end - (w.count - i) * BUCKET_MS[w.bucket];
}

/** The index of the bucket holding `ms`, clamped to the window. */
export function indexOf(w: ChartWindow, ms: number): number {
  const i = Math.floor((ms - (w.end - w.count * BUCKET_MS[w.bucket])) / BUCKET_MS[w.bucket]);
  return Math.min(w.count - 1, Math.max(0, i));
}

/** A window of `count` buckets that holds `ms`, as late as possible but not past `now`. */
export function windowAround(bucket: BucketSize, ms: number, count: number, now: number): ChartWindow {
  const latest = alignUp(now, bucket);
  const end = Math.min(latest, alignUp(ms, bucket) + Math.floor(count / 2) * BUCKET_MS[bucket]);
  return { bucket, end: Math.max(end, alignUp(ms, bucket)), count };
}

/** Moves the window by `buckets` (negative: back in time), never past `now`. */
export function shiftWindow(w: ChartWindow, buckets: number, now: number): ChartWindow {
  const end = Math.min(alignUp(now, w.bucket), w.end + buckets * BUCKET_MS[w.bucket]);
  return { ...w, end };
}

/** The first window: the last `count` buckets, or the ones around the newest deletion when it is older. */
export function initialWindow(bucket: BucketSize, count: number, now: number, newest: number | null): ChartWindow {
  const w: ChartWindow = { bucket, end: alignUp(now, bucket), count };
  if (newest !== null && newest < w.end - count * BUCKET_MS[bucket]) return windowAround(bucket, newest, count, now);
  return w;
}

/** `21 Nov 05:00`, `21 Nov` for days: a bucket's start as the chart labels it (UTC). */
export function bucketLabel(ms: number, bucket: BucketSize): string {
  const d = new Date(ms);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const day = `${d.getUTCDate()} ${months[d.getUTCMonth()]}`;
  if (bucket === 'day') return day;
  return `${day} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

/** A range as the screen says it: `21 Nov 05:00–06:00`, or with both dates when they differ. */
export function rangeLabel(range: TimeRange, bucket: BucketSize): string {
  const a = bucketLabel(Date.parse(range.since), bucket);
  const b = bucketLabel(Date.parse(range.until), bucket);
  if (bucket !== 'day') {
    const date = a.slice(0, a.lastIndexOf(' '));
    if (b.startsWith(`${date} `)) return `${a}–${b.slice(date.length + 1)}`;
  }
  return `${a} – ${b}`;
}
