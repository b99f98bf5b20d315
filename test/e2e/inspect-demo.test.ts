import { afterAll, describe, expect, it } from 'vitest';
import { makeSandbox } from '../helpers/flow.js';
import { engines, MYSQL_ADMIN_URL, PG_ADMIN_URL } from '../helpers/servers.js';
import { uniqueName } from '../helpers/temp-db.js';

/** `crm-rescue demo` then `crm-rescue inspect` shows the demo's keys and relations on both engines. */
describe.each(engines)('%s: inspect of the demo CRM', (engine) => {
  const sb = makeSandbox(`insp-${engine}`);
  const name = uniqueName('insp');
  const url = `${engine === 'postgres' ? PG_ADMIN_URL : MYSQL_ADMIN_URL}/${name}`;
  afterAll(async () => {
    if (engine === 'postgres') {
      const pg = (await import('pg')).default;
      const c = new pg.Client({ connectionString: `${PG_ADMIN_URL}/postgres` });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    } else {
      const mysql = (await import('mysql2/promise')).default;
      const c = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    }
    sb.cleanup();
  });

  it('detects the demo flavour and reports keys, declared and implied relations', async () => {
    const d = await sb.run(['demo', '--db', name, '--scale', '300', '--no-incident', '--no-backup', '--json', ...(engine === 'mysql' ? ['--mysql'] : [])]);
    expect(d.code, d.stderr).toBe(0);
    const r = await sb.run(['inspect', '--url', url, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.crm.flavour).toBe('demo');
    expect(report.crm.evidence.length).toBeGreaterThan(0);
    const table = (n: string) => report.tables.find((t: { name: string }) => t.name === n);
    for (const n of ['users', 'accounts', 'contacts', 'accounts_contacts', 'opportunities', 'calls', 'notes', 'history']) {
      expect(table(n)?.key, n).toMatchObject({ kind: 'primary' });
    }
    expect(table('contacts').key.columns).toEqual(['id']);
    expect(table('contacts').softDelete).toMatchObject({ column: 'deleted', kind: 'flag' });
    const ac = table('accounts_contacts').parents;
    expect(ac).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ table: 'accounts', columns: ['account_id'], source: 'declared' }),
        expect.objectContaining({ table: 'contacts', columns: ['contact_id'], source: 'declared' }),
      ]),
    );
    expect(table('notes').parents).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ table: 'contacts', columns: ['parent_id'], source: 'implied', discriminator: { column: 'parent_type', value: 'Contacts' } }),
      ]),
    );
    expect(table('contacts').rowEstimate).toBeGreaterThan(100);
    const human = await sb.run(['inspect', '--url', url], { env: { COLUMNS: '80' } });
    expect(human.code).toBe(0);
    for (const line of human.stdout.split('\n')) expect([...line].length).toBeLessThanOrEqual(80);
    expect(human.stdout).toMatch(/CRM\s+crm-rescue demo|CRM\s+.*demo/i);
  });
});
