import { describe, expect, it } from 'vitest';
import { columnWidths } from '../../src/tui/components/windowed-list.js';
import { footerFor } from '../../src/tui/keymap.js';
import { EVENT_COLUMNS } from '../../src/tui/screens/audit/audit-columns.js';
import { auditIdleKeys } from '../../src/tui/screens/audit/audit-input.js';
import { axisRow } from '../../src/tui/screens/audit/timeline-chart.js';
import { wizardIdleKeys } from '../../src/tui/screens/wizard/wizard-input.js';
import type { AuditEvent } from '../../src/tui/services.js';
import { cellWidth } from '../../src/util/text-width.js';
import { useClock } from '../helpers/clock.js';
import { NOW, recoveryFakes } from './fake-recovery.js';
import { KEYS, frameWhere, press, renderConsole, type TestApp } from './helpers.js';

// What a new user reads (issue #18): the timeline's time axis, a footer of the keys that act
// where they are, list columns sized to what they show, headers that say what they mean.

// The fakes' data is dated around NOW: the console's clock is stopped there, whatever today is.
// eslint-disable-next-line react-hooks/rules-of-hooks -- useClock is a vitest helper (beforeEach/afterEach), not a React hook
useClock(NOW);

/** Waits for `text` with every visible row read (no `reading…`). */
function ready(app: TestApp, text: string): Promise<string> {
  return frameWhere(app, (f) => f.includes(text) && !f.includes('reading…'));
}

/** Opens Home's action `index` (0: wizard, 1: audit). */
async function open(app: TestApp, index: number, until: string): Promise<string> {
  await ready(app, 'crm_prod');
  await press(app, 'g', ...Array(index).fill('j'), KEYS.enter);
  return ready(app, until);
}

const footer = (app: TestApp) => app.lines().at(-1) ?? '';

describe('the timeline has a time axis', () => {
  it('names the start, middle and end of the range under the bars, and what one column is', async () => {
    const app = await renderConsole({ services: recoveryFakes() });
    await open(app, 1, 'mallory.b');
    const lines = app.lines();
    const marker = lines.findIndex((l) => /^[─▲┴]+$/.test(l));
    expect(marker).toBeGreaterThan(0);
    // 80 hourly buckets ending at the hour after NOW (21 Nov 12:00 UTC): 18 Nov 05:00 – 21 Nov 13:00.
    expect(lines[1]).toContain('18 Nov 05:00 – 21 Nov 13:00 UTC');
    const axis = lines[marker + 1];
    expect(axis.startsWith('18 Nov 05:00')).toBe(true);
    expect(axis.trimEnd().endsWith('21 Nov 13:00')).toBe(true);
    expect(axis.trimEnd()).toHaveLength(80);
    // The middle label is centred under the middle column (40: 18 Nov 05:00 + 40 h).
    const middle = axis.indexOf('19 Nov 21:00');
    expect(Math.abs(middle + 6 - 40)).toBeLessThanOrEqual(1);
    expect(axis).toContain('1 bar = 1 hour');
    // The cursor line stays below the axis.
    expect(lines[marker + 2]).toMatch(/^▲ 21 Nov 05:00/);
    await press(app, 'z');
    const byMinute = await ready(app, 'Deletions by minute');
    expect(byMinute).toContain('1 bar = 1 minute');
  });

  it('leaves out the middle and the note where they do not fit, never the ends', () => {
    const labels = { start: '18 Nov 05:00', middle: '19 Nov 21:00', middleAt: 20, end: '21 Nov 13:00', note: '1 bar = 1 hour' };
    const wide = axisRow(80, { ...labels, middleAt: 40 });
    expect(wide).toHaveLength(80);
    expect(wide).toMatch(/^18 Nov 05:00 .*1 bar = 1 hour.* 19 Nov 21:00 .* 21 Nov 13:00$/);
    const narrow = axisRow(36, { ...labels, middleAt: 18 });
    expect(narrow).toHaveLength(36);
    expect(narrow).toMatch(/^18 Nov 05:00 +21 Nov 13:00$/);
  });
});

