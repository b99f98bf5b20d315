import { describe, expect, it } from 'vitest';
import { BLOCKS } from '../../src/tui/screens/audit/timeline-chart.js';
import type { ConsoleServices } from '../../src/tui/services.js';
import { useClock } from '../helpers/clock.js';
import { NOW, diffTable, fakeAudit, fakeBackups, fakeDiff, fakeDiffSet, fakeMerge, fakeStage, gate, incidentDiff, recoveryFakes } from './fake-recovery.js';
import { KEYS, frameWhere, press, renderConsole, type TestApp } from './helpers.js';

/** Opens Home's action `index` (0: wizard, 1: audit, 2: backups, 3: stage, 4: diff, 5: merge). */
async function open(app: TestApp, index: number, until: string): Promise<string> {
  await ready(app, 'crm_prod');
  await press(app, 'g', ...Array(index).fill('j'), KEYS.enter);
  return ready(app, until);
}

// The fakes' data is dated around NOW: the console's clock is stopped there, whatever today is.
// eslint-disable-next-line react-hooks/rules-of-hooks -- useClock is a vitest helper (beforeEach/afterEach), not a React hook
useClock(NOW);

function expectFits(app: TestApp): void {
  const lines = app.lines();
  expect(lines).toHaveLength(23);
  for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
}

/** The frame as one line: wrapped text reads as written. */
function flat(frame: string): string {
  return frame.replace(/\s+/g, ' ');
}

/** Waits for `text` with every visible row read (no `reading…`). */
function ready(app: TestApp, text: string): Promise<string> {
  return frameWhere(app, (f) => f.includes(text) && !f.includes('reading…'));
}

async function type(app: TestApp, text: string): Promise<void> {
  await press(app, ...text.split(''));
}

describe('Audit at 80×24', () => {
  it('draws the timeline with block bars over the incidents; Tab shows the events; / searches them', async () => {
    const audit = fakeAudit(300);
    const app = await renderConsole({ services: recoveryFakes({ audit }) });
    const frame = await open(app, 1, 'mallory.b');
    expectFits(app);
    expect(frame).toContain('Home › Audit');
    expect(frame).toMatch(/Deletions by hour · .* UTC · 300 rows/);
    expect([...frame].some((c) => (BLOCKS as readonly string[]).includes(c))).toBe(true);
    expect(frame).toContain('▲');
    expect(frame).toMatch(/▸ 21 Nov 05:58 mallory\.b\s+864 accounts_contacts 465/);
    await press(app, KEYS.tab);
    const events = await ready(app, '1/300 events');
    expect(events).toMatch(/2026-11-21 06:00:30 notes\s+c-00000\s+mallory\.b\s+hard/);
    await press(app, 'j', '/');
    await type(app, 'notes');
    await press(app, KEYS.enter);
    const found = await frameWhere(app, (f) => f.includes('4/300 events') && !f.includes('reading…'));
    expect(found).toContain('search "notes"');
    expect(found).toMatch(/▸ 2026-11-21 06:00:27 notes\s+c-00003/);
    expect(found).toMatch(/\d contacts\s+c-/);
  });

  it('Enter on an event shows the row as it was, or says the source does not keep it', async () => {
    const app = await renderConsole({ services: recoveryFakes() });
    await open(app, 1, 'mallory.b');
    await press(app, KEYS.tab);
    await ready(app, '1/300 events');
    await press(app, KEYS.enter);
    const kept = await ready(app, 'The row as it was');
    expectFits(app);
    expect(kept).toMatch(/Kind\s+hard delete: the row was removed/);
    expect(kept).toMatch(/email\s+ada0@example\.com/);
    await press(app, KEYS.escape);
    await ready(app, '1/300 events');
    await press(app, 'j', KEYS.enter);
    expect(await ready(app, 'does not keep deleted rows')).toContain('demo-history');
  });

  it('space and Enter narrow the events to a range; Esc widens again; z zooms', async () => {
    const app = await renderConsole({ services: recoveryFakes() });
    await open(app, 1, 'mallory.b');
    await press(app, KEYS.space);
    expect(await ready(app, 'range from')).toContain('(Enter: its events)');
    await press(app, KEYS.enter);
    const narrowed = await ready(app, '(Esc: the whole chart)');
    // The cursor opens on the spike (05:00): space and Enter there narrow to that hour.
    expect(narrowed).toContain('range 21 Nov 05:00–06:00 ');
    await press(app, KEYS.escape);
    expect(await frameWhere(app, (f) => !f.includes('Esc: the whole chart'))).toContain('Home › Audit');
    await press(app, 'z');
    expect(await ready(app, 'Deletions by minute')).toMatch(/▲ 21 Nov 0\d:\d\d: \d+ hard/);
  });

  it('z lands on the spike of the bucket it zooms into, not on its first (empty) bucket', async () => {
    // 300 deletions, one a second, 05:55:31–06:00:30: the 05:00 hour is the spike; by minute,
    // 05:56–05:59 hold 60 each and 05:00–05:54 none.
    const app = await renderConsole({ services: recoveryFakes() });
    await open(app, 1, 'mallory.b');
    expect(await ready(app, '▲ 21 Nov 05:00')).toMatch(/▲ 21 Nov 05:00: 269 hard/);
    await press(app, 'z');
    const byMinute = await frameWhere(app, (f) => f.includes('Deletions by minute') && f.includes('▲ 21 Nov'));
    expect(byMinute).toMatch(/▲ 21 Nov 05:56: 60 hard/);
    // And out again (minute → day): the day of the spike.
    await press(app, 'z');
    expect(await ready(app, 'Deletions by day')).toMatch(/▲ 21 Nov: 300 hard/);
  });

  it('r on an incident opens the wizard on it, at the backup step', async () => {
    const app = await renderConsole({ services: recoveryFakes() });
    await open(app, 1, 'mallory.b');
    await press(app, 'r');
    const wizard = await ready(app, 'Step 2/8');
    expect(wizard).toContain('Home › Audit › Recovery wizard');
    expect(wizard).toContain('864 rows by mallory.b');
    expect(await ready(app, '◂ proposed')).toMatch(/20261121T020000Z-postgres-crm_prod-bb02.*◂ proposed/);
  });
});

