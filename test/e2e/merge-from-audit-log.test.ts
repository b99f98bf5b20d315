import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksums } from '../helpers/checksum.js';
import { makeSandbox, ndjson } from '../helpers/flow.js';
import { engines, MYSQL_ADMIN_URL, PG_ADMIN_URL } from '../helpers/servers.js';
import { attachTempDb, uniqueName, type TempDb } from '../helpers/temp-db.js';

/**
 * No backup at all: with crm-rescue's trigger audit installed, deleted rows are rebuilt from its
 * log (`--backup audit-log`) and merged back with their relation rows.
 */
describe.each(engines)('%s: merge back from the trigger-audit log alone', (engine) => {
  const sb = makeSandbox(`log-${engine}`);
  const name = uniqueName('fromlog');
  const url = `${engine === 'postgres' ? PG_ADMIN_URL : MYSQL_ADMIN_URL}/${name}`;
  const tables = ['contacts', 'accounts_contacts', 'notes'];
  let db: TempDb;
  let before: Record<string, string>;

  beforeAll(async () => {
    const d = await sb.run(['demo', '--db', name, '--scale', '300', '--no-incident', '--no-backup', '--json', ...(engine === 'mysql' ? ['--mysql'] : [])]);
    expect(d.code, d.stderr).toBe(0);
    db = attachTempDb(engine, name);
    const i = await sb.run(['audit', 'install', '--all', '--url', url, '--yes']);
    expect(i.code, i.stderr).toBe(0);
    before = await checksums(db, tables);
    const pick = `SELECT id FROM (SELECT id FROM contacts ORDER BY id LIMIT 9) x`;
    await db.exec(`DELETE FROM notes WHERE parent_type = 'Contacts' AND parent_id IN (${pick})`);
    await db.exec(`DELETE FROM accounts_contacts WHERE contact_id IN (${pick})`);
    await db.exec(`DELETE FROM contacts WHERE id IN (${pick})`);
  }, 300_000);
  afterAll(async () => {
    await db?.drop();
    sb.cleanup();
  });

  it('finds the deletions and restores them with their relation rows, no backup in the catalog', async () => {
    const list = await sb.run(['backups', 'list', '--url', url, '--json']);
    expect(JSON.parse(list.stdout).filter?.((b: { usable: boolean }) => b.usable) ?? []).toEqual([]);
    const ev = await sb.run(['audit', 'deletions', '--url', url, '--source', 'trigger-audit', '--table', 'contacts', '--limit', '0', '--json']);
    expect(ev.code, ev.stderr).toBe(0);
    expect(ndjson(ev.stdout).filter((e) => e.table !== undefined || e.key !== undefined)).toHaveLength(9);
    const m = await sb.run([
      'merge',
      '--url',
      url,
      '--backup',
      'audit-log',
      '--table',
      'contacts',
      '--deleted',
      '--with-related',
      '--apply',
      '--yes',
      '--json',
    ]);
    expect(m.code, m.stderr).toBe(0);
    const result = ndjson(m.stdout).find((l) => l.type === 'result') as { totals: { inserted: number }; verify: { mismatched: number } };
    expect(result.verify.mismatched).toBe(0);
    expect(await checksums(db, tables)).toEqual(before);
  });
});
