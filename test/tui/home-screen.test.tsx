import { describe, expect, it } from 'vitest';
import { backupLine } from '../../src/tui/screens/home/backup-line.js';
import { deletionLines, findSpikes } from '../../src/tui/screens/home/deletions.js';
import { homeIntent } from '../../src/tui/screens/home/home-input.js';
import { HOME_ACTIONS } from '../../src/tui/screens/home/actions.js';
import type { DeletionDay } from '../../src/tui/services.js';
import { useClock } from '../helpers/clock.js';
import { fakeServices, frameWith, renderConsole } from './helpers.js';

/** The console's now in these tests: the fixtures' last day. */
const NOW = '2024-11-14T12:15:00Z';
// eslint-disable-next-line react-hooks/rules-of-hooks -- useClock is a vitest helper (beforeEach/afterEach), not a React hook
useClock(NOW);

function days(counts: number[]): DeletionDay[] {
  return counts.map((n, i) => ({ day: `2024-11-${String(8 + i).padStart(2, '0')}`, deletions: n, topTables: n ? [{ table: 'accounts', count: n - 1 }] : [] }));
}

describe('Home at 80×24', () => {
  it('shows target, server, CRM with confidence, size, backup, deletions and the actions', async () => {
    const app = await renderConsole();
    const frame = await frameWith(app, 'SuiteCRM');
    const lines = app.lines();
    expect(lines).toHaveLength(23);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
    expect(lines[0]).toMatch(/^crm-rescue › Home\s+PostgreSQL · crm_prod$/);
    expect(frame).toMatch(/Target\s+postgres:\/\/crm@db\.example:5432\/crm_prod/);
    expect(frame).toMatch(/Server\s+PostgreSQL 15\.4/);
    expect(frame).toMatch(/CRM\s+SuiteCRM \/ SugarCRM CE \(confidence 92%\)/);
    expect(frame).toMatch(/Size\s+5\.2 MB in 3 tables, ~12,345 rows/);
    expect(frame).toMatch(/Last backup\s+no backups yet/);
    expect(frame).toMatch(/Deletions\s+audit not available yet/);
    for (const a of HOME_ACTIONS) expect(frame).toContain(a.label);
    expect(frame).toContain('▸ Recovery wizard');
    expect(lines.at(-1)).toMatch(/^↑↓\/jk move {2}Enter open {2}\? help {2}q quit/);
  });

  it('shows a fresh backup plainly and warns about a stale one', async () => {
    const fresh = await renderConsole({
      services: fakeServices({ lastBackup: async () => ({ id: 'pg-crm_prod-20241114T101500Z', finishedAt: '2024-11-14T10:15:00Z' }) }),
    });
    expect(await frameWith(fresh, 'pg-crm_prod')).toMatch(/Last backup\s+2 h ago \(pg-crm_prod-20241114T101500Z\)/);
    const stale = await renderConsole({ services: fakeServices({ lastBackup: async () => ({ id: 'pg-old', finishedAt: '2024-11-11T12:15:00Z' }) }) });
    expect(await frameWith(stale, 'pg-old')).toMatch(/Last backup\s+! 3 d ago \(pg-old\): older than 24 h/);
    const none = await renderConsole({ services: fakeServices({ lastBackup: async () => null }) });
    expect(await frameWith(none, 'take one')).toMatch(/Last backup\s+! no backups yet/);
  });

  it('shows deletions per day and marks the spike with text, not only colour', async () => {
    const app = await renderConsole({ services: fakeServices({ deletionSpikes: async () => days([0, 2, 1, 120, 0, 3, 1]) }) });
    const frame = await frameWith(app, 'spike');
    expect(frame).toMatch(/Deletions\s+! 127 rows in 7 days · spike 11 Nov: 120 rows \(accounts 119\)/);
    expect(frame).toContain('Fri 0 · Sat 2 · Sun 1 · Mon 120! · Tue 0 · Wed 3 · Thu 1');
  });
});

describe('Home logic', () => {
  it('a spike is at least 10 and three times the median day', () => {
    expect(findSpikes(days([0, 2, 1, 120, 0, 3, 1]))).toEqual(new Set(['2024-11-11']));
    expect(findSpikes(days([5, 6, 4, 9, 5, 6, 7]))).toEqual(new Set());
    expect(findSpikes(days([40, 50, 45, 60, 55, 48, 200]))).toEqual(new Set(['2024-11-14']));
    expect(deletionLines(days([0, 0, 0, 0, 0, 0, 0])).summary).toBe('none in the last 7 days');
  });

  it('backup age: absent, none, fresh, stale', () => {
    const now = Date.parse('2024-11-14T12:00:00Z');
    expect(backupLine('absent', now)).toEqual({ text: 'no backups yet', tone: 'muted' });
    expect(backupLine({ status: 'ready', value: null }, now).tone).toBe('warn');
    expect(backupLine({ status: 'ready', value: { id: 'b', finishedAt: '2024-11-14T01:00:00Z' } }, now)).toEqual({ text: '11 h ago (b)', tone: 'ok' });
    expect(backupLine({ status: 'ready', value: { id: 'b', finishedAt: '2024-11-13T11:00:00Z' } }, now).tone).toBe('warn');
  });

  it('input: moves, Enter opens the action under the cursor, other keys fall through', () => {
    expect(homeIntent('down', HOME_ACTIONS, 0)).toEqual({ type: 'move', move: 'down' });
    expect(homeIntent('open', HOME_ACTIONS, 6)).toEqual({ type: 'open', action: HOME_ACTIONS[6] });
    expect(homeIntent('back', HOME_ACTIONS, 0)).toEqual({ type: 'none' });
    expect(homeIntent('search', HOME_ACTIONS, 0)).toEqual({ type: 'none' });
  });
});
