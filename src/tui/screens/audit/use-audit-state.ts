import { useCallback, useEffect, useMemo, useState } from 'react';
import { arraySource, keysetSource } from '../../components/list-source.js';
import { useWindowedList, type WindowedListState } from '../../components/use-windowed-list.js';
import type { AuditEvent, AuditServices, IncidentSummary, TimeRange, TimelineBucket } from '../../services.js';
import { useAsync, type AsyncState } from '../../use-async.js';
import type { AuditPane } from './audit-input.js';
import { BUCKET_MS, FINER, bucketStart, indexOf, initialWindow, shiftWindow, windowAround, windowRange, type ChartWindow } from './timeline-range.js';
import { nowMs } from '../../../util/clock.js';

/** Everything the Audit screen shows, and what its keys do. */
export interface AuditState {
  /** Null until the newest deletion is known (the first window is placed around it). */
  window: ChartWindow | null;
  buckets: AsyncState<TimelineBucket[]>;
  /** Index of the bucket under the cursor. */
  cursor: number;
  /** Index of the range's other end, while one is being chosen. */
  anchor: number | null;
  /** The events' range: the chart's, or the range/incident chosen. */
  eventsRange: TimeRange | null;
  /** True when the events are narrowed to less than the chart. */
  narrowed: boolean;
  /** What the events are narrowed to, said plainly. */
  narrowedTo: string | null;
  pane: AuditPane;
  incidents: AsyncState<IncidentSummary[]>;
  incidentList: WindowedListState<IncidentSummary>;
  events: WindowedListState<AuditEvent>;
  moveBucket(delta: number): void;
  toggleAnchor(): void;
  selectRange(label: string): void;
  clearRange(): void;
  zoom(): void;
  nextPane(): void;
  focusIncident(incident: IncidentSummary): void;
}

/** Options of the Audit state. */
export interface AuditStateOptions {
  /** Chart columns: one bucket each. */
  width: number;
  incidentRows: number;
  eventRows: number;
  /** Open on this day (`YYYY-MM-DD`), hour by hour. */
  day?: string;
  now?: () => number;
}

