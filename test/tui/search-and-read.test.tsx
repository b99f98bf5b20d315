import { describe, expect, it } from 'vitest';
import type { AuditEvent, AuditServices, DiffRowDetail } from '../../src/tui/services.js';
import { wrapCells } from '../../src/util/text-width.js';
import { useClock } from '../helpers/clock.js';
import { NOW, diffTable, fakeAudit, fakeDiff, fakeDiffSet, fakeMerge, recoveryFakes } from './fake-recovery.js';
import { KEYS, frameWhere, press, renderConsole, type TestApp } from './helpers.js';

// The fakes' data is dated around NOW: the console's clock is stopped there, whatever today is.
// eslint-disable-next-line react-hooks/rules-of-hooks -- useClock is a vitest helper (beforeEach/afterEach), not a React hook
useClock(NOW);

const LONG_EMAIL = 'margaret.hamilton-lovelace.the.third@department-of-very-long-names.example.com';
const LONG_DETAILS = 'deleted by the nightly cleanup job because the contact was flagged as a duplicate of another one';

/** Waits for `text` with every visible row read (no `reading…`). */
function ready(app: TestApp, text: string): Promise<string> {
  return frameWhere(app, (f) => f.includes(text) && !f.includes('reading…'));
}

async function search(app: TestApp, text: string): Promise<void> {
  await press(app, '/', ...text.split(''), KEYS.enter);
}

/** The line under the cursor: the list's, below any tab line that starts with the same mark. */
function cursorLine(frame: string): string {
  return frame.split('\n').findLast((l) => l.startsWith('▸')) ?? '';
}

/** The frame as one line: wrapped text reads as written. */
function flat(frame: string): string {
  return frame.replace(/\s+/g, ' ');
}

/** The fake audit, with event 150 by another actor and event 0 with a long email and details. */
function audit(): AuditServices {
  const base = fakeAudit(300);
  return {
    ...base,
    async events(query, after, limit) {
      const events = await base.events(query, after, limit);
      return events.map((e): AuditEvent =>
        e.cursor === '150'
          ? { ...e, actor: 'u-9', actorName: 'eve.k' }
          : e.cursor === '0'
            ? { ...e, image: { ...e.image, email: LONG_EMAIL }, details: LONG_DETAILS }
            : e,
      );
    },
  };
}

async function auditEvents(): Promise<TestApp> {
  const app = await renderConsole({ services: recoveryFakes({ audit: audit() }) });
  await ready(app, 'crm_prod');
  await press(app, 'g', 'j', KEYS.enter);
  await ready(app, 'mallory.b');
  await press(app, KEYS.tab);
  await ready(app, '1/300 events');
  return app;
}

describe('/ in Audit searches what the events show', () => {
  it('finds an event by key and by actor; the rows around it stay', async () => {
    const app = await auditEvents();
    await search(app, 'c-00120');
    const byKey = await ready(app, '121/300 events');
    expect(cursorLine(byKey)).toContain('c-00120');
    expect(byKey).toContain('c-00119');
    await search(app, 'eve.k');
    const byActor = await ready(app, '151/300 events');
    expect(cursorLine(byActor)).toMatch(/c-00150\s+eve\.k/);
  });

  it('n and N go to the next and previous match; a search that finds nothing says so', async () => {
    const app = await auditEvents();
    // Every third event is of notes: 0, 3, 6, …
    await search(app, 'notes');
    expect(await ready(app, 'search "notes"')).toContain('1/300 events');
    await press(app, 'n');
    expect(cursorLine(await ready(app, '4/300 events'))).toContain('c-00003');
    await press(app, 'n');
    expect(cursorLine(await ready(app, '7/300 events'))).toContain('c-00006');
    await press(app, 'N');
    expect(cursorLine(await ready(app, '4/300 events'))).toContain('c-00003');
    await search(app, 'nobody-has-this');
    const none = await ready(app, 'no match for "nobody-has-this"');
    expect(none).toContain('4/300 events');
  });

  it('the event screen wraps a long email and details at 80 columns', async () => {
    const app = await auditEvents();
    await press(app, KEYS.enter);
    const frame = await ready(app, 'The row as it was');
    expect(flat(frame)).toContain(LONG_DETAILS);
    // The value column starts after the 2-cell margin, 24 cells of names and a gap.
    const values = frame
      .split('\n')
      .map((l) => [...l].slice(27).join('').trim())
      .join('');
    expect(values).toContain(LONG_EMAIL);
    for (const l of app.lines()) expect([...l].length).toBeLessThanOrEqual(80);
  });
});

/** A diff of `rows` deleted contacts opened from Home; `detail` replaces the row view's answer. */
async function diffOn(rows: number, detail?: (keyTuple: unknown[]) => DiffRowDetail): Promise<TestApp> {
  const set = fakeDiffSet([diffTable('contacts', { deleted: rows })]);
  if (detail) set.row = async (_table, keyTuple) => detail(keyTuple);
  const app = await renderConsole({ services: recoveryFakes({ diff: fakeDiff(set) }) });
  await ready(app, 'crm_prod');
  await press(app, 'g', ...Array(4).fill('j'), KEYS.enter);
  await ready(app, '1/2 backups');
  await press(app, KEYS.enter);
  await ready(app, '1/4 tables');
  await press(app, KEYS.space, KEYS.enter);
  await ready(app, `1/${rows.toLocaleString('en-US')} deleted rows`);
  return app;
}

