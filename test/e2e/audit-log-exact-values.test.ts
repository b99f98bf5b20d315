import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableChecksum } from '../helpers/checksum.js';
import { makeSandbox, ndjson } from '../helpers/flow.js';
import { engines, type TestEngine } from '../helpers/servers.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * Issue #14, item 7: rows rebuilt from crm-rescue's trigger-audit log (`--backup audit-log`)
 * must come back exactly as they were deleted — array bounds, JSON text and JSON null, zero
 * TIMESTAMPs, FLOAT digits, \u0000 in JSON — whatever the deleting session's settings. Rows an
 * older log layout cannot restore exactly are left out with the reason, never restored wrong.
 */

/** The table as the CRM had it, full of values that a lossy log changes. */
function hostile(engine: TestEngine): string {
  if (engine === 'postgres') {
    return `
      CREATE TABLE t (id int PRIMARY KEY, arr int[], arr2 text[], js json, jb jsonb, iv interval, f float8, r real, num numeric,
        ts timestamptz, tsn timestamp(3), d date, bin bytea, txt text, ch char(5), nr numrange);
      INSERT INTO t VALUES
        (1, '[0:1]={7,8}', '{"a b",NULL,"c\\"d"}', '{ "a" :  1 }', '{"x": 1.50}', '1 day 24:00:00', '-0', '0.1', 1.50,
         '2026-05-01 16:42:07.123456+05:30', '2026-05-01 16:42:07.123', '2026-05-01', '\\x00ff', E'line\\n\\\\ "q"', 'ab', '[1.50,2.0)'),
        (2, NULL, NULL, 'null', 'null', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
        (3, '{{1,2},{3,4}}', '{}', '"\\u0000x"', '[]', '-1 mons +2 days -03:00:00', 'NaN', '-Infinity', 'NaN',
         '-infinity', 'infinity', 'infinity', '\\x', '', '', 'empty'),
        (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
        (5, '[-3:-3]={0}', '{"\\\\"}', '  [1, 2]  ', '{"k": null}', '1 mon', 0.30000000000000004, 3.4028235e38, 12345678901234567890.12345678901234567890,
         '0044-03-15 12:00:00+00 BC', '0044-03-15 12:00:00 BC', '0044-03-15 BC', '\\xdeadbeef', '😀', 'a b  ', '(,)');`;
  }
  return `
    SET time_zone = '+00:00';
    CREATE TABLE t (id int PRIMARY KEY, ts timestamp NULL DEFAULT NULL, ts6 timestamp(6) NULL DEFAULT NULL,
      tsz timestamp NOT NULL DEFAULT '0000-00-00 00:00:00', dt datetime(6) NULL, d date NULL, js json NULL, js2 json NULL,
      fl float NULL, dbl double NULL, dec1 decimal(30,10) NULL, bin varbinary(10) NULL, bl blob NULL, b bit(8) NULL,
      e enum('a','b c') NULL, st set('x','y') NULL, txt text NULL, ch char(5) NULL, y year NULL, tm time(3) NULL)
      CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
    INSERT INTO t VALUES
      (1, '0000-00-00 00:00:00', '2026-05-01 16:42:07.123456', '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00',
       '{ "a" :  1 }', 'null', 1/3, 0.1e0 + 0.2e0, -0.0000000001, X'00ff', X'', b'10100101', 'b c', 'x,y',
       CONCAT('a', CHAR(0), 'b ', '"\\\\'), 'ab', 2026, '-838:59:59.000'),
      (2, NULL, NULL, '2026-05-01 16:42:07', NULL, NULL, NULL, '  [1, 2]  ', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
      (3, '2038-01-19 03:14:07', '1970-01-01 00:00:01.000001', '2026-05-01 16:42:07', '9999-12-31 23:59:59.999999', '2026-02-00',
       '"a\\\\u00e9"', '1.50', 1e38, 1.7976931348623157e308, 12345678901234567890.1234567891, X'', NULL, b'0', 'a', '', '', '', 1901, '00:00:00.001');`;
}

