import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableChecksum } from '../helpers/checksum.js';
import { expectOneLineError, makeSandbox, ndjson } from '../helpers/flow.js';
import { engines, type TestEngine } from '../helpers/servers.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * Issue #19: targeted staging. With keys known (the trigger audit's deletions), `merge
 * --keys-from … --deleted` stages only those rows of the backup (and with --with-related only the
 * related rows tied to them), compares only them and says so; `--whole-table` and a diff without
 * keys still see the whole table. Checked on both engines through the built CLI.
 */
describe.each(engines)('%s: targeted staging', (engine: TestEngine) => {
  const sb = makeSandbox(`targeted-${engine}`);
  let db: TempDb;
  let backupId: string;
  let full: { contacts: string; notes: string };
  const ROWS = 3000;
  const ids = (where: string) => `SELECT id FROM contacts WHERE ${where}`;
  /** Deletes user u7's contacts and their notes (what the trigger audit records). */
  const deleteU7 = async () => {
    await db.exec(`DELETE FROM notes WHERE contact_id IN (SELECT id FROM (${ids("assigned_user_id = 'u7'")}) x)`);
    await db.exec(`DELETE FROM contacts WHERE assigned_user_id = 'u7'`);
  };
  /** Rows of `table` in this database's staging of the backup, found through `staging list --json`. */
  const stagedCount = async (table: string): Promise<number> => {
    const r = await sb.run(['staging', 'list', '--url', db.url, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as { backupId: string; namespace: string; tables: { name: string; stagedAs: string }[] }[];
    const staging = list.find((s) => s.backupId === backupId);
    const t = staging?.tables.find((x) => x.name === table);
    if (!staging || !t) throw new Error(`${table} of ${db.name} is not staged from ${backupId}: ${r.stdout}`);
    const [{ c }] = await db.query<{ c: number | string }>(
      engine === 'postgres'
        ? `SELECT count(*) AS c FROM "${staging.namespace}"."${t.stagedAs}"`
        : `SELECT count(*) AS c FROM \`${staging.namespace}\`.\`${t.stagedAs}\``,
    );
    return Number(c);
  };
  const keysFile = async (): Promise<string> => {
    const r = await sb.run(['audit', 'deletions', '--url', db.url, '--table', 'contacts', '--json', '--limit', '100000']);
    expect(r.code, r.stderr).toBe(0);
    const file = join(sb.home, 'keys.ndjson');
    writeFileSync(file, r.stdout);
    return file;
  };

  beforeAll(async () => {
    db = await createTempDb(engine, 'targeted');
    const uuid = engine === 'postgres' ? `md5('c' || g)::uuid::text` : `CAST(uuid() AS CHAR(36))`;
    await db.exec(`CREATE TABLE accounts (id varchar(36) PRIMARY KEY, name varchar(80) NOT NULL)`);
    await db.exec(
      `CREATE TABLE contacts (id char(36) PRIMARY KEY, first_name varchar(80), last_name varchar(80), account_id varchar(36) REFERENCES accounts(id), assigned_user_id varchar(36), description text, deleted smallint NOT NULL DEFAULT 0)`,
    );
    await db.exec(`CREATE TABLE notes (id int PRIMARY KEY, contact_id char(36) REFERENCES contacts(id), body varchar(200))`);
    if (engine === 'postgres') {
      await db.exec(`INSERT INTO accounts SELECT 'acc-' || g, 'Account ' || g FROM generate_series(1, 40) g`);
      await db.exec(
        `INSERT INTO contacts SELECT ${uuid}, 'Ann' || g, E'O''Hara\\t' || g, 'acc-' || (g % 40 + 1), 'u' || (g % 30), CASE WHEN g % 3 = 0 THEN E'line\\nbreak \\\\ back' END, 0 FROM generate_series(1, ${ROWS}) g`,
      );
      await db.exec(`INSERT INTO notes SELECT g, id, 'note ' || g FROM (SELECT id, row_number() OVER (ORDER BY id) AS g FROM contacts) c WHERE g % 4 = 0`);
    } else {
      await db.exec(`INSERT INTO accounts SELECT CONCAT('acc-', seq), CONCAT('Account ', seq) FROM seq_1_to_40`);
      await db.exec(
        `INSERT INTO contacts SELECT ${uuid}, CONCAT('Ann', seq), CONCAT('O''Hara\\t', seq), CONCAT('acc-', seq % 40 + 1), CONCAT('u', seq % 30), CASE WHEN seq % 3 = 0 THEN 'line\\nbreak \\\\ back, (paren)' END, 0 FROM seq_1_to_${ROWS}`,
      );
      await db.exec(
        `INSERT INTO notes SELECT g, id, CONCAT('note ', g) FROM (SELECT id, row_number() OVER (ORDER BY id) AS g FROM contacts) c WHERE g % 4 = 0`,
      );
    }
    const inst = await sb.run(['audit', 'install', '--url', db.url, '--tables', 'contacts,notes']);
    expect(inst.code, inst.stderr).toBe(0);
    const b = await sb.run(['backup', '--url', db.url, '--json']);
    expect(b.code, b.stderr).toBe(0);
    backupId = (JSON.parse(b.stdout) as { id: string }).id;
    full = { contacts: await tableChecksum(db, 'contacts'), notes: await tableChecksum(db, 'notes') };
    await deleteU7();
  }, 300_000);
  afterAll(async () => {
    await db?.drop();
    sb.cleanup();
  });

  it('merge --keys-from (audit deletions) --deleted --with-related stages only those rows and brings them all back', async () => {
    const file = await keysFile();
    const lost = readFileSync(file, 'utf8').trim().split('\n').length;
    expect(lost).toBe(ROWS / 30);
    const r = await sb.run([
      'merge',
      '--url',
      db.url,
      '--backup',
      backupId,
      '--table',
      'contacts',
      '--keys-from',
      file,
      '--deleted',
      '--with-related',
      '--apply',
      '--yes',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const result = ndjson(r.stdout).find((l) => l.type === 'result') as {
      totals: { inserted: number };
      verify: { mismatched: number };
      targeted: { keys: number; found: number };
    };
    expect(result.targeted).toMatchObject({ keys: lost, found: lost });
    expect(result.verify.mismatched).toBe(0);
    expect(await tableChecksum(db, 'contacts')).toBe(full.contacts);
    expect(await tableChecksum(db, 'notes')).toBe(full.notes);
    // Only the lost contacts were staged, only their notes, only the accounts they point at.
    expect(await stagedCount('contacts')).toBe(lost);
    const [{ n }] = await db.query<{ n: number | string }>(`SELECT count(*) AS n FROM notes WHERE contact_id IN (${ids("assigned_user_id = 'u7'")})`);
    expect(await stagedCount('notes')).toBe(Number(n));
    const [{ a }] = await db.query<{ a: number | string }>(`SELECT count(DISTINCT account_id) AS a FROM contacts WHERE assigned_user_id = 'u7'`);
    expect(await stagedCount('accounts')).toBe(Number(a));
    expect(Number(a)).toBeLessThan(40);
    await deleteU7();
  });

  it('a diff by the same keys compares only them (no live row of another key is "added"); a diff without keys stages the whole table again', async () => {
    const file = await keysFile();
    const lost = ROWS / 30;
    const d = await sb.run(['diff', '--url', db.url, '--backup', backupId, '--table', 'contacts', '--keys-from', file, '--format', 'ndjson', '--limit', '0']);
    expect(d.code, d.stderr).toBe(0);
    const summary = ndjson(d.stdout)[0] as { counts: Record<string, number>; targeted: { keys: number } };
    expect(summary.targeted.keys).toBe(lost);
    expect(summary.counts).toMatchObject({ deleted: lost, added: 0, changed: 0 });
    const t = await sb.run(['diff', '--url', db.url, '--backup', backupId, '--table', 'contacts', '--keys-from', file, '--limit', '0']);
    expect(t.stdout).toContain(`targeted: staged and compared only the ${lost} keys given, all in the backup`);
    const whole = await sb.run(['diff', '--url', db.url, '--backup', backupId, '--table', 'contacts', '--format', 'ndjson', '--limit', '0']);
    expect(whole.code, whole.stderr).toBe(0);
    const w = ndjson(whole.stdout)[0] as { counts: Record<string, number>; targeted?: unknown };
    expect(w.targeted).toBeUndefined();
    expect(w.counts.deleted).toBe(lost);
    expect(w.counts.unchanged).toBe(ROWS - lost);
    expect(await stagedCount('contacts')).toBe(ROWS);
  });

  it('stage --keys-from stages only those rows; a diff by the same keys uses that copy; --keys names one table', async () => {
    const file = await keysFile();
    const lost = ROWS / 30;
    const s = await sb.run(['stage', '--url', db.url, '--backup', backupId, '--table', 'contacts', '--keys-from', file, '--json']);
    expect(s.code, s.stderr).toBe(0);
    const out = JSON.parse(s.stdout) as { targeted: { keys: number; found: number }; tables: { name: string; rows: number }[] };
    expect(out.targeted).toMatchObject({ keys: lost, found: lost });
    expect(out.tables.map((t) => t.name)).toEqual(['contacts']);
    expect(await stagedCount('contacts')).toBe(lost);
    const d = await sb.run(['diff', '--url', db.url, '--backup', backupId, '--table', 'contacts', '--keys-from', file, '--format', 'ndjson', '--limit', '0']);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stderr).not.toContain('staged ');
    expect((ndjson(d.stdout)[0] as { counts: Record<string, number> }).counts).toMatchObject({ deleted: lost, added: 0, changed: 0 });
    const one = readFileSync(file, 'utf8').split('\n')[0];
    const key = (JSON.parse(one) as { key: { id: string } }).key?.id ?? (JSON.parse(one) as { id: string }).id;
    const text = await sb.run(['stage', '--url', db.url, '--backup', backupId, '--table', 'contacts', '--keys', `${key},no-such-key`]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('targeted: staged only the rows of the 2 keys given, 1 in the backup, 1 not in it');
    expect(await stagedCount('contacts')).toBe(1);
    const two = await sb.run(['stage', '--url', db.url, '--backup', backupId, '--table', 'contacts', '--table', 'notes', '--keys', key]);
    expectOneLineError(two, 2, /--keys and --keys-from stage one table/);
    expect(await stagedCount('contacts')).toBe(1);
    // A key no row can hold (out of an int column's range): one line, not an internal error.
    const huge = await sb.run(['stage', '--url', db.url, '--backup', backupId, '--table', 'notes', '--keys', '4,99999999999999999999999']);
    expectOneLineError(huge, 1, /a key given is not a value of the key column \(id\)/);
    expect(await stagedCount('contacts')).toBe(1);
  });

  it('keys the backup does not hold are counted and said; --whole-table gives the same rows back', async () => {
    const file = await keysFile();
    const lost = ROWS / 30;
    const withBogus = join(sb.home, 'keys-bogus.ndjson');
    writeFileSync(withBogus, `${readFileSync(file, 'utf8')}{"id":"00000000-0000-0000-0000-00000000dead"}\n`);
    const dry = await sb.run(['merge', '--url', db.url, '--backup', backupId, '--table', 'contacts', '--keys-from', withBogus, '--deleted']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`only the ${lost + 1} keys given, ${lost} in the backup, 1 not in it`);
    expect(dry.stdout).toMatch(new RegExp(`contacts\\s+${lost}\\s+0\\s+0`));
    const whole = await sb.run([
      'merge',
      '--url',
      db.url,
      '--backup',
      backupId,
      '--table',
      'contacts',
      '--keys-from',
      file,
      '--deleted',
      '--whole-table',
      '--json',
    ]);
    expect(whole.code, whole.stderr).toBe(0);
    const plan = ndjson(whole.stdout).find((l) => l.type === 'plan') as { totals: { inserted: number }; targeted?: unknown };
    expect(plan.targeted).toBeUndefined();
    // The keys still narrow --deleted on the whole copy: nothing else that is gone comes back.
    expect(plan.totals.inserted).toBe(lost);
  });

  it('a damaged table file is refused during the targeted read: nothing staged, live unchanged', async () => {
    const file = await keysFile();
    const before = await tableChecksum(db, 'contacts');
    const drop = await sb.run(['staging', 'drop', '--all', '--url', db.url]);
    expect(drop.code, drop.stderr).toBe(0);
    const dir = join(sb.dir, backupId);
    const dataDir = engine === 'postgres' ? join(dir, 'dump') : dir;
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { tables: { name: string; file: string }[] };
    const contacts = manifest.tables.find((t) => t.name === 'contacts')!;
    const path = join(dir, contacts.file);
    expect(readdirSync(dataDir).length).toBeGreaterThan(0);
    const original = readFileSync(path);
    const damaged = Buffer.from(original);
    // A byte of the gzip trailer (its CRC): the rows read as before, only the checksum tells.
    damaged[damaged.length - 6] ^= 0xff;
    writeFileSync(path, damaged);
    try {
      const r = await sb.run(['merge', '--url', db.url, '--backup', backupId, '--table', 'contacts', '--keys-from', file, '--deleted', '--apply', '--yes']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/does not match its sha256/);
      expect(
        r.stderr
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('    at ')).length,
      ).toBe(0);
      expect(await tableChecksum(db, 'contacts')).toBe(before);
      const list = await sb.run(['staging', 'list', '--url', db.url, '--json']);
      expect(list.stdout).not.toContain('"contacts"');
    } finally {
      writeFileSync(path, original);
    }
  });

  it('text keys are matched as the server compares them: other case on a case-insensitive collation', async () => {
    if (engine !== 'mysql') return;
    const file = await keysFile();
    const upper = join(sb.home, 'keys-upper.ndjson');
    writeFileSync(
      upper,
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.stringify({ id: (JSON.parse(l) as { key: { id: string } }).key.id.toUpperCase() }))
        .join('\n'),
    );
    const dry = await sb.run(['merge', '--url', db.url, '--backup', backupId, '--table', 'contacts', '--keys-from', upper, '--deleted', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = ndjson(dry.stdout).find((l) => l.type === 'plan') as { totals: { inserted: number }; targeted: { found: number } };
    expect(plan.targeted.found).toBe(ROWS / 30);
    expect(plan.totals.inserted).toBe(ROWS / 30);
  });
});
