import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableChecksum } from '../helpers/checksum.js';
import type { CliResult } from '../helpers/cli.js';
import { backupId, expectOneLineError, makeSandbox, ndjson } from '../helpers/flow.js';
import { engines, type TestEngine } from '../helpers/servers.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * Issue #14, hostile data for merge (and diff): keys that cannot identify rows, columns renamed,
 * retyped or added after the backup, identity columns, and user columns named like crm-rescue's
 * own. Each case either writes exactly the backup's values or is refused in one line with
 * nothing written — never "all match" over a wrong value. Every table here belongs to one test.
 */

/** The tables as they were when the backup was taken. */
function beforeBackup(engine: TestEngine): string {
  return `
    CREATE TABLE nullkey (code varchar(10) UNIQUE, name varchar(20) NOT NULL);
    INSERT INTO nullkey VALUES ('A', 'a'), (NULL, 'n1'), (NULL, 'n2'), (NULL, 'n3');
    CREATE TABLE okkey (code varchar(10) UNIQUE, name varchar(20) NOT NULL);
    INSERT INTO okkey VALUES ('A', 'a'), ('B', 'b'), ('C', 'c');
    CREATE TABLE dupkey (grp varchar(10) NOT NULL, v int);
    INSERT INTO dupkey VALUES ('x', 1), ('x', 2), ('y', 3), ('z', 4), ('z', 5), ('z', 6);
    CREATE TABLE renamed (id int PRIMARY KEY, name varchar(50), amount int);
    INSERT INTO renamed VALUES (1, 'Ann', 10), (2, 'Bob', 20), (3, 'Cy', 30);
    CREATE TABLE renamed_empty (id int PRIMARY KEY, name varchar(50), amount int);
    INSERT INTO renamed_empty VALUES (1, 'Ann', 10), (2, 'Bob', 20), (3, 'Cy', 30);
    CREATE TABLE retyped (id int PRIMARY KEY, amount int, name varchar(20));
    INSERT INTO retyped VALUES (1, 10, 'a'), (2, 20, 'b'), (3, -5, 'c');
    CREATE TABLE retyped_lossy (id int PRIMARY KEY, amount numeric(10,2));
    INSERT INTO retyped_lossy VALUES (1, 10), (2, 20.5), (3, -5);
    CREATE TABLE defaulted (id int PRIMARY KEY, name varchar(20));
    INSERT INTO defaulted VALUES (1, 'a'), (2, 'b'), (3, 'c');
    CREATE TABLE internal_names (seq int NOT NULL, op varchar(10) NOT NULL, kind varchar(10) NOT NULL, reason varchar(10) NOT NULL, live_hash varchar(32) NOT NULL, v varchar(20),
                                 PRIMARY KEY (seq, op, kind, reason, live_hash));
    INSERT INTO internal_names VALUES (1, 'insert', 'full', 'erasure', 'h1', 'one'), (2, 'update', 'soft', 'x', 'h2', 'two'), (3, 'o', 'k', 'r', 'h3', 'three');
    CREATE TABLE reserved_col (id int PRIMARY KEY, crm_rescue_op varchar(10));
    INSERT INTO reserved_col VALUES (1, 'a'), (2, 'b');
    ${
      engine === 'postgres'
        ? `CREATE TABLE ident (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name varchar(20) NOT NULL);
           INSERT INTO ident (name) VALUES ('a'), ('b'), ('c');`
        : ''
    }
  `;
}

/** What happened after the backup. */
function afterBackup(engine: TestEngine): string {
  return `
    DELETE FROM nullkey WHERE code IS NULL;
    DELETE FROM okkey WHERE code IN ('B', 'C');
    DELETE FROM dupkey WHERE v IN (1, 2, 4, 5);
    DELETE FROM renamed WHERE id IN (2, 3);
    ALTER TABLE renamed RENAME COLUMN name TO full_name;
    DELETE FROM renamed_empty WHERE id IN (2, 3);
    ALTER TABLE renamed_empty RENAME COLUMN name TO full_name;
    DELETE FROM retyped WHERE id IN (2, 3);
    ${engine === 'postgres' ? 'ALTER TABLE retyped ALTER COLUMN amount TYPE numeric(10,2)' : 'ALTER TABLE retyped MODIFY amount decimal(10,2)'};
    DELETE FROM retyped_lossy WHERE id IN (2, 3);
    ${engine === 'postgres' ? 'ALTER TABLE retyped_lossy ALTER COLUMN amount TYPE int' : 'ALTER TABLE retyped_lossy MODIFY amount int'};
    DELETE FROM defaulted WHERE id IN (2, 3);
    ALTER TABLE defaulted ADD COLUMN flag int NOT NULL DEFAULT 7;
    DELETE FROM internal_names WHERE seq IN (2, 3);
    UPDATE internal_names SET v = 'edited' WHERE seq = 1;
    DELETE FROM reserved_col WHERE id = 2;
    ${
      engine === 'postgres'
        ? // The identity restarted below the backup's keys (as TRUNCATE … RESTART IDENTITY leaves it).
          `DELETE FROM ident WHERE id IN (2, 3);
           ALTER TABLE ident ALTER COLUMN id RESTART WITH 2;`
        : ''
    }
  `;
}

