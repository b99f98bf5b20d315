import { describe, expect, it } from 'vitest';
import { lossOfIncident, lossQuery, proposeChoice, targetedLine } from '../../src/tui/screens/wizard/wizard-model.js';
import type { NoBackupSource, StageServices } from '../../src/tui/services.js';
import { useClock } from '../helpers/clock.js';
import {
  INCIDENT,
  NOW,
  backupItem,
  fakeAudit,
  fakeBackups,
  fakeDiff,
  fakeMerge,
  fakeNoBackupSources,
  fakeStage,
  incidentDiff,
  recoveryFakes,
} from './fake-recovery.js';
import { KEYS, frameWhere, press, renderConsole, type TestApp } from './helpers.js';

// The fakes' data is dated around NOW: the console's clock is stopped there, whatever today is.
// eslint-disable-next-line react-hooks/rules-of-hooks -- useClock is a vitest helper (beforeEach/afterEach), not a React hook
useClock(NOW);

/** Waits for `text` with every visible row read (no `reading…`). */
function ready(app: TestApp, text: string): Promise<string> {
  return frameWhere(app, (f) => f.includes(text) && !f.includes('reading…'));
}

const RANGE = { since: INCIDENT.window.start, until: INCIDENT.window.end };
const BEFORE = backupItem('20261121T020000Z-postgres-crm_prod-bb02', 10);
const DURING = { ...backupItem('20261121T055900Z-postgres-crm_prod-dd04', 0), startedAt: '2026-11-21T05:59:00.000Z' };
const AFTER = backupItem('20261121T110000Z-postgres-crm_prod-aa01', 1);

/** A fake merge service that keeps every plan request it gets. */
function recordingMerge() {
  const merge = fakeMerge();
  const planned: unknown[] = [];
  const plan = merge.plan.bind(merge);
  merge.plan = (request, options) => {
    planned.push(request);
    return plan(request, options);
  };
  return { merge, planned };
}

function source(ref: NoBackupSource['ref'], available: boolean): NoBackupSource {
  const name = ref === 'binlog' ? 'binary log' : 'dead tuples';
  return { ref, name, available, summary: `${name} summary`, reason: available ? null : `${name} cannot` };
}

describe('the backup step proposes a backup before the loss, else a source that needs none', () => {
  it('a usable backup older than the loss first; else the binary log; else the dead tuples; else a backup taken during it', () => {
    const both = [source('binlog', true), source('dead-tuples', true)];
    expect(proposeChoice([AFTER, BEFORE], both, RANGE)).toMatchObject({ ref: BEFORE.id, safe: true });
    expect(proposeChoice([AFTER, DURING], both, RANGE)).toMatchObject({ ref: 'binlog', safe: true });
    expect(proposeChoice([AFTER], [source('binlog', false), source('dead-tuples', true)], RANGE)).toMatchObject({ ref: 'dead-tuples', safe: false });
    expect(proposeChoice([AFTER], [source('binlog', false), source('dead-tuples', true)], RANGE)?.note).toContain('dead tuples summary');
    expect(proposeChoice([AFTER, DURING], [source('binlog', false), source('dead-tuples', false)], RANGE)).toMatchObject({ ref: DURING.id, safe: false });
    expect(proposeChoice([AFTER], [source('binlog', false)], RANGE)).toBeNull();
    // An unusable backup before the loss does not count.
    expect(proposeChoice([{ ...BEFORE, usable: false }], both, RANGE)?.ref).toBe('binlog');
  });
});

describe('the wizard lists the sources that need no backup beside the backups', () => {
  it('lists them after the backups, marked, while the backup before the loss stays proposed', async () => {
    const sources = fakeNoBackupSources();
    const app = await renderConsole({ services: recoveryFakes({ noBackupSources: sources }) });
    await ready(app, 'crm_prod');
    await press(app, 'g', KEYS.enter);
    await ready(app, 'mallory.b');
    await press(app, KEYS.enter);
    const frame = await ready(app, 'dead tuples (no backup needed)');
    expect(frame).toMatch(/▸ 20261121T020000Z-postgres-crm_prod-bb02.*◂ proposed/);
    expect(frame).toMatch(/binary log \(no backup needed\): not kept.*not available/);
    // Asked about the incident's tables and window.
    expect(sources.asked[0]).toEqual({
      tables: ['accounts_contacts', 'contacts', 'notes', 'accounts'],
      since: INCIDENT.window.start,
      until: new Date(Date.parse(INCIDENT.window.end) + 1).toISOString(),
    });
    // The unavailable binary log is refused with its reason; its line says it in full.
    await press(app, 'j');
    expect(await ready(app, '! binary log: not kept by this PostgreSQL server')).toMatch(/▸ binary log/);
    await press(app, KEYS.enter);
    expect(await ready(app, 'cannot give these rows back')).toContain('Step 2/8');
  });

  it('with no backup before the loss, proposes the dead tuples; staging and diffing read the incident window', async () => {
    const staged: Parameters<StageServices['run']>[0][] = [];
    const stage = fakeStage();
    const run = stage.run.bind(stage);
    stage.run = (request, options) => {
      staged.push(request);
      return run(request, options);
    };
    const diff = fakeDiff();
    const { merge, planned } = recordingMerge();
    const backups = fakeBackups({ list: async () => [AFTER] });
    const app = await renderConsole({
      services: recoveryFakes({ backups, stage, diff, merge, noBackupSources: fakeNoBackupSources() }),
    });
    await ready(app, 'crm_prod');
    await press(app, 'g', KEYS.enter);
    await ready(app, 'mallory.b');
    await press(app, KEYS.enter);
    const frame = await ready(app, '◂ proposed');
    expect(frame).toMatch(/▸ dead tuples \(no backup needed\).*◂ proposed/);
    expect(frame.replace(/\s+/g, ' ')).toContain('no backup was taken before the loss: read from the dead tuples instead');
    await press(app, KEYS.enter);
    // Staging, then the diff, start on arrival.
    expect(await ready(app, 'staged 4 table(s)')).toContain('Backup: dead-tuples');
    const window = { since: INCIDENT.window.start, until: new Date(Date.parse(INCIDENT.window.end) + 1).toISOString() };
    expect(staged[0]).toMatchObject({ backupId: 'dead-tuples', window });
    await press(app, KEYS.enter);
    expect(await ready(app, 'accounts_contacts              465')).toContain('Step 4/8');
    expect(diff.opened[0]).toMatchObject({ backupId: 'dead-tuples', window });
    await press(app, KEYS.enter);
    await ready(app, 'Step 5/8');
    await press(app, KEYS.enter);
    await ready(app, 'Total:');
    expect(planned[0]).toMatchObject({ backupId: 'dead-tuples', window });
    // Staging reads the source; diff and plan take what it staged (read again, dead tuples would
    // miss the rows the diff's reads of live pruned).
    expect(staged[0].window).not.toHaveProperty('staged');
    expect(diff.opened[0]).toMatchObject({ window: { staged: true } });
    expect(planned[0]).toMatchObject({ window: { staged: true } });
    // The source is read for the incident's keys only, as a backup is (#19).
    const loss = { since: window.since, until: window.until, tables: INCIDENT.tables.map((t) => t.table) };
    expect(staged[0].loss).toEqual(loss);
    expect(diff.opened[0]).toMatchObject({ loss });
    expect(planned[0]).toMatchObject({ loss });
  });
});