describe('Backups at 80×24', () => {
  it('lists the catalog, shows a manifest, verifies, and b runs a backup that Esc cancels safely', async () => {
    let aborted = false;
    const backups = fakeBackups();
    const run = backups.run.bind(backups);
    backups.run = (o) => {
      o?.signal?.addEventListener('abort', () => (aborted = true));
      o?.onProgress?.({ operation: 'backup', phase: 'dump', table: 'public.contacts', done: 2, total: 8, bytes: 512_000, rate: 256_000, etaSeconds: 6 });
      return run(o);
    };
    const app = await renderConsole({ services: recoveryFakes({ backups }) });
    const list = await open(app, 2, '1/3 backups');
    expectFits(app);
    expect(list).toMatch(/▸ 20261121T110000Z-postgres-crm_prod-aa01\s+ok/);
    expect(list).toMatch(/20261120T020000Z-postgres-crm_prod-cc03\s+✗ failed/);
    await press(app, 'v');
    expect(await ready(app, 'verified')).toMatch(/✓ verified 9 files \(1\.2 MB\) of 20261121T110000Z…: every sha256 matches/);
    await press(app, KEYS.enter);
    const manifest = await ready(app, 'Restore');
    expect(manifest).toMatch(/Dump\s+pg_dump 15\.4 · pg-directory · gzip level 6/);
    expect(manifest).toMatch(/public\.contacts\s+100/);
    await press(app, KEYS.escape);
    await ready(app, '1/3 backups');
    await press(app, 'b');
    const running = await ready(app, 'backup dump public.contacts');
    expect(running).toMatch(/2\/8 tables/);
    expect(running).toContain('█');
    expect(running).toContain('Esc cancels');
    // The running-work mark is set by an effect after the first progress frame: waited for.
    await ready(app, 'running: backup');
    expect(app.lines().at(-2)).toContain('running: backup');
    await press(app, 'b');
    // A second b while it runs starts nothing (and says nothing): the one backup still runs.
    expect(app.lastFrame()).toContain('running: backup');
    expect(backups.runs).toBe(1);
    await press(app, KEYS.escape);
    expect(await ready(app, 'cancelled')).toContain('nothing was kept; the catalog is as it was');
    expect(aborted).toBe(true);
    expect(app.lastFrame()).toContain('Home › Backups');
  });

  it('refuses to verify a failed backup, inline', async () => {
    const app = await renderConsole({ services: recoveryFakes() });
    await open(app, 2, '1/3 backups');
    await press(app, 'G', 'v');
    expect(await ready(app, 'only a complete backup can')).toContain('cc03 is failed');
  });
});

