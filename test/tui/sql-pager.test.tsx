import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderMergeSql } from '../../src/merge/sql-text.js';
import { fileServices } from '../../src/tui/services-files.js';
import type { MergePlan, MergeServices } from '../../src/tui/services.js';
import { useClock } from '../helpers/clock.js';
import { NOW, diffTable, fakeDiff, fakeDiffSet, fakeMerge, recoveryFakes } from './fake-recovery.js';
import { KEYS, frameWhere, press, renderConsole, type TestApp } from './helpers.js';

// The fakes' data is dated around NOW: the console's clock is stopped there, whatever today is.
// eslint-disable-next-line react-hooks/rules-of-hooks -- useClock is a vitest helper (beforeEach/afterEach), not a React hook
useClock(NOW);

/** Longer than 80 columns, ending with words the first 80 columns never show. */
const LONG_INSERT =
  'INSERT INTO "public"."contacts" ("id", "first_name", "last_name", "account_id", "email", "phone", "date_modified") SELECT s."id", s."first_name", s."last_name", s."account_id", s."email", s."phone", s."date_modified" FROM "crm_rescue_b1"."contacts" s JOIN "crm_rescue_b1"."sel_contacts" x ON s."id" = x."id" WHERE x.crm_rescue_op = \'insert\' ORDER BY x.crm_rescue_seq';
const AFTER_CONTACTS =
  'INSERT INTO "crm_rescue"."mrg_0_after" ("id", "crm_rescue_op", "crm_rescue_kind") SELECT l."id", x.crm_rescue_op, x.crm_rescue_kind FROM "public"."contacts" l JOIN "crm_rescue_b1"."sel_contacts" x ON l."id" = x."id"';
const UPDATE_RELATIONS =
  'UPDATE "public"."accounts_contacts" AS l SET "deleted" = s."deleted" FROM "crm_rescue_b1"."accounts_contacts" s JOIN "crm_rescue_b1"."sel_accounts_contacts" x ON x."id" = s."id" WHERE l."id" = s."id" AND x.crm_rescue_op = \'update\'';

/** The fake merge, its plan holding two tables and statements longer than the terminal. */
function longSqlMerge(): MergeServices & { plans: MergePlan[] } {
  const base = fakeMerge();
  const plans: MergePlan[] = [];
  return {
    ...base,
    plans,
    async plan(request, options) {
      const p = await base.plan(request, options);
      const plan: MergePlan = {
        ...p,
        totals: { inserted: 319, updated: 8, skipped: 1 },
        merges: p.merges.map((m) => ({
          ...m,
          tables: [
            { table: 'contacts', inserts: 319, updates: 0, skipped: 0, conflicts: {}, via: 'selection' },
            { table: 'accounts_contacts', inserts: 0, updates: 8, skipped: 1, conflicts: { 'key-exists': 1 }, via: 'contacts.id' },
          ],
          sql: [LONG_INSERT, AFTER_CONTACTS, UPDATE_RELATIONS],
        })),
      };
      plans.push(plan);
      return plan;
    },
  };
}

/** → as a terminal sends it. */
const RIGHT = '\x1b[C';

function flat(text: string): string {
  return text.replace(/\s+/g, ' ');
}

/** The line of the frame `offset` lines under the pager's title. */
function pagerLine(app: TestApp, offset: number): string {
  const lines = app.lines();
  const title = lines.findIndex((l) => l.includes('SQL of the plan for crm_prod'));
  expect(title).toBeGreaterThanOrEqual(0);
  return lines[title + offset] ?? '';
}

