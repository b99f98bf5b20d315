import { execFileSync } from 'node:child_process';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listExternal } from '../../src/external/store.js';
import { catalogDir } from '../../src/util/paths.js';
import { makeSandbox } from '../helpers/flow.js';
import { engines, type TestEngine } from '../helpers/servers.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';
import { saveScreen, TmuxConsole } from '../helpers/tmux.js';

/** Per engine: the dumps the tools make, and how the console names them. */
const KIND: Record<
  TestEngine,
  { file: string; label: string; source: string; formats: string[]; table: string; make: (db: TempDb) => { first: Buffer; old: Buffer } }
> = {
  postgres: {
    file: 'crm.dump',
    label: 'PostgreSQL pg_dump custom',
    source: 'archive header',
    formats: ['pg-custom', 'pg-plain'],
    table: 'public.contacts',
    make: (db) => {
      const dump = (args: string[]) => execFileSync('pg_dump', ['-h', '127.0.0.1', '-U', 'root', '-d', db.name, ...args], { maxBuffer: 1 << 26 });
      return { first: dump(['-Fc']), old: execFileSync('gzip', ['-c'], { input: dump([]) }) };
    },
  },
  mysql: {
    file: 'crm.sql',
    label: 'MySQL mysqldump',
    source: '"Dump completed on"',
    formats: ['mysqldump', 'mysqldump'],
    table: 'contacts',
    make: (db) => {
      const dump = (args: string[]) => execFileSync('mysqldump', ['-h', '127.0.0.1', '-uroot', ...args, db.name], { maxBuffer: 1 << 26 });
      // Without its date, the older dump's time is its file's.
      return { first: dump([]), old: execFileSync('gzip', ['-c'], { input: dump(['--skip-dump-date']) }) };
    },
  },
};

/**
 * Importing the dumps people already have from the console: the built binary in tmux at 80×24,
 * a dump and an older gzip dump in the home folder, made by the engine's tools. The path field
 * completes `~/du` with Tab, Enter imports a file (listed marked ⇲ external, its sha256 in the
 * details), Enter on a folder lists its dumps and imports the one marked; then the wizard proposes
 * the newest dump taken before the loss and the deleted rows come back from it.
 */