describe('the footer shows the keys that act here, the most important first', () => {
  it('the wizard at 60×20: no keys of other steps; ← step back from step 2', async () => {
    const app = await renderConsole({ services: recoveryFakes(), columns: 60, rows: 20 });
    await open(app, 0, 'Describe');
    const first = footer(app);
    expect(first).toContain('Enter next');
    expect(first).toContain('? help');
    for (const idle of ['s sql', 'i import', 'Space select', 'p policy', 'd rows', '← step back']) expect(first).not.toContain(idle);
    await press(app, KEYS.enter);
    await ready(app, '◂ proposed');
    const second = footer(app);
    expect(second).toContain('← step back');
    expect(second).toContain('Enter next');
    expect(second).not.toContain('s sql');
    expect([...second].length).toBeLessThanOrEqual(60);
  });

  it('Audit at 60×20 keeps ←→ bucket and Tab pane; r recover is left out on the events', async () => {
    const app = await renderConsole({ services: recoveryFakes(), columns: 60, rows: 20 });
    await open(app, 1, 'mallory.b');
    const incidents = footer(app);
    for (const key of ['←→ bucket', 'Tab pane', 'Enter open', '? help', 'q quit']) expect(incidents).toContain(key);
    await press(app, KEYS.tab);
    await ready(app, '1/300 events');
    expect(footer(app)).toContain('Tab pane');
    expect(footer(app)).not.toContain('recover');
  });

  it('at 60, 80 and 200 columns a narrower footer keeps the higher-priority keys of a wider one', () => {
    for (const context of ['audit', 'wizard', 'diff', 'merge', 'pager'] as const) {
      const at = (w: number) => footerFor(context, w).map((i) => i.text);
      const [w60, w80, w200] = [at(59), at(79), at(199)];
      for (const kept of w60) expect(w80).toContain(kept);
      for (const kept of w80) expect(w200).toContain(kept);
      expect(w60).toEqual(expect.arrayContaining(['help', 'quit']));
    }
    expect(footerFor('audit', 199, auditIdleKeys('incidents')).map((i) => i.text)).toEqual(
      expect.arrayContaining(['bucket', 'pane', 'open', 'recover', 'zoom', 'range', 'search']),
    );
  });

  it('each wizard step names as idle the keys of the other steps', () => {
    const idle = { running: false, cancellable: true };
    expect(wizardIdleKeys('incident', idle)).toEqual(expect.arrayContaining(['left', 'toggle', 'sql', 'write', 'policy', 'import', 'details']));
    expect(wizardIdleKeys('backup', idle)).not.toContain('import');
    expect(wizardIdleKeys('backup', idle)).not.toContain('left');
    expect(wizardIdleKeys('select', idle)).not.toContain('toggle');
    expect(wizardIdleKeys('plan', idle)).not.toContain('sql');
    expect(wizardIdleKeys('stage', idle)).toContain('up');
    // Running work: only Esc (it cancels) and ↑↓ act.
    const running = wizardIdleKeys('plan', { running: true, cancellable: true });
    expect(running).toEqual(expect.arrayContaining(['next', 'left', 'sql', 'policy']));
    expect(running).not.toContain('back');
    expect(wizardIdleKeys('apply', { running: true, cancellable: false })).toContain('back');
  });
});

