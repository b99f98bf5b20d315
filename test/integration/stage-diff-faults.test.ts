import { appendFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksums } from '../helpers/checksum.js';
import { backupId, expectOneLineError, makeSandbox, ndjson } from '../helpers/flow.js';
import { engines, type TestEngine } from '../helpers/servers.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/** Tables whose names and columns break naive SQL, plus one without any key. */
function fixture(engine: TestEngine): { sql: string; table: string; tables: string[] } {
  const q = engine === 'postgres' ? (s: string) => `"${s.replace(/"/g, '""')}"` : (s: string) => `\`${s.replace(/`/g, '``')}\``;
  const table = 'Kon"takt `Ü` select';
  const rows = Array.from({ length: 40 }, (_, i) => `(${i + 1}, 'Name ${i + 1}', ${i % 3 === 0 ? 'NULL' : `'x${i}'`}, ${i % 2})`).join(', ');
  return {
    table,
    tables: [table, 'nokey', 'parent'],
    sql: [
      `CREATE TABLE ${q(table)} (${q('Order')} int PRIMARY KEY, ${q('Na me')} varchar(40) NOT NULL, ${q('select')} varchar(40), ${q('deleted')} smallint NOT NULL DEFAULT 0)`,
      `INSERT INTO ${q(table)} VALUES ${rows}`,
      `CREATE TABLE nokey (a int, b text)`,
      `INSERT INTO nokey VALUES (1, 'a'), (1, 'a'), (2, 'b')`,
      `CREATE TABLE parent (id int PRIMARY KEY, v text)`,
      `INSERT INTO parent VALUES (1, 'one'), (2, 'two')`,
    ].join(';\n'),
  };
}

