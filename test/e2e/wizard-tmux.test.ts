import mysql from 'mysql2/promise';
import pg from 'pg';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stagingNamespace } from '../../src/dialect/namespaces.js';
import { demoWithBackup, type DemoWithBackup } from '../helpers/console-demo.js';
import { makeSandbox } from '../helpers/flow.js';
import { engines, MYSQL_ADMIN_URL, PG_ADMIN_URL } from '../helpers/servers.js';
import { dropMysqlCompanions, uniqueName } from '../helpers/temp-db.js';
import { saveScreen, TmuxConsole } from '../helpers/tmux.js';

/**
 * The recovery wizard as an admin runs it: the built binary in tmux at 80×24 on the demo CRM
 * after its incident, driven key by key from the incident to a verified merge; then the
 * database must have every deleted row back. The PostgreSQL run writes each screen it passes
 * to docs/screens/.
 */
describe.each(engines)('%s: the recovery wizard in tmux at 80×24', (engine) => {
  let sb: ReturnType<typeof makeSandbox>;
  const name = uniqueName('wiz');
  const docs = engine === 'postgres';
  const save = (screen: string, shot: string) => docs && saveScreen(screen, shot);
  let demo: DemoWithBackup;
  let term: TmuxConsole;
  let query: <T>(sql: string) => Promise<T[]>;

  beforeAll(async () => {
    // Made here, not at collection: a suite filtered out leaves no folder behind.
    sb = makeSandbox(`wizard-${engine}`);
    demo = await demoWithBackup(sb.run, engine, name, 2000);
    term = new TmuxConsole(sb.home);
    query = engine === 'postgres' ? pgQuery(demo.url) : myQuery(demo.url);
  }, 600_000);

  afterAll(async () => {
    term?.kill();
    if (engine === 'postgres') {
      const a = new pg.Client({ connectionString: `${PG_ADMIN_URL}/postgres` });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await a.end();
    } else {
      const a = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
      await a.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await dropMysqlCompanions(a, name);
      await a.end();
    }
    sb?.cleanup();
  });

  it('walks incident → backup → stage → diff → rows → plan → apply → verify, and the deleted rows are back', async () => {
    const { incident } = demo;
    expect(incident.deletedContacts).toBeGreaterThan(0);
    term.start(demo.url, { HOME: sb.home, CRM_RESCUE_HOME: sb.env.CRM_RESCUE_HOME, XDG_CONFIG_HOME: sb.env.XDG_CONFIG_HOME });
    const home = await term.waitFor((s) => s.includes('spike') && s.includes(demo.backup));
    save('home-demo', home);
    expect(home).toMatch(/Deletions\s+! .*spike/);
    expect(home).toMatch(/Audit\s+spike .* rows → its timeline/);

    term.keys('Enter');
    const step1 = await term.waitFor('mallory.b');
    save('wizard-1-incident', step1);
    expect(step1).toContain('Step 1/8');
    expect(step1).toMatch(
      new RegExp(`mallory\\.b\\s+${incident.deletedContacts + incident.deletedRelationRows + incident.deletedNotes + incident.softDeletedAccounts}\\b`),
    );

    term.keys('Enter');
    const step2 = await term.waitFor('◂ proposed');
    save('wizard-2-backup', step2);
    expect(step2).toContain('Step 2/8');
    expect(step2).toMatch(new RegExp(`▸ ${demo.backup.slice(0, 30)}.*◂ proposed`));
    // The demo backs up just before its incident, whose history is dated over the two minutes
    // before it ends: the wizard proposes that backup and says it was taken during the deletions.
    expect(step2).toMatch(
      /taken during the deletions \(\d\d:\d\d:\d\d UTC\): rows deleted before may be missing|Proposed: the newest backup taken before the loss began/,
    );

    // One Enter per step: staging and the diff need no choice, they start on arrival.
    term.keys('Enter');
    const step3 = await term.waitFor('Step 3/8');
    save('wizard-3-stage', step3);
    expect(step3.replace(/\s+/g, ' ')).toContain('Live tables are not touched');
    const staged = await term.waitFor('Enter: compare with live', 180_000);
    save('wizard-3-staged', staged);
    expect(staged).toMatch(/✓ staged \d+ table\(s\) into crm_rescue_stage_/);

    term.keys('Enter');
    const step4 = await term.waitFor((s) => s.includes('Step 4/8') && s.includes('Enter: choose the rows to bring back'), 180_000);
    save('wizard-4-diff', step4);
    expect(step4).toMatch(new RegExp(`contacts\\s+${incident.deletedContacts}\\s+0\\s+0\\s+0`));
    expect(step4).toMatch(new RegExp(`accounts\\s+0\\s+${incident.softDeletedAccounts}\\s+0\\s+0`));

    term.keys('Enter');
    const step5 = await term.waitFor('Step 5/8');
    save('wizard-5-rows', step5);
    expect(step5).toMatch(new RegExp(`\\[x\\] contacts\\s+deleted\\s+${incident.deletedContacts} insert them back`));
    expect(step5).toMatch(/\[x\] accounts\s+soft-deleted\s+\d+ clear the deleted mark/);

    // The rows, from the wizard: the Diff screen and one row, column by column.
    term.keys('d');
    const diff = await term.waitFor((s) => s.includes('Home › Recovery wizard › Diff') && s.includes('deleted rows'));
    save('diff', diff);
    // / searches what the list shows: the last deleted contact's key, beyond the rows read yet.
    const ns0 = stagingNamespace(name, demo.backup);
    const staged0 = engine === 'postgres' ? `"${ns0}"."contacts"` : `\`${ns0}\`.\`contacts\``;
    const [last] = await query<{ id: string }>(
      `SELECT s.id FROM ${staged0} s WHERE NOT EXISTS (SELECT 1 FROM contacts l WHERE l.id = s.id) ORDER BY s.id DESC LIMIT 1`,
    );
    const wanted = String(last.id).trim().slice(0, 13);
    // The contacts table (the Diff opens on the first table of the loss).
    const tableTab = (s: string) => s.split('\n')[1] ?? '';
    for (let i = 0; i < 4 && !/▸ contacts\s/.test(tableTab(term.capture())); i++) {
      const before = tableTab(term.capture());
      term.keys('Right');
      await term.waitFor((s) => tableTab(s) !== before);
    }
    await term.waitFor(`${incident.deletedContacts} deleted rows`);
    term.keys('/');
    term.type(wanted);
    term.keys('Enter');
    const found = await term.waitFor((s) => s.split('\n').some((l) => l.startsWith('▸') && l.includes(wanted)));
    expect(found).toMatch(new RegExp(`${incident.deletedContacts}/${incident.deletedContacts} deleted rows|${incident.deletedContacts} deleted rows`));
    term.keys('Escape');
    await term.waitFor((s) => !s.includes(`/${wanted}`));
    term.keys('Enter');
    const row = await term.waitFor('a merge inserts it back');
    save('row', row);
    expect(row).toMatch(/COLUMN\s+BACKUP\s+LIVE/);
    term.keys('Escape');
    await term.waitFor('WHAT DIFFERS');
    term.keys('Escape');
    await term.waitFor('Step 5/8');

    term.keys('Enter');
    const step6 = await term.waitFor((s) => s.includes('Step 6/8') && s.includes('Total:'), 180_000);
    save('wizard-6-plan', step6);
    expect(step6).toMatch(/contacts · merge mrg_\d{14}_[0-9a-f]{4} · brings 2 related table\(s\)/);
    expect(step6).toMatch(
      new RegExp(
        `Total: ${incident.deletedContacts + incident.deletedRelationRows + incident.deletedNotes} to insert · ${incident.softDeletedAccounts} to update · 0 skipped`,
      ),
    );
    term.keys('s');
    const sql = await term.waitFor('SQL of the plan for');
    save('wizard-6-sql', sql);
    expect(sql).toMatch(/INSERT INTO/);
    term.keys('s');

    // w writes the whole SQL where it proposes (mode 0600), the text merge --sql prints.
    term.keys('w');
    const asked = await term.waitFor((s) => /\.sql/.test(s) && s.includes('Enter'));
    // The proposed path is cut on the left at 80 columns: the file is named by the merge id it shows.
    const mergeId = /(mrg_\d{14}_[0-9a-f]{4})\.sql/.exec(asked)?.[1];
    expect(mergeId, asked).toBeTruthy();
    const path = join(sb.env.CRM_RESCUE_HOME, 'sql', `${name}-${mergeId}.sql`);
    expect(path, asked).toBeTruthy();
    term.keys('Enter');
    await term.waitFor('SQL written to');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toMatch(/INSERT INTO[\s\S]*contacts/);
    term.keys('Escape');
    await term.waitFor((s) => s.includes('Step 6/8') && s.includes('Total:') && !s.includes('SQL of the plan for'));

    term.keys('Enter');
    const confirm = await term.waitFor('Type the database name');
    // The dialog: one transaction, the tables with their counts.
    expect(confirm.replace(/\s+/g, ' ')).toContain('one transaction');
    expect(confirm).toMatch(new RegExp(`contacts\\s+${incident.deletedContacts}\\s+0\\s+0`));
    // A wrong name is refused inline and nothing is written.
    term.type('not_the_name');
    term.keys('Enter');
    const wrong = await term.waitFor(`type ${name} exactly`);
    save('wizard-confirm', wrong);
    expect(confirm).toContain('cannot be cancelled');
    expect(Number((await query<{ n: number }>('SELECT count(*) AS n FROM contacts'))[0].n)).toBe(demo.report.seedRowCounts.contacts - incident.deletedContacts);
    term.keys('C-u');
    term.type(name);
    term.keys('Enter');
    const done = await term.waitFor((s) => s.includes('Step 8/8') && s.includes('all match'), 180_000);
    save('wizard-8-verify', done);
    expect(done).not.toMatch(/DO NOT MATCH/);

    // The database: every deleted contact, relation row and note is back; no account is still marked deleted.
    const ns = stagingNamespace(name, demo.backup);
    const q = (t: string) => (engine === 'postgres' ? `"${ns}"."${t}"` : `\`${ns}\`.\`${t}\``);
    const counts = await query<{ n: number }>('SELECT count(*) AS n FROM contacts');
    expect(Number(counts[0].n)).toBe(demo.report.seedRowCounts.contacts);
    for (const t of ['contacts', 'accounts_contacts', 'notes']) {
      const [missing] = await query<{ n: number }>(`SELECT count(*) AS n FROM ${q(t)} s WHERE NOT EXISTS (SELECT 1 FROM ${t} l WHERE l.id = s.id)`);
      expect(Number(missing.n), t).toBe(0);
    }
    const [flagged] = await query<{ n: number }>(`SELECT count(*) AS n FROM accounts l JOIN ${q('accounts')} s ON s.id = l.id WHERE l.deleted <> s.deleted`);
    expect(Number(flagged.n)).toBe(0);

    // Leaving keeps the wizard; the other screens, as they look after the recovery.
    term.keys('Escape');
    const after = await term.waitFor((s) => s.includes('resume at step 8/8') && /recovered by mrg_/.test(s));
    expect(after).toContain('Actions');
    // One recovery, one merge: every table of the plan in one journal entry.
    const journal = engine === 'postgres' ? '"crm_rescue".merges' : `\`crm_rescue__${name}\`.merges`;
    const [merges] = await query<{ n: number }>(`SELECT count(*) AS n FROM ${journal}`);
    expect(Number(merges.n)).toBe(1);
    if (docs) await otherScreens(term);
    term.keys('q');
    await term.waitFor('[exit 0]');
  });
});

