import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksums } from '../helpers/checksum.js';
import { makeSandbox, ndjson } from '../helpers/flow.js';
import { PG_ADMIN_URL } from '../helpers/servers.js';
import { attachTempDb, uniqueName, type TempDb } from '../helpers/temp-db.js';

/**
 * No backup at all on PostgreSQL: the demo incident's hard deletes are read back from the deleted
 * row versions still on disk (`--backup dead-tuples`), autovacuum paused by `protect` before
 * the deletes, and merged back with their relation rows; undo takes them out again.
 */
describe('postgres: merge back from dead tuples alone', () => {
  const sb = makeSandbox('deadtup');
  const name = uniqueName('fromdead');
  const url = `${PG_ADMIN_URL}/${name}`;
  const tables = ['contacts', 'accounts_contacts', 'notes'];
  let db: TempDb;
  let before: Record<string, string>;
  const counts: Record<string, number> = {};

  beforeAll(async () => {
    const d = await sb.run(['demo', '--db', name, '--scale', '300', '--no-incident', '--no-backup', '--json']);
    expect(d.code, d.stderr).toBe(0);
    db = attachTempDb('postgres', name);
    await db.exec('CREATE EXTENSION pg_dirtyread; CREATE EXTENSION pageinspect');
    // Protected before the deletes: autovacuum cannot take the dead versions first.
    const p = await sb.run(['protect', '--url', url, '--table', tables.join(','), '--yes']);
    expect(p.code, p.stderr).toBe(0);
    before = await checksums(db, tables);
    const pick = `SELECT id FROM (SELECT id FROM contacts ORDER BY id LIMIT 9) x`;
    const deletes = {
      notes: `FROM notes WHERE parent_type = 'Contacts' AND parent_id IN (${pick})`,
      accounts_contacts: `FROM accounts_contacts WHERE contact_id IN (${pick})`,
      contacts: `FROM contacts WHERE id IN (${pick})`,
    };
    const count = async (from: string) => Number((await db.query<{ n: string }>(`SELECT count(*) AS n ${from}`))[0].n);
    for (const t of tables) counts[t] = (await count(`FROM ${t}`)) - (await count(deletes[t as keyof typeof deletes]));
    expect(await count(deletes.accounts_contacts)).toBeGreaterThan(0);
    // One transaction, as a CRM's hard delete usually is. Deleted in separate transactions, the
    // contacts DELETE's foreign-key check would look accounts_contacts up by index and prune the
    // nearly full pages holding its rows deleted just before (heap_page_prune_opt): gone before
    // anything could read them. Nothing reads the tables after the deletes, for the same reason.
    await db.exec(`BEGIN; DELETE ${deletes.notes}; DELETE ${deletes.accounts_contacts}; DELETE ${deletes.contacts}; COMMIT;`);
  }, 300_000);
  afterAll(async () => {
    await db?.drop();
    sb.cleanup();
  });

  it('restores the deleted rows with their relation rows, byte-identical, after a dry run; undo takes them out', async () => {
    // The dry run first, as a DBA runs it: its reads of the live tables may prune dead tuples, so
    // the apply must use what the dry run staged, not read the dead tuples again.
    const dry = await sb.run(['merge', '--url', url, '--backup', 'dead-tuples', '--table', 'contacts', '--deleted', '--with-related', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toMatch(/staged public\.contacts \(\d+ deleted rows? from/);
    const m = await sb.run([
      'merge',
      '--url',
      url,
      '--backup',
      'dead-tuples',
      '--table',
      'contacts',
      '--deleted',
      '--with-related',
      '--apply',
      '--yes',
      '--json',
    ]);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stderr).toMatch(/used public\.contacts.* as staged before from dead-tuples \(reading dead tuples again after reads of the live table finds fewer/);
    const result = ndjson(m.stdout).find((l) => l.type === 'result') as { mergeId: string; verify: { mismatched: number } };
    expect(result.verify.mismatched).toBe(0);
    expect(await checksums(db, tables)).toEqual(before);
    const u = await sb.run(['undo', result.mergeId, '--url', url, '--yes', '--json']);
    expect(u.code, u.stderr).toBe(0);
    for (const t of tables) expect(Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${t}`))[0].n), t).toBe(counts[t]);
  });

  it('refuses in one line, with what a DBA runs, when neither extension is there', async () => {
    await db.exec('DROP EXTENSION pg_dirtyread; DROP EXTENSION pageinspect');
    const r = await sb.run(['merge', '--url', url, '--backup', 'dead-tuples', '--table', 'contacts', '--deleted']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /cannot read deleted row versions: pg_dirtyread is not installed and pageinspect is not installed in this database.*CREATE EXTENSION pg_dirtyread;/,
    );
  });
});