/** The same rows as the server writes them, FLOAT and DOUBLE to the last bit (MariaDB prints FLOAT with 6 digits). */
async function fullChecksum(db: TempDb, table: string): Promise<string> {
  if (db.engine === 'postgres') return tableChecksum(db, table);
  const floats = await db.query<{ v: string }>(`SELECT CONCAT_WS('|', id, IFNULL(CAST(fl AS DOUBLE), 'N'), IFNULL(dbl, 'N')) AS v FROM ${table} ORDER BY id`);
  return `${await tableChecksum(db, table)}:${floats.map((r) => r.v).join(',')}`;
}

describe.each(engines)('%s: --backup audit-log restores exactly the values the rows had', (engine) => {
  const sb = makeSandbox(`logexact-${engine}`);
  let db: TempDb;
  let before: string;
  const ns = () => (engine === 'postgres' ? 'crm_rescue' : `crm_rescue__${db.name}`);
  const q = (n: string) => (engine === 'postgres' ? `"${n}"` : `\`${n}\``);

  beforeAll(async () => {
    db = await createTempDb(engine, 'logexact');
    await db.exec(hostile(engine));
    await db.exec(
      engine === 'postgres'
        ? `CREATE TABLE legacy (id int PRIMARY KEY, txt text, arr int[], js json, n numeric)`
        : `CREATE TABLE legacy (id int PRIMARY KEY, txt text, ts timestamp NULL DEFAULT NULL, fl float, js json, n decimal(6,2))`,
    );
    const i = await sb.run(['audit', 'install', '--all', '--url', db.url, '--yes']);
    expect(i.code, i.stderr).toBe(0);
    before = await fullChecksum(db, 't');
    // Deleted by a session whose settings differ from everything crm-rescue uses.
    await db.exec(
      engine === 'postgres'
        ? `SET TimeZone = 'America/St_Johns'; SET DateStyle = 'SQL, DMY'; SET IntervalStyle = 'sql_standard'; SET extra_float_digits = 0;
           SET bytea_output = 'escape'; DELETE FROM t;`
        : `SET time_zone = '+05:30'; DELETE FROM t;`,
    );
  }, 300_000);
  afterAll(async () => {
    await db?.drop();
    sb.cleanup();
  });

  it('merge --backup audit-log --deleted brings every hostile value back exactly', async () => {
    const m = await sb.run(['merge', '--url', db.url, '--backup', 'audit-log', '--table', 't', '--deleted', '--apply', '--yes', '--json']);
    expect(m.code, m.stderr).toBe(0);
    const result = ndjson(m.stdout).find((l) => l.type === 'result') as { totals: { inserted: number }; verify: { mismatched: number } };
    expect(result.totals.inserted).toBe(engine === 'postgres' ? 5 : 3);
    expect(result.verify.mismatched).toBe(0);
    expect(await fullChecksum(db, 't')).toBe(before);
    expect(m.stderr).not.toMatch(/left out/);
  });

  it('a later --backup audit-log sees the rows deleted since the previous one (the log is read again, not a stale copy)', async () => {
    await db.exec(`DELETE FROM t WHERE id = 1`);
    const m = await sb.run(['merge', '--url', db.url, '--backup', 'audit-log', '--table', 't', '--deleted', '--apply', '--yes', '--json']);
    expect(m.code, m.stderr).toBe(0);
    const result = ndjson(m.stdout).find((l) => l.type === 'result') as { totals: { inserted: number }; verify: { mismatched: number } };
    expect(result.totals.inserted).toBe(1);
    expect(await fullChecksum(db, 't')).toBe(before);
  });

  it('a log of the older layout is upgraded in place; its rows that cannot be restored exactly are left out with the reason', async () => {
    const log = `${q(ns())}.${q('audit_log')}`;
    // A log as an older crm-rescue made it: no layout column, rows holding the typed row JSON.
    await db.exec(`ALTER TABLE ${log} DROP COLUMN old_row_layout`);
    const rows =
      engine === 'postgres'
        ? [
            `(10, '{"id":10,"txt":"a","arr":[7,8],"js":{"a":1},"n":1}')`,
            `(11, '{"id":11,"txt":"b","arr":null,"js":null,"n":2}')`,
            `(12, '{"id":12,"txt":"c","arr":null,"js":"\\u0000x","n":3}')`,
            `(13, '{"id":13,"txt":"d \\"q\\"","arr":null,"js":{ "a" :  1 },"n":1.50}')`,
          ]
        : [
            `(10, '{"id": 10, "txt": "a", "ts": null, "fl": null, "js": null, "n": 1.00}')`,
            `(11, '{"id": 11, "txt": "b", "ts": "2026-05-01 16:42:07", "fl": 0.333333, "js": null, "n": 2.00}')`,
            `(12, '{"id": 12, "txt": "c", "ts": "2026-05-01 16:42:07", "fl": null, "js": {"a": 1}, "n": 3.00}')`,
          ];
    for (const r of rows) {
      const [, id, image] = /^\((\d+), '(.*)'\)$/.exec(r)!;
      await db.exec(
        engine === 'postgres'
          ? `INSERT INTO ${log} (table_schema, table_name, operation, row_key, old_row) VALUES ('public', 'legacy', 'DELETE', '{"id":${id}}', '${image}')`
          : `INSERT INTO ${log} (logged_at, table_schema, table_name, operation, row_key, old_row, db_user, txid)
             VALUES (UTC_TIMESTAMP(6), DATABASE(), 'legacy', 'DELETE', '{"id": ${id}}', '${image}', USER(), CONNECTION_ID())`,
      );
    }
    if (engine === 'mysql') {
      // And one row the older layout did keep exactly.
      await db.exec(`INSERT INTO ${log} (logged_at, table_schema, table_name, operation, row_key, old_row, db_user, txid)
        VALUES (UTC_TIMESTAMP(6), DATABASE(), 'legacy', 'DELETE', '{"id": 13}', '{"id": 13, "txt": "d \\\\"q\\\\"", "ts": "2026-05-01 16:42:07", "fl": null, "n": 1.50}', USER(), CONNECTION_ID())`);
    }
    const i = await sb.run(['audit', 'install', '--all', '--url', db.url, '--yes']);
    expect(i.code, i.stderr).toBe(0);
    const layouts = await db.query<{ id: unknown; layout: unknown }>(`SELECT id, old_row_layout AS layout FROM ${log} WHERE table_name = 'legacy'`);
    expect(layouts.map((r) => r.layout)).toEqual(layouts.map(() => null));

    const m = await sb.run(['merge', '--url', db.url, '--backup', 'audit-log', '--table', 'legacy', '--deleted', '--apply', '--yes', '--json']);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stderr).toMatch(/3 logged rows of \S*legacy left out/);
    expect(m.stderr).toMatch(/restore them from a backup/);
    const result = ndjson(m.stdout).find((l) => l.type === 'result') as { totals: { inserted: number }; verify: { mismatched: number } };
    expect(result.totals.inserted).toBe(1);
    expect(result.verify.mismatched).toBe(0);
    const back = await db.query<Record<string, unknown>>(
      engine === 'postgres' ? `SELECT id, txt, js::text AS js, n::text AS n FROM legacy` : `SELECT id, txt, CAST(ts AS CHAR) AS ts, n FROM legacy`,
    );
    expect(back).toEqual(
      engine === 'postgres' ? [{ id: 13, txt: 'd "q"', js: '{ "a" :  1 }', n: '1.50' }] : [{ id: 13, txt: 'd "q"', ts: '2026-05-01 16:42:07', n: '1.50' }],
    );
  });
});
