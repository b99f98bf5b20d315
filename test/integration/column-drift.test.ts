import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableChecksum } from '../helpers/checksum.js';
import type { CliResult } from '../helpers/cli.js';
import { backupId, expectOneLineError, makeSandbox, ndjson } from '../helpers/flow.js';
import { engines, type TestEngine } from '../helpers/servers.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * Issue #16 part 3: a backup whose table has other columns than live (added or dropped since).
 * The backup is staged as it was taken; diff compares the columns both have and names the
 * others; merge writes only live columns the backup has (the others get their defaults on
 * INSERT, never touched by UPDATE), refuses before any write what it cannot fill or convert, and
 * undo restores live exactly.
 */

const BEFORE = `
  CREATE TABLE drift (id int PRIMARY KEY, name varchar(20), amount int, old_note varchar(20));
  INSERT INTO drift VALUES (1, 'Ann', 10, 'n1'), (2, 'Bob', 20, 'n2'), (3, 'Cy', 30, 'n3'), (4, 'Di', 40, 'n4');
  CREATE TABLE grown (id int PRIMARY KEY, name varchar(20));
  INSERT INTO grown VALUES (1, 'a'), (2, 'b'), (3, 'c');
  CREATE TABLE strict_added (id int PRIMARY KEY, name varchar(20));
  INSERT INTO strict_added VALUES (1, 'a'), (2, 'b');
  CREATE TABLE retyped (id int PRIMARY KEY, name varchar(20));
  INSERT INTO retyped VALUES (1, '1'), (2, '2');
  CREATE TABLE key_retyped (id int PRIMARY KEY, name varchar(20));
  INSERT INTO key_retyped VALUES (1, 'a'), (2, 'b');
`;

/** Live after the backup: columns added and dropped, types changed, rows deleted and edited. */
function after(engine: TestEngine): string {
  const retype = (table: string, column: string, type: string) =>
    engine === 'postgres'
      ? `ALTER TABLE ${table} ALTER COLUMN ${column} TYPE ${type} USING ${column}::${type}`
      : `ALTER TABLE ${table} MODIFY ${column} ${type}`;
  return `
    ALTER TABLE drift ADD COLUMN added_default int NOT NULL DEFAULT 7;
    ALTER TABLE drift ADD COLUMN added_null varchar(10);
    ALTER TABLE drift DROP COLUMN old_note;
    DELETE FROM drift WHERE id IN (2, 3);
    UPDATE drift SET name = 'Ann edited', added_default = 8, added_null = 'live' WHERE id = 1;
    ALTER TABLE grown ADD COLUMN added_null varchar(10);
    DELETE FROM grown WHERE id = 2;
    ALTER TABLE strict_added ADD COLUMN must int NOT NULL DEFAULT 0;
    ALTER TABLE strict_added ALTER COLUMN must DROP DEFAULT;
    DELETE FROM strict_added WHERE id = 2;
    ${retype('retyped', 'name', 'int')};
    DELETE FROM retyped WHERE id = 2;
    ${retype('key_retyped', 'id', 'varchar(10)')};
  `;
}

function result(r: CliResult): { totals: { inserted: number; updated: number }; verify: { checked: number; mismatched: number }; mergeId: string } {
  const line = ndjson(r.stdout).find((l) => l.type === 'result');
  expect(line, r.stdout + r.stderr).toBeDefined();
  return line as never;
}

