import { describe, expect, it } from 'vitest';
import { defaultTimelineRange } from '../../src/audit/timeline.js';
import { parseTimeArg } from '../../src/audit/time.js';
import { newBackupId } from '../../src/backup/id.js';
import { newMergeId } from '../../src/merge/ids.js';
import { fixedClock, nowIso, setClock, systemClock } from '../../src/util/clock.js';
import { formatAge } from '../../src/util/format.js';
import { useClock } from '../helpers/clock.js';

describe('one injectable clock', () => {
  describe('set a year ahead of any fixture', () => {
    useClock('2031-02-28T23:59:30Z');

    it('ids, ages, relative times and default windows all read it', () => {
      expect(nowIso()).toBe('2031-02-28T23:59:30.000Z');
      expect(newBackupId('postgres', 'crm', undefined, 'ab12')).toBe('20310228T235930Z-postgres-crm-ab12');
      expect(newMergeId()).toMatch(/^mrg_20310228235930_[0-9a-f]{4}$/);
      expect(formatAge('2031-02-28T21:59:30Z')).toBe('2 h');
      expect(parseTimeArg('1d')).toBe('2031-02-27T23:59:30.000Z');
      expect(defaultTimelineRange('hour')).toEqual({ since: '2031-02-21T23:59:30.000Z', until: '2031-02-28T23:59:30.000Z' });
    });
  });

  it('setClock returns a function that puts the previous clock back', () => {
    const restore = setClock(fixedClock(0));
    expect(nowIso()).toBe('1970-01-01T00:00:00.000Z');
    const inner = setClock(fixedClock('2000-01-01T00:00:00Z'));
    expect(nowIso()).toBe('2000-01-01T00:00:00.000Z');
    inner();
    expect(nowIso()).toBe('1970-01-01T00:00:00.000Z');
    restore();
    expect(Math.abs(Date.parse(nowIso()) - systemClock.now())).toBeLessThan(60_000);
  });

  it('refuses a fixed time that is not one', () => {
    expect(() => fixedClock('yesterday')).toThrow(/not a time/);
  });
});