describe('Stage at 80×24', () => {
  it('backup, then tables: an empty selection is refused inline, r adds the related tables, Enter stages, Enter opens the diff', async () => {
    const stage = fakeStage();
    const diff = fakeDiff();
    const app = await renderConsole({ services: recoveryFakes({ stage, diff }) });
    await open(app, 3, '1/2 backups');
    await press(app, 'j', KEYS.enter);
    const tables = await ready(app, '1/4 tables');
    expectFits(app);
    expect(tables).toContain('Stage · 2/3 · tables of 20261121T020000Z-postgres-crm_prod-bb02');
    expect(tables).toMatch(/accounts\s+1,000\s+66 kB yes/);
    await press(app, KEYS.enter);
    expect(await ready(app, 'no table selected')).toContain('space selects');
    expect(stage.runs).toHaveLength(0);
    await press(app, '/');
    await type(app, 'cont');
    await press(app, KEYS.enter);
    expect(await ready(app, '2/4 tables')).toMatch(/▸ \[ \] accounts_contacts/);
    await press(app, 'n');
    expect(await ready(app, '3/4 tables')).toMatch(/\bnotes\b/);
    await press(app, KEYS.escape);
    await frameWhere(app, (f) => !f.includes('search "cont"'));
    await press(app, KEYS.space);
    expect(await ready(app, 'Related in this backup')).toContain('accounts_contacts, notes (r selects them)');
    await press(app, 'r');
    expect(await ready(app, '3 selected')).toContain('added public.accounts_contacts, public.notes');
    await press(app, KEYS.enter);
    const done = await ready(app, 'Staged 3 table(s)');
    expect(done).toContain('Enter: compare them with live (Diff)');
    expect(stage.runs[0].tables.sort()).toEqual(['public.accounts_contacts', 'public.contacts', 'public.notes']);
    await press(app, KEYS.enter);
    expect(await ready(app, 'Home › Stage › Diff')).toContain('deleted 465');
    expect(diff.opened[0].backupId).toBe('20261121T020000Z-postgres-crm_prod-bb02');
  });
});

describe('Diff at 80×24', () => {
  /** The diff screen on a set, opened through the merge-free route (as the wizard's d does). */
  async function diffOn(rows: number): Promise<{ app: TestApp; set: ReturnType<typeof fakeDiffSet> }> {
    const set = fakeDiffSet([diffTable('contacts', { deleted: rows, added: 2 }), diffTable('accounts', { softDeleted: 8 })]);
    const app = await renderConsole({ services: recoveryFakes({ diff: fakeDiff(set) }) });
    await open(app, 4, '1/2 backups');
    await press(app, KEYS.enter);
    await ready(app, '1/4 tables');
    await press(app, KEYS.space, KEYS.enter);
    await frameWhere(app, (f) => f.includes('deleted rows') && !f.includes('reading…'));
    return { app, set };
  }

  it('renders the same lines for 10 and 100,000 differences, reading only what it shows', async () => {
    const small = await diffOn(10);
    const big = await diffOn(100_000);
    const shape = (app: TestApp) => app.lines().map((l) => l.replace(/[\d,]+/g, '#').replace(/\s+$/, ''));
    expect(big.app.lines()).toHaveLength(23);
    expect(small.app.lines()).toHaveLength(23);
    expect(big.app.lastFrame()).toContain('1/100,000 deleted rows');
    expect(small.app.lastFrame()).toContain('1/10 deleted rows');
    expect(shape(big.app).slice(0, 5)).toEqual(shape(small.app).slice(0, 5));
    expect(big.app.lines().filter((l) => /^[ ▸] \[[ x]\] \d/.test(l))).toHaveLength(14);
    expect(big.set.reads.reduce((n, r) => n + Math.min(r.limit, 256), 0)).toBeLessThanOrEqual(512);
    await press(big.app, 'G');
    expect(await ready(big.app, '100,000/100,000 deleted rows')).toMatch(/▸ \[ \] 100000\s/);
    // One read: from the last key it knows (the end of block 0), the server skips to block 390.
    expect(big.set.reads.at(-1)).toMatchObject({ after: 256, skip: (390 - 1) * 256 });
    for (let i = 0; i < 20; i++) await press(big.app, 'k');
    expect(await ready(big.app, '99,980/100,000')).toContain('99980');
    expect(big.set.reads.length).toBeLessThanOrEqual(4);
  });

  it('space and a choose rows; added rows and an empty selection are refused inline; Enter shows a row column by column', async () => {
    const { app } = await diffOn(50);
    await press(app, 'm');
    expect(await ready(app, 'nothing chosen yet')).toContain('Home › Diff');
    await press(app, KEYS.space, 'j', KEYS.space);
    expect(await ready(app, 'Chosen: contacts 2')).toContain('[x] 1');
    await press(app, 'a');
    expect(await ready(app, 'Chosen: contacts 50')).toContain('50 selected');
    await press(app, KEYS.tab, KEYS.tab, KEYS.tab);
    await ready(app, '/2 added rows');
    await press(app, KEYS.space);
    expect(await ready(app, 'never deletes live rows')).toContain('[ ] 1');
    await press(app, 'l');
    const accounts = await ready(app, '▸ soft-deleted 8');
    expect(accounts).toMatch(/deleted: 0 → 1/);
    expect(accounts).toContain('Chosen: contacts 50 (m: merge)');
    await press(app, KEYS.enter);
    const row = await ready(app, 'a merge inserts it back');
    expect(row).toMatch(/first_name\s+≠ Ada\s+—/);
  });
});