describe.each(engines)('%s: a backup whose table has other columns than live', (engine) => {
  const sb = makeSandbox(`drift-${engine}`);
  let db: TempDb;
  let id: string;
  const merge = (table: string, ...args: string[]) => sb.run(['merge', '--url', db.url, '--backup', id, '--table', table, ...args]);
  const diff = (table: string, ...args: string[]) => sb.run(['diff', '--url', db.url, '--backup', id, '--table', table, ...args]);

  beforeAll(async () => {
    db = await createTempDb(engine, 'drift');
    await db.exec(BEFORE);
    id = await backupId(sb.run, db.url);
    await db.exec(after(engine));
  }, 300_000);
  afterAll(async () => {
    await db?.drop();
    sb.cleanup();
  });

  it('diff compares the common columns only and names the columns each side lacks (text and --json)', async () => {
    const j = await diff('drift', '--json');
    expect(j.code, j.stderr).toBe(0);
    const out = JSON.parse(j.stdout) as {
      summary: { columns: string[]; onlyInStaged: string[]; onlyInLive: string[]; counts: Record<string, number> };
      rows: { class: string; key: { id: number }; before?: Record<string, unknown>; changedColumns?: string[] }[];
    };
    expect(out.summary.columns).toEqual(['name', 'amount']);
    expect(out.summary.onlyInStaged).toEqual(['old_note']);
    expect(out.summary.onlyInLive).toEqual(['added_default', 'added_null']);
    expect(out.summary.counts).toMatchObject({ deleted: 2, changed: 1, added: 0, unchanged: 1 });
    expect(out.rows.map((r) => [r.class, r.key.id])).toEqual([
      ['deleted', 2],
      ['deleted', 3],
      ['changed', 1],
    ]);
    expect(out.rows[0].before).toEqual({ name: 'Bob', amount: 20 });
    // Live's own edit of an added column is no difference: only name is compared.
    expect(out.rows[2].changedColumns).toEqual(['name']);

    const t = await diff('drift');
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/Backup only\s+old_note \(not compared\)/);
    expect(t.stdout).toMatch(/Live only\s+added_default, added_null \(not compared\)/);
  });

  it('merge writes only the columns both have: inserted rows get live defaults, updates leave added columns alone, undo restores exactly', async () => {
    const live = await tableChecksum(db, 'drift');
    // Columns on both sides that the other lacks may be one renamed: said, and nothing written.
    expectOneLineError(await merge('drift', '--deleted', '--apply', '--yes'), 1, /backup has old_note that live lacks, and live has added_default, added_null/);
    expect(await tableChecksum(db, 'drift')).toBe(live);

    const r = await merge('drift', '--deleted', '--changed', '--leave-new-columns-empty', '--apply', '--yes', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(result(r).totals).toMatchObject({ inserted: 2, updated: 1 });
    expect(result(r).verify).toEqual({ checked: 3, mismatched: 0 });
    const rows = await db.query<Record<string, unknown>>('SELECT id, name, amount, added_default, added_null FROM drift ORDER BY id');
    expect(rows).toEqual([
      { id: 1, name: 'Ann', amount: 10, added_default: 8, added_null: 'live' },
      { id: 2, name: 'Bob', amount: 20, added_default: 7, added_null: null },
      { id: 3, name: 'Cy', amount: 30, added_default: 7, added_null: null },
      { id: 4, name: 'Di', amount: 40, added_default: 7, added_null: null },
    ]);

    const u = await sb.run(['undo', '--url', db.url, result(r).mergeId, '--yes']);
    expect(u.code, u.stderr).toBe(0);
    expect(await tableChecksum(db, 'drift')).toBe(live);
  });

  it('a column only added since the backup: merge applies without a flag, the new column takes its default', async () => {
    const r = await merge('grown', '--deleted', '--apply', '--yes', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(result(r).verify).toEqual({ checked: 1, mismatched: 0 });
    expect(await db.query('SELECT id, name, added_null FROM grown ORDER BY id')).toEqual([
      { id: 1, name: 'a', added_null: null },
      { id: 2, name: 'b', added_null: null },
      { id: 3, name: 'c', added_null: null },
    ]);
  });

  it('refuses in one line, before any write: a NOT NULL live column without a default, a written column retyped beyond conversion, a retyped key', async () => {
    const sums = { strict: await tableChecksum(db, 'strict_added'), retyped: await tableChecksum(db, 'retyped') };
    expectOneLineError(
      await merge('strict_added', '--deleted', '--apply', '--yes'),
      1,
      /strict_added: live column must is NOT NULL without a default and the backup has no such column/,
    );
    expectOneLineError(
      await merge('retyped', '--deleted', '--apply', '--yes'),
      1,
      /retyped: column name is (character varying|varchar)\(20\) in the backup and int(eger|\(11\)) in live/,
    );
    // Diff still compares the retyped column (by its text).
    const d = await diff('retyped', '--json');
    expect(d.code, d.stderr).toBe(0);
    expect(JSON.parse(d.stdout).summary.counts).toMatchObject({ deleted: 1, changed: 0, unchanged: 1 });
    expectOneLineError(
      await diff('key_retyped'),
      1,
      /key column "id" of .*key_retyped is int(eger|\(11\)) in the backup and (character varying|varchar)\(10\) in live/,
    );
    expect({ strict: await tableChecksum(db, 'strict_added'), retyped: await tableChecksum(db, 'retyped') }).toEqual(sums);
  });
});
