import { describe, expect, it } from 'vitest';
import { isBackupId, newBackupId, parseBackupId, safeName } from '../../src/backup/id.js';

describe('backup id', () => {
  it('is UTC time, engine, database, 4 hex: sortable and filesystem-safe', () => {
    const id = newBackupId('postgres', 'crm', new Date('2026-11-21T16:42:00.123Z'), 'a1b2');
    expect(id).toBe('20261121T164200Z-postgres-crm-a1b2');
    expect(isBackupId(id)).toBe(true);
    expect(parseBackupId(id)).toEqual({ startedAt: new Date('2026-11-21T16:42:00Z'), engine: 'postgres', database: 'crm', random: 'a1b2' });
  });
  it('makes odd database names safe', () => {
    const id = newBackupId('mysql', '../my crm/ü`x', new Date('2026-01-02T03:04:05Z'));
    expect(id).toMatch(/^20260102T030405Z-mysql-_.+-[0-9a-f]{4}$/);
    expect(id).not.toMatch(/[/ `ü]/);
    expect(isBackupId(id)).toBe(true);
  });
  it('sorts by time as text', () => {
    const a = newBackupId('mysql', 'z', new Date('2026-01-02T03:04:05Z'));
    const b = newBackupId('mysql', 'a', new Date('2026-01-02T03:04:06Z'));
    expect([b, a].sort()).toEqual([a, b]);
  });
  it('rejects non-ids', () => {
    for (const s of ['', '.tmp-x', '20261121T164200Z-oracle-crm-a1b2', '20261121T164200Z-mysql-crm-zzzz', '.locks']) expect(isBackupId(s)).toBe(false);
  });
  it('safeName never starts with a dot or dash and is cut', () => {
    expect(safeName('..x', 10)).toBe('_x');
    expect(safeName('-x', 10)).toBe('_x');
    expect(safeName('abcdefghijkl', 5)).toBe('abcde');
    expect(safeName('', 5)).toBe('_');
  });
});