/** Visits Audit, Backups, Stage and Merge after the recovery and writes their screens. */
async function otherScreens(term: TmuxConsole): Promise<void> {
  term.keys('g', 'j', 'Enter');
  saveScreen('audit', await term.waitFor((s) => s.includes('Deletions by') && s.includes('mallory.b')));
  term.keys('Tab');
  saveScreen('audit-events', await term.waitFor((s) => s.includes('events') && s.includes('TIME (UTC)')));
  term.keys('Enter');
  saveScreen('event', await term.waitFor('Kind'));
  term.keys('Escape');
  await term.waitFor('TIME (UTC)');
  term.keys('Escape');
  await term.waitFor('Actions');
  term.keys('j', 'Enter');
  saveScreen('backups', await term.waitFor('usable'));
  term.keys('Enter');
  saveScreen('backup', await term.waitFor('Restore'));
  term.keys('Escape');
  await term.waitFor('usable');
  term.keys('Escape');
  await term.waitFor('Actions');
  term.keys('j', 'Enter');
  await term.waitFor('Stage · 1/3');
  term.keys('Enter');
  saveScreen('stage', await term.waitFor('Stage · 2/3'));
  term.keys('Escape');
  await term.waitFor('Stage · 1/3');
  term.keys('Escape');
  await term.waitFor('Actions');
  term.keys('j', 'j', 'Enter');
  // Not just 'mrg_': Home names the merge that recovered the incident.
  saveScreen('merge', await term.waitFor((s) => s.includes('Merges (journal)') && s.includes('mrg_')));
  term.keys('Escape');
  await term.waitFor('Actions');
}

function pgQuery(url: string) {
  return async <T>(sql: string): Promise<T[]> => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query(sql)).rows as T[];
    } finally {
      await c.end();
    }
  };
}

function myQuery(url: string) {
  return async <T>(sql: string): Promise<T[]> => {
    const c = await mysql.createConnection({ uri: url });
    try {
      return (await c.query(sql))[0] as T[];
    } finally {
      await c.end();
    }
  };
}
