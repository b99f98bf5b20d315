import { describe, expect, it } from 'vitest';
import { displayIso, isoToMs, parseDuration, parseTimeArg, toMicroIso, toMysqlDatetime } from '../../src/audit/time.js';
import { UsageError } from '../../src/errors.js';

describe('audit times', () => {
  const now = Date.parse('2026-05-01T12:00:00Z');

  it('parses durations', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('5min')).toBe(300_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('1.5d')).toBe(129_600_000);
    expect(parseDuration('1w')).toBe(604_800_000);
    expect(() => parseDuration('5 minutes', '--gap')).toThrow(UsageError);
    expect(() => parseDuration('five', '--gap')).toThrow(/--gap "five" is not a duration/);
  });

  it('parses ISO 8601 (UTC unless a zone is given) and relative times', () => {
    expect(parseTimeArg('2h', '--since', now)).toBe('2026-05-01T10:00:00.000Z');
    expect(parseTimeArg('7d', '--since', now)).toBe('2026-04-24T12:00:00.000Z');
    expect(parseTimeArg('2026-05-01')).toBe('2026-05-01T00:00:00.000Z');
    expect(parseTimeArg('2026-05-01T16:42')).toBe('2026-05-01T16:42:00.000Z');
    expect(parseTimeArg('2026-05-01 16:42:07')).toBe('2026-05-01T16:42:07.000Z');
    expect(parseTimeArg('2026-05-01T16:42:07.5Z')).toBe('2026-05-01T16:42:07.500Z');
    expect(parseTimeArg('2026-05-01T16:42:07.123456Z')).toBe('2026-05-01T16:42:07.123456Z');
    expect(parseTimeArg('2026-05-01T18:42:07+02:00')).toBe('2026-05-01T16:42:07.000Z');
    expect(parseTimeArg('2026-05-01T11:42:07-0500')).toBe('2026-05-01T16:42:07.000Z');
    expect(() => parseTimeArg('yesterday', '--since')).toThrow(/--since "yesterday" is not a time/);
    expect(() => parseTimeArg('2026-13-45', '--until')).toThrow(UsageError);
  });

  it('keeps microseconds and sorts as text', () => {
    expect(toMicroIso('2026-05-01T16:42:07Z')).toBe('2026-05-01T16:42:07.000000Z');
    expect(toMicroIso('2026-05-01T16:42:07.12Z')).toBe('2026-05-01T16:42:07.120000Z');
    expect(displayIso('2026-05-01T16:42:07.120000Z')).toBe('2026-05-01T16:42:07.120Z');
    expect(displayIso('2026-05-01T16:42:07.123456Z')).toBe('2026-05-01T16:42:07.123456Z');
    expect(toMysqlDatetime('2026-05-01T16:42:07.5Z')).toBe('2026-05-01 16:42:07.500000');
    expect(isoToMs('2026-05-01T16:42:07.123999Z')).toBe(Date.parse('2026-05-01T16:42:07.123Z'));
    const a = toMicroIso('2026-05-01T16:42:07.1Z');
    const b = toMicroIso('2026-05-01T16:42:07.099999Z');
    expect(a > b).toBe(true);
  });
});