describe('/ in Diff searches what the rows show', () => {
  it('finds a row by key past the rows read so far, and by a value', async () => {
    const app = await diffOn(1000);
    await search(app, '700');
    expect(cursorLine(await ready(app, '700/1,000 deleted rows'))).toMatch(/700\s+first_name=First700/);
    await search(app, 'p123@');
    expect(cursorLine(await ready(app, '123/1,000 deleted rows'))).toContain('email=p123@example.com');
  });

  it('n and N go to the next and previous match; no match says so', async () => {
    const app = await diffOn(1000);
    await search(app, 'First5');
    expect(await ready(app, 'search "First5"')).toContain('5/1,000 deleted rows');
    await press(app, 'n');
    await ready(app, '50/1,000 deleted rows');
    await press(app, 'n');
    await ready(app, '51/1,000 deleted rows');
    await press(app, 'N', 'N');
    await ready(app, '5/1,000 deleted rows');
    await search(app, 'First5000');
    expect(await ready(app, 'no match for "First5000"')).toContain('5/1,000 deleted rows');
  });

  it('the row view wraps a long email at 80 columns and scrolls when taller than the screen', async () => {
    const columns = [
      { name: 'email', before: LONG_EMAIL, after: undefined, changed: true },
      ...Array.from({ length: 30 }, (_, i) => ({ name: `col_${i + 1}`, before: `value ${i + 1}`, after: undefined, changed: true })),
    ];
    const app = await diffOn(10, (keyTuple) => ({ table: 'public.contacts', key: { id: keyTuple[0] }, inBackup: true, inLive: false, columns }));
    await press(app, KEYS.enter);
    const frame = await ready(app, 'a merge inserts it back');
    // BACKUP starts after the margin (2), COLUMN (20), a gap, the ≠ mark and a gap; it is 27 cells wide at 80 columns.
    const backup = frame
      .split('\n')
      .map((l) => [...l].slice(25, 52).join('').trim())
      .join('');
    expect(backup).toContain(LONG_EMAIL);
    const [, shown, total] = /lines 1–(\d+) of (\d+)/.exec(frame) ?? [];
    expect(Number(total)).toBeGreaterThan(Number(shown));
    expect(frame).not.toContain('col_30');
    await press(app, KEYS.pageDown, KEYS.pageDown);
    const end = await ready(app, 'col_30');
    const [, top] = new RegExp(`lines (\\d+)–${total} of ${total}`).exec(end) ?? [];
    expect(Number(top)).toBeGreaterThan(1);
    await press(app, 'k');
    await ready(app, `lines ${Number(top) - 1}–${Number(total) - 1} of ${total}`);
  });
});

describe('/ in the merge journal', () => {
  it('finds a merge by a table its row shows; n wraps around to the first match', async () => {
    const merge = fakeMerge();
    const entry = (id: string, tables: string[]) => ({
      id,
      backupId: 'b',
      createdAt: '2026-11-21T09:00:00.000Z',
      state: 'applied' as const,
      tables,
      totals: { inserted: 3, updated: 0, skipped: 0 },
      dbUser: 'root',
    });
    merge.list = async () => [entry('mrg_1', ['contacts']), entry('mrg_2', ['accounts']), entry('mrg_3', ['notes', 'opportunities'])];
    const app = await renderConsole({ services: recoveryFakes({ merge }) });
    await ready(app, 'crm_prod');
    await press(app, 'g', ...Array(5).fill('j'), KEYS.enter);
    await ready(app, 'mrg_3');
    await search(app, 'opportun');
    expect(cursorLine(await ready(app, 'search "opportun"'))).toContain('mrg_3');
    await search(app, 'acc');
    expect(cursorLine(await ready(app, 'search "acc"'))).toContain('mrg_2');
    await search(app, 'mrg_');
    expect(cursorLine(await ready(app, 'search "mrg_"'))).toContain('mrg_2');
    await press(app, 'n');
    await frameWhere(app, (f) => cursorLine(f).includes('mrg_3'));
    await press(app, 'n');
    await frameWhere(app, (f) => cursorLine(f).includes('mrg_1'));
  });
});

describe('the ? help', () => {
  it('wraps its lines at 60 columns: a description longer than a line is read whole', async () => {
    const app = await renderConsole({ services: recoveryFakes({ audit: audit() }), columns: 60 });
    await ready(app, 'crm_prod');
    await press(app, 'g', 'j', KEYS.enter);
    await ready(app, 'mallory.b');
    await press(app, '?');
    const help = await ready(app, 'Keys · Audit');
    expect(flat(help)).toContain('Timeline: the bucket before (scrolls back in time at the edge)');
    for (const l of app.lines()) expect([...l].length).toBeLessThanOrEqual(60);
  });
});

describe('wrapCells', () => {
  it('breaks at spaces, inside a word too long for a line, and counts wide characters as two cells', () => {
    expect(wrapCells('hello world again', 11)).toEqual(['hello world', 'again']);
    expect(wrapCells('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    expect(wrapCells('联系人联系人', 5)).toEqual(['联系', '人联', '系人']);
    expect(wrapCells('', 5)).toEqual(['']);
  });
});