function result(r: CliResult): {
  totals: { inserted: number; updated: number };
  verify: { checked: number; mismatched: number };
  mergeId: string;
  notes?: string[];
} {
  const line = ndjson(r.stdout).find((l) => l.type === 'result');
  expect(line, r.stdout + r.stderr).toBeDefined();
  return line as never;
}

describe.each(engines)('%s: merge and diff on hostile keys, schema drift and internal names', (engine) => {
  const sb = makeSandbox(`hostile-${engine}`);
  let db: TempDb;
  let id: string;
  const merge = (table: string, ...args: string[]) => sb.run(['merge', '--url', db.url, '--backup', id, '--table', table, ...args]);
  const diff = (table: string, ...args: string[]) => sb.run(['diff', '--url', db.url, '--backup', id, '--table', table, ...args]);
  const rows = <T = Record<string, unknown>>(sql: string) => db.query<T>(sql);

  beforeAll(async () => {
    db = await createTempDb(engine, 'hostile');
    await db.exec(beforeBackup(engine));
    id = await backupId(sb.run, db.url);
    await db.exec(afterBackup(engine));
  }, 300_000);
  afterAll(async () => {
    await db?.drop();
    sb.cleanup();
  });

  it('#14.4 a nullable --key with NULLs in it: diff and merge refuse, naming how many rows, and write nothing', async () => {
    const live = await tableChecksum(db, 'nullkey');
    expectOneLineError(await diff('nullkey', '--key', 'code'), 1, /key \(code\) of .*nullkey.* NULL in 3 row\(s\) of the backup/);
    expectOneLineError(
      await merge('nullkey', '--key', 'code', '--deleted', '--apply', '--yes'),
      1,
      /key \(code\) of .*nullkey.* NULL in 3 row\(s\) of the backup/,
    );
    expect(await tableChecksum(db, 'nullkey')).toBe(live);
  });

  it('#14.4 a nullable --key without NULLs and with unique values still merges', async () => {
    const r = await merge('okkey', '--key', 'code', '--deleted', '--apply', '--yes', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(result(r).totals.inserted).toBe(2);
    expect(result(r).verify).toEqual({ checked: 2, mismatched: 0 });
    expect(await rows(`SELECT code, name FROM okkey ORDER BY code`)).toEqual([
      { code: 'A', name: 'a' },
      { code: 'B', name: 'b' },
      { code: 'C', name: 'c' },
    ]);
  });

  it('#14.4 a --key whose values repeat: diff and merge refuse, naming the repeating values and their counts', async () => {
    const live = await tableChecksum(db, 'dupkey');
    const repeat = /key \(grp\) of .*dupkey.* does not identify one row: values repeat in the backup \(z ×3, x ×2\)/;
    expectOneLineError(await diff('dupkey', '--key', 'grp'), 1, repeat);
    expectOneLineError(await merge('dupkey', '--key', 'grp', '--deleted', '--apply', '--yes'), 1, repeat);
    expect(await tableChecksum(db, 'dupkey')).toBe(live);
  });

  it('#14.8 a column renamed after the backup: merge refuses naming both columns; --map writes the values, undo takes them back', async () => {
    const live = await tableChecksum(db, 'renamed');
    expectOneLineError(
      await merge('renamed', '--deleted', '--apply', '--yes'),
      1,
      /the backup has name that live lacks.*live has full_name that the backup lacks.*--map name=full_name.*--leave-new-columns-empty/,
    );
    expect(await tableChecksum(db, 'renamed')).toBe(live);

    const preview = await merge('renamed', '--deleted', '--map', 'name=full_name');
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toMatch(/note: .*renamed: the backup's name is written to full_name \(--map\)/);
    const r = await merge('renamed', '--deleted', '--map', 'name=full_name', '--apply', '--yes', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(result(r).verify).toEqual({ checked: 2, mismatched: 0 });
    expect(await rows(`SELECT id, full_name, amount FROM renamed ORDER BY id`)).toEqual([
      { id: 1, full_name: 'Ann', amount: 10 },
      { id: 2, full_name: 'Bob', amount: 20 },
      { id: 3, full_name: 'Cy', amount: 30 },
    ]);
    const u = await sb.run(['undo', '--url', db.url, result(r).mergeId, '--yes']);
    expect(u.code, u.stderr).toBe(0);
    expect(await tableChecksum(db, 'renamed')).toBe(live);
  });

  it('#14.8 a renamed column left empty on purpose: --leave-new-columns-empty says so in the preview, then writes NULL there', async () => {
    const preview = await merge('renamed_empty', '--deleted', '--leave-new-columns-empty');
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toMatch(/note: .*renamed_empty: full_name is not in the backup: inserted rows get NULL \(--leave-new-columns-empty\)/);
    expect(preview.stdout).toMatch(/note: .*renamed_empty: the backup's name is not in live and is not written/);
    const r = await merge('renamed_empty', '--deleted', '--leave-new-columns-empty', '--apply', '--yes', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(result(r).verify.mismatched).toBe(0);
    expect(await rows(`SELECT id, full_name, amount FROM renamed_empty ORDER BY id`)).toEqual([
      { id: 1, full_name: 'Ann', amount: 10 },
      { id: 2, full_name: null, amount: 20 },
      { id: 3, full_name: null, amount: 30 },
    ]);
  });

  it('#14.8 a column retyped int → numeric(10,2) after the backup: the restored values verify as matching', async () => {
    const r = await merge('retyped', '--deleted', '--apply', '--yes', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(result(r).verify).toEqual({ checked: 2, mismatched: 0 });
    expect((await rows<{ id: number; amount: unknown }>(`SELECT id, amount FROM retyped ORDER BY id`)).map((x) => [x.id, String(x.amount)])).toEqual([
      [1, '10.00'],
      [2, '20.00'],
      [3, '-5.00'],
    ]);
  });

  it('#14.8 a column retyped numeric(10,2) → int after the backup: a value the new type rounds (20.5 → 21) is still caught, nothing written', async () => {
    const live = await tableChecksum(db, 'retyped_lossy');
    expectOneLineError(
      await merge('retyped_lossy', '--deleted', '--apply', '--yes'),
      1,
      /rolled back, live data is unchanged: .*1 row\(s\) of .*retyped_lossy differ from the backup in amount/,
    );
    expect(await tableChecksum(db, 'retyped_lossy')).toBe(live);
  });

  it('#14.8 a NOT NULL DEFAULT column added after the backup: inserted rows get the default, and the preview says so', async () => {
    const live = await tableChecksum(db, 'defaulted');
    const preview = await merge('defaulted', '--deleted');
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toMatch(/note: .*defaulted: flag is not in the backup: inserted rows get its default/);
    const r = await merge('defaulted', '--deleted', '--apply', '--yes', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(result(r).verify).toEqual({ checked: 2, mismatched: 0 });
    expect(await rows(`SELECT id, name, flag FROM defaulted ORDER BY id`)).toEqual([
      { id: 1, name: 'a', flag: 7 },
      { id: 2, name: 'b', flag: 7 },
      { id: 3, name: 'c', flag: 7 },
    ]);
    const u = await sb.run(['undo', '--url', db.url, result(r).mergeId, '--yes']);
    expect(u.code, u.stderr).toBe(0);
    expect(await tableChecksum(db, 'defaulted')).toBe(live);
  });

  it('#14 key and columns named seq, op, kind, reason, live_hash: merge inserts and reverts them, undo puts live back', async () => {
    const live = await tableChecksum(db, 'internal_names');
    const r = await merge('internal_names', '--deleted', '--changed', '--apply', '--yes', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(result(r).totals).toMatchObject({ inserted: 2, updated: 1 });
    expect(result(r).verify).toEqual({ checked: 3, mismatched: 0 });
    expect(await rows(`SELECT seq, op, kind, reason, live_hash, v FROM internal_names ORDER BY seq`)).toEqual([
      { seq: 1, op: 'insert', kind: 'full', reason: 'erasure', live_hash: 'h1', v: 'one' },
      { seq: 2, op: 'update', kind: 'soft', reason: 'x', live_hash: 'h2', v: 'two' },
      { seq: 3, op: 'o', kind: 'k', reason: 'r', live_hash: 'h3', v: 'three' },
    ]);
    const u = await sb.run(['undo', '--url', db.url, result(r).mergeId, '--yes']);
    expect(u.code, u.stderr).toBe(0);
    expect(await tableChecksum(db, 'internal_names')).toBe(live);
  });

  it("#14 a user column named like the journal's own (crm_rescue_op) is refused in one line, nothing written", async () => {
    const live = await tableChecksum(db, 'reserved_col');
    expectOneLineError(await merge('reserved_col', '--deleted', '--apply', '--yes'), 1, /column crm_rescue_op of .*reserved_col.* crm-rescue's own/);
    expect(await tableChecksum(db, 'reserved_col')).toBe(live);
  });

  it.runIf(engine === 'postgres')('#14 GENERATED ALWAYS AS IDENTITY: rows come back with their ids, and the identity moves past them', async () => {
    const r = await merge('ident', '--deleted', '--apply', '--yes', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(result(r).verify).toEqual({ checked: 2, mismatched: 0 });
    expect(await rows(`SELECT id, name FROM ident ORDER BY id`)).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
      { id: 3, name: 'c' },
    ]);
    expect(await rows(`INSERT INTO ident (name) VALUES ('new') RETURNING id`)).toEqual([{ id: 4 }]);
  });
});
