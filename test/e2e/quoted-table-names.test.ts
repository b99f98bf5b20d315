import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableChecksum } from '../helpers/checksum.js';
import { makeSandbox, ndjson } from '../helpers/flow.js';
import { engines, type TestEngine } from '../helpers/servers.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * Issue #14: `--table` (and `--tables`) take a name as SQL writes it, the way a DBA copies it
 * from a query or gives it to `pg_dump -t`: PostgreSQL "…" with "" inside, MySQL `…` with ``
 * inside, qualified or not, with a comma inside the quotes that does not split the list.
 */
describe.each(engines)('%s: SQL-quoted --table names', (engine: TestEngine) => {
  const sb = makeSandbox(`qname-${engine}`);
  let db: TempDb;
  /** The table's real name, and its schema (PostgreSQL) or database (MySQL). */
  const NAME = engine === 'postgres' ? 'Contacts "VIP", EU' : 'Contacts `VIP`, "EU"';
  const SCHEMA = 'Sales "EU"';
  let quoted: string;
  let qualified: string;
  let backupId: string;
  let full: string;

  beforeAll(async () => {
    db = await createTempDb(engine, 'qname');
    if (engine === 'postgres') {
      // As a DBA writes it, and as pg_dump -t takes it.
      quoted = '"Contacts ""VIP"", EU"';
      qualified = '"Sales ""EU"""."Contacts ""VIP"", EU"';
      await db.exec(`CREATE SCHEMA "Sales ""EU"""; CREATE TABLE ${qualified} (id int PRIMARY KEY, name varchar(40) NOT NULL)`);
      await db.exec(`INSERT INTO ${qualified} VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e')`);
    } else {
      quoted = '`Contacts ``VIP``, "EU"`';
      qualified = `\`${db.name}\`.${quoted}`;
      await db.exec(`CREATE TABLE ${quoted} (id int PRIMARY KEY, name varchar(40) NOT NULL)`);
      await db.exec(`INSERT INTO ${quoted} VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e')`);
    }
    full = await tableChecksum(db, NAME, engine === 'postgres' ? SCHEMA : undefined);
  }, 300_000);
  afterAll(async () => {
    await db?.drop();
    sb.cleanup();
  });

  it('backup --tables and audit install --tables take the quoted name (its comma does not split it)', async () => {
    const b = await sb.run(['backup', '--url', db.url, '--tables', qualified, '--json']);
    expect(b.code, b.stderr).toBe(0);
    const manifest = JSON.parse(b.stdout) as { id: string; tables: { schema: string; name: string }[] };
    expect(manifest.tables.map((t) => t.name)).toEqual([NAME]);
    backupId = manifest.id;
    // After the backup: its dump then holds no audit trigger to stage.
    const install = await sb.run(['audit', 'install', '--url', db.url, '--tables', qualified, '--json']);
    expect(install.code, install.stderr).toBe(0);
    await db.exec(`DELETE FROM ${qualified} WHERE id IN (4, 5)`);
  });

  it('audit deletions --table takes the quoted name', async () => {
    const r = await sb.run(['audit', 'deletions', '--url', db.url, '--table', qualified, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const events = ndjson(r.stdout) as { table: string; key: { id: string } }[];
    expect(events.map((e) => [e.table, e.key.id]).sort()).toEqual([
      [NAME, '4'],
      [NAME, '5'],
    ]);
  });

  it('stage, diff and merge --table take the quoted name; merge puts the rows back exactly', async () => {
    const stage = await sb.run(['stage', '--url', db.url, '--backup', backupId, '--table', quoted, '--json']);
    expect(stage.code, stage.stderr).toBe(0);
    expect((JSON.parse(stage.stdout) as { tables: { name: string }[] }).tables.map((t) => t.name)).toEqual([NAME]);
    const diff = await sb.run(['diff', '--url', db.url, '--backup', backupId, '--table', qualified, '--format', 'ndjson']);
    expect(diff.code, diff.stderr).toBe(0);
    expect(ndjson(diff.stdout)[0]).toMatchObject({ type: 'summary', counts: { deleted: 2, changed: 0, added: 0 } });
    const merge = await sb.run(['merge', '--url', db.url, '--backup', backupId, '--table', quoted, '--deleted', '--apply', '--yes', '--json']);
    expect(merge.code, merge.stderr).toBe(0);
    const result = ndjson(merge.stdout).find((l) => l.type === 'result') as { totals: { inserted: number }; verify: { mismatched: number } };
    expect(result.totals.inserted).toBe(2);
    expect(result.verify.mismatched).toBe(0);
    expect(await tableChecksum(db, NAME, engine === 'postgres' ? SCHEMA : undefined)).toBe(full);
  });
});