describe('Merge at 80×24', () => {
  async function planned(merge = fakeMerge()): Promise<{ app: TestApp; merge: ReturnType<typeof fakeMerge> }> {
    const set = fakeDiffSet([diffTable('contacts', { deleted: 319 })]);
    const app = await renderConsole({ services: recoveryFakes({ diff: fakeDiff(set), merge }) });
    await open(app, 4, '1/2 backups');
    await press(app, KEYS.enter);
    await ready(app, '1/4 tables');
    await press(app, KEYS.space, KEYS.enter);
    await ready(app, 'deleted rows');
    await press(app, 'a', 'm');
    await ready(app, 'Total: 319 to insert');
    return { app, merge };
  }

  it('shows the plan (a dry run) and its SQL, says an apply cannot be cancelled, and refuses a wrong database name', async () => {
    const { app, merge } = await planned();
    const plan = app.lastFrame() ?? '';
    expectFits(app);
    expect(plan).toContain('Home › Diff › Merge');
    expect(plan).toContain('rolled back, nothing written yet');
    expect(plan).toMatch(/public\.contacts\s+319\s+0\s+0\s+selection/);
    expect(plan).toContain('Once committed an apply cannot be cancelled');
    await press(app, 's');
    expect(await ready(app, 'INSERT INTO')).toContain('-- public.contacts: 319 inserts, 0 updates, 0 skipped');
    await press(app, 's', KEYS.enter);
    await ready(app, 'Type the database name');
    await type(app, 'crm_test');
    await press(app, KEYS.enter);
    expect(await ready(app, 'type crm_prod exactly')).toContain('> crm_test');
    expect(merge.applied).toBe(0);
    await press(app, KEYS.escape);
    await frameWhere(app, (f) => !f.includes('Type the database name'));
    expect(merge.applied).toBe(0);
    await press(app, KEYS.enter);
    await ready(app, 'Type the database name');
    await type(app, 'crm_prod');
    await press(app, KEYS.enter);
    const result = await ready(app, 'applied 1 merge:');
    expect(result).toMatch(/319 inserted, 0 updated · verify: all 319 rows match/);
    expect(merge.applied).toBe(1);
  });

  it('p plans again with another policy; leaving closes the plan', async () => {
    const { app, merge } = await planned();
    await press(app, 'p');
    expect(await ready(app, 'on conflict: skip')).toBeTruthy();
    await frameWhere(app, () => merge.planned.length === 2);
    expect(merge.closed).toBe(1);
    await press(app, KEYS.escape);
    await frameWhere(app, () => merge.closed === 2);
    expect(merge.closed).toBe(2);
  });

  it('the journal offers only keys that act there: no Enter apply, no Tab (nothing to switch to), no s or p', async () => {
    const merge = fakeMerge();
    const app = await renderConsole({ services: recoveryFakes({ merge }) });
    await open(app, 5, 'mrg_20261121090000_ab12');
    // u acts once the journal has a merge under the cursor.
    const journal = await frameWhere(app, (f) => f.split('\n').at(-1)?.includes('u undo') ?? false);
    const footer = app.lines().at(-1) ?? '';
    for (const idle of ['Enter apply', 'Tab pane', 's sql', 'p policy']) expect(footer).not.toContain(idle);
    expect(journal).toContain('u: undo the merge under the cursor');
    expect(journal).not.toContain('Tab: plan');
    // They would indeed do nothing here.
    await press(app, KEYS.enter, KEYS.tab, 's', 'p');
    expect(app.lastFrame()).toBe(journal);
    expect(merge.applied).toBe(0);
  });

  it('with a plan, each pane offers its own keys: Enter apply on the plan, u undo on the journal, Tab on both', async () => {
    const { app } = await planned();
    const planFooter = app.lines().at(-1) ?? '';
    expect(planFooter).toContain('Enter apply');
    expect(planFooter).toContain('Tab pane');
    expect(planFooter).not.toContain('u undo');
    await press(app, KEYS.tab);
    const journal = await frameWhere(app, (f) => f.includes('Merges applied to crm_prod') && (f.split('\n').at(-1)?.includes('u undo') ?? false));
    const footer = app.lines().at(-1) ?? '';
    expect(footer).toContain('Tab pane');
    expect(footer).toContain('u undo');
    expect(footer).not.toContain('Enter apply');
    expect(journal).toContain('Tab: plan');
    await press(app, KEYS.tab);
    await frameWhere(app, (f) => f.includes('Dry run of 1 merge(s)') && (f.split('\n').at(-1)?.includes('Enter apply') ?? false));
    expect(app.lines().at(-1)).not.toContain('u undo');
  });

  it('undoes a merge of the journal after the database name is typed', async () => {
    const merge = fakeMerge();
    const app = await renderConsole({ services: recoveryFakes({ merge }) });
    await open(app, 5, 'mrg_20261121090000_ab12');
    expectFits(app);
    await press(app, 'u');
    await ready(app, 'Undo mrg_20261121090000_ab12 on crm_prod');
    await type(app, 'crm_prod');
    await press(app, KEYS.enter);
    expect(await ready(app, 'undone: 3 inserted rows deleted')).toBeTruthy();
    expect(merge.undone).toEqual(['mrg_20261121090000_ab12']);
  });
});

