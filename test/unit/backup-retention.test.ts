import { describe, expect, it } from 'vitest';
import { isoWeek, selectRetention } from '../../src/backup/retention.js';

/** Backups every 6 hours over 70 days, newest first in the result. */
function series(days: number, everyHours = 6, end = Date.UTC(2026, 10, 21, 18, 0, 0)) {
  const out = [];
  for (let t = end - days * 86400000; t <= end; t += everyHours * 3600000) {
    const d = new Date(t);
    out.push({ id: `b-${d.toISOString()}`, startedAt: d.toISOString() });
  }
  return out;
}

const kept = (d: ReturnType<typeof selectRetention>) => d.filter((x) => x.keep).map((x) => x.id);

describe('retention selection (restic semantics)', () => {
  it('keep-last keeps the N newest', () => {
    const d = selectRetention(series(2), { keepLast: 3 });
    expect(kept(d)).toEqual(['b-2026-11-21T18:00:00.000Z', 'b-2026-11-21T12:00:00.000Z', 'b-2026-11-21T06:00:00.000Z']);
  });

  it('keep-daily keeps the newest backup of each of the last N days that have one', () => {
    const d = selectRetention(series(10), { keepDaily: 3 });
    expect(kept(d)).toEqual(['b-2026-11-21T18:00:00.000Z', 'b-2026-11-20T18:00:00.000Z', 'b-2026-11-19T18:00:00.000Z']);
    expect(d.find((x) => x.id === 'b-2026-11-20T18:00:00.000Z')!.reasons).toEqual(['daily 2026-11-20']);
  });

  it('days without backups do not count against keep-daily', () => {
    const backups = ['2026-11-21T10:00:00Z', '2026-11-15T10:00:00Z', '2026-11-15T09:00:00Z', '2026-11-01T10:00:00Z'].map((s) => ({ id: s, startedAt: s }));
    expect(kept(selectRetention(backups, { keepDaily: 3 }))).toEqual(['2026-11-21T10:00:00Z', '2026-11-15T10:00:00Z', '2026-11-01T10:00:00Z']);
  });

  it('keep-weekly and keep-monthly use ISO weeks and calendar months; rules add up', () => {
    const d = selectRetention(series(70, 24), { keepLast: 1, keepWeekly: 2, keepMonthly: 3 });
    const k = kept(d);
    // newest (last + week 47 + month 11), newest of week 46 (Sunday 15th), newest of October, of September.
    expect(k).toEqual(['b-2026-11-21T18:00:00.000Z', 'b-2026-11-15T18:00:00.000Z', 'b-2026-10-31T18:00:00.000Z', 'b-2026-09-30T18:00:00.000Z']);
    expect(d[0].reasons).toEqual(['last', 'weekly 2026-W47', 'monthly 2026-11']);
  });

  it('always keeps the newest backup', () => {
    const d = selectRetention(series(1), { keepLast: 0, keepDaily: 0 });
    expect(kept(d)).toEqual(['b-2026-11-21T18:00:00.000Z']);
    expect(d[0].reasons).toEqual(['newest']);
  });

  it('computes ISO weeks across a year boundary', () => {
    expect(isoWeek(new Date('2026-01-01T00:00:00Z'))).toBe('2026-W01');
    expect(isoWeek(new Date('2027-01-01T00:00:00Z'))).toBe('2026-W53');
    expect(isoWeek(new Date('2026-11-21T12:00:00Z'))).toBe('2026-W47');
  });
});