describe("the wizard stages and compares only the incident's keys (#19)", () => {
  const INC = { ...INCIDENT, actorId: 'u-7' };

  it('the loss of an incident: its window, its actor, its tables; a loss described by hand has no actor', () => {
    const until = new Date(Date.parse(INC.window.end) + 1).toISOString();
    expect(lossQuery(lossOfIncident(INC))).toEqual({ since: INC.window.start, until, actorId: 'u-7', tables: INC.tables.map((t) => t.table) });
    // An incident whose actor is unknown: only the events without an actor are its.
    expect(lossQuery(lossOfIncident({ ...INC, actor: null, actorId: null }))).toMatchObject({ actorId: null });
    const described = { label: 'contacts', tables: ['contacts'], range: { since: INC.window.start, until }, incidentId: null };
    expect(lossQuery(described)).toEqual({ since: INC.window.start, until, tables: ['contacts'] });
    expect(lossQuery(null)).toBeUndefined();
  });

  it('the targeted line: the keys asked for and how many the source held; none when staged whole', () => {
    const loss = lossOfIncident(INC);
    expect(targetedLine(undefined, loss)).toBeNull();
    expect(targetedLine([{ table: 'contacts', keys: 319, found: 319 }], loss)).toBe(
      'targeted: staged only the 319 keys the incident deleted (all in the backup)',
    );
    expect(
      targetedLine(
        [
          { table: 'contacts', keys: 319, found: 300 },
          { table: 'notes', keys: 1_072, found: 1_000 },
        ],
        loss,
        'compared',
        'the binary log',
      ),
    ).toBe('targeted: compared only the 1,391 keys the incident deleted (1,300 in the binary log)');
    expect(targetedLine([{ table: 'contacts', keys: 1, found: null }], { ...loss, incidentId: null })).toBe(
      'targeted: staged only the 1 key the audit saw deleted',
    );
  });

  it('stage, diff and plan are asked for the loss; the stage and diff steps say they looked at its keys only', async () => {
    const staged: Parameters<StageServices['run']>[0][] = [];
    const stage = fakeStage();
    const run = stage.run.bind(stage);
    stage.run = async (request, options) => {
      staged.push(request);
      const r = await run(request, options);
      return request.loss ? { ...r, targeted: [{ table: 'public.contacts', keys: 319, found: 319 }] } : r;
    };
    const set = { ...incidentDiff(), targeted: [{ table: 'contacts', keys: 319, found: 317 }] };
    const diff = fakeDiff(set);
    const { merge, planned } = recordingMerge();
    const audit = fakeAudit(300, { incidents: async () => [INC] });
    const app = await renderConsole({ services: recoveryFakes({ audit, stage, diff, merge }) });
    await ready(app, 'crm_prod');
    await press(app, 'g', KEYS.enter);
    await ready(app, 'mallory.b');
    await press(app, KEYS.enter);
    await ready(app, '◂ proposed');
    await press(app, KEYS.enter);
    expect(await ready(app, 'staged 4 table(s)')).toContain('targeted: staged only the 319 keys the incident deleted (all in the backup)');
    const loss = lossQuery(lossOfIncident(INC));
    expect(staged[0]).toMatchObject({ backupId: '20261121T020000Z-postgres-crm_prod-bb02', loss });
    // A backup holds one moment: no window, the keys only.
    expect(staged[0]).not.toHaveProperty('window');
    await press(app, KEYS.enter);
    expect(await ready(app, 'accounts_contacts              465')).toContain('targeted: compared only the 319 keys the incident deleted (317 in the backup)');
    expect(diff.opened[0]).toMatchObject({ loss });
    await press(app, KEYS.enter);
    await ready(app, 'Step 5/8');
    await press(app, KEYS.enter);
    await ready(app, 'Total:');
    expect(planned[0]).toMatchObject({ loss });
  });
});