describe('the recovery wizard at 80×24', () => {
  function services(): ConsoleServices & { merge: ReturnType<typeof fakeMerge>; stage: ReturnType<typeof fakeStage> } {
    return recoveryFakes({ stage: fakeStage(), merge: fakeMerge() }) as never;
  }

  it('walks incident → backup → stage → diff → rows → plan → apply → verify, one plain line per step', async () => {
    const s = services();
    const app = await renderConsole({ services: s });
    const first = await open(app, 0, 'Describe');
    expectFits(app);
    expect(first).toContain('Step 1/8');
    expect(flat(first)).toContain('Nothing is changed.');
    await press(app, KEYS.enter);
    expect(flat(await ready(app, '◂ proposed'))).toContain('the backup itself is never changed');
    // Staging needs no choice: one Enter arrives and it runs.
    await press(app, KEYS.enter);
    const staged = await ready(app, 'staged 4 table(s)');
    expect(staged).toContain('Step 3/8');
    expect(flat(staged)).toContain('Live tables are not touched');
    expect(s.stage.runs).toEqual([{ tables: ['accounts_contacts', 'contacts', 'notes', 'accounts'], withRelated: true }]);
    // So does the diff.
    await press(app, KEYS.enter);
    const diff = await ready(app, 'accounts_contacts              465');
    expect(diff).toMatch(/accounts\s+0\s+8\s+0\s+0/);
    expect(flat(diff)).toContain('Step 4/8');
    expect(flat(diff)).toContain('Read only: nothing is written.');
    await press(app, KEYS.enter);
    const rows = await ready(app, 'Step 5/8');
    expect(rows).toMatch(/\[x\] contacts\s+deleted\s+319 insert them back/);
    expect(rows).toMatch(/\[x\] accounts\s+soft-deleted\s+8 clear the deleted mark/);
    await press(app, KEYS.enter);
    expect(flat(await ready(app, 'Step 6/8'))).toContain('Nothing is written until you type the database name');
    await ready(app, 'Total:');
    expect(s.merge.planned[0].map((x) => x.table).sort()).toEqual(['public.accounts', 'public.accounts_contacts', 'public.contacts', 'public.notes']);
    await press(app, KEYS.enter);
    await ready(app, 'Type the database name');
    await type(app, 'crm_prod');
    await press(app, KEYS.enter);
    const verify = await ready(app, 'Step 8/8');
    expect(verify).toContain('all match');
    await press(app, 'G');
    expect(await ready(app, 'before → after')).toMatch(/contacts: deleted 319 → 0/);
    await press(app, KEYS.enter);
    expect(await ready(app, 'Actions')).toContain('▸ Recovery wizard');
  });

  it('one Enter per step: the dry run shows its progress and offers no apply until done; the apply shows its progress and running line until it ends', async () => {
    const plan = gate();
    const apply = gate();
    const merge = fakeMerge({ plan, apply });
    // The differences counted again after the apply, held too.
    const set = incidentDiff();
    const recount = set.recount.bind(set);
    const recounted = gate();
    set.recount = async () => {
      await recounted.passed;
      return recount();
    };
    const s = recoveryFakes({ merge, diff: fakeDiff(set) });
    const app = await renderConsole({ services: s });
    await open(app, 0, 'Describe');
    await press(app, KEYS.enter);
    await ready(app, '◂ proposed');
    await press(app, KEYS.enter);
    expect(await ready(app, 'staged 4 table(s)')).toContain('Enter: compare with live · ←: step back · Esc: leave');
    await press(app, KEYS.enter);
    await ready(app, 'accounts_contacts              465');
    await press(app, KEYS.enter);
    await ready(app, 'Step 5/8');
    await press(app, KEYS.enter);
    // Held half-way through the dry run: its progress counts the plan's four tables and rows.
    const planning = await ready(app, 'merge dry run');
    const [, done, total] = /2\/4 tables · ([\d,]+)\/([\d,]+) rows/.exec(planning) ?? [];
    // 319 deleted rows of each of three tables, 8 soft-deleted accounts; the bar follows the rows.
    expect(Number(total.replace(',', ''))).toBe(3 * 319 + 8);
    expect(planning).toContain(`${Math.floor((Number(done.replace(',', '')) / (3 * 319 + 8)) * 100)}%`);
    expect(flat(planning)).not.toContain('ran in a transaction that was rolled back');
    expect(planning).not.toContain('Enter: apply');
    expect(planning).toContain('Esc: cancel (always safe)');
    // Enter while it plans opens nothing.
    await press(app, KEYS.enter);
    expect(app.lastFrame()).not.toContain('Type the database name');
    plan.open();
    const planned = await ready(app, 'Total:');
    expect(flat(planned)).toContain('ran in a transaction that was rolled back');
    expect(planned).toContain('Enter: apply…');
    expect(merge.planned).toHaveLength(1);
    // One Enter opens the confirmation.
    await press(app, KEYS.enter);
    await ready(app, 'Type the database name');
    await type(app, 'crm_prod');
    await press(app, KEYS.enter);
    // Held half-way: the apply's progress, as the dry run's.
    const applying = await frameWhere(app, (f) => /merge apply .*2\/4 tables · [\d,]+\/965 rows/.test(f), undefined, "the apply's progress");
    expect(applying).toContain('Step 7/8');
    expect(applying).toContain('running: merge apply');
    expect(applying).toContain('applying: it cannot be cancelled; wait for it to end');
    // Esc cancels nothing while it applies.
    await press(app, KEYS.escape);
    expect(await ready(app, 'wait for it to end')).toContain('Step 7/8');
    apply.open();
    // Applied; until the recount ends the wizard is still at work, and says so.
    const counting = await ready(app, 'running: the recount after the merge');
    expect(counting).toContain('Step 7/8');
    expect(counting).not.toContain('running: merge apply');
    expect(counting).toContain('wait for it to end');
    recounted.open();
    const verify = await ready(app, 'Step 8/8');
    expect(verify).toContain('all match');
    expect(verify).not.toContain('applying');
    expect(merge.applied).toBe(1);
  });

  it('Esc cancels the dry run on arrival safely: no apply offer, and Enter plans again', async () => {
    const plan = gate();
    const merge = fakeMerge({ plan });
    const app = await renderConsole({ services: recoveryFakes({ merge }) });
    await open(app, 0, 'Describe');
    await press(app, KEYS.enter);
    await ready(app, '◂ proposed');
    await press(app, KEYS.enter);
    await ready(app, 'staged 4 table(s)');
    await press(app, KEYS.enter);
    await ready(app, 'accounts_contacts              465');
    await press(app, KEYS.enter);
    await ready(app, 'Step 5/8');
    await press(app, KEYS.enter);
    await ready(app, 'merge dry run');
    await press(app, KEYS.escape);
    const cancelled = await ready(app, 'planning cancelled: nothing in live changed');
    expect(cancelled).toContain('Step 6/8');
    expect(cancelled).toContain('Enter: plan again');
    expect(cancelled).not.toContain('Enter: apply');
    expect(flat(cancelled)).not.toContain('ran in a transaction that was rolled back');
    // Enter plans again (not an apply): this time the dry run completes.
    plan.open();
    await press(app, KEYS.enter);
    const planned = await ready(app, 'Total:');
    expect(planned).toContain('Enter: apply…');
    expect(merge.planned).toHaveLength(2);
    expect(merge.applied).toBe(0);
  });

  it('the rows step refuses to plan nothing; ← steps back; Esc leaves and opening again resumes', async () => {
    const s = services();
    const app = await renderConsole({ services: s });
    await open(app, 0, 'Describe');
    await press(app, KEYS.enter);
    await ready(app, '◂ proposed');
    await press(app, KEYS.enter);
    await ready(app, 'staged 4');
    await press(app, KEYS.enter);
    await ready(app, 'accounts_contacts              465');
    await press(app, KEYS.enter);
    await ready(app, 'Step 5/8');
    for (let i = 0; i < 4; i++) await press(app, KEYS.space, 'j');
    expect(await ready(app, '[ ] accounts')).not.toContain('[x]');
    await press(app, KEYS.enter);
    expect(await ready(app, 'no rows chosen')).toContain('Step 5/8');
    expect(s.merge.planned).toHaveLength(0);
    await press(app, 'h');
    expect(await ready(app, 'Step 4/8')).toContain('accounts_contacts              465');
    await press(app, KEYS.escape);
    const home = await ready(app, 'Actions');
    expect(home).toMatch(/Recovery wizard\s+resume at step 4\/8 \(diff\)/);
    await press(app, 'g', KEYS.enter);
    expect(await ready(app, 'Step 4/8')).toContain('accounts_contacts              465');
  });

  it('describe the loss: an unknown table is refused inline, then a known one finds the backup', async () => {
    const app = await renderConsole({ services: services() });
    await open(app, 0, 'Describe');
    await press(app, 'j', KEYS.enter);
    await ready(app, 'Step 1/8');
    await ready(app, 'Table');
    await type(app, 'contcts');
    await press(app, KEYS.enter);
    expect(await ready(app, 'no table "contcts"')).toContain('Step 1/8');
    await press(app, KEYS.backspace, KEYS.backspace, KEYS.backspace, KEYS.backspace, KEYS.backspace, KEYS.backspace, KEYS.backspace);
    await type(app, 'contacts');
    await press(app, KEYS.tab);
    await press(app, '\x15');
    await type(app, 'yesterday');
    await press(app, KEYS.enter);
    expect(await ready(app, 'From: ')).toMatch(/not a time/);
    await press(app, '\x15');
    await type(app, '2026-11-21T05:00');
    await press(app, KEYS.enter);
    const backup = await ready(app, 'Step 2/8');
    expect(backup).toMatch(/Loss: contacts between 2026-11-21 05:00 and/);
  });
});
