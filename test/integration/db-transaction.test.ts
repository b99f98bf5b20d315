import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/connect/open.js';
import { parseTargetUrl } from '../../src/connect/target.js';
import { completeTarget } from '../../src/connect/resolve.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';
import { engines } from '../helpers/servers.js';

/** The work's own failure, to tell it apart from anything the rollback might throw. */
class WorkFailed extends Error {}

describe.each(engines)('%s: Db.transaction', (engine) => {
  let temp: TempDb;
  let db: Db;

  beforeAll(async () => {
    temp = await createTempDb(engine, 'dbtx');
    await temp.exec('CREATE TABLE t (id int PRIMARY KEY, v int)');
    // One connection: a transaction that did not give its connection back would hang the next query.
    db = await openDb(completeTarget(parseTargetUrl(temp.url)), { interactive: false, readOnly: false, poolSize: 1 });
  });
  afterAll(async () => {
    await db?.close();
    await temp?.drop();
  });
  beforeEach(async () => {
    await temp.exec('DELETE FROM t');
  });

  const p = (i: number) => db.dialect.placeholder(i);
  const ids = async () => (await temp.query<{ id: number }>('SELECT id FROM t ORDER BY id')).map((r) => Number(r.id));

  it('commits when the work resolves, and counts the rows each write affected', async () => {
    const result = await db.transaction(async (tx) => {
      expect(await tx.write(`INSERT INTO t (id, v) VALUES (${p(1)}, 0), (${p(2)}, 0), (${p(3)}, 0)`, [1, 2, 3])).toBe(3);
      expect(await tx.write(`UPDATE t SET v = 1 WHERE id IN (${p(1)}, ${p(2)})`, [1, 2])).toBe(2);
      expect(await tx.write(`DELETE FROM t WHERE id = ${p(1)}`, [9])).toBe(0);
      const rows = await tx.query<{ n: unknown }>('SELECT count(*) AS n FROM t');
      return Number(rows[0].n);
    });
    expect(result).toBe(3);
    expect(await ids()).toEqual([1, 2, 3]);
  });

  it('rolls back and rethrows the work’s error, then gives the connection back', async () => {
    const failed = db.transaction(async (tx) => {
      await tx.write(`INSERT INTO t (id, v) VALUES (${p(1)}, 0)`, [7]);
      throw new WorkFailed('stop');
    });
    await expect(failed).rejects.toBeInstanceOf(WorkFailed);
    expect(await ids()).toEqual([]);
    // The pool's only connection is usable again, outside any transaction.
    await db.query(`INSERT INTO t (id, v) VALUES (${p(1)}, 0)`, [8]);
    expect(await ids()).toEqual([8]);
  });

  it('rolls back when a statement fails', async () => {
    await db.query(`INSERT INTO t (id, v) VALUES (${p(1)}, 0)`, [1]);
    const failed = db.transaction(async (tx) => {
      await tx.write(`INSERT INTO t (id, v) VALUES (${p(1)}, 0)`, [2]);
      await tx.write(`INSERT INTO t (id, v) VALUES (${p(1)}, 0)`, [1]); // duplicate key
    });
    await expect(failed).rejects.toThrow();
    expect(await ids()).toEqual([1]);
  });
});