describe.each(engines)('%s stage and diff: faults and hostile names', (engine) => {
  const sb = makeSandbox(`sdf-${engine}`);
  let db: TempDb;
  let id: string;
  const fx = fixture(engine);
  const q = engine === 'postgres' ? (s: string) => `"${s.replace(/"/g, '""')}"` : (s: string) => `\`${s.replace(/`/g, '``')}\``;

  beforeAll(async () => {
    db = await createTempDb(engine, 'sdf');
    for (const s of fx.sql.split(';\n')) await db.exec(s);
    id = await backupId(sb.run, db.url);
    // After the backup: delete, soft-delete, change, add.
    await db.exec(`DELETE FROM ${q(fx.table)} WHERE ${q('Order')} IN (1, 2, 3)`);
    await db.exec(`UPDATE ${q(fx.table)} SET ${q('deleted')} = 1 WHERE ${q('Order')} = 5`);
    await db.exec(`UPDATE ${q(fx.table)} SET ${q('select')} = 'changed' WHERE ${q('Order')} = 6`);
    await db.exec(`INSERT INTO ${q(fx.table)} VALUES (100, 'new', NULL, 0)`);
  });
  afterAll(async () => {
    await db?.drop();
    sb.cleanup();
  });

  it('stages and diffs a table with quotes, backticks, spaces, unicode and reserved words, leaving live untouched', async () => {
    const before = await checksums(db, fx.tables);
    const s = await sb.run(['stage', '--url', db.url, '--backup', id, '--table', fx.table, '--json']);
    expect(s.code, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout).tables[0]).toMatchObject({ name: fx.table, rows: 40 });
    const d = await sb.run(['diff', '--url', db.url, '--backup', id, '--table', fx.table, '--format', 'ndjson', '--exit-code']);
    expect(d.code, d.stderr).toBe(3);
    const lines = ndjson(d.stdout);
    // The generic flavour knows `deleted` as a soft-delete flag.
    expect(lines[0]).toMatchObject({ type: 'summary', counts: { deleted: 3, softDeleted: 1, changed: 1, added: 1 } });
    const rows = lines.slice(1);
    expect(rows.filter((r) => r.class === 'deleted').map((r) => (r.key as Record<string, unknown>).Order)).toEqual([1, 2, 3]);
    expect(rows.find((r) => r.class === 'changed')).toMatchObject({ changedColumns: ['select'], before: { select: 'x5' }, after: { select: 'changed' } });
    expect(await checksums(db, fx.tables)).toEqual(before);
    // Restaging replaces the copy (built under a temporary name, then swapped).
    const again = await sb.run(['stage', '--url', db.url, '--backup', id, '--table', fx.table, '--json']);
    expect(again.code, again.stderr).toBe(0);
    const list = await sb.run(['staging', 'list', '--url', db.url, '--json']);
    expect(JSON.parse(list.stdout)[0].tables).toHaveLength(1);
    expect(await checksums(db, fx.tables)).toEqual(before);
  });

  it('--limit caps the rows of each class (0: the summary alone), --class picks classes, counts stay whole', async () => {
    const base = ['diff', '--url', db.url, '--backup', id, '--table', fx.table];
    const whole = { deleted: 3, softDeleted: 1, changed: 1, added: 1 };
    const one = await sb.run([...base, '--format', 'ndjson', '--limit', '1']);
    expect(one.code, one.stderr).toBe(0);
    const lines = ndjson(one.stdout);
    expect(lines[0]).toMatchObject({ type: 'summary', counts: whole });
    expect(lines.slice(1).map((r) => [r.class, (r.key as Record<string, unknown>).Order])).toEqual([
      ['deleted', 1],
      ['soft-deleted', 5],
      ['changed', 6],
      ['added', 100],
    ]);
    const none = await sb.run([...base, '--format', 'ndjson', '--limit', '0']);
    expect(none.code, none.stderr).toBe(0);
    expect(ndjson(none.stdout)).toEqual([expect.objectContaining({ type: 'summary', counts: expect.objectContaining(whole) })]);
    const json = await sb.run([...base, '--format', 'json', '--class', 'deleted', '--class', 'added']);
    expect(json.code, json.stderr).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(doc.summary.counts).toMatchObject(whole);
    expect(doc.rows.map((r: { class: string }) => r.class)).toEqual(['deleted', 'deleted', 'deleted', 'added']);
    const human = await sb.run([...base, '--limit', '0']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/deleted 3 · soft-deleted 1 · changed 1 · added 1/);
    expect(human.stdout).not.toMatch(/^deleted /m);
  });

  it('unknown backup id, unknown table, table not in the backup', async () => {
    expectOneLineError(await sb.run(['diff', '--url', db.url, '--backup', 'nope', '--table', 'parent']), 1, /no backup "nope"/);
    expectOneLineError(await sb.run(['diff', '--url', db.url, '--backup', id, '--table', 'nosuch']), 1, /table "nosuch" does not exist/);
    expectOneLineError(await sb.run(['stage', '--url', db.url, '--backup', id, '--table', 'nosuch']), 1, /table "nosuch" is not in backup/);
  });

  it('a table without a usable key needs --key, and says so', async () => {
    expectOneLineError(await sb.run(['diff', '--url', db.url, '--backup', id, '--table', 'nokey']), 1, /no primary key and no unique key.*Pass --key/);
  });

  it('a damaged table file is refused and named before anything is loaded', async () => {
    const backupDir = join(sb.dir, id);
    const m = JSON.parse((await import('node:fs')).readFileSync(join(backupDir, 'manifest.json'), 'utf8'));
    const file = m.tables.find((t: { name: string }) => t.name === 'parent').file;
    appendFileSync(join(backupDir, file), 'garbage');
    const r = await sb.run(['stage', '--url', db.url, '--backup', id, '--table', 'parent']);
    expectOneLineError(r, 1, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} does not match its sha256.*refusing`));
  });

  it('refuses a staging namespace that is not ours', async () => {
    const other = await createTempDb(engine, 'sdfother');
    try {
      await other.exec('CREATE TABLE t (id int PRIMARY KEY)');
      const id2 = await backupId(sb.run, other.url);
      const { stagingNamespace } = await import('../../src/dialect/namespaces.js');
      const ns = stagingNamespace(other.name, id2);
      if (engine === 'postgres') await other.exec(`CREATE SCHEMA ${ns}; CREATE TABLE ${ns}.precious (x int)`);
      else await other.exec(`CREATE DATABASE ${ns}`);
      const r = await sb.run(['stage', '--url', other.url, '--backup', id2, '--table', 't']);
      expectOneLineError(r, 1, /exists but was not made by crm-rescue; refusing/);
      if (engine === 'postgres') expect(await other.query(`SELECT * FROM ${ns}.precious`)).toEqual([]);
      else await other.exec(`DROP DATABASE ${ns}`);
    } finally {
      await other.drop();
    }
  });

  it('staging drop removes only our namespace', async () => {
    const r = await sb.run(['staging', 'drop', id, '--url', db.url, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).dropped).toHaveLength(1);
    const list = await sb.run(['staging', 'list', '--url', db.url, '--json']);
    expect(JSON.parse(list.stdout)).toEqual([]);
    expectOneLineError(await sb.run(['staging', 'drop', id, '--url', db.url]), 1, /nothing is staged/);
  });
  void readdirSync;
  void writeFileSync;
});
