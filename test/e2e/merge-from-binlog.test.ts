import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineError, makeSandbox, ndjson } from '../helpers/flow.js';
import { ALL_TYPES_COLUMNS, ALL_TYPES_ROWS } from '../helpers/mysql-all-types.js';
import { startPrivateMariaDb, type PrivateMariaDb } from '../helpers/private-mariadb.js';

/**
 * No backup at all, MariaDB with a ROW-format binary log: the demo incident (contacts deleted
 * with their relation rows and notes) is merged back from the binary log alone
 * (`--backup binlog`), and the live tables are identical to before. On a private server: the
 * shared one runs with the log off.
 */
describe('merge back from the binary log alone (private MariaDB)', () => {
  const sb = makeSandbox('binlog');
  const tables = ['contacts', 'accounts_contacts', 'notes'];
  let m: PrivateMariaDb;
  let url = '';
  let before: Record<string, string>;

  /** Every row as the server spells it (binary as hex), sorted: independent of physical order. */
  const checksums = async (names = tables) => {
    const out: Record<string, string> = {};
    for (const t of names) {
      // HEX of every column: FLOAT, BIT, binary and latin1 bytes compared exactly.
      const cols = await m.query<{ c: string }>(
        `SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'crm' AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
        [t],
      );
      const rows = await m.query<Record<string, unknown>>(`SELECT ${cols.map(({ c }) => `HEX(\`${c}\`), \`${c}\``).join(', ')} FROM crm.\`${t}\``);
      const lines = rows.map((r) => JSON.stringify(Object.values(r), (_k, v) => (v && v.type === 'Buffer' ? Buffer.from(v.data).toString('hex') : v))).sort();
      out[t] = createHash('sha256').update(lines.join('\n')).digest('hex');
    }
    return out;
  };

  beforeAll(async () => {
    m = await startPrivateMariaDb();
    url = `${m.url}/crm`;
    const d = await sb.run(['demo', '--url', m.url, '--db', 'crm', '--scale', '300', '--no-incident', '--no-backup', '--json']);
    expect(d.code, d.stderr).toBe(0);
    before = await checksums();
    const pick = `SELECT id FROM (SELECT id FROM crm.contacts ORDER BY id LIMIT 9) x`;
    await m.query(`USE crm;
      DELETE FROM notes WHERE parent_type = 'Contacts' AND parent_id IN (${pick});
      DELETE FROM accounts_contacts WHERE contact_id IN (${pick});
      DELETE FROM contacts WHERE id IN (${pick});`);
  }, 300_000);
  afterAll(async () => {
    await m?.stop();
    sb.cleanup();
  });

  it('--since/--until choose the window: one that holds no deletion is refused in one line, nothing written', async () => {
    const r = await sb.run([
      'merge',
      '--url',
      url,
      '--backup',
      'binlog',
      '--table',
      'contacts',
      '--until',
      '2000-01-01T00:00:00Z',
      '--deleted',
      '--apply',
      '--yes',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')[0]).toMatch(/crm-rescue: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const w = await sb.run(['merge', '--url', url, '--backup', 'latest', '--table', 'contacts', '--since', '2h', '--deleted']);
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(/--since, --until.* are about --backup binlog or --backup dead-tuples/);
    expect(await checksums()).not.toEqual(before);
  });

  it('restores the deleted contacts with their relation rows and notes; live identical to before', async () => {
    expect(await checksums()).not.toEqual(before);
    const r = await sb.run(['merge', '--url', url, '--backup', 'binlog', '--table', 'contacts', '--deleted', '--with-related', '--apply', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = ndjson(r.stdout).find((l) => l.type === 'result') as { verify: { mismatched: number } };
    expect(result.verify.mismatched).toBe(0);
    expect(await checksums()).toEqual(before);
  });

  it('restores deleted rows of every column type exactly', async () => {
    await m.query(`SET time_zone = '+00:00'; SET SESSION sql_mode = '';
      CREATE TABLE crm.all_types (${ALL_TYPES_COLUMNS}) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
      INSERT INTO crm.all_types VALUES ${ALL_TYPES_ROWS};`);
    const typesBefore = await checksums(['all_types']);
    await m.query(
      `UPDATE crm.all_types SET vc = 'changed' WHERE id = 6; DELETE FROM crm.all_types WHERE id <> 6; UPDATE crm.all_types SET vc = 'sept 😀' WHERE id = 6;`,
    );
    expect(await checksums(['all_types'])).not.toEqual(typesBefore);
    const r = await sb.run(['merge', '--url', url, '--backup', 'binlog', '--table', 'all_types', '--deleted', '--apply', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(await checksums(['all_types'])).toEqual(typesBefore);
  });

  it('refuses a server without the binary log in one line', async () => {
    const off = await startPrivateMariaDb(['--skip-log-bin']);
    try {
      await off.query('CREATE DATABASE crm; CREATE TABLE crm.contacts (id INT PRIMARY KEY)');
      const r = await sb.run(['merge', '--url', `${off.url}/crm`, '--backup', 'binlog', '--table', 'contacts', '--deleted', '--apply', '--yes']);
      expectOneLineError(r, 1, /log_bin is OFF/);
    } finally {
      await off.stop();
    }
  }, 60_000);
});