/** The timeline (window, cursor, range), the incidents, and the events of the chosen range, read by key. */
export function useAuditState(audit: AuditServices, options: AuditStateOptions): AuditState {
  const now = options.now ?? nowMs;
  const count = Math.max(10, options.width);
  const newest = useAsync(useCallback(() => audit.newestEvent(), [audit]));
  const [window, setWindow] = useState<ChartWindow | null>(null);
  const [cursorMs, setCursorMs] = useState<number | null>(null);
  const [anchorMs, setAnchorMs] = useState<number | null>(null);
  const [focus, setFocus] = useState<{ from: number; to: number } | null>(null);
  const [chosen, setChosen] = useState<{ range: TimeRange; label: string } | null>(null);
  const [pane, setPane] = useState<AuditPane>('incidents');

  // The first window: the requested day, or around the newest deletion.
  useEffect(() => {
    if (window || newest.status === 'loading') return;
    if (options.day) {
      const start = Date.parse(`${options.day}T00:00:00Z`);
      setWindow(windowAround('hour', Math.min(start + BUCKET_MS.day / 2, now()), count, now()));
      setFocus({ from: start, to: start + BUCKET_MS.day });
      return;
    }
    const last = newest.status === 'ready' && newest.value ? Date.parse(newest.value) : null;
    const w = initialWindow('hour', count, now(), last);
    setWindow(w);
    setFocus({ from: w.end - w.count * BUCKET_MS.hour, to: w.end });
  }, [window, newest, options.day, count, now]);

  // The width decides how many buckets fit.
  useEffect(() => setWindow((w) => (w && w.count !== count ? { ...w, count } : w)), [count]);

  const events = useEventsList(audit, chosen?.range ?? (window ? windowRange(window) : null), options.eventRows);
  // The buckets carry the window they were read for: right after a zoom or a jump the last answer
  // is still the old window's (coarser buckets), and must be neither drawn nor searched.
  const loadTimeline = useCallback(
    () =>
      window
        ? audit.timeline(windowRange(window), window.bucket).then((value) => ({ window, value }))
        : new Promise<{ window: ChartWindow; value: TimelineBucket[] }>(() => undefined),
    [audit, window],
  );
  const timeline = useAsync(loadTimeline);
  const fresh = timeline.status === 'ready' && timeline.value.window === window ? timeline.value.value : null;

  const buckets = useMemo<AsyncState<TimelineBucket[]>>(
    () => (timeline.status === 'error' ? timeline : fresh ? { status: 'ready', value: fresh } : { status: 'loading' }),
    [timeline, fresh],
  );

  // After a zoom or a jump: the cursor goes to the busiest bucket of the focus, from the first
  // frame that shows the new buckets.
  const focused = useMemo(() => (focus && fresh ? busiest(fresh, focus) : null), [focus, fresh]);
  useEffect(() => {
    if (!focus || focused === null) return;
    setCursorMs(focused);
    // Only this focus is done: a zoom pressed before this effect ran has set a newer one.
    setFocus((f) => (f === focus ? null : f));
  }, [focus, focused]);

  const cursor = window ? indexOf(window, focused ?? cursorMs ?? window.end - 1) : 0;
  const anchor = window && anchorMs !== null ? indexOf(window, anchorMs) : null;

  const incidents = useAsync(useCallback(() => audit.incidents(), [audit]));
  const incidentSource = useMemo(
    () => arraySource(incidents.status === 'ready' ? incidents.value : [], (i) => `${i.actor ?? ''} ${i.tables.map((t) => t.table).join(' ')}`),
    [incidents],
  );
  const incidentList = useWindowedList({ source: incidentSource, height: options.incidentRows, rowKey: (i) => i.id });

  const moveBucket = useCallback(
    (delta: number) => {
      if (!window) return;
      const next = cursor + delta;
      if (next < 0 || next >= window.count) {
        // At an edge the window scrolls by half its width (never past now).
        const shifted = shiftWindow(window, delta < 0 ? -Math.floor(window.count / 2) : Math.floor(window.count / 2), now());
        if (shifted.end === window.end) return;
        setWindow(shifted);
      }
      setCursorMs(bucketStart(window, cursor) + delta * BUCKET_MS[window.bucket]);
    },
    [window, cursor, now],
  );
  const toggleAnchor = useCallback(() => {
    if (!window) return;
    setAnchorMs((a) => (a === null ? bucketStart(window, cursor) : null));
  }, [window, cursor]);
  const selectRange = useCallback(
    (label: string) => {
      if (!window) return;
      const a = anchor ?? cursor;
      const from = bucketStart(window, Math.min(a, cursor));
      const to = bucketStart(window, Math.max(a, cursor)) + BUCKET_MS[window.bucket];
      setChosen({ range: { since: new Date(from).toISOString(), until: new Date(to).toISOString() }, label });
      setAnchorMs(null);
      setPane('events');
    },
    [window, anchor, cursor],
  );
  const clearRange = useCallback(() => {
    setAnchorMs(null);
    if (anchorMs === null) setChosen(null);
  }, [anchorMs]);
  const zoom = useCallback(() => {
    if (!window) return;
    const from = bucketStart(window, cursor);
    const to = from + BUCKET_MS[window.bucket];
    const bucket = FINER[window.bucket];
    setWindow(bucket === 'day' ? windowAround('day', from, count, now()) : windowAround(bucket, from + (to - from) / 2, count, now()));
    setFocus(bucket === 'day' ? { from: from - BUCKET_MS.day * 2, to: to + BUCKET_MS.day } : { from, to });
    setAnchorMs(null);
  }, [window, cursor, count, now]);
  const nextPane = useCallback(() => setPane((p) => (p === 'incidents' ? 'events' : 'incidents')), []);
  const focusIncident = useCallback(
    (i: IncidentSummary) => {
      const from = Date.parse(i.window.start);
      const to = Date.parse(i.window.end) + 1;
      const span = to - from;
      const bucket = span <= 60 * BUCKET_MS.minute ? 'minute' : span <= 48 * BUCKET_MS.hour ? 'hour' : 'day';
      setWindow(windowAround(bucket, from + span / 2, count, now()));
      setFocus({ from: from - (from % BUCKET_MS[bucket]), to });
      setChosen({ range: { since: new Date(from).toISOString(), until: new Date(to).toISOString() }, label: `incident of ${i.actor ?? 'an unknown actor'}` });
      setPane('events');
    },
    [count, now],
  );

  return {
    window,
    buckets,
    cursor,
    anchor,
    eventsRange: chosen?.range ?? (window ? windowRange(window) : null),
    narrowed: chosen !== null,
    narrowedTo: chosen?.label ?? null,
    pane,
    incidents,
    incidentList,
    events,
    moveBucket,
    toggleAnchor,
    selectRange,
    clearRange,
    zoom,
    nextPane,
    focusIncident,
  };
}

/** The start of the bucket with the most deletions in `focus` (the earliest of equals), or the focus's start. */
export function busiest(buckets: readonly TimelineBucket[], focus: { from: number; to: number }): number {
  let best: TimelineBucket | null = null;
  for (const b of buckets) {
    const t = Date.parse(b.start);
    if (t < focus.from || t >= focus.to) continue;
    if (!best || b.hard + b.soft > best.hard + best.soft) best = b;
  }
  return best ? Date.parse(best.start) : focus.from;
}

/**
 * The events of a range, newest first, read page by page by cursor. `/` searches what the rows
 * show (time, table, key, actor), read through these same pages: the audit service matches a
 * table or an actor exactly, not text in a key or a name.
 */
function useEventsList(audit: AuditServices, range: TimeRange | null, height: number): WindowedListState<AuditEvent> {
  const since = range?.since;
  const until = range?.until;
  const source = useMemo(
    () =>
      keysetSource<AuditEvent, string>(
        {
          count: () => (since && until ? audit.countEvents({ range: { since, until } }) : Promise.resolve(0)),
          after: (cursor, limit) => (since && until ? audit.events({ range: { since, until } }, cursor, limit) : Promise.resolve([])),
          keyOf: (e) => e.cursor,
        },
        64,
      ),
    [audit, since, until],
  );
  return useWindowedList({ source, height, rowKey: (e) => e.cursor });
}