describe.each(engines)('%s: the console imports a dump another tool made (tmux, 80×24)', (engine) => {
  const kind = KIND[engine];
  let sb: ReturnType<typeof makeSandbox>;
  let db: TempDb;
  let term: TmuxConsole;
  let wizard: TmuxConsole;

  beforeAll(async () => {
    sb = makeSandbox(`console-import-${engine}`);
    db = await createTempDb(engine, 'cimporttmux');
    await db.exec('CREATE TABLE contacts (id int PRIMARY KEY, name varchar(20))');
    for (let i = 1; i <= 100; i += 25)
      await db.exec(`INSERT INTO contacts VALUES ${Array.from({ length: 25 }, (_, j) => `(${i + j}, 'c${i + j}')`).join(', ')}`);
    mkdirSync(join(sb.home, 'dumps', 'old'), { recursive: true });
    const made = kind.make(db);
    writeFileSync(join(sb.home, 'dumps', kind.file), made.first);
    writeFileSync(join(sb.home, 'dumps', 'old', 'crm.sql.gz'), made.old);
    // The gzip dump is the older one (its time is the file's): the scan lists it second.
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    utimesSync(join(sb.home, 'dumps', 'old', 'crm.sql.gz'), twoDaysAgo, twoDaysAgo);
    term = new TmuxConsole(sb.home);
  }, 120_000);

  afterAll(async () => {
    term?.kill();
    wizard?.kill();
    await db?.drop();
    sb?.cleanup();
  });

  it('completes the path, imports a file and a dump found in a folder, and lists them marked external', async () => {
    term.start(db.url, { HOME: sb.home, CRM_RESCUE_HOME: sb.env.CRM_RESCUE_HOME, XDG_CONFIG_HOME: sb.env.XDG_CONFIG_HOME });
    await term.waitFor('no backups yet');
    term.keys('g', 'j', 'j', 'Enter');
    await term.waitFor('i imports a dump');
    term.keys('i');
    await term.waitFor('Import path:');
    term.type('~/du');
    term.keys('Tab');
    await term.waitFor('Import path: ~/dumps/');
    term.keys('Tab');
    expect(await term.waitFor(`${kind.file}  old/`)).toContain(`${kind.file}  old/`);
    term.type('c');
    term.keys('Tab');
    await term.waitFor(`Import path: ~/dumps/${kind.file}`);
    term.keys('Enter');
    // The message comes with the reload of the list: both, before looking.
    const imported = await term.waitFor((x) => x.includes('✓ imported') && x.includes('1/1 backups'));
    if (engine === 'postgres') saveScreen('backups-imported', imported);
    expect(imported).toContain(`✓ imported ${kind.file}: ${db.name}, taken`);
    expect(imported).toContain(`▸ ⇲ ${kind.file}  `);
    expect(imported).toContain(`⇲ external, taken ${new Date().toISOString().slice(0, 4)}`);
    expect(imported).toContain(`(${kind.source}), of crt_cimport`);
    expect(imported).toContain(`${kind.label} · ${join(sb.home, 'dumps', kind.file)}`.slice(0, 60));
    term.keys('Enter');
    const detail = await term.waitFor('sha256');
    expect(detail).toMatch(/Status\s+✓ ok: unchanged since import/);
    expect(detail).toMatch(/sha256\s+[0-9a-f]{64}/);
    expect(detail).toContain(`▸ ${kind.table} `);
    term.keys('Escape');
    await term.waitFor('1/1 backups');

    term.keys('i');
    await term.waitFor(`Import path: ~/dumps/${kind.file}`);
    term.keys('C-u');
    term.type('~/dumps');
    term.keys('Enter');
    const found = await term.waitFor('dumps found');
    if (engine === 'postgres') saveScreen('backups-found', found);
    expect(found).toMatch(/1\/2 dumps found/);
    term.keys('j', 'Space');
    await term.waitFor('1 selected');
    term.keys('Enter');
    const second = await term.waitFor((x) => x.includes('✓ imported crm.sql.gz') && x.includes('2/2 backups'));
    expect(second).toMatch(/▸ ⇲ crm\.sql\.gz/);
    expect(second).toContain('2/2 backups');
    const records = await listExternal(catalogDir(undefined, sb.env));
    expect(records.map((r) => r.index.format).sort()).toEqual(kind.formats);
    // By reference: the records point at the files where they are.
    expect(records.map((r) => r.index.location.path).sort()).toEqual([join(sb.home, 'dumps', kind.file), join(sb.home, 'dumps', 'old', 'crm.sql.gz')].sort());
  });

  it('the wizard proposes the newest imported dump taken before the loss and brings the deleted rows back from it', async () => {
    await db.exec('DELETE FROM contacts WHERE id <= 10');
    wizard = new TmuxConsole(sb.home);
    wizard.start(db.url, { HOME: sb.home, CRM_RESCUE_HOME: sb.env.CRM_RESCUE_HOME, XDG_CONFIG_HOME: sb.env.XDG_CONFIG_HOME });
    await wizard.waitFor('crm-rescue › Home');
    // Home's first action is the wizard; without an audit its one choice is to describe the loss.
    wizard.keys('g', 'Enter');
    // Enter only once the choices are read (before, there is nothing under the cursor to go on with).
    await wizard.waitFor('1/1 choices');
    wizard.keys('Enter');
    await wizard.waitFor('Table');
    wizard.type('contacts');
    wizard.keys('Enter');
    // The cursor goes to the proposed backup once the list has counted the backups.
    const step2 = await wizard.waitFor((x) => /▸ ⇲ crm\.sql\.gz .*◂ proposed/.test(x));
    if (engine === 'postgres') saveScreen('wizard-2-backup-external', step2);
    // The loss began a day ago (the form's default): the first dump was taken after it, the gzip
    // one (its time the file's, two days ago) before: that one is proposed.
    expect(step2).toMatch(/▸ ⇲ crm\.sql\.gz .*◂ proposed/);
    expect(step2).toMatch(new RegExp(`⇲ ${kind.file.replace('.', '\\.')} .*\\d s\\s*$`, 'm'));
    expect(step2).toContain('✓ Proposed: the newest backup taken before the loss began');
    // Staging and the diff start on arrival: one Enter per step.
    wizard.keys('Enter');
    expect(await wizard.waitFor((x) => x.includes('Step 3/8') && x.includes('Enter: compare with live'), 180_000)).toMatch(
      /✓ staged \d+ table\(s\) into crm_rescue_stage_/,
    );
    wizard.keys('Enter');
    expect(await wizard.waitFor((x) => x.includes('Step 4/8') && x.includes('Enter: choose the rows to bring back'), 180_000)).toMatch(
      /contacts\s+10\s+0\s+0\s+0/,
    );
    wizard.keys('Enter');
    await wizard.waitFor('Step 5/8');
    wizard.keys('Enter');
    await wizard.waitFor((x) => x.includes('Step 6/8') && x.includes('Total:'), 180_000);
    wizard.keys('Enter');
    await wizard.waitFor('Type the database name');
    wizard.type(db.name);
    wizard.keys('Enter');
    await wizard.waitFor('Step 8/8', 180_000);
    const rows = await db.query<{ n: number | string }>('SELECT count(*) AS n FROM contacts');
    expect(Number(rows[0].n)).toBe(100);
  });
});
