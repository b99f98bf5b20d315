import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksums } from '../helpers/checksum.js';
import { makeSandbox, ndjson } from '../helpers/flow.js';
import { engines, MYSQL_ADMIN_URL, PG_ADMIN_URL } from '../helpers/servers.js';
import { createTempDb, uniqueName, type TempDb } from '../helpers/temp-db.js';

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
    db = await createTempDbHandle(engine, name);
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
    const m = await sb.run(['merge', '--url', url, '--backup', 'audit-log', '--table', 'contacts', '--deleted', '--with-related', '--apply', '--yes', '--json']);
    expect(m.code, m.stderr).toBe(0);
    const result = ndjson(m.stdout).find((l) => l.type === 'result') as { totals: { inserted: number }; verify: { mismatched: number } };
    expect(result.verify.mismatched).toBe(0);
    expect(await checksums(db, tables)).toEqual(before);
  });
});

/** A handle on the demo's database for checksums and the final drop. */
async function createTempDbHandle(engine: 'postgres' | 'mysql', name: string): Promise<TempDb> {
  const t = await createTempDb(engine, 'fromlogshadow');
  await t.drop();
  const url = `${engine === 'postgres' ? PG_ADMIN_URL : MYSQL_ADMIN_URL}/${name}`;
  const base = { ...t, name, url };
  const { default: pg } = await import('pg');
  const mysql = (await import('mysql2/promise')).default;
  const { dropMysqlCompanions } = await import('../helpers/temp-db.js');
  if (engine === 'postgres') {
    const run = async <R>(sql: string, params?: unknown[]) => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        return (await c.query(sql, params)).rows as R[];
      } finally {
        await c.end();
      }
    };
    return {
      ...base,
      exec: async (s) => void (await run(s)),
      query: (s, p) => run(s, p),
      drop: async () => {
        const c = new pg.Client({ connectionString: `${PG_ADMIN_URL}/postgres` });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await c.end();
      },
    };
  }
  const run = async <R>(sql: string, params?: unknown[]) => {
    const c = await mysql.createConnection({ uri: url, dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
    try {
      return (await c.query(sql, params))[0] as R[];
    } finally {
      await c.end();
    }
  };
  return {
    ...base,
    exec: async (s) => void (await run(s)),
    query: (s, p) => run(s, p),
    drop: async () => {
      const c = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await dropMysqlCompanions(c, name);
      await c.end();
    },
  };
}