describe('the SQL pager of the Merge screen at 80×24', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crm-rescue-sql-pager-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function planned(): Promise<{ app: TestApp; merge: ReturnType<typeof longSqlMerge> }> {
    const merge = longSqlMerge();
    const set = fakeDiffSet([diffTable('contacts', { deleted: 319 })]);
    const files = fileServices({ CRM_RESCUE_HOME: join(dir, 'home') }, { home: dir, cwd: dir });
    const app = await renderConsole({ services: { ...recoveryFakes({ diff: fakeDiff(set), merge }), files } });
    await frameWhere(app, (f) => f.includes('crm_prod') && !f.includes('reading…'));
    await press(app, 'g', 'j', 'j', 'j', 'j', KEYS.enter);
    await frameWhere(app, (f) => f.includes('1/2 backups') && !f.includes('reading…'));
    await press(app, KEYS.enter);
    await frameWhere(app, (f) => f.includes('1/4 tables') && !f.includes('reading…'));
    await press(app, KEYS.space, KEYS.enter);
    await frameWhere(app, (f) => f.includes('deleted rows') && !f.includes('reading…'));
    await press(app, 'a', 'm');
    await frameWhere(app, (f) => f.includes('Total: 319 to insert'));
    return { app, merge };
  }

  it('shows every statement whole, wrapped to 80 columns, under its table and counts; ] and [ go statement by statement', async () => {
    const { app } = await planned();
    await press(app, 's');
    const frame = await frameWhere(app, (f) => f.includes('SQL of the plan for crm_prod'));
    for (const l of app.lines()) expect([...l].length).toBeLessThanOrEqual(80);
    expect(frame).toContain('-- contacts: 319 inserts, 0 updates, 0 skipped');
    // Wrapped: the whole statement reads on screen, its tail too.
    expect(flat(frame)).toContain(flat(`${LONG_INSERT};`));
    expect(frame).toContain('statement 0 of 3');
    const footer = app.lines().at(-1) ?? '';
    expect(footer).toContain('[] statement');
    expect(footer).toContain('Esc close');

    await press(app, ']');
    await frameWhere(app, (f) => f.includes('statement 1 of 3'));
    expect(pagerLine(app, 1)).toBe('-- contacts: 319 inserts, 0 updates, 0 skipped');
    await press(app, ']');
    await frameWhere(app, (f) => f.includes('statement 2 of 3'));
    expect(pagerLine(app, 1)).toMatch(/^INSERT INTO "crm_rescue"\."mrg_0_after"/);
    await press(app, ']');
    await frameWhere(app, (f) => f.includes('statement 3 of 3'));
    expect(pagerLine(app, 1)).toBe('-- accounts_contacts: 0 inserts, 8 updates, 1 skipped');
    expect(flat(app.lastFrame() ?? '')).toContain(flat(`${UPDATE_RELATIONS};`));
    await press(app, '[');
    await frameWhere(app, (f) => f.includes('statement 2 of 3'));
    expect(pagerLine(app, 1)).toMatch(/^INSERT INTO "crm_rescue"\."mrg_0_after"/);

    // ? lists the pager's own keys; Esc closes the help, then the pager.
    await press(app, '?');
    const help = await frameWhere(app, (f) => f.includes('Keys ·'));
    expect(help).toContain('SQL: the next statement');
    expect(help).toContain('SQL: wrap long lines to the width');
    await press(app, KEYS.escape);
    await frameWhere(app, (f) => f.includes('statement 2 of 3') && !f.includes('Keys ·'));
    await press(app, KEYS.escape);
    // The footer is drawn with the plan's frame or the one after it: wait for it, not for the first frame.
    const back = await frameWhere(
      app,
      (f) => f.includes('Total: 319 to insert') && !f.includes('SQL of the plan') && f.trimEnd().split('\n').at(-1)!.includes('Enter apply'),
    );
    expect(back.trimEnd().split('\n').at(-1)).toContain('Enter apply');
  });

  it('not wrapped (t), a long statement is cut at the width and read whole by scrolling right', async () => {
    const { app } = await planned();
    await press(app, 's', ']', 't');
    await frameWhere(app, (f) => f.includes('not wrapped, from column 1'));
    // The statement's line sits under its table's heading.
    const first = pagerLine(app, 2);
    // Its first 80 columns (the frame drops a trailing space).
    expect(first).toBe(LONG_INSERT.slice(0, 80).trimEnd());
    const seen = new Map<number, string>();
    let column = 1;
    for (;;) {
      const line = pagerLine(app, 2);
      [...line].forEach((c, i) => seen.set(column - 1 + i, c));
      // The window reaches the statement's end (`;`): all of it was seen.
      if (column - 1 + 80 >= LONG_INSERT.length + 1) break;
      await press(app, RIGHT);
      const before = column;
      const next = await frameWhere(app, (f) => Number(/from column (\d+)/.exec(f)?.[1]) > before, undefined, 'the SQL scrolled right');
      column = Number(/from column (\d+)/.exec(next)![1]);
    }
    expect(column).toBeGreaterThan(1);
    const read = [...seen.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([, c]) => c)
      .join('');
    expect(read).toBe(`${LONG_INSERT};`);
    await press(app, 't');
    await frameWhere(app, (f) => !f.includes('not wrapped') && flat(f).includes(flat(`${LONG_INSERT};`)));
  });

  it('w writes the text merge --sql prints for the plan to the proposed file, mode 0600, and the status line says where', async () => {
    const { app, merge } = await planned();
    await press(app, 's', 'w');
    await frameWhere(app, (f) => f.includes('Write the SQL to:'));
    await press(app, KEYS.enter);
    const done = await frameWhere(app, (f) => f.includes('SQL written to'));
    const path = join(dir, 'home', 'sql', 'crm_prod-mrg_20261121120000_0000.sql');
    expect(flat(done)).toContain(`SQL written to ${path.slice(0, 30)}`);
    const plan = merge.plans.at(-1)!;
    expect(readFileSync(path, 'utf8')).toBe(renderMergeSql(plan.database, plan.merges));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    // The pager is still open, its path field closed.
    expect(done).toContain('statement 0 of 3');
  });

  it('w on the plan asks for a path (Tab completes) and writes over a file already there, made 0600', async () => {
    const { app, merge } = await planned();
    const path = join(dir, 'plan.sql');
    writeFileSync(path, 'old', { mode: 0o644 });
    await press(app, 'w');
    await frameWhere(app, (f) => f.includes('Write the SQL to:'));
    await press(app, '\x15', ...`${dir}/pla`.split(''), KEYS.tab);
    await frameWhere(app, (f) => f.includes('plan.sql'));
    await press(app, KEYS.enter);
    await frameWhere(app, (f) => f.includes('SQL written to'));
    const plan = merge.plans.at(-1)!;
    expect(readFileSync(path, 'utf8')).toBe(renderMergeSql(plan.database, plan.merges));
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('the apply dialog lists each table with its counts, says where to read the SQL, and its title has no ✗', async () => {
    const { app, merge } = await planned();
    await press(app, KEYS.enter);
    const dialog = await frameWhere(app, (f) => f.includes('Type the database name'));
    expect(dialog).toContain('Apply 327 rows in 2 tables to crm_prod, one transaction');
    expect(dialog).not.toContain('✗');
    expect(dialog).toMatch(/TABLE\s+INSERT\s+UPDATE\s+SKIP/);
    expect(dialog).toMatch(/contacts\s+319\s+0\s+0/);
    expect(dialog).toMatch(/accounts_contacts\s+0\s+8\s+1/);
    expect(dialog.replace(/[│\s]+/g, ' ')).toContain('Esc, then s: the SQL, w: write it.');
    for (const l of app.lines()) expect([...l].length).toBeLessThanOrEqual(80);
    await press(app, KEYS.escape);
    await frameWhere(app, (f) => !f.includes('Type the database name'));
    expect(merge.plans).toHaveLength(1);
  });
});

describe('the SQL pager and the apply dialog of the wizard at 80×24', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crm-rescue-sql-wizard-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const ready = (app: TestApp, text: string) => frameWhere(app, (f) => f.includes(text) && !f.includes('reading…'), undefined, JSON.stringify(text));

  it('s reads the plan whole, Esc comes back to the plan step, the dialog lists the tables, w writes the file', async () => {
    const merge = fakeMerge();
    const files = fileServices({ CRM_RESCUE_HOME: join(dir, 'home') }, { home: dir, cwd: dir });
    const app = await renderConsole({ services: { ...recoveryFakes({ merge }), files } });
    await ready(app, 'crm_prod');
    await press(app, 'g', KEYS.enter);
    await ready(app, 'Describe');
    await press(app, KEYS.enter);
    await ready(app, '◂ proposed');
    await press(app, KEYS.enter);
    await ready(app, 'staged 4');
    await press(app, KEYS.enter);
    await ready(app, 'accounts_contacts              465');
    await press(app, KEYS.enter);
    await ready(app, 'Step 5/8');
    await press(app, KEYS.enter);
    await ready(app, 'Total:');
    expect(app.lastFrame()).toContain('s: SQL · w: write SQL · p: policy (abort)');

    await press(app, 's');
    const sql = await ready(app, 'SQL of the plan for crm_prod');
    expect(sql).toContain('-- public.contacts: 319 inserts, 0 updates, 0 skipped');
    expect(sql).toContain('INSERT INTO "public"."contacts" SELECT …;');
    expect(app.lines().at(-1)).toContain('t wrap');
    await press(app, KEYS.escape);
    await frameWhere(app, (f) => f.includes('Step 6/8') && f.includes('Total:') && !f.includes('SQL of the plan'));

    await press(app, KEYS.enter);
    const dialog = await ready(app, 'Type the database name');
    expect(dialog).toMatch(/Apply [\d,]+ rows? in \d+ tables? to crm_prod, one transaction/);
    expect(dialog).not.toContain('✗');
    expect(dialog).toMatch(/public\.contacts\s+319\s+0\s+0/);
    expect(dialog).toMatch(/public\.accounts\s+0\s+8\s+0/);
    expect(dialog.replace(/[│\s]+/g, ' ')).toContain('Esc, then s: the SQL, w: write it.');
    await press(app, KEYS.escape);
    await frameWhere(app, (f) => !f.includes('Type the database name'));

    await press(app, 'w');
    await ready(app, 'Write the SQL to:');
    await press(app, KEYS.enter);
    await ready(app, 'SQL written to');
    const path = join(dir, 'home', 'sql', 'crm_prod-mrg_20261121120000_0000.sql');
    const planned = merge.planned.at(-1)!;
    expect(planned.length).toBeGreaterThan(1);
    const text = readFileSync(path, 'utf8');
    expect(text).toMatch(/^-- The SQL that writes crm_prod: \d+ statements on \d+ tables/);
    for (const s of planned) expect(text).toContain(`-- ${s.table}: `);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(merge.applied).toBe(0);
  });
});