describe('list columns are sized to what they show', () => {
  const event = (over: Partial<AuditEvent>): AuditEvent => ({
    time: '2026-11-21T06:00:30.593Z',
    schema: 'public',
    table: 'contacts',
    key: { id: '69587117-35be-4358-b0c1-2f0a9d1e7c55' },
    actor: 'u-7',
    actorName: 'mallory.b',
    kind: 'hard',
    source: 'trigger-audit',
    image: null,
    details: null,
    cursor: '1',
    ...over,
  });
  const shown = (events: AuditEvent[]) => events.map((e) => EVENT_COLUMNS.map((c) => c.render(e)));
  const [TIME, TABLE, KEY, ACTOR, KIND, SOURCE] = [0, 1, 2, 3, 4, 5] as const;

  it('at 200 columns the key takes what it needs, not the whole width; the source shows', () => {
    const rows = shown([event({}), event({ table: 'accounts_contacts_history', key: { id: 'c-1' } })]);
    const widths = columnWidths(EVENT_COLUMNS, 198, rows);
    expect(widths[KEY]).toBe(36);
    expect(widths[TABLE]).toBe(25);
    expect(widths[TIME]).toBe(19);
    expect(widths[KIND]).toBe(4);
    expect(widths[SOURCE]).toBe('trigger-audit'.length);
    // A long key is capped.
    const long = columnWidths(EVENT_COLUMNS, 198, shown([event({ key: { a: 'x'.repeat(90), b: 'y' } })]));
    expect(long[KEY]).toBe(60);
  });

  it('at 80 columns the widths are the ones the list always had, and the source is left out', () => {
    expect(columnWidths(EVENT_COLUMNS, 78, shown([event({})]))).toEqual([19, 17, 22, 12, 4, 0]);
  });

  it('measures in terminal cells: a name of wide characters gets twice its length', () => {
    const name = '王小明的账户管理员很长名字';
    const widths = columnWidths(EVENT_COLUMNS, 198, shown([event({ actorName: name })]));
    expect(widths[ACTOR]).toBe(cellWidth(name));
    expect(widths[ACTOR]).toBe(2 * [...name].length);
  });

  it('the Audit events at 200×50: KEY ends where its keys do and the source has a column', async () => {
    const app = await renderConsole({ services: recoveryFakes(), columns: 200, rows: 50 });
    await open(app, 1, 'mallory.b');
    await press(app, KEYS.tab);
    const frame = await ready(app, '1/300 events');
    const header = frame.split('\n').find((l) => l.includes('TIME (UTC)'))!;
    expect(header).toMatch(/TIME \(UTC\)\s+TABLE\s+KEY\s+ACTOR\s+KIND SOURCE/);
    // The fakes' keys are `c-00000`: 7 cells, the header's 3.
    expect(header.indexOf('ACTOR') - header.indexOf('KEY')).toBeLessThanOrEqual(8 + 1);
    expect(frame).toMatch(/c-00000\s+mallory\.b\s+hard\s+trigger-audit/);
  });
});

describe('headers say what they mean', () => {
  it('Audit incidents: whether a backup was taken before the incident', async () => {
    const app = await renderConsole({ services: recoveryFakes() });
    const frame = await open(app, 1, 'mallory.b');
    expect(frame).toMatch(/ROWS TABLES\s+BACKUP BEFORE/);
    expect(frame).not.toContain('✓ before');
    expect(frame).toMatch(/mallory\.b\s+864 .* no\s*$/m);
  });

  it('the wizard: what changed since the backup, how many rows, what a merge does', async () => {
    const app = await renderConsole({ services: recoveryFakes() });
    await open(app, 0, 'Describe');
    await press(app, KEYS.enter);
    await ready(app, '◂ proposed');
    await press(app, KEYS.enter);
    await ready(app, 'staged 4 table(s)');
    await press(app, KEYS.enter);
    const diff = await ready(app, 'accounts_contacts              465');
    expect(diff).toMatch(/TABLE\s+DELETED\s+SOFT-DELETED\s+CHANGED\s+ADDED/);
    await press(app, KEYS.enter);
    const rows = await ready(app, 'Step 5/8');
    expect(rows).toMatch(/TABLE\s+SINCE BACKUP\s+ROWS ON MERGE/);
    expect(rows).not.toContain('COUNT');
    expect(rows).toMatch(/\[x\] contacts\s+deleted\s+319 insert them back/);
  });
});
