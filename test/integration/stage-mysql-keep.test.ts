import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/connect/open.js';
import { completeTarget } from '../../src/connect/resolve.js';
import { parseTargetUrl } from '../../src/connect/target.js';
import type { RowKeep } from '../../src/stage/mysql-filter.js';
import { loadMysqlStream, scratchName } from '../../src/stage/mysql-stage.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * Targeted staging from a real mysqldump file: only the rows whose key is wanted reach the
 * staged table, read through MysqlTableFilter's `keep` (keys with quotes, backslashes, commas
 * and parentheses; a generated column MariaDB's mysqldump writes a value for; rows larger than a
 * read of the file).
 */
describe('mysql stage: targeted staging loads only the wanted rows of a mysqldump file', () => {
  const REGIONS = ["it's", 'a,b', 'x\\y', '(p)', 'Ü😀', 'plain'];
  const ROWS = 3000;
  let temp: TempDb;
  let db: Db;
  let dump: Buffer;
  const scratches: string[] = [];

  beforeAll(async () => {
    temp = await createTempDb('mysql', 'stagekeep');
    await temp.exec(`CREATE TABLE contacts (
      region varchar(20) NOT NULL, id int NOT NULL, name varchar(60), note mediumtext,
      twice int AS (id * 2) VIRTUAL, PRIMARY KEY (region, id)) CHARACTER SET utf8mb4`);
    const values = Array.from({ length: ROWS }, (_, i) => [
      REGIONS[i % REGIONS.length],
      i,
      `O'Brien "${i}"\n(${i}), \\`,
      i % 1000 === 3 ? 'n'.repeat(100_000) : null,
    ]);
    for (let i = 0; i < ROWS; i += 500) await temp.query('INSERT INTO contacts (region, id, name, note) VALUES ?', [values.slice(i, i + 500)]);
    // A small net buffer: many INSERT statements; those of the later rows hold no wanted row.
    dump = execFileSync('mysqldump', ['-h127.0.0.1', '-P3306', '-uroot', '--single-transaction', '--net-buffer-length=16384', temp.name, 'contacts'], {
      maxBuffer: 64 << 20,
    });
    db = await openDb(completeTarget(parseTargetUrl(temp.url)), { readOnly: false, interactive: false });
  });
  afterAll(async () => {
    for (const s of scratches) await temp?.exec(`DROP DATABASE IF EXISTS \`${s}\``);
    await db?.close();
    await temp?.drop();
  });

  /** The dump in reads of 1000 bytes: rows and INSERT heads cut anywhere. */
  const open = () => Readable.from(Array.from({ length: Math.ceil(dump.length / 1000) }, (_, k) => dump.subarray(k * 1000, (k + 1) * 1000)));
  const load = async (keep: RowKeep) => {
    const scratch = scratchName(temp.name);
    scratches.push(scratch);
    const r = await loadMysqlStream(db, 'contacts', open, scratch, { keep });
    const rows = await temp.query<{ region: string; id: number; name: string; note: string | null; twice: number }>(
      `SELECT region, id, name, note, twice FROM \`${scratch}\`.contacts ORDER BY region, id`,
    );
    return { r, rows };
  };

  it('loads the rows of the wanted keys and no other, counting what it saw', async () => {
    expect(dump.toString('utf8').match(/^INSERT INTO/gm)!.length).toBeGreaterThan(10);
    const wanted = (region: string | null, id: string | null) => (Number(id) % 100 === 3 && Number(id) < 1200) || (region === '(p)' && Number(id) < 50);
    const asked: (string | null)[][] = [];
    const { r, rows } = await load({
      columns: ['region', 'id'],
      match: (v) => {
        asked.push(v);
        return wanted(v[0], v[1]);
      },
    });
    const expected = await temp.query<{ region: string; id: number; name: string; note: string | null; twice: number }>(
      'SELECT region, id, name, note, twice FROM contacts ORDER BY region, id',
    );
    const kept = expected.filter((x) => wanted(x.region, String(x.id)));
    expect(kept.length).toBe(19);
    expect(rows).toEqual(kept);
    expect(rows.some((x) => x.note?.length === 100_000)).toBe(true);
    expect(r.filtered).toEqual({ seen: ROWS, kept: kept.length });
    // Every key was read as the database holds it.
    expect(new Set(asked.map((v) => v[0]))).toEqual(new Set(REGIONS));
    expect(asked.length).toBe(ROWS);
  });

  it('loads every row, and reports no filtering, when a key column is not in the table', async () => {
    const { r, rows } = await load({ columns: ['email'], match: () => false });
    expect(r.filtered).toBeNull();
    expect(rows.length).toBe(ROWS);
  });
});
